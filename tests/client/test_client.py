"""The blocking client against a live server (both backends), and its retries against a
scripted server on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from milepost.client import (
    Client,
    ClientError,
    Conflict,
    Forbidden,
    InvalidParams,
    InvalidRequest,
    MethodNotFound,
    NetworkError,
    NotFound,
    NotSupported,
    RateLimited,
    Retry,
    RpcError,
    ServerError,
    Unauthorized,
    UnexpectedResponse,
)
from tests.client.conftest import Reply, Scripted, result
from tests.conftest import OWNER_EMAIL, Server, free_port, milepost

FAST = Retry(attempts=3, backoff=0.01, max_backoff=0.05)


class Recorder:
    """An httpx client that keeps every request it sends, for counting."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.http = httpx.Client(event_hooks={"request": [self.requests.append]}, timeout=30)

    def bodies(self) -> list[Any]:
        return [json.loads(request.content) for request in self.requests]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.http.close()


@pytest.fixture
def client(server: Server) -> Iterator[Client]:
    with Client(server.url, server.owner_key) as client:
        yield client


# -- import boundary ---------------------------------------------------------------------


def test_importing_the_client_loads_nothing_of_the_server() -> None:
    code = (
        "import sys, milepost.client, milepost.client.display;"
        "print(sorted(m for m in sys.modules if m.startswith("
        "('milepost.services', 'milepost.rpc', 'milepost.storage', 'milepost.app', "
        "'sqlalchemy', 'starlette'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_the_public_surface_is_what_all_names() -> None:
    import milepost.client as package

    exported = {name for name in dir(package) if not name.startswith("_")}
    modules = {"async_client", "base", "batch", "errors", "methods", "retry", "sync_client", "wire"}
    assert exported - modules - {"display"} == set(package.__all__)


# -- single calls ------------------------------------------------------------------------


def test_a_call_by_attribute_sends_the_4_part_name_with_named_params(
    server: Server, recorder: Recorder
) -> None:
    client = Client(server.url, server.owner_key, http_client=recorder.http)
    ticket = client.tickets.getTicket(id=1)
    assert ticket["id"] == 1
    assert ticket["projectId"] == 1
    (body,) = recorder.bodies()
    assert body["method"] == "leantime.rpc.tickets.getTicket"
    assert body["params"] == {"id": 1}
    assert body["jsonrpc"] == "2.0"
    assert isinstance(body["id"], int)
    assert recorder.requests[0].headers["x-api-key"] == server.owner_key


def test_a_call_by_attribute_sends_the_5_part_name(server: Server, recorder: Recorder) -> None:
    client = Client(server.url, server.owner_key, http_client=recorder.http)
    info = client.Api.Config.getSystemInfo()
    assert info["version"] == "3.9.8"
    assert "milepostVersion" in info
    assert client.Tickets.Tickets.getTicket(id=2)["id"] == 2
    methods = [body["method"] for body in recorder.bodies()]
    assert methods == [
        "leantime.rpc.Api.Config.getSystemInfo",
        "leantime.rpc.Tickets.Tickets.getTicket",
    ]
    assert "params" not in recorder.bodies()[0]


def test_positional_args_are_sent_as_a_params_array(server: Server, recorder: Recorder) -> None:
    client = Client(server.url, server.owner_key, http_client=recorder.http)
    assert client.tickets.getTicket(3)["id"] == 3
    assert recorder.bodies()[0]["params"] == [3]


def test_call_by_name_takes_short_and_full_names(client: Client) -> None:
    assert client.call("Tickets.getTicket", id=1)["id"] == 1
    assert client.call("leantime.rpc.tickets.getTicket", id=1)["id"] == 1
    assert client.call("tickets.getTicket", 1)["id"] == 1


def test_a_method_may_have_a_param_named_method(client: Client) -> None:
    # `call` takes the method name positionally only, so params of any name pass through.
    assert client.call("tickets.getTicket", id=1, method="ignored")["id"] == 1


def test_args_both_positional_and_named_are_refused_before_sending(client: Client) -> None:
    with pytest.raises(TypeError, match="either by position or by name"):
        client.tickets.getTicket(1, id=1)


def test_a_fourth_name_part_is_an_attribute_error(client: Client) -> None:
    with pytest.raises(AttributeError, match="at most 3 parts"):
        client.Tickets.Tickets.getTicket.extra  # noqa: B018


def test_the_url_may_be_the_base_or_the_endpoint(server: Server) -> None:
    for url in (server.url, server.url + "/", server.rpc_url, server.rpc_url + "/"):
        with Client(url, server.owner_key) as client:
            assert client.url == server.rpc_url
            assert client.tickets.getTicket(id=1)["id"] == 1


def test_a_url_without_http_is_refused() -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        Client("127.0.0.1:8080", "lt_a_b")


def test_a_bearer_token_authenticates(server: Server, recorder: Recorder) -> None:
    token = milepost(
        "tokens", "--database", server.database_url, "create", "--user", OWNER_EMAIL
    ).strip()
    client = Client(server.url, token=token, http_client=recorder.http)
    assert client.tickets.getTicket(id=1)["id"] == 1
    assert recorder.requests[0].headers["authorization"] == f"Bearer {token}"
    assert "x-api-key" not in recorder.requests[0].headers


def test_a_key_and_a_token_together_are_refused(server: Server) -> None:
    with pytest.raises(ValueError, match="not both"):
        Client(server.url, "lt_a_b", token="t")


def test_legacy_results_come_back_list_wrapped_untouched(server: Server) -> None:
    key = server.make_key("owner", all_projects=True, resultFormat="3.7")
    with Client(server.url, key) as client:
        wrapped = client.tickets.getTicket(id=1)
        missing = client.tickets.getTicket(id=10**9)
    assert isinstance(wrapped, list)
    assert wrapped[0]["id"] == 1
    assert missing == [False]


def test_a_missing_ticket_is_false_not_an_error(client: Client) -> None:
    assert client.tickets.getTicket(id=10**9) is False


def test_notify_sends_no_id_and_the_call_runs(server: Server, recorder: Recorder) -> None:
    ticket = server.add_ticket(headline="before notify")
    client = Client(server.url, server.owner_key, http_client=recorder.http)
    assert (
        client.notify("tickets.patchTicket", id=ticket, values={"headline": "after notify"}) is None
    )
    (body,) = recorder.bodies()
    assert "id" not in body
    assert client.tickets.getTicket(id=ticket)["headline"] == "after notify"


def test_discover_fetches_rpc_discover_and_nothing_else_does(
    server: Server, recorder: Recorder
) -> None:
    client = Client(server.url, server.owner_key, http_client=recorder.http)
    client.tickets.getTicket(id=1)
    with client.batch() as batch:
        batch.tickets.getTicket(id=2)
    client.notify("tickets.getTicket", id=3)
    assert "rpc.discover" not in json.dumps(recorder.bodies())
    document = client.discover()
    assert document["openrpc"].startswith("1.4")
    assert any(m["name"] == "leantime.rpc.Tickets.Tickets.getTicket" for m in document["methods"])
    assert recorder.bodies()[-1]["method"] == "rpc.discover"


def test_get_url_makes_the_same_call_with_get(client: Client, server: Server) -> None:
    # ">>>" puts a "+" into the base64 text, which must survive the URL.
    url = client.get_url("tickets.getTicket", id=4, note=">>>")
    assert "%252B" in url
    answer = httpx.get(url, headers={"x-api-key": server.owner_key}, timeout=30).json()
    assert answer["result"]["id"] == 4
    query = parse_qs(urlsplit(url).query)
    assert query["method"] == ["leantime.rpc.tickets.getTicket"]
    decoded = base64.b64decode(query["params"][0].replace("%2B", "+"))
    assert json.loads(decoded) == {"id": 4, "note": ">>>"}


# -- batches -----------------------------------------------------------------------------


def test_a_batch_of_100_calls_is_one_request(server: Server, recorder: Recorder) -> None:
    client = Client(server.url, server.owner_key, http_client=recorder.http)
    with client.batch() as batch:
        futures = [batch.tickets.getTicket(id=i) for i in range(1, 101)]
        assert not futures[0].done()
    assert len(recorder.requests) == 1
    assert len(recorder.bodies()[0]) == 100
    assert [future.result()["id"] for future in futures] == list(range(1, 101))
    assert all(future.exception() is None for future in futures)


def test_each_batch_member_gets_its_own_result_or_typed_error(server: Server) -> None:
    ticket = server.add_ticket(headline="batch member")
    with Client(server.url, server.owner_key) as client:
        with client.batch() as batch:
            found = batch.call("Tickets.getTicket", id=ticket)
            missing = batch.tickets.patchTicket(id=10**9, values={"headline": "x"})
            bad = batch.tickets.getTicket(id="abc")
            unknown = batch.tickets.nope()
            batch.notify("tickets.patchTicket", id=ticket, values={"headline": "batch notified"})
            info = batch.Api.Config.getSystemInfo()
        assert len(batch) == 6
        assert found.result()["id"] == ticket
        with pytest.raises(NotFound):
            missing.result()
        assert isinstance(bad.exception(), InvalidParams)
        assert isinstance(unknown.exception(), MethodNotFound)
        assert info.result()["version"] == "3.9.8"
        assert client.tickets.getTicket(id=ticket)["headline"] == "batch notified"


def test_a_result_read_inside_the_block_says_the_batch_is_not_sent(client: Client) -> None:
    with client.batch() as batch:
        future = batch.tickets.getTicket(id=1)
        with pytest.raises(RuntimeError, match="after the batch"):
            future.result()
    assert future.result()["id"] == 1
    with pytest.raises(RuntimeError, match="sent already"):
        batch.tickets.getTicket(id=2)


def test_a_batch_left_by_an_exception_is_not_sent(server: Server, recorder: Recorder) -> None:
    client = Client(server.url, server.owner_key, http_client=recorder.http)
    with pytest.raises(KeyError), client.batch() as batch:
        batch.tickets.getTicket(id=1)
        raise KeyError("boom")
    assert recorder.requests == []


def test_an_empty_batch_sends_nothing(server: Server, recorder: Recorder) -> None:
    client = Client(server.url, server.owner_key, http_client=recorder.http)
    with client.batch():
        pass
    assert recorder.requests == []


def test_a_batch_refused_as_a_whole_raises_at_the_end_of_the_block(scripted: Scripted) -> None:
    refusal = {
        "jsonrpc": "2.0",
        "error": {
            "code": -32600,
            "message": "Invalid Request",
            "data": {"reason": "batch_too_large"},
        },
        "id": None,
    }
    scripted.script(Reply(body=refusal))
    with Client(scripted.url, "k", retry=FAST) as client:
        with pytest.raises(InvalidRequest) as raised, client.batch() as batch:
            future = batch.tickets.getTicket(id=1)
        assert raised.value.reason == "batch_too_large"
        with pytest.raises(InvalidRequest):
            future.result()


def test_a_batch_with_an_unauthorized_key_raises_at_the_end_of_the_block(server: Server) -> None:
    with Client(server.url, "lt_nosuchkey_nosecret") as client:
        with pytest.raises(Unauthorized), client.batch() as batch:
            future = batch.tickets.getTicket(id=1)
        assert isinstance(future.exception(), Unauthorized)


# -- typed errors ------------------------------------------------------------------------


def test_not_found_is_typed_with_code_message_and_data(client: Client) -> None:
    with pytest.raises(NotFound) as raised:
        client.tickets.patchTicket(id=10**9, values={"headline": "x"})
    error = raised.value
    assert isinstance(error, RpcError)
    assert isinstance(error, ClientError)
    assert error.code == -32002
    assert error.message
    assert error.reason == "not_found"
    assert str(10**9) in error.detail


def test_invalid_params_names_the_param(client: Client) -> None:
    with pytest.raises(InvalidParams) as raised:
        client.tickets.getTicket(id="abc")
    assert raised.value.code == -32602
    assert raised.value.data["param"] == "id"
    assert "abc" in str(raised.value)


def test_forbidden_is_an_application_error(server: Server) -> None:
    key = server.make_key("readonly", [1])
    with Client(server.url, key) as client, pytest.raises(Forbidden) as raised:
        client.Api.Api.getAPIKeys()
    assert raised.value.code == -32001
    assert raised.value.reason == "forbidden"


def test_conflict_is_typed(client: Client) -> None:
    values = {"name": f"client-conflict-{secrets.token_hex(4)}", "role": "readonly"}
    client.Api.Api.createApiKeyWithProjects(values=values, projects=[])
    with pytest.raises(Conflict) as raised:
        client.Api.Api.createApiKeyWithProjects(values=values, projects=[])
    assert raised.value.code == -32005
    assert raised.value.reason == "duplicate_name"


def test_an_unknown_method_is_method_not_found(client: Client) -> None:
    with pytest.raises(MethodNotFound) as raised:
        client.tickets.noSuchMethod()
    assert raised.value.code == -32601
    with pytest.raises(MethodNotFound):
        client.call("no.such.deep.name")


@pytest.mark.parametrize(
    ("key", "reason"), [("lt_nosuchkey_nosecret", "unknown"), (None, "missing")]
)
def test_bad_credentials_raise_unauthorized_with_the_reason(
    server: Server, key: str | None, reason: str
) -> None:
    with Client(server.url, key) as client, pytest.raises(Unauthorized) as raised:
        client.tickets.getTicket(id=1)
    assert raised.value.status == 401
    assert raised.value.reason == reason
    assert raised.value.code == -32001


def test_a_revoked_key_raises_unauthorized_revoked(server: Server) -> None:
    key = server.make_key("readonly", [1])
    with Client(server.url, key) as client:
        user_id = client.Auth.getUserId()
        server.call("Api.Api.revokeAPIKey", {"id": user_id})
        with pytest.raises(Unauthorized) as raised:
            client.tickets.getTicket(id=1)
    assert raised.value.reason == "revoked"


# -- retries (scripted server) -----------------------------------------------------------


def test_429_is_retried_honouring_retry_after(scripted: Scripted) -> None:
    limited = Reply(429, {"error": "Too many requests per minute."}, {"Retry-After": "0"})
    scripted.script(limited, limited, Reply(body=result({"ok": True})))
    with Client(scripted.url, "k", retry=FAST) as client:
        assert client.tickets.getTicket(id=1) == {"ok": True}
    assert len(scripted.received) == 3
    assert scripted.received[0] == scripted.received[2]


def test_429_is_retried_for_writes_too(scripted: Scripted) -> None:
    limited = Reply(429, {"error": "Too many requests per minute."}, {"Retry-After": "0"})
    scripted.script(limited, Reply(body=result(42)))
    with Client(scripted.url, "k", retry=FAST) as client:
        assert client.tickets.addTicket(values={"headline": "x"}) == 42
    assert len(scripted.received) == 2


def test_the_retry_after_wait_is_honoured(scripted: Scripted) -> None:
    scripted.script(Reply(429, {}, {"Retry-After": "1"}), Reply(body=result(1)))
    started = time.monotonic()
    with Client(scripted.url, "k", retry=Retry(attempts=2, backoff=0.01)) as client:
        assert client.tickets.getTicket(id=1) == 1
    assert time.monotonic() - started >= 1.0


def test_429_attempts_are_bounded_then_rate_limited(scripted: Scripted) -> None:
    scripted.script(Reply(429, {"error": "Too many requests per minute."}, {"Retry-After": "0"}))
    with Client(scripted.url, "k", retry=FAST) as client, pytest.raises(RateLimited) as raised:
        client.tickets.getTicket(id=1)
    assert len(scripted.received) == 3
    assert raised.value.status == 429
    assert raised.value.retry_after == 0
    assert raised.value.message == "Too many requests per minute."


def test_a_retry_after_beyond_max_wait_gives_up_at_once(scripted: Scripted) -> None:
    scripted.script(Reply(429, {}, {"Retry-After": "3600"}))
    with Client(scripted.url, "k", retry=FAST) as client, pytest.raises(RateLimited) as raised:
        client.tickets.getTicket(id=1)
    assert len(scripted.received) == 1
    assert raised.value.retry_after == 3600


def test_5xx_is_retried_for_reads(scripted: Scripted) -> None:
    scripted.script(
        Reply(503, b"<html>unavailable</html>"),
        Reply(502, b""),
        Reply(body=result({"id": 1})),
    )
    with Client(scripted.url, "k", retry=FAST) as client:
        assert client.tickets.getTicket(id=1) == {"id": 1}
    assert len(scripted.received) == 3


def test_5xx_attempts_are_bounded(scripted: Scripted) -> None:
    scripted.script(Reply(500, {"message": "Server Error"}))
    client = Client(scripted.url, "k", retry=Retry(attempts=4, backoff=0.01))
    with client, pytest.raises(UnexpectedResponse) as raised:
        client.tickets.getTicket(id=1)
    assert len(scripted.received) == 4
    assert raised.value.status == 500


def test_a_5xx_with_a_json_rpc_error_is_raised_typed(scripted: Scripted) -> None:
    error = {"code": -32603, "message": "Internal error", "data": {"reason": "internal"}}
    scripted.script(
        Reply(500, lambda request: {"jsonrpc": "2.0", "error": error, "id": request["id"]})
    )
    with Client(scripted.url, "k", retry=FAST) as client, pytest.raises(ServerError) as raised:
        client.tickets.getTicket(id=1)
    assert len(scripted.received) == 3
    assert raised.value.reason == "internal"


def test_a_write_is_not_retried_on_5xx_unless_opted_in(scripted: Scripted) -> None:
    scripted.script(Reply(502, b"bad gateway"), Reply(body=result(7)))
    with Client(scripted.url, "k", retry=FAST) as client, pytest.raises(UnexpectedResponse):
        client.tickets.addTicket(values={"headline": "x"})
    assert len(scripted.received) == 1

    scripted.script(Reply(502, b"bad gateway"), Reply(body=result(7)))
    opted = Retry(attempts=3, backoff=0.01, writes=True)
    with Client(scripted.url, "k", retry=opted) as client:
        assert client.tickets.addTicket(values={"headline": "x"}) == 7
    assert len(scripted.received) == 2


def test_a_batch_is_retried_on_5xx_only_when_every_call_reads(scripted: Scripted) -> None:
    scripted.script(Reply(503, b""), Reply(body=result(1)))
    with Client(scripted.url, "k", retry=FAST) as client:
        with client.batch() as batch:
            first = batch.tickets.getTicket(id=1)
            second = batch.projects.getAll()
        assert (first.result(), second.result()) == (1, 1)
        assert len(scripted.received) == 2

        scripted.script(Reply(503, b""), Reply(body=result(1)))
        with pytest.raises(UnexpectedResponse), client.batch() as batch:
            batch.tickets.getTicket(id=1)
            batch.tickets.markTicketDone(id=1)
        assert len(scripted.received) == 1


def test_retry_off_sends_once(scripted: Scripted) -> None:
    scripted.script(Reply(429, {}, {"Retry-After": "0"}))
    with Client(scripted.url, "k", retry=Retry(attempts=1)) as client, pytest.raises(RateLimited):
        client.tickets.getTicket(id=1)
    assert len(scripted.received) == 1


def test_a_refused_connection_is_retried_then_a_network_error(recorder: Recorder) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    client = Client(url, "k", retry=FAST, http_client=recorder.http)
    with pytest.raises(NetworkError) as raised:
        client.tickets.addTicket(values={"headline": "never sent"})
    assert len(recorder.requests) == 3
    assert raised.value.status is None
    assert isinstance(raised.value.__cause__, httpx.ConnectError)


def test_leantime_bodies_are_read(scripted: Scripted) -> None:
    scripted.script(Reply(401, {"error": "Unauthorized"}))
    with Client(scripted.url, "k", retry=FAST) as client:
        with pytest.raises(Unauthorized) as raised:
            client.tickets.getTicket(id=1)
        assert (raised.value.message, raised.value.code, raised.value.status) == (
            "Unauthorized",
            None,
            401,
        )
        leantime_error = {"code": -32000, "message": "Server error", "data": "boom"}
        scripted.script(
            Reply(body=lambda r: {"jsonrpc": "2.0", "error": leantime_error, "id": r["id"]})
        )
        with pytest.raises(ServerError) as server_error:
            client.tickets.getTicket(id=1)
        assert server_error.value.detail == "boom"
        assert server_error.value.reason is None


def test_not_supported_is_a_method_not_found(scripted: Scripted) -> None:
    error = {"code": -32601, "message": "Method not found", "data": {"reason": "not_supported"}}
    scripted.script(Reply(body=lambda r: {"jsonrpc": "2.0", "error": error, "id": r["id"]}))
    with Client(scripted.url, "k") as client, pytest.raises(NotSupported) as raised:
        client.Ldap.getLdapUsers()
    assert isinstance(raised.value, MethodNotFound)


def test_a_body_that_is_not_json_rpc_is_an_unexpected_response(scripted: Scripted) -> None:
    scripted.script(Reply(200, b"<html>login</html>"))
    with Client(scripted.url, "k") as client, pytest.raises(UnexpectedResponse) as raised:
        client.tickets.getTicket(id=1)
    assert "login" in str(raised.value)
