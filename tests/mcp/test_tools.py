"""The tool catalog and the call path, in process: names, schemas, failures.

What can only be provoked in process (a name collision, a programming error inside a
service) is tested here; everything else runs over HTTP in test_mcp.py.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from milepost.mcp import calls
from milepost.mcp.tools import NAME_PATTERN, ToolCatalog, input_schema, tool_name
from milepost.rpc.registry import Registry
from milepost.services import DOMAINS
from milepost.services.layer import CallMeta
from milepost.services.operations import Context, Operation, collect
from milepost.services.permissions import Principal, Role

REGISTRY = Registry(collect(DOMAINS))


def method(wire: str) -> Any:
    return REGISTRY.resolve("leantime.rpc." + wire)


def fake_operation(wire: str) -> Operation:
    def func(ctx: Context, id: int, values: dict[str, Any] | None = None) -> list[int]:
        """A test operation."""
        return [id]

    return Operation(func, wire, permission=None, project_param=None, writes=False)


@pytest.mark.parametrize(
    ("wire", "name"),
    [
        ("Tickets.Tickets.getTicket", "tickets_getTicket"),
        ("Api.Config.getSystemInfo", "api_config_getSystemInfo"),
        ("Auth.AccessToken.createToken", "auth_access_token_createToken"),
        ("Projects.getProjectsUserHasAccessTo", "projects_getProjectsUserHasAccessTo"),
    ],
)
def test_tool_names_come_from_the_canonical_wire_name(wire: str, name: str) -> None:
    assert tool_name(method(wire)) == name


def test_every_method_is_one_tool_with_a_valid_name() -> None:
    catalog = ToolCatalog(REGISTRY)

    assert len(catalog) == len(REGISTRY)
    for entry in (catalog.get(tool_name(m)) for m in REGISTRY):
        assert entry is not None
        assert NAME_PATTERN.fullmatch(entry.tool.name)
        assert entry.tool.meta == {"milepost/method": entry.method.name}


def test_an_overlong_name_is_shortened_keeping_the_method_and_staying_unique() -> None:
    long_domain = "Averyveryverylongdomainnamethatgoesonandon"
    registry = Registry(
        [
            fake_operation(f"{long_domain}.Services.fetchEverything"),
            fake_operation(f"{long_domain}.Servicez.fetchEverything"),
        ]
    )
    names = [tool_name(m) for m in registry]

    assert all(len(name) == 64 and name.endswith("_fetchEverything") for name in names)
    assert len(set(names)) == 2
    assert len(ToolCatalog(registry)) == 2


def test_two_methods_on_one_tool_name_fail_at_start_up() -> None:
    registry = Registry([fake_operation("AbCd.AbCd.get"), fake_operation("Ab.Cd.get")])

    with pytest.raises(ValueError, match="both map to the tool name ab_cd_get"):
        ToolCatalog(registry)


def test_input_schema_is_the_discover_schema_plus_paging_for_lists() -> None:
    registry = Registry([fake_operation("Things.Things.getThings")])
    schema = input_schema(next(iter(registry)))

    assert schema["type"] == "object"
    assert schema["required"] == ["id"]
    assert schema["properties"]["id"] == {"type": "integer"}
    assert {"pageSize", "cursor", "withTotal", "modifiedSince", "fields"} <= set(
        schema["properties"]
    )
    assert "required" not in input_schema(method("Tickets.getKanbanColumns"))


class BrokenServices:
    """A service layer whose operations fail with a programming error."""

    def __init__(self) -> None:
        self.meta: CallMeta | None = None

    def call(self, op: Operation, principal: Principal, args: Any, meta: CallMeta) -> Any:
        self.meta = meta
        raise KeyError("secret internals")


def test_a_programming_error_is_logged_and_answered_without_internals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = ToolCatalog(REGISTRY).get("tickets_getAll")
    assert entry is not None
    caller = calls.Caller(Principal(user_id=1, role=Role.OWNER, kind="user", name="o"))
    services: Any = BrokenServices()

    with caplog.at_level(logging.INFO, logger="milepost.mcp.calls"):
        result = calls.run(services, entry, {"fields": ["headline"]}, caller)

    assert result.is_error
    assert "secret" not in result.model_dump_json()
    assert result.structured_content == {
        "error": {
            "code": -32603,
            "message": "Internal error",
            "data": {"reason": "internal", "detail": "the server failed; the error is in its log"},
        }
    }
    assert any(record.exc_info for record in caplog.records)
    # The default page was asked for, and the paging params stayed out of the binding.
    assert services.meta.page is not None
    assert services.meta.page.size == 50
    assert services.meta.page.fields == ("headline",)
