"""What the fuzzer found, pinned down as plain examples (on the shared server).

1. An integer id beyond 64 bits was answered with a float id (-10000000000000000001 came
   back as -1e+19): the JSON parser reads such integers as floats, so the id cannot be
   echoed as sent. Such ids are now refused as invalid (-32600 `bad_id`, `"id": null`);
   the ids the parser reads exactly (-2^63 to 2^64-1) are echoed exactly.
2. Arrays nested thousands of levels deep were a -32700 "not valid JSON" (the parser's
   own depth limit) while 1,000 levels went on to the dispatcher: nesting now has one
   limit and one answer (-32600 `too_deep`; see tests/test_limits.py).
3. `Notifications.markRead` (and markNotificationRead), `Tickets.getMilestoneProgress`
   and `getBulkMilestoneProgress` with an id past the database column's range as a digit
   string were internal errors: the service turned the string into an integer for the
   query unchecked. All of them now read such ids through `values.parse_id`, which
   checks the range.
4. The same with a JSON number (`getMilestoneProgress` with milestoneId
   306665774978356544 on PostgreSQL: "integer out of range"): an `int | str` param took
   a number past the integer's range as a digit string. The binder now refuses such a
   number (-32602 naming the param) before the `str` option can take it.
"""

from __future__ import annotations

import pytest

from tests.conftest import Server

WHO = "leantime.rpc.Auth.Auth.getUserId"


@pytest.mark.parametrize("id_text", ["-10000000000000000001", "18446744073709551616", "1e19"])
def test_an_id_that_cannot_be_echoed_exactly_is_refused(server: Server, id_text: str) -> None:
    body = f'{{"jsonrpc": "2.0", "id": {id_text}, "method": "{WHO}"}}'
    answer = server.post(body, key=server.owner_key).json()
    assert answer["id"] is None
    assert answer["error"]["code"] == -32600
    assert answer["error"]["data"]["reason"] == "bad_id"


@pytest.mark.parametrize(
    "id_text", ["-9223372036854775808", "9223372036854775808", "18446744073709551615", "1.5"]
)
def test_ids_the_parser_reads_exactly_are_echoed_exactly(server: Server, id_text: str) -> None:
    body = f'[{{"jsonrpc": "2.0", "id": {id_text}, "method": "{WHO}"}}]'
    response = server.post(body, key=server.owner_key)
    assert f'"id":{id_text}' in response.text.replace(" ", "")
    assert "result" in response.json()[0]


def test_deep_nesting_has_one_answer_whatever_the_depth(server: Server) -> None:
    for depth in (65, 1000, 5000):
        body = "[" * depth + "]" * depth
        error = server.post(body, key=server.owner_key).json()["error"]
        assert (error["code"], error["data"]["reason"]) == (-32600, "too_deep"), depth


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("Tickets.Tickets.getMilestoneProgress", {"milestoneId": "9" * 20}),
        ("Tickets.Tickets.getBulkMilestoneProgress", {"milestones": ["9" * 20]}),
    ],
)
def test_an_id_string_past_the_column_is_invalid(
    server: Server, method: str, params: object
) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc." + method, "params": params}
    answer = server.post(body, key=server.owner_key).json()
    assert answer["error"]["code"] in (-32602, -32002), answer


def test_a_notification_id_string_past_the_column_is_not_a_crash(server: Server) -> None:
    params = {"id": "9" * 20}
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "leantime.rpc.Notifications.markRead",
        "params": params,
    }
    answer = server.post(body, key=server.owner_key).json()
    assert answer["error"]["code"] in (-32602, -32002), answer


@pytest.mark.parametrize(
    ("method", "params", "param"),
    [
        (
            "Tickets.Tickets.getMilestoneProgress",
            {"milestoneId": 306665774978356544},
            "milestoneId",
        ),
        ("Notifications.Notifications.markRead", [9223372036854775807], "id"),
    ],
)
def test_a_number_past_an_int_or_str_param_s_range_is_invalid(
    server: Server, method: str, params: object, param: str
) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc." + method, "params": params}
    error = server.post(body, key=server.owner_key).json()["error"]
    assert (error["code"], error["data"]["param"]) == (-32602, param), error
    assert "2^31" in error["data"]["expected"]
