"""The HTTP side of `/api/jsonrpc`: verbs, paths, form and GET encodings, sizes, statuses.

GET carries `params` as base64 of the JSON params (PRODUCT.md item 1): the standard and
URL-safe alphabets, with or without padding, a `+` that arrived as a space, and a value
percent-encoded twice all decode. Every answer the endpoint sends is a JSON-RPC body
with `Content-Type: application/json`, except the bodiless 204.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import Server
from tests.rpc.test_protocol import (
    ABSENT,
    GET_TICKET,
    PRIORITIES,
    PRIORITY_LABELS,
    answer,
    assert_error,
    assert_result,
    request,
)

MIB = 1024 * 1024
LIMIT = 10 * MIB  # the default max_body_bytes


def get(server: Server, query: str, key: str | None = None, path: str = "/api/jsonrpc") -> Any:
    """GET with a query string sent exactly as written (no re-encoding)."""
    return httpx.get(
        f"{server.url}{path}?{query}",
        headers={"x-api-key": key or server.owner_key},
        timeout=30,
    )


def get_answer(server: Server, query: str) -> Any:
    response = get(server, query)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    return response.json()


def form(server: Server, fields: dict[str, str], key: str | None = None) -> httpx.Response:
    return httpx.post(
        server.rpc_url,
        data=fields,
        headers={"x-api-key": key or server.owner_key},
        timeout=30,
    )


def padded_body(size: int) -> bytes:
    """A valid request for getPriorityLabels, padded with an unknown param to `size` bytes."""
    head = b'{"jsonrpc":"2.0","id":1,"method":"leantime.rpc.tickets.getPriorityLabels","pad":"'
    tail = b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


# -- form-encoded POST ----------------------------------------------------------------


def test_form_post_reads_method_jsonrpc_id_and_json_params(server: Server) -> None:
    fields = {"method": GET_TICKET, "jsonrpc": "2.0", "id": "3", "params": '{"id": 9}'}
    response = form(server, fields)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert assert_result(response.json(), "3")["id"] == 9


def test_form_post_with_positional_params(server: Server) -> None:
    response = form(server, {"method": GET_TICKET, "jsonrpc": "2.0", "id": "4", "params": "[9]"})
    assert assert_result(response.json(), "4")["id"] == 9


def test_form_post_without_params_or_id(server: Server) -> None:
    with_id = form(server, {"method": PRIORITIES, "jsonrpc": "2.0", "id": "5"})
    assert assert_result(with_id.json(), "5") == PRIORITY_LABELS
    notification = form(server, {"method": PRIORITIES, "jsonrpc": "2.0"})
    assert notification.status_code == 204
    assert notification.content == b""


def test_form_post_with_params_that_are_not_json(server: Server) -> None:
    response = form(server, {"method": GET_TICKET, "jsonrpc": "2.0", "id": "6", "params": "{id"})
    data = assert_error(response.json(), -32602, "6")
    assert data["param"] == "params"


def test_form_post_without_jsonrpc_is_invalid_request(server: Server) -> None:
    response = form(server, {"method": PRIORITIES, "id": "7"})
    assert_error(response.json(), -32600, "7", "bad_version")


def test_json_body_sent_with_the_form_content_type_is_read_as_json(server: Server) -> None:
    """What `curl -d '{...}'` sends: a JSON body labelled as a form."""
    headers = {"content-type": "application/x-www-form-urlencoded"}
    reply = answer(server, request(GET_TICKET, {"id": 9}), headers=headers)
    assert assert_result(reply, 1)["id"] == 9


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/json; charset=utf-8", "application/octet-stream"]
)
def test_json_body_is_read_whatever_its_content_type(server: Server, content_type: str) -> None:
    reply = answer(server, request(), headers={"content-type": content_type})
    assert assert_result(reply, 1) == PRIORITY_LABELS


# -- GET with base64 params -----------------------------------------------------------

# JSON whose standard base64 holds both `+` and `/`, so the alphabets differ.
TRICKY_PARAMS = {"id": 9, "note": "~~~>???>"}
TRICKY_JSON = json.dumps(TRICKY_PARAMS, separators=(",", ":")).encode()
STANDARD = base64.b64encode(TRICKY_JSON).decode()
URL_SAFE = base64.urlsafe_b64encode(TRICKY_JSON).decode()


def test_tricky_params_exercise_both_alphabets_and_padding() -> None:
    """The vectors below mean something only if these hold."""
    assert "+" in STANDARD and "/" in STANDARD and STANDARD.endswith("=")
    assert "-" in URL_SAFE and "_" in URL_SAFE


def get_ticket_query(params: str, id_: str = "1") -> str:
    return f"method={GET_TICKET}&jsonrpc=2.0&id={id_}&params={params}"


GET_PARAMS = [
    pytest.param(quote(STANDARD, safe=""), id="standard-percent-encoded"),
    pytest.param(quote(STANDARD.rstrip("="), safe=""), id="standard-without-padding"),
    pytest.param(STANDARD, id="standard-plus-sent-raw-arrives-as-space"),
    pytest.param(STANDARD.replace("+", "%20"), id="plus-sent-as-encoded-space"),
    pytest.param(quote(quote(STANDARD, safe=""), safe=""), id="standard-percent-encoded-twice"),
    pytest.param(URL_SAFE, id="url-safe"),
    pytest.param(URL_SAFE.rstrip("="), id="url-safe-without-padding"),
    pytest.param(quote(URL_SAFE, safe=""), id="url-safe-percent-encoded"),
    pytest.param("eyJpZCI6IjkifQ%3D%3D", id="leantime-docs-example"),
]


@pytest.mark.parametrize("params", GET_PARAMS)
def test_get_decodes_base64_params(server: Server, params: str) -> None:
    ticket = assert_result(get_answer(server, get_ticket_query(params)), "1")
    assert ticket["id"] == 9


def test_get_echoes_the_id_as_a_string(server: Server) -> None:
    reply = get_answer(server, f"method={PRIORITIES}&jsonrpc=2.0&id=42")
    assert assert_result(reply, "42") == PRIORITY_LABELS


def test_get_positional_params(server: Server) -> None:
    params = base64.b64encode(b"[9]").decode()
    assert assert_result(get_answer(server, get_ticket_query(params)), "1")["id"] == 9


def test_get_without_method_is_invalid_request(server: Server) -> None:
    reply = get_answer(server, "jsonrpc=2.0&id=1")
    assert_error(reply, -32600, None, "missing_method")


def test_get_without_anything_is_invalid_request(server: Server) -> None:
    assert_error(get_answer(server, ""), -32600, None, "missing_method")


def test_get_without_jsonrpc_is_invalid_request(server: Server) -> None:
    reply = get_answer(server, f"method={PRIORITIES}&id=8")
    assert_error(reply, -32600, "8", "bad_version")


@pytest.mark.parametrize(
    "params",
    [
        pytest.param("%25%25%25", id="not-base64"),
        pytest.param(base64.b64encode(b"{not json").decode(), id="base64-of-non-json"),
    ],
)
def test_get_with_undecodable_params_is_invalid_params_for_its_id(
    server: Server, params: str
) -> None:
    data = assert_error(get_answer(server, get_ticket_query(params, id_="9")), -32602, "9")
    assert data["param"] == "params"


def test_get_without_id_is_a_notification(server: Server) -> None:
    response = get(server, f"method={PRIORITIES}&jsonrpc=2.0")
    assert response.status_code == 204
    assert response.content == b""


# -- verbs, paths, statuses -----------------------------------------------------------


@pytest.mark.parametrize("verb", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_verbs_are_405_with_allow_and_a_json_rpc_body(server: Server, verb: str) -> None:
    response = httpx.request(
        verb,
        server.rpc_url,
        content=json.dumps(request()),
        headers={"x-api-key": server.owner_key},
        timeout=30,
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/json"
    data = assert_error(response.json(), -32600, None, "bad_verb")
    assert verb in data["detail"]


@pytest.mark.parametrize(
    "path", ["/api/jsonrpc", "/api/jsonrpc/", "/API/JSONRPC/", "/Api/JsonRpc", "/api/jsonRPC/"]
)
def test_path_accepts_any_case_and_a_trailing_slash(server: Server, path: str) -> None:
    post = httpx.post(
        server.url + path, json=request(), headers={"x-api-key": server.owner_key}, timeout=30
    )
    assert assert_result(post.json(), 1) == PRIORITY_LABELS
    got = get(server, f"method={PRIORITIES}&jsonrpc=2.0&id=1", path=path)
    assert assert_result(got.json(), "1") == PRIORITY_LABELS


@pytest.mark.parametrize("path", ["/api/jsonrpc2", "/api/json", "/api/jsonrpc/x"])
def test_other_paths_are_not_the_endpoint(server: Server, path: str) -> None:
    response = httpx.post(server.url + path, json=request(), timeout=30)
    assert response.status_code == 404


def test_lone_notification_is_204_without_body_or_content_type(server: Server) -> None:
    response = server.post(request(id_=ABSENT), key=server.owner_key)
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers


def test_notification_that_fails_is_still_204(server: Server) -> None:
    for body in (
        request(GET_TICKET, {"id": "x"}, id_=ABSENT),
        request("leantime.rpc.a.b", id_=ABSENT),
    ):
        response = server.post(body, key=server.owner_key)
        assert response.status_code == 204
        assert response.content == b""


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(b"", -32700, id="empty-body"),
        pytest.param(b"  \n ", -32700, id="whitespace-body"),
        pytest.param(b"\xff\xfe{}", -32700, id="not-utf8"),
        pytest.param(b"{'jsonrpc': '2.0'}", -32700, id="single-quotes"),
        pytest.param(b'{"jsonrpc":"2.0","id":1,"method":"x"} trailing', -32700, id="trailing-text"),
    ],
)
def test_unparsable_body_is_parse_error_with_null_id(
    server: Server, body: bytes, code: int
) -> None:
    assert_error(answer(server, body), code, None, "parse_error")


def test_json_nested_past_the_limit_is_refused_before_dispatch(server: Server) -> None:
    assert_error(answer(server, b"[" * 5000 + b"]" * 5000), -32600, None, "too_deep")


# -- body size ------------------------------------------------------------------------


def test_body_just_over_the_limit_is_413_before_credentials(server: Server) -> None:
    response = httpx.post(server.rpc_url, content=padded_body(LIMIT + 1), timeout=60)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    data = assert_error(response.json(), -32600, None, "body_too_large")
    assert str(LIMIT) in data["detail"]


def test_streamed_body_over_the_limit_is_413(server: Server) -> None:
    """No Content-Length: the limit is enforced while reading."""

    def chunks() -> Iterator[bytes]:
        body = padded_body(LIMIT + MIB)
        for start in range(0, len(body), MIB):
            yield body[start : start + MIB]

    response = httpx.post(
        server.rpc_url, content=chunks(), headers={"x-api-key": server.owner_key}, timeout=60
    )
    assert response.status_code == 413
    assert_error(response.json(), -32600, None, "body_too_large")


def test_body_at_the_limit_is_answered(server: Server) -> None:
    response = server.post(padded_body(LIMIT), key=server.owner_key)
    assert response.status_code == 200
    assert assert_result(response.json(), 1) == PRIORITY_LABELS


# -- content type on every answer -----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key", "status"),
    [
        pytest.param(request(), True, 200, id="result"),
        pytest.param(request("x"), True, 200, id="error"),
        pytest.param([request(), request("x")], True, 200, id="batch"),
        pytest.param(request(), False, 401, id="unauthorized"),
    ],
)
def test_answers_are_application_json(server: Server, body: Any, key: bool, status: int) -> None:
    response = server.post(body, key=server.owner_key if key else None)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    json.loads(response.content)
