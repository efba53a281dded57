from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.pages import close_clients


@pytest.fixture(autouse=True)
def _close_web_clients() -> Iterator[None]:
    yield
    close_clients()
