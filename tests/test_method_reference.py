"""docs/methods.md is generated from the registry and must match the code.

When this fails, the method list in the code changed (a new operation, a new param, a
changed docstring or permission): regenerate the file with
`.venv/bin/python scripts/dev/method_reference.py` and commit it with the change.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path

import pytest

from milepost.rpc.reference import errors_of, not_supported, render, type_text
from milepost.rpc.registry import Registry
from milepost.services import DOMAINS
from milepost.services.operations import collect

DOC = Path(__file__).resolve().parents[1] / "docs" / "methods.md"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry(collect(DOMAINS))


@pytest.fixture(scope="module")
def text(registry: Registry) -> str:
    return render(registry)


def test_the_committed_method_list_matches_the_code(text: str) -> None:
    expected = text
    committed = DOC.read_text(encoding="utf-8")
    if committed != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    expected.splitlines(keepends=True),
                    "docs/methods.md (committed)",
                    "docs/methods.md (from the code)",
                )
            )[:60]
        )
        pytest.fail(
            "docs/methods.md differs from the registry; run"
            f" `.venv/bin/python scripts/dev/method_reference.py`:\n{diff}"
        )


def test_every_method_is_listed_once(registry: Registry, text: str) -> None:
    for method in registry:
        assert text.count(f"`{method.name}`") == 1, method.name


def _section(text: str, name: str) -> str:
    start = text.index(f"`{name}`")
    return text[start : text.index("\n### ", start)]


def test_an_entry_names_params_result_permission_and_errors(text: str) -> None:
    section = _section(text, "leantime.rpc.Tickets.Tickets.patchTicket")

    assert "| `id` | `int` | yes |  |" in section
    assert "| `expectedVersion` | `int \\| null` | no | `null` |" in section
    assert "- Result: `bool`" in section
    assert "`tickets.edit` (in the entity's project, checked after loading)" in section
    assert "-32602 (InvalidParams), -32001 (Forbidden), -32002 (NotFound)" in section
    assert "- Mark: writes" in section


def test_not_supported_and_legacy_methods_are_marked(text: str) -> None:
    ldap = _section(text, "leantime.rpc.Users.Users.fetchLdapMembers")
    legacy = _section(text, "leantime.rpc.Tickets.Tickets.patch")

    assert "- Mark: not_supported" in ldap
    assert "- Errors: -32601 (NotSupported)" in ldap
    assert "- Mark: legacy" in legacy
    assert "not_supported" not in legacy


def test_not_supported_is_read_from_the_code(registry: Registry) -> None:
    marked = {m.operation.wire for m in registry if not_supported(m.operation)}

    assert "Users.Users.fetchLdapMembers" in marked
    assert "Notifications.Notifications.registerPushToken" in marked  # another module's
    assert "Tickets.Tickets.getTicket" not in marked


def test_errors_follow_the_service_functions_called(registry: Registry) -> None:
    by_wire = {m.operation.wire: m for m in registry}

    # getTicket answers false for a hidden ticket: no -32001 or -32002 escapes it.
    assert errors_of(by_wire["Tickets.Tickets.getTicket"]) == [-32602]
    # deleteMilestone raises NotFound through a helper of tickets.py.
    assert -32002 in errors_of(by_wire["Tickets.Tickets.deleteMilestone"])
    # A stale expectedVersion is a conflict, raised by versions.checked_update.
    assert -32005 in errors_of(by_wire["Projects.Projects.patch"])


def test_types_read_as_the_wire_has_them(registry: Registry) -> None:
    hints = {m.operation.wire: typing.get_type_hints(m.operation.func) for m in registry}

    assert type_text(hints["Tickets.Tickets.getTicket"]["return"]) == "Ticket | false"
    assert type_text(hints["Tickets.Tickets.getAll"]["return"]) == "list[TicketRow]"
    grouped = hints["Tickets.Tickets.getOpenUserTicketsByProject"]["return"]
    assert type_text(grouped) == "dict[string, WorkGroup]"
    remaining = hints["Timesheets.Timesheets.getRemainingHours"]["ticketOrId"]
    assert type_text(remaining) == "int | TicketRef"


def test_types_used_by_methods_are_described(text: str) -> None:
    types = text[text.index("## Types") :]

    assert "### `WorkGroup`" in types  # reached only through a dict's values
    assert "| `tickets` | `list[TicketRow]` |" in types
    assert "| `class` | `string` (optional) |" in types  # LabelValues, a functional TypedDict
