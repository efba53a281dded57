"""The examples of the JSON-RPC 2.0 specification, section 7, ported to Leantime methods.

`subtract`, `sum` and `get_data` become `Tickets.getTicket`, `tickets.findTicket` and
`Api.Config.getSystemInfo`; `update` and `notify_*` become notifications of
`tickets.getPriorityLabels`. Each answer is checked as the specification shows it and
as PRODUCT.md (contract item 6) sharpens it: notifications are left out, an
all-notification batch is HTTP 204 with no body, an empty batch is one -32600, a parse
error has `"id": null`, and `error.data` is an object with a reason and a detail.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.rpc.test_protocol import (
    ABSENT,
    GET_TICKET,
    PRIORITIES,
    PRIORITY_LABELS,
    SYSTEM_INFO,
    answer,
    assert_error,
    assert_result,
    request,
)

FIND_TICKET = "leantime.rpc.tickets.findTicket"


def by_id(replies: list[Any]) -> dict[Any, Any]:
    """Batch answers keyed by id (the specification lets a server answer in any order)."""
    keyed = {reply["id"]: reply for reply in replies}
    assert len(keyed) == len(replies), "two answers share an id"
    return keyed


def test_positional_params(server: Server) -> None:
    """--> {"method": "subtract", "params": [42, 23], "id": 1} <-- {"result": 19, "id": 1}."""
    first = assert_result(answer(server, request(GET_TICKET, [1], id_=1)), 1)
    second = assert_result(answer(server, request(GET_TICKET, [2], id_=2)), 2)
    assert (first["id"], second["id"]) == (1, 2)


def test_named_params_in_any_order(server: Server) -> None:
    """--> {"params": {"subtrahend": 23, "minuend": 42}, "id": 3} and the reverse order,
    id 4: the same result."""
    third = answer(server, request(FIND_TICKET, {"term": "Kick-off", "projectId": 1}, id_=3))
    fourth = answer(server, request(FIND_TICKET, {"projectId": 1, "term": "Kick-off"}, id_=4))
    assert assert_result(third, 3) == assert_result(fourth, 4)
    assert [ticket["id"] for ticket in assert_result(third, 3)] == [1]


def test_named_params_answer_as_positional_ones(server: Server) -> None:
    by_name = assert_result(answer(server, request(GET_TICKET, {"id": 1}, id_=1)), 1)
    by_position = assert_result(answer(server, request(GET_TICKET, [1], id_=1)), 1)
    assert by_name == by_position


def test_notification(server: Server) -> None:
    """--> {"method": "update", "params": [1, 2, 3, 4, 5]} and {"method": "foobar"}: no answer."""
    for body in (request(PRIORITIES, id_=ABSENT), request("leantime.rpc.tickets.nope", id_=ABSENT)):
        response = server.post(body, key=server.owner_key)
        assert response.status_code == 204
        assert response.content == b""


def test_non_existent_method(server: Server) -> None:
    """--> {"method": "foobar", "id": "1"} <-- -32601 "Method not found", id "1"."""
    reply = answer(server, request("foobar", id_="1"))
    assert_error(reply, -32601, "1")
    assert reply["error"]["message"] == "Method not found"

    reply = answer(server, request("leantime.rpc.tickets.foobar", id_="1"))
    assert_error(reply, -32601, "1", "method_not_found")
    assert reply["error"]["message"] == "Method not found"


def test_invalid_json(server: Server) -> None:
    """--> {"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz] <-- -32700, id null."""
    body = b'{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]'
    reply = answer(server, body)
    assert_error(reply, -32700, None, "parse_error")
    assert reply["error"]["message"] == "Parse error"


def test_invalid_request_object(server: Server) -> None:
    """--> {"jsonrpc": "2.0", "method": 1, "params": "bar"} <-- -32600, id null."""
    reply = answer(server, {"jsonrpc": "2.0", "method": 1, "params": "bar"})
    assert_error(reply, -32600, None)
    assert reply["error"]["message"] == "Invalid Request"


def test_batch_with_invalid_json(server: Server) -> None:
    """A batch that is not valid JSON is one -32700 (an object, not an array)."""
    body = (
        b'[{"jsonrpc": "2.0", "method": "leantime.rpc.Tickets.getTicket", "params": [1],'
        b' "id": "1"}, {"jsonrpc": "2.0", "method"]'
    )
    assert_error(answer(server, body), -32700, None, "parse_error")


def test_empty_array(server: Server) -> None:
    """--> [] <-- one -32600 object with id null (not an array)."""
    reply = answer(server, [])
    assert_error(reply, -32600, None, "empty_batch")
    assert reply["error"]["message"] == "Invalid Request"


def test_invalid_batch_of_one(server: Server) -> None:
    """--> [1] <-- [-32600 with id null]."""
    replies = answer(server, [1])
    assert isinstance(replies, list) and len(replies) == 1
    assert_error(replies[0], -32600, None)


def test_invalid_batch_of_three(server: Server) -> None:
    """--> [1, 2, 3] <-- three -32600 answers, each with id null."""
    replies = answer(server, [1, 2, 3])
    assert isinstance(replies, list) and len(replies) == 3
    for reply in replies:
        assert_error(reply, -32600, None)
        assert reply["error"]["message"] == "Invalid Request"


def test_mixed_batch(server: Server) -> None:
    """sum, notify_hello, subtract, {"foo": "boo"}, foo.get, get_data: five answers; the
    notification is left out."""
    replies = answer(
        server,
        [
            request(GET_TICKET, [1], id_="1"),
            request(PRIORITIES, [7], id_=ABSENT),
            request(GET_TICKET, {"id": 2}, id_="2"),
            {"foo": "boo"},
            request("foo.get", {"name": "myself"}, id_="5"),
            request(SYSTEM_INFO, id_="9"),
        ],
    )
    assert isinstance(replies, list) and len(replies) == 5
    keyed = by_id(replies)
    assert set(keyed) == {"1", "2", None, "5", "9"}
    assert assert_result(keyed["1"], "1")["id"] == 1
    assert assert_result(keyed["2"], "2")["id"] == 2
    assert_error(keyed[None], -32600, None)
    assert_error(keyed["5"], -32601, "5")
    assert assert_result(keyed["9"], "9")["version"] == "3.9.8"


def test_mixed_batch_keeps_request_order(server: Server) -> None:
    """Not required by the specification, but Milepost answers in request order."""
    replies = answer(
        server,
        [request(SYSTEM_INFO, id_="a"), request(PRIORITIES, id_=ABSENT), request(id_="b")],
    )
    assert [reply["id"] for reply in replies] == ["a", "b"]
    assert assert_result(replies[1], "b") == PRIORITY_LABELS


def test_all_notification_batch(server: Server) -> None:
    """--> [notify_sum, notify_hello] <-- nothing at all: HTTP 204 with no body."""
    body = [request(GET_TICKET, [1], id_=ABSENT), request(PRIORITIES, id_=ABSENT)]
    response = server.post(body, key=server.owner_key)
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
