"""Figures of the security tests, printed at the end of the run (and written as JSON to
MILEPOST_SECURITY_REPORT when it is set)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

FIGURES: list[dict[str, Any]] = []
CASE_KINDS = ("refused", "allowed", "unknown")


def add(backend: str, part: str, tally: Counter[str], missing: dict[str, str]) -> None:
    cases = sum(count for name, count in tally.items() if name.startswith(CASE_KINDS))
    FIGURES.append(
        {
            "backend": backend,
            "part": part,
            "cases": cases,
            "tally": dict(sorted(tally.items())),
            "kinds_not_made": missing,
        }
    )
    path = os.environ.get("MILEPOST_SECURITY_REPORT")
    if path:
        Path(path).write_text(json.dumps(FIGURES, indent=2))


def lines() -> list[str]:
    """One line per backend and part, with the per-method details folded into counts."""
    found = []
    for figures in FIGURES:
        folded: Counter[str] = Counter()
        for name, count in figures["tally"].items():
            folded[name.split(":")[0]] += count
        missing = sorted(figures["kinds_not_made"])
        found.append(
            f"authorization matrix on {figures['backend']}, {figures['part']} calls:"
            f" {figures['cases']} cases; {dict(folded)}"
            + (f"; kinds not made: {missing}" if missing else "")
        )
    return found
