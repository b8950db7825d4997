"""Embedding erpsales in a CRM: one prospect record in, one JSON assessment out.

Usage (from the repository root)::

    PYTHONPATH=src python examples/crm_embed.py                 # first example prospect
    PYTHONPATH=src python examples/crm_embed.py < record.json   # a record posted by the CRM
    PYTHONPATH=src python examples/crm_embed.py record.json     # ... or read from a file

The record is a prospect as JSON (a list is accepted; its first item is used). A record that
does not validate is answered with its errors as JSON, the way a CRM web hook would show them
next to the form fields. The script then shows that answer for a deliberately bad record.
"""

from __future__ import annotations

import json
import select
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import erpsales

EXAMPLES = Path(__file__).resolve().parent / "prospects.json"
AS_OF = "2026-11-28"  # fixed so that the output is reproducible; a CRM would pass today

# What a CRM form might post when a salesperson mistypes: no name, revenue as prose,
# influence on a 1-10 scale, an unknown role and a top factor that is not one of the factors.
BAD_RECORD: dict[str, Any] = {
    "name": "",
    "industry": "机械",
    "revenue": "很多钱",
    "key_info": {"key_evaluation": {"factors": ["价格"], "top_factor": "服务"}},
    "stakeholders": [
        {"name": "周总", "title": "总经理", "roles": ["老板"], "influence": 8, "support": 4}
    ],
}


def _stdin_text() -> str:
    """Return what was piped to stdin, or "" when nothing was (never blocks on an idle pipe)."""
    if sys.stdin is None or sys.stdin.isatty():
        return ""
    try:
        ready, _, _ = select.select([sys.stdin], [], [], 0.5)
    except (OSError, ValueError):  # e.g. Windows, where select() takes sockets only
        ready = [sys.stdin]
    return sys.stdin.read() if ready else ""


def read_record(argv: list[str]) -> Any:
    """The record to qualify: a file argument, else stdin, else the first example."""
    if len(argv) > 1 and argv[1] != "-":
        text = Path(argv[1]).read_text(encoding="utf-8")
    else:
        text = _stdin_text()
    if not text.strip():
        text = EXAMPLES.read_text(encoding="utf-8")
    data = json.loads(text)
    return data[0] if isinstance(data, list) else data


def errors_as_json(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors as plain JSON: which field, what is wrong, and the value given."""
    return [
        {
            "field": ".".join(str(part) for part in err["loc"]) or "(record)",
            "type": err["type"],
            "message": err["msg"],
            "input": err.get("input"),
        }
        for err in exc.errors(include_url=False, include_context=False)
    ]


def respond(record: Any) -> int:
    """Qualify ``record`` and print the CRM's answer; return a process exit code."""
    try:
        assessment = erpsales.qualify(record, as_of=AS_OF, backend="compiled")
    except ValidationError as exc:
        answer = {"ok": False, "error_count": exc.error_count(), "errors": errors_as_json(exc)}
        print(json.dumps(answer, ensure_ascii=False, indent=2, default=str))
        return 1
    print(assessment.model_dump_json(indent=2))
    return 0


def main(argv: list[str]) -> int:
    status = respond(read_record(argv))
    print("\n# A bad record from the CRM form is answered with its errors, not a traceback:")
    respond(BAD_RECORD)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
