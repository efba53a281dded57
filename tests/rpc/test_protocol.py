"""The JSON-RPC envelope over real HTTP: ids, versions, method names, params, casts, batches.

Each case is one request (or batch) posted with the owner's key and the answer checked
whole: the envelope's keys, the error code, the `id` with its JSON type, and the stable
`data.reason`. The helpers at the top are shared with the other protocol test modules.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server

GET_TICKET = "leantime.rpc.Tickets.getTicket"
PRIORITIES = "leantime.rpc.tickets.getPriorityLabels"
SYSTEM_INFO = "leantime.rpc.Api.Config.getSystemInfo"
PRIORITY_LABELS = {"1": "Critical", "2": "High", "3": "Medium", "4": "Low", "5": "Lowest"}
ABSENT = object()


def request(method: Any = PRIORITIES, params: Any = ABSENT, id_: Any = 1, **extra: Any) -> Any:
    """A request object; `id_=ABSENT` makes a notification, `params=ABSENT` leaves it out."""
    body: dict[str, Any] = {"jsonrpc": "2.0", "method": method, **extra}
    if params is not ABSENT:
        body["params"] = params
    if id_ is not ABSENT:
        body["id"] = id_
    return body


def encode(body: Any) -> bytes:
    """JSON text of any value (null and strings too), escaping non-ASCII; bytes as they are."""
    return body if isinstance(body, bytes) else json.dumps(body).encode()


def answer(server: Server, body: Any, **kwargs: Any) -> Any:
    """Post `body` as JSON with the owner's key; return the decoded answer (HTTP 200)."""
    headers = {"content-type": "application/json", **kwargs.pop("headers", {})}
    response = server.post(encode(body), key=server.owner_key, headers=headers, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def same_id(actual: Any, expected: Any) -> bool:
    """Equal and of the same JSON type (1, 1.0 and "1" are three different ids)."""
    return actual == expected and type(actual) is type(expected)


def assert_result(reply: Any, id_: Any) -> Any:
    """A success envelope with exactly jsonrpc, result and id; returns the result."""
    assert isinstance(reply, dict), reply
    assert set(reply) == {"jsonrpc", "result", "id"}, reply
    assert reply["jsonrpc"] == "2.0"
    assert same_id(reply["id"], id_), reply
    return reply["result"]


def assert_error(reply: Any, code: int, id_: Any = None, reason: str | None = None) -> Any:
    """An error envelope with exactly jsonrpc, error and id, and an error of the
    contract's shape: code, message, and data holding a reason word and a detail text
    (plus param and expected for -32602). Returns `error.data`."""
    assert isinstance(reply, dict), reply
    assert set(reply) == {"jsonrpc", "error", "id"}, reply
    assert reply["jsonrpc"] == "2.0"
    assert same_id(reply["id"], id_), reply
    error = reply["error"]
    assert set(error) == {"code", "message", "data"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"], error
    data = error["data"]
    assert isinstance(data, dict), error
    assert isinstance(data.get("reason"), str) and data["reason"], error
    assert isinstance(data.get("detail"), str) and data["detail"], error
    if code == -32602:
        assert isinstance(data.get("param"), str) and data["param"], error
        assert isinstance(data.get("expected"), str) and data["expected"], error
    if reason is not None:
        assert data["reason"] == reason, error
    return data


# -- ids ------------------------------------------------------------------------------

VALID_IDS = [
    pytest.param(7, id="int"),
    pytest.param(0, id="zero"),
    pytest.param(-3, id="negative-int"),
    pytest.param("abc", id="string"),
    pytest.param("", id="empty-string"),
    pytest.param(1.5, id="float"),
    pytest.param(None, id="null-is-answered"),
]


@pytest.mark.parametrize("id_", VALID_IDS)
def test_valid_id_is_echoed_with_its_type(server: Server, id_: Any) -> None:
    result = assert_result(answer(server, request(id_=id_)), id_)
    assert result == PRIORITY_LABELS


INVALID_IDS = [
    pytest.param({}, id="object"),
    pytest.param({"n": 1}, id="non-empty-object"),
    pytest.param([], id="array"),
    pytest.param([1], id="non-empty-array"),
    pytest.param(True, id="true"),
    pytest.param(False, id="false"),
]


@pytest.mark.parametrize("id_", INVALID_IDS)
def test_invalid_id_is_invalid_request_with_null_id(server: Server, id_: Any) -> None:
    reply = answer(server, request(id_=id_))
    assert_error(reply, -32600, None, "bad_id")
    assert reply["error"]["message"] == "Invalid Request"


# -- jsonrpc version ------------------------------------------------------------------

BAD_VERSIONS = [
    pytest.param(ABSENT, id="missing"),
    pytest.param("1.0", id="string-1.0"),
    pytest.param(2.0, id="number-2.0"),
    pytest.param(2, id="number-2"),
    pytest.param("2", id="string-2"),
    pytest.param(None, id="null"),
]


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_version_other_than_string_2_0_is_invalid_request(server: Server, version: Any) -> None:
    body = request(id_="v")
    if version is ABSENT:
        del body["jsonrpc"]
    else:
        body["jsonrpc"] = version
    assert_error(answer(server, body), -32600, "v", "bad_version")


def test_bad_version_without_id_is_still_answered(server: Server) -> None:
    """An invalid Request object is no notification: its -32600 comes back with id null."""
    body = request(id_=ABSENT)
    body["jsonrpc"] = "1.0"
    assert_error(answer(server, body), -32600, None, "bad_version")


# -- method names ---------------------------------------------------------------------

MISSING_METHODS = [
    pytest.param(ABSENT, id="missing"),
    pytest.param(None, id="null"),
    pytest.param("", id="empty"),
    pytest.param(5, id="number"),
    pytest.param(["leantime.rpc.tickets.getTicket"], id="array"),
    pytest.param({"name": "x"}, id="object"),
]


@pytest.mark.parametrize("method", MISSING_METHODS)
def test_method_that_is_not_a_non_empty_string_is_invalid_request(
    server: Server, method: Any
) -> None:
    body = request(method, id_=3)
    if method is ABSENT:
        del body["method"]
    assert_error(answer(server, body), -32600, 3, "missing_method")


BAD_METHOD_NAMES = [
    pytest.param("foobar", id="no-prefix"),
    pytest.param("tickets.getTicket", id="bare-domain"),
    pytest.param("Leantime.rpc.tickets.getTicket", id="prefix-upper-case"),
    pytest.param("leantime.RPC.tickets.getTicket", id="rpc-upper-case"),
    pytest.param("leantime.rpctickets.getTicket", id="prefix-without-dot"),
    pytest.param(" leantime.rpc.tickets.getTicket", id="leading-space"),
    pytest.param("leantime.rpc.", id="prefix-only"),
    pytest.param("leantime.rpc.tickets", id="3-parts"),
    pytest.param("leantime.rpc.Tickets.Tickets.Tickets.getTicket", id="6-parts"),
    pytest.param("leantime.rpc.tickets..getTicket", id="empty-part"),
    pytest.param("leantime.rpc.tickets.getTicket.", id="trailing-dot"),
]


@pytest.mark.parametrize("method", BAD_METHOD_NAMES)
def test_malformed_method_name_is_method_not_found(server: Server, method: str) -> None:
    """PRODUCT.md item 2: the specification's -32601 wins over Leantime's -32602."""
    reply = answer(server, request(method, {"id": 1}))
    assert_error(reply, -32601, 1, "bad_method_name")
    assert reply["error"]["message"] == "Method not found"


UNKNOWN_METHODS = [
    pytest.param("leantime.rpc.tickets.nope", id="unknown-method"),
    pytest.param("leantime.rpc.Nope.getTicket", id="unknown-domain"),
    pytest.param("leantime.rpc.Tickets.Nope.getTicket", id="unknown-service"),
    pytest.param("leantime.rpc.Config.getSystemInfo", id="4-part-config-does-not-resolve"),
    pytest.param("leantime.rpc.Api.getSystemInfo", id="4-part-api-does-not-resolve"),
    pytest.param("rpc.nope", id="unknown-rpc-name"),
]


@pytest.mark.parametrize("method", UNKNOWN_METHODS)
def test_well_formed_unknown_method_is_method_not_found(server: Server, method: str) -> None:
    assert_error(answer(server, request(method)), -32601, 1, "method_not_found")


TICKET_SPELLINGS = [
    "leantime.rpc.tickets.getTicket",
    "leantime.rpc.Tickets.getTicket",
    "leantime.rpc.Tickets.Tickets.getTicket",
    "leantime.rpc.tickets.tickets.getTicket",
    "leantime.rpc.tickets.get_ticket",
    "leantime.rpc.tickets.get-ticket",
    "leantime.rpc.TICKETS.GETTICKET",
    "leantime.rpc.tickets.GetTicket",
    "leantime.rpc.tickets.getticket",
]


@pytest.mark.parametrize("method", TICKET_SPELLINGS)
def test_every_leantime_spelling_of_get_ticket_answers(server: Server, method: str) -> None:
    ticket = assert_result(answer(server, request(method, {"id": 1})), 1)
    assert ticket["id"] == 1
    assert ticket["projectId"] == 1


SYSTEM_INFO_SPELLINGS = [
    "leantime.rpc.Api.Config.getSystemInfo",
    "leantime.rpc.api.config.getSystemInfo",
    "leantime.rpc.api.config.get_system_info",
    "leantime.rpc.API.CONFIG.GETSYSTEMINFO",
]


@pytest.mark.parametrize("method", SYSTEM_INFO_SPELLINGS)
def test_five_part_name_answers_in_every_spelling(server: Server, method: str) -> None:
    info = assert_result(answer(server, request(method)), 1)
    assert info["version"] == "3.9.8"
    assert isinstance(info["milepostVersion"], str)


def test_rpc_discover_is_the_one_rpc_name_that_answers(server: Server) -> None:
    document = assert_result(answer(server, request("rpc.discover")), 1)
    assert document["openrpc"].startswith("1.4")


# -- params ---------------------------------------------------------------------------

NO_PARAMS = [
    pytest.param(ABSENT, id="absent"),
    pytest.param({}, id="empty-object"),
    pytest.param([], id="empty-array"),
    pytest.param(None, id="null"),
    pytest.param("", id="empty-string"),
    pytest.param("{}", id="string-empty-object"),
]


@pytest.mark.parametrize("params", NO_PARAMS)
def test_params_that_mean_no_parameters(server: Server, params: Any) -> None:
    assert assert_result(answer(server, request(PRIORITIES, params)), 1) == PRIORITY_LABELS
    data = assert_error(answer(server, request(GET_TICKET, params)), -32602, 1)
    assert data["param"] == "id"
    assert data["detail"] == "Required Parameter Missing: id"


BAD_PARAMS = [
    pytest.param(5, id="number"),
    pytest.param(1.5, id="float"),
    pytest.param(True, id="boolean"),
    pytest.param("not json", id="string-not-json"),
    pytest.param("5", id="string-holding-a-number"),
    pytest.param('"x"', id="string-holding-a-string"),
]


@pytest.mark.parametrize("params", BAD_PARAMS)
def test_params_neither_object_nor_array_is_invalid_params(server: Server, params: Any) -> None:
    data = assert_error(answer(server, request(GET_TICKET, params)), -32602, 1)
    assert data["param"] == "params"


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"id": 1}, id="named"),
        pytest.param([1], id="positional"),
        pytest.param('{"id": 1}', id="string-holding-object"),
        pytest.param("[1]", id="string-holding-array"),
        pytest.param({"id": 1, "bogus": 2, "values": {}}, id="unknown-names-ignored"),
    ],
)
def test_params_forms_bind_the_same_ticket(server: Server, params: Any) -> None:
    ticket = assert_result(answer(server, request(GET_TICKET, params)), 1)
    assert ticket["id"] == 1


