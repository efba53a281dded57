"""rpc.discover: an OpenRPC 1.4 document, valid against the specification's meta-schema.

The meta-schema is `dist/1_4/schema.json` of the npm package @open-rpc/spec 1.4.1
(Apache-2.0), vendored in tests/data because tests may not download anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT7

from tests.conftest import Server

META_SCHEMA = json.loads(
    (Path(__file__).parent.parent / "data" / "openrpc-1.4.1.schema.json").read_text()
)


# The meta-schema describes JSON Schema objects by reference to meta.json-schema.tools;
# draft 7's own meta-schema stands in for it, offline.
SCHEMAS = Registry().with_resource(
    "https://meta.json-schema.tools",
    DRAFT7.create_resource(
        {
            **jsonschema.Draft7Validator.META_SCHEMA,
            "$id": "https://meta.json-schema.tools",
            "definitions": {
                **jsonschema.Draft7Validator.META_SCHEMA["definitions"],
                "JSONSchemaObject": jsonschema.Draft7Validator.META_SCHEMA,
            },
        }
    ),
)


@pytest.fixture(scope="module")
def document(server: Server) -> dict[str, Any]:
    result: dict[str, Any] = server.call("rpc.discover")
    return result


def test_discover_is_valid_openrpc_1_4(document: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(META_SCHEMA, registry=SCHEMAS).validate(document)
    assert document["openrpc"].startswith("1.4.")


def test_every_param_and_result_schema_is_valid_json_schema(document: dict[str, Any]) -> None:
    for method in document["methods"]:
        for param in method["params"]:
            jsonschema.Draft7Validator.check_schema(param["schema"])
        jsonschema.Draft7Validator.check_schema(method["result"]["schema"])


def test_owner_sees_the_core_methods(document: dict[str, Any]) -> None:
    names = {method["name"] for method in document["methods"]}
    for name in (
        "leantime.rpc.Tickets.Tickets.getTicket",
        "leantime.rpc.Tickets.Tickets.addTicket",
        "leantime.rpc.Projects.Projects.getProject",
        "leantime.rpc.Users.Users.getUser",
        "leantime.rpc.Clients.Clients.create",
        "leantime.rpc.Api.Api.createAPIKey",
        "leantime.rpc.Api.Config.getSystemInfo",
        "leantime.rpc.Auth.Auth.getUserId",
    ):
        assert name in names


def test_methods_describe_params_in_signature_order(document: dict[str, Any]) -> None:
    by_name = {method["name"]: method for method in document["methods"]}
    find = by_name["leantime.rpc.Tickets.Tickets.findTicket"]
    assert [p["name"] for p in find["params"]] == ["term", "projectId", "userId"]
    assert [p["required"] for p in find["params"]] == [True, True, False]
    add = by_name["leantime.rpc.Tickets.Tickets.addTicket"]
    values = add["params"][0]["schema"]
    assert values["type"] == "object"
    assert values["properties"]["headline"] == {"type": "string"}
    assert add["result"]["schema"] == {"type": "integer"}
    assert add["x-permission"] == "tickets.create"  # checked in the project after loading
    assert by_name["leantime.rpc.Clients.Clients.create"]["x-permission"] == "clients.create"
    assert find["x-aliases"] == ["leantime.rpc.Tickets.findTicket"]


def test_readonly_key_is_offered_only_what_its_role_may_call(server: Server) -> None:
    key = server.make_key("readonly", [1])
    names = {m["name"] for m in server.call("rpc.discover", key=key)["methods"]}
    assert "leantime.rpc.Tickets.Tickets.getAll" in names
    assert "leantime.rpc.Clients.Clients.create" not in names
    assert "leantime.rpc.Api.Api.createAPIKey" not in names
    assert "leantime.rpc.Projects.Projects.addProject" not in names


def test_every_offered_method_resolves(server: Server, document: dict[str, Any]) -> None:
    """Each advertised name dispatches: an empty call fails on params, never on the name."""
    key = server.make_key("readonly", [])
    for method in document["methods"]:
        body = {"jsonrpc": "2.0", "id": 1, "method": method["name"], "params": {"__probe": 1}}
        answer = server.post(body, key=key).json()
        error = answer.get("error")
        assert (
            error is None
            or error["code"] != -32601
            or error["data"]["reason"] != ("method_not_found")
        ), method["name"]


def test_the_meta_schema_check_can_fail(document: dict[str, Any]) -> None:
    broken = {**document, "methods": [{"name": "x", "params": [{"schema": {}}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(META_SCHEMA, registry=SCHEMAS).validate(broken)


def test_methods_that_check_in_their_body_are_listed_only_to_who_could_pass(
    server: Server,
) -> None:
    readonly = {
        m["name"]
        for m in server.call("rpc.discover", key=server.make_key("readonly", [1]))["methods"]
    }
    editor = {
        m["name"]
        for m in server.call("rpc.discover", key=server.make_key("editor", [1]))["methods"]
    }
    assert "leantime.rpc.Tickets.Tickets.addTicket" not in readonly
    assert "leantime.rpc.Tickets.Tickets.getTicket" in readonly
    assert "leantime.rpc.Tickets.Tickets.addTicket" in editor
