"""``python -m bench [name ...]``: run every benchmark module (or the named ones).

``name.part`` runs one part of a module that names its parts in ``PARTS`` (``savings.deposit``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import bench


def discover() -> list[str]:
    """Names of modules in ``bench/`` that define ``run()``, in name order."""
    names = []
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "run", None)):
            names.append(info.name)
    return names


def main(argv: list[str]) -> int:
    bench.setup()
    available = discover()
    wanted = argv or available
    runs = []
    for name in wanted:
        module_name, _, part = name.partition(".")
        if module_name not in available:
            print(f"unknown benchmark: {name}; available: {', '.join(available)}")
            return 2
        module = importlib.import_module(f"bench.{module_name}")
        parts = getattr(module, "PARTS", {})
        if part and part not in parts:
            print(f"unknown part: {name}; {module_name} has: {', '.join(parts) or 'none'}")
            return 2
        runs.append((name, parts[part] if part else module.run))
    for name, run in runs:
        print(f"== {name} ({bench.engine()}; {bench.load()})", flush=True)
        run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