def test_param_names_are_case_sensitive(server: Server) -> None:
    data = assert_error(answer(server, request(GET_TICKET, {"ID": 1})), -32602, 1)
    assert data["param"] == "id"


def test_named_and_positional_params_follow_the_signature_order(server: Server) -> None:
    """findTicket(term, projectId): by name in either order, or by position."""
    method = "leantime.rpc.tickets.findTicket"
    replies = answer(
        server,
        [
            request(method, {"term": "Kick-off", "projectId": 1}, id_=1),
            request(method, {"projectId": 1, "term": "Kick-off"}, id_=2),
            request(method, ["Kick-off", 1], id_=3),
        ],
    )
    results = [assert_result(reply, n) for reply, n in zip(replies, [1, 2, 3], strict=True)]
    assert results[0] == results[1] == results[2]
    assert [row["id"] for row in results[0]] == [1]


def test_too_many_positional_params_is_invalid_params(server: Server) -> None:
    data = assert_error(answer(server, request(GET_TICKET, [1, 2])), -32602, 1)
    assert data["param"] == "params"
    assert "at most 1" in data["detail"]


def test_positional_params_for_a_method_without_params_is_invalid_params(server: Server) -> None:
    data = assert_error(answer(server, request(PRIORITIES, [7])), -32602, 1)
    assert data["param"] == "params"


