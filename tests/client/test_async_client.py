"""The async client against a live server (both backends), and its retries against a
scripted server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from milepost.client import (
    AsyncClient,
    Forbidden,
    InvalidParams,
    MethodNotFound,
    NetworkError,
    NotFound,
    RateLimited,
    Retry,
    Unauthorized,
    UnexpectedResponse,
)
from tests.client.conftest import Reply, Scripted, result
from tests.conftest import Server, free_port

pytestmark = pytest.mark.anyio

FAST = Retry(attempts=3, backoff=0.01, max_backoff=0.05)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Recorder:
    """An httpx async client that keeps every request it sends, for counting."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.http = httpx.AsyncClient(event_hooks={"request": [self._keep]}, timeout=30)

    async def _keep(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def bodies(self) -> list[Any]:
        return [json.loads(request.content) for request in self.requests]


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    recorder = Recorder()
    yield recorder
    await recorder.http.aclose()


@pytest.fixture
async def client(server: Server) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(server.url, server.owner_key) as client:
        yield client


# -- single calls ------------------------------------------------------------------------


async def test_a_call_by_attribute_sends_the_4_part_name(
    server: Server, recorder: Recorder
) -> None:
    client = AsyncClient(server.url, server.owner_key, http_client=recorder.http)
    ticket = await client.tickets.getTicket(id=1)
    assert ticket["id"] == 1
    (body,) = recorder.bodies()
    assert body["method"] == "leantime.rpc.tickets.getTicket"
    assert body["params"] == {"id": 1}


async def test_a_call_by_attribute_sends_the_5_part_name(
    server: Server, recorder: Recorder
) -> None:
    client = AsyncClient(server.url, server.owner_key, http_client=recorder.http)
    info = await client.Api.Config.getSystemInfo()
    assert info["version"] == "3.9.8"
    assert recorder.bodies()[0]["method"] == "leantime.rpc.Api.Config.getSystemInfo"


async def test_positional_args_and_call_by_name(server: Server, recorder: Recorder) -> None:
    client = AsyncClient(server.url, server.owner_key, http_client=recorder.http)
    assert (await client.tickets.getTicket(3))["id"] == 3
    assert (await client.call("Tickets.getTicket", id=4))["id"] == 4
    assert [body["params"] for body in recorder.bodies()] == [[3], {"id": 4}]
    assert recorder.bodies()[1]["method"] == "leantime.rpc.Tickets.getTicket"


async def test_concurrent_calls_share_one_client(client: AsyncClient) -> None:
    tickets = await asyncio.gather(*(client.tickets.getTicket(id=i) for i in range(1, 21)))
    assert [ticket["id"] for ticket in tickets] == list(range(1, 21))


async def test_notify_sends_no_id_and_the_call_runs(server: Server, client: AsyncClient) -> None:
    ticket = server.add_ticket(headline="before async notify")
    await client.notify("tickets.patchTicket", id=ticket, values={"headline": "after async"})
    assert (await client.tickets.getTicket(id=ticket))["headline"] == "after async"


async def test_discover_fetches_the_openrpc_document(client: AsyncClient) -> None:
    document = await client.discover()
    assert document["openrpc"].startswith("1.4")


# -- batches -----------------------------------------------------------------------------


async def test_a_batch_of_100_calls_is_one_request(server: Server, recorder: Recorder) -> None:
    client = AsyncClient(server.url, server.owner_key, http_client=recorder.http)
    async with client.batch() as batch:
        futures = [batch.tickets.getTicket(id=i) for i in range(1, 101)]
    assert len(recorder.requests) == 1
    assert len(recorder.bodies()[0]) == 100
    assert [future.result()["id"] for future in futures] == list(range(1, 101))


async def test_batch_members_get_results_and_typed_errors(client: AsyncClient) -> None:
    async with client.batch() as batch:
        found = batch.tickets.getTicket(id=1)
        missing = batch.tickets.patchTicket(id=10**9, values={"headline": "x"})
        unknown = batch.call("tickets.nope")
    assert found.result()["id"] == 1
    assert isinstance(missing.exception(), NotFound)
    assert isinstance(unknown.exception(), MethodNotFound)


# -- typed errors ------------------------------------------------------------------------


async def test_not_found_and_invalid_params_are_typed(client: AsyncClient) -> None:
    with pytest.raises(NotFound) as not_found:
        await client.tickets.patchTicket(id=10**9, values={"headline": "x"})
    assert not_found.value.code == -32002
    with pytest.raises(InvalidParams) as invalid:
        await client.tickets.getTicket(id="abc")
    assert invalid.value.data["param"] == "id"


async def test_forbidden_and_method_not_found_are_typed(server: Server) -> None:
    key = server.make_key("readonly", [1])
    async with AsyncClient(server.url, key) as client:
        with pytest.raises(Forbidden) as forbidden:
            await client.Api.Api.getAPIKeys()
        assert forbidden.value.code == -32001
        with pytest.raises(MethodNotFound):
            await client.tickets.noSuchMethod()


async def test_a_bad_key_is_unauthorized_with_its_reason(server: Server) -> None:
    async with AsyncClient(server.url, "lt_nosuchkey_nosecret") as client:
        with pytest.raises(Unauthorized) as raised:
            await client.tickets.getTicket(id=1)
    assert (raised.value.status, raised.value.reason) == (401, "unknown")


# -- retries (scripted server) -----------------------------------------------------------


async def test_429_is_retried_honouring_retry_after(scripted: Scripted) -> None:
    limited = Reply(429, {"error": "Too many requests per minute."}, {"Retry-After": "0"})
    scripted.script(limited, limited, Reply(body=result({"ok": True})))
    async with AsyncClient(scripted.url, "k", retry=FAST) as client:
        assert await client.tickets.getTicket(id=1) == {"ok": True}
    assert len(scripted.received) == 3


async def test_the_retry_after_wait_is_honoured(scripted: Scripted) -> None:
    scripted.script(Reply(429, {}, {"Retry-After": "1"}), Reply(body=result(1)))
    started = time.monotonic()
    async with AsyncClient(scripted.url, "k", retry=Retry(attempts=2, backoff=0.01)) as client:
        assert await client.tickets.getTicket(id=1) == 1
    assert time.monotonic() - started >= 1.0


async def test_429_attempts_are_bounded(scripted: Scripted) -> None:
    scripted.script(Reply(429, {}, {"Retry-After": "0"}))
    async with AsyncClient(scripted.url, "k", retry=FAST) as client:
        with pytest.raises(RateLimited) as raised:
            await client.tickets.getTicket(id=1)
    assert len(scripted.received) == 3
    assert raised.value.retry_after == 0


async def test_5xx_is_retried_for_reads_and_bounded(scripted: Scripted) -> None:
    scripted.script(Reply(503, b""), Reply(body=result(5)))
    async with AsyncClient(scripted.url, "k", retry=FAST) as client:
        assert await client.tickets.getTicket(id=5) == 5
        assert len(scripted.received) == 2

        scripted.script(Reply(504, b"gateway timeout"))
        with pytest.raises(UnexpectedResponse) as raised:
            await client.tickets.getTicket(id=5)
        assert len(scripted.received) == 3
        assert raised.value.status == 504


async def test_a_write_is_not_retried_on_5xx_unless_opted_in(scripted: Scripted) -> None:
    scripted.script(Reply(500, b""), Reply(body=result(9)))
    async with AsyncClient(scripted.url, "k", retry=FAST) as client:
        with pytest.raises(UnexpectedResponse):
            await client.tickets.addTicket(values={"headline": "x"})
    assert len(scripted.received) == 1

    scripted.script(Reply(500, b""), Reply(body=result(9)))
    opted = Retry(attempts=3, backoff=0.01, writes=True)
    async with AsyncClient(scripted.url, "k", retry=opted) as client:
        assert await client.tickets.addTicket(values={"headline": "x"}) == 9
    assert len(scripted.received) == 2


async def test_a_batch_is_retried_on_429(scripted: Scripted) -> None:
    scripted.script(Reply(429, {}, {"Retry-After": "0"}), Reply(body=result("ok")))
    async with AsyncClient(scripted.url, "k", retry=FAST) as client, client.batch() as batch:
        done = batch.tickets.markTicketDone(id=1)
        read = batch.tickets.getTicket(id=1)
    assert (done.result(), read.result()) == ("ok", "ok")
    assert len(scripted.received) == 2


async def test_a_refused_connection_is_retried_then_a_network_error(recorder: Recorder) -> None:
    client = AsyncClient(
        f"http://127.0.0.1:{free_port()}", "k", retry=FAST, http_client=recorder.http
    )
    with pytest.raises(NetworkError):
        await client.tickets.getTicket(id=1)
    assert len(recorder.requests) == 3
