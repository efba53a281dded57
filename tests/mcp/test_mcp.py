"""The MCP endpoint `/mcp` over real HTTP: the SDK's own client, and raw requests.

The SDK client (mcp.client.streamable_http + ClientSession, and mcp.Client for the
2026-07-28 revision) runs inside `anyio.run`; the raw flows use httpx.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, TextContent

from milepost.mcp import DeferredMcpEndpoint
from tests.conftest import Server, milepost, start_server, stop

ADD_TICKET = "tickets_addTicket"
GET_TICKET = "tickets_getTicket"
ADD_PROJECT = "projects_addProject"
ACCEPT_BOTH = "application/json, text/event-stream"
ADD_TICKET_METHOD = "leantime.rpc.Tickets.Tickets.addTicket"
LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
GET_SYSTEM_INFO = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc.Api.Config.getSystemInfo"}


def mcp_url(server: Server) -> str:
    return server.url + "/mcp"


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    return anyio.run(scenario)


@contextlib.asynccontextmanager
async def sdk_session(server: Server, headers: dict[str, str]) -> AsyncIterator[ClientSession]:
    """An initialized MCP session through the SDK's streamable HTTP client."""
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        streamable_http_client(mcp_url(server), http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def tool_names(session: ClientSession) -> set[str]:
    return {tool.name for tool in (await session.list_tools()).tools}


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def result_of(result: CallToolResult) -> Any:
    """The value a JSON-RPC call would have answered, read from the tool result's text."""
    assert not result.is_error, text_of(result)
    first = result.content[0]
    assert isinstance(first, TextContent)
    return json.loads(first.text)


def person_token(server: Server) -> str:
    """A personal access token of the owner (user 1), made with the command line."""
    command = ["tokens", "--database", server.database_url, "create"]
    return milepost(*command, "--user", "owner@example.com").strip()


def headline() -> str:
    return f"mcp ticket {secrets.token_hex(4)}"


def tickets_titled(server: Server, title: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = server.call(
        "Tickets.getAll", {"searchCriteria": {"currentProject": 1, "term": title}}
    )
    return [row for row in found if row["headline"] == title]


# -- the SDK client ------------------------------------------------------------------


def test_sdk_session_lists_tools_creates_a_ticket_and_reads_it_back(server: Server) -> None:
    key = server.make_key("editor", [1])
    title = headline()

    async def scenario() -> tuple[set[str], Any, Any, int]:
        async with sdk_session(server, {"x-api-key": key}) as session:
            names = await tool_names(session)
            created = await session.call_tool(
                ADD_TICKET, {"values": {"headline": title, "projectId": 1}}
            )
            ticket_id = result_of(created)
            read = await session.call_tool(GET_TICKET, {"id": ticket_id})
            me = result_of(await session.call_tool("auth_getUserId", {}))
            return names, created, read, me

    names, created, read, user_id = run(scenario)

    assert {ADD_TICKET, GET_TICKET, "api_config_getSystemInfo"} <= names
    assert "api_createAPIKey" not in names  # admins only
    ticket_id = result_of(created)
    assert created.structured_content == {"result": ticket_id}
    ticket = result_of(read)
    assert ticket["headline"] == title
    assert read.structured_content == ticket
    # The same service layer: JSON-RPC sees the row, the audit log names the key's user.
    assert server.call("Tickets.getTicket", {"id": ticket_id})["headline"] == title
    entries = server.call("Audit.getEntries", {"userId": user_id, "method": ADD_TICKET_METHOD})
    assert [(e["outcome"], e["principalKind"]) for e in entries] == [("ok", "key")]


def test_tools_outside_the_keys_rights_are_not_listed_and_calls_are_error_results(
    server: Server,
) -> None:
    key = server.make_key("readonly", [1])
    title = headline()

    async def scenario() -> tuple[set[str], CallToolResult, CallToolResult, CallToolResult]:
        async with sdk_session(server, {"x-api-key": key}) as session:
            names = await tool_names(session)
            project = await session.call_tool(
                ADD_PROJECT, {"values": {"name": title, "clientId": 1}}
            )
            ticket = await session.call_tool(
                ADD_TICKET, {"values": {"headline": title, "projectId": 1}}
            )
            read = await session.call_tool(GET_TICKET, {"id": 1})
            return names, project, ticket, read

    names, project, ticket, read = run(scenario)

    assert GET_TICKET in names
    assert {ADD_PROJECT, "api_createAPIKey", "users_addUser"}.isdisjoint(names)
    for refused in (project, ticket):
        assert refused.is_error
        assert text_of(refused).startswith("Error -32001 (forbidden): ")
        assert refused.structured_content is not None
        error = refused.structured_content["error"]
        assert error["code"] == -32001
        assert error["data"]["reason"] == "forbidden"
    assert tickets_titled(server, title) == []
    assert title not in {p["name"] for p in server.call("Projects.getAll")}
    assert result_of(read)["id"] == 1


def test_readonly_key_is_not_offered_add_ticket(server: Server) -> None:
    key = server.make_key("readonly", [1])

    async def scenario() -> set[str]:
        async with sdk_session(server, {"x-api-key": key}) as session:
            return await tool_names(session)

    assert ADD_TICKET not in run(scenario)


def test_personal_access_token_as_bearer(server: Server) -> None:
    token = person_token(server)

    async def scenario() -> tuple[set[str], Any]:
        async with sdk_session(server, {"authorization": f"Bearer {token}"}) as session:
            names = await tool_names(session)
            me = result_of(await session.call_tool("auth_getUserId", {}))
            return names, me

    names, user_id = run(scenario)

    assert "api_createAPIKey" in names  # the owner's tools
    assert user_id == 1


def test_api_key_as_bearer(server: Server) -> None:
    key = server.make_key("editor", [1])

    async def scenario() -> Any:
        async with sdk_session(server, {"authorization": f"Bearer {key}"}) as session:
            return result_of(await session.call_tool(GET_TICKET, {"id": 1}))

    assert run(scenario)["id"] == 1


def test_current_revision_client_without_handshake(server: Server) -> None:
    """mcp.Client probes `server/discover` and speaks the 2026-07-28 per-request envelope."""
    key = server.make_key("editor", [1])

    async def scenario() -> tuple[str, set[str], Any]:
        async with httpx2.AsyncClient(headers={"x-api-key": key}, timeout=30) as http:
            transport = streamable_http_client(mcp_url(server), http_client=http)
            async with Client(transport) as client:
                names = {tool.name for tool in (await client.list_tools()).tools}
                info = await client.call_tool("api_config_getSystemInfo", {})
                return client.protocol_version, names, info

    version, names, info = run(scenario)

    assert version == "2026-07-28"
    assert ADD_TICKET in names
    assert "api_createAPIKey" not in names
    assert "version" in result_of(info)


# -- credentials -----------------------------------------------------------------------


def initialize_body(version: str = "2024-11-05", id_: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": id_,
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "raw-httpx", "version": "1"},
        },
    }


