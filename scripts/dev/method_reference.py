"""Write the published method list, docs/methods.md, from the method registry.

Usage: .venv/bin/python scripts/dev/method_reference.py [--check]

Run it after adding or changing an operation; tests/test_method_reference.py fails while
the committed file and the code differ. With --check it only compares (exit 1 on a
difference) and writes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from milepost.rpc.reference import render
from milepost.rpc.registry import Registry
from milepost.services import DOMAINS
from milepost.services.operations import collect

TARGET = Path(__file__).resolve().parents[2] / "docs" / "methods.md"


def main(argv: list[str]) -> int:
    text = render(Registry(collect(DOMAINS)))
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            sys.stderr.write(f"{TARGET} is out of date; run {Path(__file__).name}\n")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET} ({text.count(chr(10))} lines)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