# -- Leantime's casts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "ticket_id"),
    [
        pytest.param("9", 9, id="digit-string"),
        pytest.param(" 9 ", 9, id="padded-digit-string"),
        pytest.param(9.0, 9, id="integral-float"),
        pytest.param(True, 1, id="true-is-1"),
    ],
)
def test_integer_param_is_cast_as_leantime_casts(server: Server, sent: Any, ticket_id: int) -> None:
    ticket = assert_result(answer(server, request(GET_TICKET, {"id": sent})), 1)
    assert ticket["id"] == ticket_id


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param("9.5", id="decimal-string"),
        pytest.param(9.5, id="fraction"),
        pytest.param("abc", id="word"),
        pytest.param("", id="empty-string"),
        pytest.param(False, id="false"),
        pytest.param([9], id="array"),
        pytest.param({"id": 9}, id="object"),
        pytest.param(2**63, id="beyond-64-bits"),
        pytest.param("-9223372036854775809", id="digit-string-below-64-bits"),
        pytest.param("99999999999999999999", id="digit-string-beyond-64-bits"),
        pytest.param(1e30, id="huge-integral-float"),
    ],
)
def test_integer_param_that_does_not_cast_is_invalid_params(server: Server, sent: Any) -> None:
    data = assert_error(answer(server, request(GET_TICKET, {"id": sent})), -32602, 1)
    assert data["param"] == "id"
    assert data["expected"].startswith("an integer")


