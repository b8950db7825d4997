"""Reading policies from TOML, JSON or YAML, with ``extends`` and located errors."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from erpsales.errors import PolicyError, PolicySyntaxError
from erpsales.policy._model import Policy

__all__ = ["load_policy", "policy_from_dict", "seed_policy"]

_SEED = "seed.toml"


def _read(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError("no such policy file", code="policy.not_found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read the policy: {exc}", file=str(path)) from None
    return _parse(text, path.suffix.lower(), str(path)), text


def _parse(text: str, suffix: str, name: str) -> dict[str, Any]:
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise PolicyError(
                    "YAML policies need PyYAML: pip install 'erpsales[yaml]'",
                    code="policy.missing_extra",
                    file=name,
                ) from None
            data = yaml.safe_load(text)
        else:
            raise PolicyError(
                f"unknown policy format {suffix!r}; expected .toml, .json, .yaml or .yml",
                file=name,
            )
    except PolicyError:
        raise
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise PolicySyntaxError(
            f"not valid TOML: {exc}",
            file=name,
            line=int(line.group(1)) if line else None,
        ) from None
    except json.JSONDecodeError as exc:
        raise PolicySyntaxError(f"not valid JSON: {exc.msg}", file=name, line=exc.lineno) from None
    except Exception as exc:  # yaml.YAMLError and friends: a syntax error in the file
        mark = getattr(exc, "problem_mark", None)
        raise PolicySyntaxError(
            f"not valid YAML: {exc}",
            file=name,
            line=mark.line + 1 if mark is not None else None,
        ) from None
    if not isinstance(data, dict):
        raise PolicyError("a policy must be a table/object at the top level", file=name)
    return data


def _seed_path() -> Any:
    return resources.files("erpsales.policy").joinpath(_SEED)


@cache
def _seed_data() -> tuple[dict[str, Any], str]:
    text = resources.files("erpsales.policy").joinpath(_SEED).read_text(encoding="utf-8")
    return tomllib.loads(text), text


@cache
def seed_policy() -> Policy:
    """Return the bundled seed policy (the playbook of the spec with every AMB default).

    The object is immutable and shared; ``seed_policy() is seed_policy()``.
    """
    data, text = _seed_data()
    return _build(copy.deepcopy(data), text=text, source=str(_seed_path()))


def load_policy(path: str | Path, /) -> Policy:
    """Load and check a policy file (``.toml``, ``.json``, ``.yaml``/``.yml``).

    A file may start from another policy with ``extends = "seed"`` (or a relative path):
    then it names only what differs. Tables merge key by key; ``settings.products`` and
    ``rules`` merge by ``id`` (a partial entry changes only the keys it gives); a list
    ``remove_rules = ["CX-RC-3"]`` drops rules.

    Every condition, template and setting is checked here, so a policy that loads is a
    policy that runs.

    Raises:
        PolicyError: With the file, line, rule id and field of the first problem.
    """
    file = Path(path)
    data, text = _read(file)
    data = _resolve_extends(data, file, seen=(file.resolve(),))
    return _build(data, text=text, source=str(file))


def policy_from_dict(data: dict[str, Any], /, *, source: str | None = None) -> Policy:
    """Build and check a policy from a dict in the file format (``extends`` works too)."""
    base = Path(source).parent if source else Path.cwd()
    data = _resolve_extends(copy.deepcopy(data), base / "<dict>", seen=())
    return _build(data, text=None, source=source)


def _resolve_extends(data: dict[str, Any], file: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    parent = data.pop("extends", None)
    removals = data.pop("remove_rules", [])
    if parent is None:
        if removals:
            raise PolicyError("remove_rules needs extends", file=str(file))
        return data
    if not isinstance(parent, str):
        raise PolicyError("extends must be 'seed' or a path to a policy file", file=str(file))
    if parent == "seed":
        base = copy.deepcopy(_seed_data()[0])
    else:
        parent_path = (file.parent / parent).resolve()
        if parent_path in seen:
            raise PolicyError(f"extends loops back to {parent}", file=str(file))
        base, _ = _read(parent_path)
        base = _resolve_extends(base, parent_path, (*seen, parent_path))
    merged: dict[str, Any] = _merge(base, data, path="")
    if removals:
        ids = {r.get("id") for r in merged.get("rules", [])}
        unknown = [r for r in removals if r not in ids]
        if unknown:
            raise PolicyError(f"remove_rules names unknown rules {unknown}", file=str(file))
        merged["rules"] = [r for r in merged.get("rules", []) if r.get("id") not in removals]
    return merged


def _merge(base: Any, override: Any, path: str) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base[key], value, f"{path}.{key}") if key in base else value
        return out
    if (
        path in (".rules", ".settings.products")
        and isinstance(base, list)
        and isinstance(override, list)
    ):
        by_id = {item.get("id"): i for i, item in enumerate(base) if isinstance(item, dict)}
        out_list = list(base)
        for item in override:
            if isinstance(item, dict) and item.get("id") in by_id:
                index = by_id[item["id"]]
                out_list[index] = _merge(out_list[index], item, f"{path}[]")
            else:
                out_list.append(item)
        return out_list
    return override


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.]+)\s*\]\]?")
_ID = re.compile(r"""^\s*-?\s*["']?id["']?\s*[:=]\s*["']([A-Za-z0-9_.-]+)["']""")
_KEY = re.compile(r"""^\s*-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*[:=]""")


