"""``python -m benchmarks NAME [ARGS...]`` runs ``benchmarks/NAME.py``; without a name, lists them."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_"))


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in available():
        print("usage: ./dev bench NAME [ARGS...]; benchmarks: " + ", ".join(available()))
        sys.exit(2)
    name = sys.argv[1]
    sys.argv = [f"benchmarks.{name}", *sys.argv[2:]]
    runpy.run_module(f"benchmarks.{name}", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
