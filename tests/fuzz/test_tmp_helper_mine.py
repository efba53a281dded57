from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import ROLES, Fuzzer

MINE = ("Sprints.", "Goalcanvas.", "Ideas.", "Canvas.", "Blueprints.", "Reports.")


@settings(max_examples=3000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), role=st.sampled_from(sorted(ROLES)))
def test_mine(fuzzer: Fuzzer, data: st.DataObject, role: str) -> None:
    methods = [
        m for m in fuzzer.methods if m["name"].startswith(tuple("leantime.rpc." + p for p in MINE))
    ]
    method = data.draw(st.sampled_from(methods))
    request: dict[str, Any] = {"jsonrpc": "2.0", "method": method["name"], "id": 1}
    params = data.draw(fuzzer.params(method))
    if params is not None:
        request["params"] = params
    fuzzer.send_json(request, role)


def test_after(fuzzer: Fuzzer) -> None:
    assert fuzzer.figures.failures == []
    assert fuzzer.server.internal_errors() == []
