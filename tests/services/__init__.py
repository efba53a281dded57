"""Service-layer methods over real HTTP, one module per domain, on both backends.

The modules make several hundred calls each, so they reach the session `server` through
`Api`, which keeps one connection open instead of paying for a new HTTP client (and its
TLS context, about 40 ms) on every call. Keys are made once per module.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator
from typing import Any

import httpx

from tests.conftest import RpcError, Server, milepost

__all__ = ["BOOKKEEPING", "Api", "RpcError", "api_for", "changed", "leading", "unique"]

# What every write changes besides the fields it was asked to change.
BOOKKEEPING = frozenset({"modified", "version"})


def changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """The fields whose values differ between two reads of one row."""
    return {field for field in before if before[field] != after.get(field)}


def leading(row: dict[str, Any], fields: list[str]) -> list[str]:
    """The row's first fields: Leantime's, in its order, come before Milepost's own."""
    return list(row)[: len(fields)]


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclasses.dataclass
class Api(Server):
    """The session server, called over one kept-alive connection."""

    client: httpx.Client = dataclasses.field(default_factory=lambda: httpx.Client(timeout=30))

    def post(self, body: Any, key: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if key is not None:
            headers["x-api-key"] = key
        self.client.cookies.clear()  # no session cookie may leak from one call to the next
        if isinstance(body, bytes | str):
            return self.client.post(self.rpc_url, content=body, headers=headers, **kwargs)
        return self.client.post(self.rpc_url, json=body, headers=headers, **kwargs)

    def call_bearer(self, method: str, params: Any, token: str) -> Any:
        """Call one method with `Authorization: Bearer <token>` (a person's token)."""
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc." + method}
        if params is not None:
            body["params"] = params
        response = self.post(body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        answer = response.json()
        if "error" in answer:
            raise RpcError(answer["error"])
        return answer["result"]

    def new_key(self, role: str, projects: list[int], **values: Any) -> tuple[int, str]:
        """A new key made by the owner: (its user id, the secret to send)."""
        created = self.call(
            "Api.Api.createApiKeyWithProjects",
            {
                "values": {"name": unique(f"svc-{role}"), "role": role, **values},
                "projects": projects,
            },
        )
        return int(created["id"]), str(created["apiKey"])

    def person_token(self, email: str) -> str:
        """A personal access token for a demo person, made with the command line."""
        return milepost(
            "tokens", "--database", self.database_url, "create", "--user", email
        ).strip()

    def error(self, method: str, params: Any = None, key: str | None = None) -> RpcError:
        """The error a call answers with (failing the test if it succeeds)."""
        try:
            result = self.call(method, params, key=key)
        except RpcError as error:
            return error
        raise AssertionError(f"{method} succeeded with {result!r}; an error was expected")


def api_for(server: Server) -> Iterator[Api]:
    """The body of a module-scoped fixture: `server` over one connection."""
    fields = {field.name: getattr(server, field.name) for field in dataclasses.fields(Server)}
    api = Api(**fields)
    try:
        yield api
    finally:
        api.client.close()
