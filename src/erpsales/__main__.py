"""``python -m erpsales``: the same command line as the ``erpsales`` script."""

from __future__ import annotations

from erpsales.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