def test_null_for_a_required_param_is_invalid_params(server: Server) -> None:
    data = assert_error(answer(server, request(GET_TICKET, {"id": None})), -32602, 1)
    assert data["param"] == "id"
    assert data["detail"] == "Parameter id can't be null"


@pytest.mark.parametrize(
    "params", [pytest.param({"id": None}, id="named"), pytest.param([None], id="positional")]
)
def test_explicit_null_for_an_optional_param_means_its_default(server: Server, params: Any) -> None:
    """Users.getUser(id=None) is the caller; Leantime fails on the null, Milepost does not."""
    me = assert_result(answer(server, request("leantime.rpc.Auth.getUserId")), 1)
    user = assert_result(answer(server, request("leantime.rpc.users.getUser", params)), 1)
    assert user["id"] == me


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        pytest.param("false", False, id="string-false"),
        pytest.param("0", False, id="string-0"),
        pytest.param("off", False, id="string-off"),
        pytest.param("true", True, id="string-true"),
        pytest.param("yes", True, id="string-yes"),
        pytest.param(1, True, id="number-1"),
    ],
)
def test_boolean_inside_a_wrapper_is_cast_as_leantime_casts(
    server: Server, sent: Any, expected: bool
) -> None:
    values = {"name": f"cast-{secrets.token_hex(4)}", "role": "readonly", "allProjects": sent}
    created = assert_result(
        answer(server, request("leantime.rpc.Api.Api.createApiKeyWithProjects", [values, []])), 1
    )
    assert created["allProjects"] is expected


