"""Property-based fuzzing of `/api/jsonrpc` over real HTTP.

Whatever arrives (random bytes, random JSON, random batches, bent method names, params
drawn from each method's published JSON Schema, sent as JSON, form fields or a GET
query), the answer is a proper JSON-RPC response, never a 5xx, never a traceback or
SQL text, never an internal error; and the server is healthy afterwards with no
internal error in its log. The budget is set by MILEPOST_FUZZ_EXAMPLES (conftest).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import strategies as fs
from tests.fuzz.conftest import KNOWN_CRASHES, ROLES, Fuzzer, budget


def fuzz_settings(share: float) -> settings:
    return settings(
        max_examples=budget(share),
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


roles = st.sampled_from(sorted(ROLES))


@fuzz_settings(0.15)
@given(body=fs.broken_bodies(), role=roles)
def test_any_body_gets_a_json_rpc_answer(fuzzer: Fuzzer, body: bytes, role: str) -> None:
    fuzzer.send_bytes(body, role)


@fuzz_settings(0.15)
@given(data=st.data(), role=roles)
def test_any_method_name_gets_an_answer(fuzzer: Fuzzer, data: st.DataObject, role: str) -> None:
    fuzzer.send_json(data.draw(fs.requests(fuzzer.bent_names)), role)


@fuzz_settings(0.15)
@given(data=st.data(), role=roles)
def test_any_batch_gets_one_answer_per_request(
    fuzzer: Fuzzer, data: st.DataObject, role: str
) -> None:
    fuzzer.send_json(data.draw(fuzzer.batches), role)


@fuzz_settings(0.55)
@given(data=st.data(), role=roles, transport=st.sampled_from(["json"] * 6 + ["form", "get"]))
def test_any_params_from_the_schemas_get_an_answer(
    fuzzer: Fuzzer, data: st.DataObject, role: str, transport: str
) -> None:
    method = data.draw(st.sampled_from(fuzzer.methods))
    request: dict[str, Any] = {"jsonrpc": "2.0", "method": method["name"]}
    if data.draw(st.integers(0, 9)):
        request["id"] = data.draw(st.integers(0, 10**6))
    params = data.draw(fuzzer.params(method))
    if params is not None:
        request["params"] = params
    if transport == "form":
        fuzzer.send_form(request, role)
    elif transport == "get":
        fuzzer.send_get(request, role)
    else:
        fuzzer.send_json(request, role)


def test_the_server_is_healthy_after_the_fuzzing(fuzzer: Fuzzer) -> None:
    server = fuzzer.server
    assert server.healthy()
    key = server.mint_key("owner")
    assert isinstance(server.call("leantime.rpc.Auth.getUserId", key=key), int)
    document = server.call("rpc.discover", key=key)
    assert len(document["methods"]) == len(fuzzer.methods) + len(KNOWN_CRASHES)
    assert fuzzer.figures.failures == []
    assert server.internal_errors() == []
