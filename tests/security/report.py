"""Figures of the security tests, printed at the end of the run (and written as JSON to
MILEPOST_SECURITY_REPORT when it is set)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

FIGURES: list[dict[str, Any]] = []


def add(backend: str, part: str, tally: Counter[str], missing: dict[str, str]) -> None:
    FIGURES.append(
        {
            "backend": backend,
            "part": part,
            "cases": sum(
                count for name, count in tally.items() if not name.startswith("inconclusive")
            ),
            "tally": dict(sorted(tally.items())),
            "kinds_not_made": missing,
        }  # fmt: skip
    )
    path = os.environ.get("MILEPOST_SECURITY_REPORT")
    if path:
        Path(path).write_text(json.dumps(FIGURES, indent=2))


def lines() -> list[str]:
    return [
        f"authorization matrix on {f['backend']}, {f['part']} calls: {f['cases']} cases;"
        f" {f['tally']}"
        + (f"; kinds not made: {sorted(f['kinds_not_made'])}" if f["kinds_not_made"] else "")
        for f in FIGURES
    ]