def test_boolean_that_does_not_cast_is_invalid_params_naming_the_field(server: Server) -> None:
    values = {"name": f"cast-{secrets.token_hex(4)}", "role": "readonly", "allProjects": "maybe"}
    reply = answer(server, request("leantime.rpc.Api.Api.createApiKeyWithProjects", [values]))
    data = assert_error(reply, -32602, 1)
    assert data["param"] == "values.allProjects"
    assert data["expected"] == "a boolean"
    assert "'maybe'" in data["detail"]


@pytest.mark.parametrize(
    ("sent", "ok"),
    [
        pytest.param("false", True, id="string-false"),
        pytest.param("maybe", False, id="string-maybe"),
    ],
)
def test_top_level_boolean_param_is_cast(server: Server, sent: str, ok: bool) -> None:
    reply = answer(server, request("leantime.rpc.users.getAll", {"activeOnly": sent}))
    if ok:
        assert len(assert_result(reply, 1)) >= 6
    else:
        assert assert_error(reply, -32602, 1)["param"] == "activeOnly"


def test_integer_inside_a_wrapper_is_cast(server: Server) -> None:
    headline = f"wrapped cast {secrets.token_hex(4)}"
    values = {"headline": headline, "projectId": "1"}
    ticket_id = assert_result(
        answer(server, request("leantime.rpc.tickets.addTicket", [values])), 1
    )
    ticket = assert_result(answer(server, request(GET_TICKET, [ticket_id])), 1)
    assert (ticket["headline"], ticket["projectId"]) == (headline, 1)


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda v: {"values": v}, id="wrapped"),
        pytest.param(lambda v: v, id="flat-object-for-the-wrapper"),
        pytest.param(lambda v: [v], id="wrapper-as-one-positional-element"),
    ],
)
def test_add_ticket_takes_its_values_wrapped_flat_or_positional(server: Server, wrap: Any) -> None:
    headline = f"wrapper {secrets.token_hex(4)}"
    params = wrap({"headline": headline, "projectId": 1})
    ticket_id = assert_result(answer(server, request("leantime.rpc.tickets.addTicket", params)), 1)
    assert isinstance(ticket_id, int)
    ticket = assert_result(answer(server, request(GET_TICKET, {"id": ticket_id})), 1)
    assert (ticket["headline"], ticket["projectId"]) == (headline, 1)


# -- batches --------------------------------------------------------------------------


def test_batch_of_the_limit_is_answered_in_full(server: Server) -> None:
    replies = answer(server, [request(SYSTEM_INFO, id_=n) for n in range(1000)])
    assert [reply["id"] for reply in replies] == list(range(1000))
    assert all("result" in reply for reply in replies)


def test_batch_over_the_limit_is_one_invalid_request(server: Server) -> None:
    reply = answer(server, [request(SYSTEM_INFO, id_=n) for n in range(1001)])
    data = assert_error(reply, -32600, None, "batch_too_large")
    assert "1001" in data["detail"] and "1000" in data["detail"]