def _line_index(text: str | None) -> dict[str, int]:
    """Map ``rules:ID``, ``rules:ID.key``, ``products:ID`` … to 1-based lines of ``text``.

    TOML tables tell rules from products; in JSON and YAML an id's section is unknown
    (``any:ID``), and the keys that follow an id belong to it until the next id.
    """
    if not text:
        return {}
    lines: dict[str, int] = {}
    section, item = "any", None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header and "=" not in line and ":" not in line:
            name = header.group(1)
            section = {"rules": "rules", "settings.products": "products"}.get(name, "any")
            item = None
            continue
        found = _ID.match(line)
        if found:
            item = f"{section}:{found.group(1)}"
            lines.setdefault(item, number)
            continue
        key = _KEY.match(line)
        if key and item is not None:
            lines.setdefault(f"{item}.{key.group(1)}", number)
    return lines


def _build(data: dict[str, Any], *, text: str | None, source: str | None) -> Policy:
    lines = _line_index(text)
    try:
        policy = Policy.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise _located(exc, data, lines, source) from None
    policy._lines.update(lines)
    from erpsales.policy._compile import compile_program  # the compiler imports the model

    compile_program(policy)  # checks every condition, template and band; caches the program
    return policy


def _located(
    exc: ValidationError, data: dict[str, Any], lines: dict[str, int], source: str | None
) -> PolicyError:
    first = exc.errors()[0]
    loc = list(first["loc"])
    rule_id = None
    line = None
    for key in ("rules", "products"):
        container = data.get(key) if key == "rules" else data.get("settings", {}).get(key)
        if loc[:1] == [key] or loc[:2] == ["settings", key]:
            offset = 1 if loc[0] == key else 2
            position = loc[offset] if len(loc) > offset else None
            if isinstance(position, int) and isinstance(container, list):
                item = container[position]
                item_id = item.get("id") if isinstance(item, dict) else None
                if key == "rules":
                    rule_id = item_id
                section = "rules" if key == "rules" else "products"
                field_key = loc[offset + 1] if len(loc) > offset + 1 else None
                line = (
                    lines.get(f"{section}:{item_id}.{field_key}")
                    or lines.get(f"{section}:{item_id}")
                    or lines.get(f"any:{item_id}")
                    if item_id
                    else None
                )
    field = ".".join(str(part) for part in loc) or None
    more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
    return PolicyError(
        f"{first['msg']}{more}", file=source, line=line, rule_id=rule_id, field=field
    )
