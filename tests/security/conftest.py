from __future__ import annotations

from typing import Any

from tests.security import report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in report.lines():
        terminalreporter.write_line(line)