def test_batch_of_notifications_and_errors_answers_only_what_must_be(server: Server) -> None:
    headline = f"batch notification {secrets.token_hex(4)}"
    batch = [
        request(id_=ABSENT),
        request("leantime.rpc.tickets.nope", id_=ABSENT),
        request(GET_TICKET, {"id": "abc"}, id_=ABSENT),
        request(
            "leantime.rpc.tickets.addTicket",
            {"values": {"headline": headline, "projectId": 1}},
            id_=ABSENT,
        ),
        request("leantime.rpc.tickets.nope", id_="m"),
        request(GET_TICKET, {"id": "abc"}, id_="p"),
        {"jsonrpc": "2.0"},
        7,
        request(id_="ok"),
    ]
    replies = answer(server, batch)
    assert len(replies) == 5
    assert_error(replies[0], -32601, "m", "method_not_found")
    assert_error(replies[1], -32602, "p")
    assert_error(replies[2], -32600, None, "missing_method")
    assert_error(replies[3], -32600, None, "invalid_request")
    assert assert_result(replies[4], "ok") == PRIORITY_LABELS

    # The notification's call ran even though nothing was answered for it.
    found = answer(server, request("leantime.rpc.tickets.findTicket", [headline, 1]))
    assert [row["headline"] for row in assert_result(found, 1)] == [headline]


@pytest.mark.parametrize(
    "member",
    [
        pytest.param(1, id="number"),
        pytest.param("x", id="string"),
        pytest.param(None, id="null"),
        pytest.param(True, id="boolean"),
        pytest.param([], id="empty-array"),
        pytest.param([request()], id="nested-batch"),
    ],
)
def test_each_non_object_batch_member_gets_its_own_invalid_request(
    server: Server, member: Any
) -> None:
    replies = answer(server, [member, request(id_=2), member])
    assert len(replies) == 3
    assert_error(replies[0], -32600, None, "invalid_request")
    assert_result(replies[1], 2)
    assert_error(replies[2], -32600, None, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(5, id="number"),
        pytest.param("x", id="string"),
        pytest.param(None, id="null"),
        pytest.param(True, id="boolean"),
    ],
)
def test_top_level_non_object_is_one_invalid_request(server: Server, body: Any) -> None:
    assert_error(answer(server, body), -32600, None, "invalid_request")


def test_object_without_method_or_id_is_answered_not_dropped(server: Server) -> None:
    """`{"foo": "boo"}` has no id, but an invalid Request object is no notification."""
    assert_error(answer(server, {"foo": "boo"}), -32600, None)


# -- error.data and internal errors ---------------------------------------------------

ERROR_CASES = [
    pytest.param(request("x"), -32601, id="bad-name"),
    pytest.param(request("leantime.rpc.tickets.nope"), -32601, id="unknown-method"),
    pytest.param(request(GET_TICKET), -32602, id="missing-param"),
    pytest.param(request(GET_TICKET, {"id": "x"}), -32602, id="cast"),
    pytest.param(request(GET_TICKET, 5), -32602, id="params-number"),
    pytest.param(
        request("leantime.rpc.tickets.addTicket", {"values": {"projectId": 1}}),
        -32602,
        id="service-validation",
    ),
    pytest.param(
        request("leantime.rpc.tickets.patchTicket", {"id": 10**9, "values": {"headline": "x"}}),
        -32002,
        id="not-found",
    ),
    pytest.param(
        request(
            "leantime.rpc.Api.Api.createApiKeyWithProjects",
            {"values": {"name": "x", "role": "nope"}},
        ),
        -32602,
        id="bad-role",
    ),
    pytest.param(request(jsonrpc="1.0"), -32600, id="version"),
    pytest.param(request(id_=[]), -32600, id="bad-id"),
]


@pytest.mark.parametrize(("body", "code"), ERROR_CASES)
def test_error_data_is_an_object_with_reason_and_detail(
    server: Server, body: Any, code: int
) -> None:
    reply = answer(server, body)
    assert_error(reply, code, reply["id"])


