"""`milepost call` and `milepost methods`, run as commands against a live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from tests.conftest import Server


def run(server: Server, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "MILEPOST_URL": server.url, "MILEPOST_KEY": server.owner_key, **env}
    return subprocess.run(
        [sys.executable, "-m", "milepost.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )


def ok(server: Server, *args: str, **env: str) -> str:
    done = run(server, *args, **env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def fields(text: str) -> dict[str, str]:
    """`key: value` lines as a dict."""
    pairs = (line.split(":", 1) for line in text.splitlines())
    return {key.strip(): value.strip() for key, value in pairs}


# -- call --------------------------------------------------------------------------------


def test_an_object_prints_as_key_value_lines(server: Server) -> None:
    shown = fields(ok(server, "call", "tickets.getTicket", "id=1"))
    assert shown["id"] == "1"
    assert shown["headline"] == "Kick-off meeting"
    assert shown["projectId"] == "1"


def test_a_full_and_a_5_part_name_work(server: Server) -> None:
    assert fields(ok(server, "call", "leantime.rpc.tickets.getTicket", "id=2"))["id"] == "2"
    assert fields(ok(server, "call", "Api.Config.getSystemInfo"))["version"] == "3.9.8"


def test_raw_prints_the_json_result(server: Server) -> None:
    result = json.loads(ok(server, "call", "tickets.getTicket", "id=1", "--raw"))
    assert result["id"] == 1
    assert result["projectId"] == 1


def test_a_list_of_objects_prints_as_an_aligned_table(server: Server) -> None:
    out = ok(server, "call", "tickets.getAll", 'searchCriteria={"currentProject":2}', "limit=5")
    header, *rows = out.splitlines()
    assert header.split()[:2] == ["id", "headline"]
    assert len(rows) == 5
    expected = server.call("tickets.getAll", {"searchCriteria": {"currentProject": 2}, "limit": 5})
    assert [int(row.split()[0]) for row in rows] == [ticket["id"] for ticket in expected]
    # Aligned: the headline column starts at the same offset on every line.
    offset = header.index("headline")
    for row, ticket in zip(rows, expected, strict=True):
        assert row[offset:].startswith(ticket["headline"][:40])


def test_an_object_of_objects_prints_as_a_table_keyed_by_its_keys(server: Server) -> None:
    header, *rows = ok(server, "call", "tickets.getStatusLabels", "projectId=1").splitlines()
    assert header.split()[:2] == ["key", "name"]
    labels = server.call("tickets.getStatusLabels", {"projectId": 1})
    assert [row.split()[0] for row in rows] == list(labels)


def test_a_scalar_prints_as_itself(server: Server) -> None:
    assert ok(server, "call", "tickets.getTicket", "id=999999999") == "false\n"
    created = ok(
        server, "call", "tickets.addTicket", "values.headline=made by the cli", "values.projectId=1"
    )
    ticket = server.call("tickets.getTicket", {"id": int(created)})
    assert ticket["headline"] == "made by the cli"


def test_values_parse_as_json_when_they_parse_else_as_strings(server: Server) -> None:
    ticket = server.add_ticket(headline="cli values")
    ok(
        server, "call", "tickets.patchTicket", f"id={ticket}",
        'values={"headline": "from json", "storypoints": 3}',
    )  # fmt: skip
    stored = server.call("tickets.getTicket", {"id": ticket})
    assert (stored["headline"], stored["storypoints"]) == ("from json", 3)
    ok(server, "call", "tickets.patchTicket", f"id={ticket}", "values.headline=plain words 42")
    assert server.call("tickets.getTicket", {"id": ticket})["headline"] == "plain words 42"


def test_json_params_by_name_by_position_and_merged(server: Server) -> None:
    assert fields(ok(server, "call", "tickets.getTicket", "--json", '{"id": 3}'))["id"] == "3"
    assert fields(ok(server, "call", "tickets.getTicket", "--json", "[4]"))["id"] == "4"
    merged = ok(server, "call", "tickets.getTicket", "--json", '{"id": 3}', "id=5")
    assert fields(merged)["id"] == "5"


def test_flags_override_the_environment(server: Server) -> None:
    out = run(
        server, "call", "tickets.getTicket", "id=1", "--url", server.url,
        "--key", server.owner_key, MILEPOST_URL="http://127.0.0.1:1", MILEPOST_KEY="lt_bad_bad",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert fields(out.stdout)["id"] == "1"


# -- errors ------------------------------------------------------------------------------


def test_a_bad_param_prints_the_error_and_exits_1(server: Server) -> None:
    done = run(server, "call", "tickets.getTicket", "id=abc")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error -32602 Invalid params: param `id`: expected an integer")


def test_an_unknown_method_exits_1(server: Server) -> None:
    done = run(server, "call", "tickets.noSuchMethod")
    assert done.returncode == 1
    assert done.stderr.startswith("error -32601 Method not found: ")


def test_a_not_found_write_exits_1(server: Server) -> None:
    done = run(server, "call", "tickets.patchTicket", "id=999999999", "values.headline=x")
    assert done.returncode == 1
    assert done.stderr.startswith("error -32002 ")


@pytest.mark.parametrize(("key", "reason"), [("lt_nosuchkey_nosecret", "no such"), ("", "")])
def test_bad_credentials_exit_1_with_unauthorized(server: Server, key: str, reason: str) -> None:
    done = run(server, "call", "tickets.getTicket", "id=1", MILEPOST_KEY=key)
    assert done.returncode == 1
    assert done.stderr.startswith("error -32001 Unauthorized: ")
    assert reason in done.stderr


def test_an_unreachable_server_is_an_error_not_a_traceback(server: Server) -> None:
    from tests.conftest import free_port

    done = run(
        server, "call", "tickets.getTicket", "id=1", MILEPOST_URL=f"http://127.0.0.1:{free_port()}"
    )
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("error network Connection failed: POST ")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["tickets.getTicket", "9"],
        ["tickets.getTicket", "--json", "{not json"],
        ["tickets.getTicket", "--json", "9"],
        ["tickets.getTicket", "--json", "[1]", "id=1"],
    ],
)
def test_unusable_params_exit_2(server: Server, args: list[str]) -> None:
    done = run(server, "call", *args)
    assert done.returncode == 2
    assert done.stderr.startswith("milepost call: ")


# -- --get-url ---------------------------------------------------------------------------


def test_get_url_prints_a_url_that_makes_the_call(server: Server) -> None:
    url = ok(server, "call", "tickets.getTicket", "id=5", "note=>>>?", "--get-url").strip()
    assert url.startswith(server.rpc_url + "?")
    answer = httpx.get(url, headers={"x-api-key": server.owner_key}, timeout=30).json()
    assert answer["result"]["id"] == 5


def test_get_url_without_params_and_with_positional_params(server: Server) -> None:
    bare = ok(server, "call", "Api.Config.getSystemInfo", "--get-url").strip()
    assert "params=" not in bare
    answer = httpx.get(bare, headers={"x-api-key": server.owner_key}, timeout=30).json()
    assert answer["result"]["version"] == "3.9.8"
    positional = ok(server, "call", "tickets.getTicket", "--json", "[6]", "--get-url").strip()
    answer = httpx.get(positional, headers={"x-api-key": server.owner_key}, timeout=30).json()
    assert answer["result"]["id"] == 6


# -- methods -----------------------------------------------------------------------------


def test_methods_lists_names_and_summaries(server: Server) -> None:
    lines = ok(server, "methods").splitlines()
    names = [line.split()[0] for line in lines]
    assert "Tickets.getTicket" in names
    assert "Api.Config.getSystemInfo" in names
    (line,) = [line for line in lines if line.startswith("Tickets.getTicket ")]
    assert "ticket" in line.split(None, 1)[1].lower()
    document = server.call("rpc.discover")
    assert len(lines) == len(document["methods"])


def test_methods_filters_by_substring_and_glob(server: Server) -> None:
    substring = [line.split()[0] for line in ok(server, "methods", "getticket").splitlines()]
    assert "Tickets.getTicket" in substring
    assert all("getticket" in name.lower() for name in substring)
    glob = [line.split()[0] for line in ok(server, "methods", "tickets.get*").splitlines()]
    assert "Tickets.getTicket" in glob
    assert "Tickets.addTicket" not in glob
    assert all(name.lower().startswith("tickets.get") for name in glob)


def test_methods_shows_only_what_the_key_may_call(server: Server) -> None:
    readonly = server.make_key("readonly", [1])
    owner = _names(ok(server, "methods", "Api.*"))
    limited = _names(ok(server, "methods", "Api.*", MILEPOST_KEY=readonly))
    assert "Api.getAPIKeys" in owner
    assert "Api.getAPIKeys" not in limited


def test_methods_without_a_match_exits_1(server: Server) -> None:
    done = run(server, "methods", "no-such-method-anywhere")
    assert done.returncode == 1
    assert "no method matches" in done.stderr


def _names(listing: str) -> list[str]:
    """The method names of `milepost call methods` output, one per line before the
    description."""
    return [line.split()[0] for line in listing.splitlines() if line.strip()]