def post(
    server: Server, body: Any, headers: dict[str, str], *, accept: str = ACCEPT_BOTH
) -> httpx.Response:
    return httpx.post(mcp_url(server), json=body, headers={"accept": accept, **headers}, timeout=30)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        pytest.param({}, "missing", id="none"),
        pytest.param({"x-api-key": "lt_nope_nope"}, "unknown", id="unknown-key"),
        pytest.param({"x-api-key": "not-a-key"}, "malformed", id="malformed-key"),
        pytest.param({"authorization": "Bearer nosuchtoken1"}, "unknown", id="unknown-token"),
    ],
)
def test_request_without_valid_credentials_is_401(
    server: Server, headers: dict[str, str], reason: str
) -> None:
    response = post(server, initialize_body(), headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == -32001
    assert error["message"] == "Unauthorized"
    assert error["data"]["reason"] == reason
    assert "mcp-session-id" not in response.headers


def test_revoked_key_is_401_inside_an_open_session(server: Server) -> None:
    created = server.call(
        "Api.Api.createApiKeyWithProjects",
        {"values": {"name": f"mcp-{secrets.token_hex(4)}", "role": "editor"}, "projects": [1]},
    )
    key = {"x-api-key": created["apiKey"]}
    session = open_raw_session(server, key)

    server.call("Api.Api.revokeAPIKey", {"id": created["id"]})
    response = post(server, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, key | session)

    assert response.status_code == 401
    assert response.json()["error"]["data"]["reason"] == "revoked"


# -- the 2024-11-05 client, raw ------------------------------------------------------------


def answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON-RPC answer in a response that holds JSON or an event stream."""
    assert response.status_code == 200, response.text
    kind = response.headers["content-type"].split(";")[0]
    if kind == "application/json":
        decoded: dict[str, Any] = response.json()
        return decoded
    assert kind == "text/event-stream"
    events = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
    messages = [json.loads(event) for event in events if event]
    return next(message for message in messages if "id" in message)


def open_raw_session(
    server: Server, headers: dict[str, str], accept: str = ACCEPT_BOTH
) -> dict[str, str]:
    """initialize + notifications/initialized; the session header to send from then on."""
    response = post(server, initialize_body(), headers, accept=accept)
    result = answer(response)["result"]
    assert result["protocolVersion"] == "2024-11-05"
    assert result["serverInfo"]["name"] == "milepost"
    assert "tools" in result["capabilities"]
    session = {"mcp-session-id": response.headers["mcp-session-id"]}
    notified = post(
        server,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        headers | session,
        accept=accept,
    )
    assert notified.status_code == 202, notified.text
    return session


@pytest.mark.parametrize("accept", [ACCEPT_BOTH, "application/json"])
def test_2024_11_05_client_posting_raw_messages(server: Server, accept: str) -> None:
    key = {"x-api-key": server.make_key("editor", [1])}
    session = open_raw_session(server, key, accept)
    headers = key | session

    listed = answer(
        post(server, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers, accept=accept)
    )
    call = {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "tools/call",
        "params": {"name": GET_TICKET, "arguments": {"id": 1}},
    }
    called = answer(post(server, call, headers, accept=accept))

    tools = {tool["name"]: tool for tool in listed["result"]["tools"]}
    assert listed["id"] == 2
    schema = tools[GET_TICKET]["inputSchema"]
    assert schema == {
        "type": "object",
        "properties": {"id": {"type": "integer"}},
        "required": ["id"],
    }
    assert tools[GET_TICKET]["description"]
    assert called["id"] == 3
    result = called["result"]
    assert result["isError"] is False
    ticket = json.loads(result["content"][0]["text"])
    assert ticket["id"] == 1
    assert result["content"][0]["text"] == json.dumps(ticket, separators=(",", ":"))


def test_a_request_without_accept_header_gets_json(server: Server) -> None:
    key = {"x-api-key": server.make_key("editor", [1])}
    with httpx.Client(timeout=30) as client:
        del client.headers["accept"]  # httpx sends */* unless told otherwise
        request = client.build_request("POST", mcp_url(server), json=initialize_body(), headers=key)
        assert "accept" not in request.headers
        response = client.send(request)

    assert response.headers["content-type"] == "application/json"
    assert answer(response)["result"]["protocolVersion"] == "2024-11-05"


def test_unknown_tool_is_a_protocol_error(server: Server) -> None:
    key = {"x-api-key": server.make_key("editor", [1])}
    session = open_raw_session(server, key)
    call = {
        "jsonrpc": "2.0",
        "id": 9,
        "method": "tools/call",
        "params": {"name": "tickets_noSuchMethod", "arguments": {}},
    }

    error = answer(post(server, call, key | session))["error"]

    assert error["code"] == -32602
    assert "tickets_noSuchMethod" in error["message"]


def test_bad_arguments_are_an_error_result_naming_the_param(server: Server) -> None:
    key = {"x-api-key": server.make_key("editor", [1])}
    session = open_raw_session(server, key)
    call = {
        "jsonrpc": "2.0",
        "id": 4,
        "method": "tools/call",
        "params": {"name": GET_TICKET, "arguments": {"id": "abc"}},
    }

    result = answer(post(server, call, key | session))["result"]

    assert result["isError"] is True
    assert "-32602" in result["content"][0]["text"]
    assert "`id`" in result["content"][0]["text"]
    assert result["structuredContent"]["error"]["data"]["param"] == "id"


def test_idempotency_key_header_replays_a_write(server: Server) -> None:
    key = {"x-api-key": server.make_key("editor", [1])}
    session = open_raw_session(server, key)
    title = headline()
    call = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {
            "name": ADD_TICKET,
            "arguments": {"values": {"headline": title, "projectId": 1}},
        },
    }
    retry = key | session | {"idempotency-key": f"mcp-{secrets.token_hex(8)}"}

    first = answer(post(server, call, retry))["result"]
    second = answer(post(server, call, retry))["result"]

    assert first["isError"] is False
    assert second["structuredContent"] == first["structuredContent"]
    assert [row["id"] for row in tickets_titled(server, title)] == [
        first["structuredContent"]["result"]
    ]


# -- sessions ------------------------------------------------------------------------------


def test_session_id_is_honoured(server: Server) -> None:
    key = {"x-api-key": server.make_key("editor", [1])}
    other_key = {"x-api-key": server.make_key("editor", [1])}
    session = open_raw_session(server, key)
    list_tools = {"jsonrpc": "2.0", "id": 5, "method": "tools/list"}

    reused = post(server, list_tools, key | session)
    assert answer(reused)["result"]["tools"]
    assert reused.headers["mcp-session-id"] == session["mcp-session-id"]

    # Another credential cannot ride the session; an unknown id is 404; none is 400.
    assert post(server, list_tools, other_key | session).status_code == 404
    assert post(server, list_tools, key | {"mcp-session-id": "nope"}).status_code == 404
    assert post(server, list_tools, key).status_code == 400

    # A second session is a new id; the first one stays usable.
    second = open_raw_session(server, key)
    assert second != session
    assert answer(post(server, list_tools, key | session))["result"]["tools"]

    # DELETE ends the session.
    ended = httpx.delete(mcp_url(server), headers=key | session, timeout=30)
    assert ended.status_code == 200
    assert post(server, list_tools, key | session).status_code == 404
    assert answer(post(server, list_tools, key | second))["result"]["tools"]


# -- paging ------------------------------------------------------------------------------


def test_list_tool_pages_with_a_default_size_and_a_cursor(server: Server) -> None:
    key = server.make_key("editor", [1])
    criteria = {"currentProject": 1}

    async def scenario() -> tuple[CallToolResult, CallToolResult, CallToolResult]:
        async with sdk_session(server, {"x-api-key": key}) as session:
            default = await session.call_tool("tickets_getAll", {"searchCriteria": criteria})
            first = await session.call_tool(
                "tickets_getAll",
                {"searchCriteria": criteria, "pageSize": 5, "fields": ["headline"]},
            )
            cursor = result_of(first)["nextCursor"]
            second = await session.call_tool(
                "tickets_getAll",
                {
                    "searchCriteria": criteria,
                    "pageSize": 5,
                    "fields": ["headline"],
                    "cursor": cursor,
                },
            )
            return default, first, second

    default, first, second = run(scenario)

    page = result_of(default)
    assert len(page["items"]) == 50  # project 1 holds over 100 tickets
    assert page["nextCursor"]
    assert f'"cursor": "{page["nextCursor"]}"' in text_of(default)
    first_page, second_page = result_of(first), result_of(second)
    assert [set(row) for row in first_page["items"]] == [{"id", "headline"}] * 5
    first_ids = [row["id"] for row in first_page["items"]]
    second_ids = [row["id"] for row in second_page["items"]]
    assert first_ids == sorted(first_ids)
    assert len(second_ids) == 5
    assert min(second_ids) > max(first_ids)
    assert first.structured_content == first_page


def test_list_tool_schema_offers_the_paging_params(server: Server) -> None:
    key = {"x-api-key": server.make_key("editor", [1])}
    session = open_raw_session(server, key)
    listed = answer(
        post(server, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, key | session)
    )
    tools = {tool["name"]: tool for tool in listed["result"]["tools"]}

    get_all = tools["tickets_getAll"]["inputSchema"]["properties"]
    assert {"searchCriteria", "pageSize", "cursor", "withTotal", "modifiedSince", "fields"} <= set(
        get_all
    )
    assert "pageSize" not in tools[GET_TICKET]["inputSchema"]["properties"]
    assert tools["tickets_getAll"]["annotations"]["readOnlyHint"] is True
    assert tools[ADD_TICKET]["annotations"]["readOnlyHint"] is False


# -- limits shared with JSON-RPC -------------------------------------------------------------


def fresh_window() -> None:
    """Rate-limit counters reset each wall-clock minute; start well inside one."""
    into = time.time() % 60
    if into > 50:
        time.sleep(60.5 - into)


def test_rate_limit_is_shared_with_json_rpc(server: Server) -> None:
    created = server.call(
        "Api.Api.createApiKeyWithProjects",
        {"values": {"name": f"mcp-{secrets.token_hex(4)}", "role": "editor", "rateLimit": 4}},
    )
    key = {"x-api-key": created["apiKey"]}
    fresh_window()

    assert server.post(GET_SYSTEM_INFO, key=created["apiKey"]).status_code == 200  # 1 of 4
    opened = post(server, initialize_body(), key)  # 2 of 4
    assert opened.status_code == 200
    assert opened.headers["ratelimit-remaining"] == "2"
    session = {"mcp-session-id": opened.headers["mcp-session-id"]}
    listed = post(server, {"jsonrpc": "2.0", "method": "notifications/initialized"}, key | session)
    assert listed.headers["x-ratelimit-remaining"] == "1"  # 3 of 4
    assert post(server, LIST_TOOLS, key | session).status_code == 200  # 4 of 4

    refused = post(server, LIST_TOOLS, key | session)
    assert refused.status_code == 429
    assert refused.json()["error"]["data"]["reason"] == "rate_limited"
    assert refused.headers["ratelimit-limit"] == "4"
    assert int(refused.headers["retry-after"]) >= 1
    assert server.post(GET_SYSTEM_INFO, key=created["apiKey"]).status_code == 429


@pytest.fixture(scope="module")
def throttling_server(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second server process on the same database, throttling after 2 failed logins."""
    env = {"MILEPOST_FAILED_AUTH_PER_MINUTE": "2"}
    process, url = start_server(server.database_url, tmp_path_factory.mktemp("mcp"), env)
    try:
        yield Server(server.backend, url, server.database_url, server.owner_key, server.workdir)
    finally:
        stop(process)


def test_failed_auth_throttle_is_shared_with_json_rpc(
    server: Server, throttling_server: Server
) -> None:
    key = {"x-api-key": server.make_key("editor", [1])}

    for _ in range(2):
        assert (
            post(throttling_server, initialize_body(), {"x-api-key": "lt_a_b"}).status_code == 401
        )

    throttled = throttling_server.post(GET_SYSTEM_INFO, key=key["x-api-key"])
    assert throttled.status_code == 429
    assert throttled.json()["error"]["data"]["reason"] == "auth_throttled"
    again = post(throttling_server, initialize_body(), key)
    assert again.status_code == 429
    assert again.json()["error"]["data"]["reason"] == "auth_throttled"
    assert int(again.headers["retry-after"]) >= 1


# -- several processes -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def stateless_pair(
    server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    """Two server processes on one database with `mcp_stateless`, as behind a load
    balancer that sends each request wherever it likes."""
    env = {"MILEPOST_MCP_STATELESS": "1"}
    started = [start_server(server.database_url, tmp_path_factory.mktemp("mcp"), env)]
    try:
        started.append(start_server(server.database_url, tmp_path_factory.mktemp("mcp"), env))
        yield tuple(  # type: ignore[misc]
            Server(server.backend, url, server.database_url, server.owner_key, server.workdir)
            for _, url in started
        )
    finally:
        for process, _ in started:
            stop(process)


def test_stateless_requests_need_no_session_and_any_process_answers(
    server: Server, stateless_pair: tuple[Server, Server]
) -> None:
    first, second = stateless_pair
    key = {"x-api-key": server.make_key("editor", [1])}

    opened = post(first, initialize_body(), key)
    assert answer(opened)["result"]["serverInfo"]["name"] == "milepost"
    assert "mcp-session-id" not in opened.headers
    call = {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "tools/call",
        "params": {"name": GET_TICKET, "arguments": {"id": 1}},
    }
    called = answer(post(second, call, key))["result"]
    assert called["isError"] is False
    assert json.loads(called["content"][0]["text"])["id"] == 1
    # Credentials are still checked on every request.
    assert post(second, LIST_TOOLS, {"x-api-key": "lt_a_b"}).status_code == 401


def test_the_sdk_client_works_against_a_stateless_server(
    server: Server, stateless_pair: tuple[Server, Server]
) -> None:
    key = server.make_key("editor", [1])

    async def scenario() -> set[str]:
        async with sdk_session(stateless_pair[1], {"x-api-key": key}) as session:
            return await tool_names(session)

    assert GET_TICKET in run(scenario)


def test_the_sdk_is_loaded_at_the_first_mcp_request_only(tmp_path: Any) -> None:
    # It is about a third of a worker's memory (milepost/mcp/__init__.py).
    code = (
        "import sys\n"
        "from milepost.app import create_app\n"
        "from milepost.settings import Settings\n"
        f"create_app(Settings(database={str(tmp_path / 'm.db')!r}))\n"
        "sdk = ('mcp', 'mcp_types', 'pydantic')\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in sdk))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"


def test_an_endpoint_that_cannot_start_fails_its_requests_and_not_the_server() -> None:
    def build() -> Any:
        raise ImportError("no SDK here")

    deferred = DeferredMcpEndpoint(build)

    async def request() -> None:
        await deferred({"type": "http"}, None, None)  # type: ignore[arg-type]

    async def main() -> list[str]:
        failures = []
        async with deferred.run():
            for _ in range(2):
                with pytest.raises(RuntimeError, match="could not start") as caught:
                    await request()
                failures.append(repr(caught.value.__cause__))
            await anyio.sleep(0.01)  # the application goes on serving
        return failures

    assert anyio.run(main) == ["ImportError('no SDK here')"] * 2