# Inputs a client can send that have reached code below the binder unchecked.
HOSTILE_INPUTS = [
    pytest.param(
        request(
            "leantime.rpc.Api.Api.createApiKeyWithProjects",
            {
                "values": {
                    "name": f"x-{secrets.token_hex(4)}",
                    "expires": "9999-12-31T23:59:59-01:00",
                }
            },
        ),
        id="date-overflowing-to-utc",
    ),
    pytest.param(
        request("leantime.rpc.tickets.findTicket", {"term": "a\u0000b", "projectId": 1}),
        id="nul-character",
    ),
    pytest.param(request(GET_TICKET, {"id": 2**31}), id="integer-beyond-32-bits"),
    pytest.param(request(GET_TICKET, {"id": 2**63}), id="integer-beyond-64-bits"),
    pytest.param(
        request(
            "leantime.rpc.tickets.addTicket",
            {"values": {"headline": "x" * 100_000, "projectId": 1}},
        ),
        id="overlong-string",
    ),
    pytest.param(
        request(
            "leantime.rpc.tickets.addTicket", {"values": {"headline": "\udbff", "projectId": 1}}
        ),
        id="lone-surrogate",
    ),
    pytest.param(
        request(GET_TICKET, {"id": 1}, extra="x" * 1000, nested=[[[[[[[[1]]]]]]]]),
        id="unknown-members",
    ),
]


@pytest.mark.parametrize("body", HOSTILE_INPUTS)
def test_programming_error_never_leaks_a_traceback(server: Server, body: Any) -> None:
    """Whatever a client sends, the answer is a JSON-RPC envelope without internals; an
    internal error is -32603 with a fixed text, and its traceback goes to the log only."""
    log = server_log(server)
    logged_before = log.stat().st_size
    response = server.post(encode(body), key=server.owner_key)
    assert response.status_code == 200
    text = response.text
    for leak in ("Traceback", 'File "', ".py", "sqlalchemy", "psycopg", "sqlite3", "Error:"):
        assert leak not in text, text
    reply = response.json()
    if "error" in reply and reply["error"]["code"] == -32603:
        assert reply["error"]["message"] == "Internal error"
        assert reply["error"]["data"] == {
            "reason": "internal",
            "detail": "the server failed; the error is in its log",
        }
        with log.open("rb") as handle:
            handle.seek(logged_before)
            assert b"Traceback" in handle.read()
    elif "error" in reply:
        assert_error(reply, reply["error"]["code"], reply["id"])
    else:
        assert_result(reply, 1)


def server_log(server: Server) -> Path:
    """The log file `tests.conftest.start_server` sends the server's output to."""
    port = server.url.rsplit(":", 1)[1]
    return server.workdir / f"server-{port}.log"


def test_out_of_range_date_is_invalid_params(server: Server) -> None:
    """An ISO date whose UTC conversion leaves Python's date range is -32602, not -32603."""
    values = {"name": f"x-{secrets.token_hex(4)}", "expires": "9999-12-31T23:59:59-01:00"}
    reply = answer(server, request("leantime.rpc.Api.Api.createApiKeyWithProjects", [values]))
    assert assert_error(reply, -32602, 1)["param"] == "values.expires"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(request(GET_TICKET, {"id": 2**31}), id="id-beyond-32-bits"),
        pytest.param(
            request("leantime.rpc.tickets.findTicket", {"term": "a\u0000b", "projectId": 1}),
            id="nul-in-text",
        ),
    ],
)
def test_input_postgresql_rejects_is_refused_by_the_binder(server: Server, body: Any) -> None:
    """An integer past 2^31-1 (id columns are 32-bit) and a NUL character in text would
    be refused by PostgreSQL; the binder refuses them first, on every backend."""
    reply = answer(server, body)
    assert assert_error(reply, -32602, 1)["param"] in ("id", "term")
