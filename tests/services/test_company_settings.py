"""The Setting domain over real HTTP: company settings, project labels, and Leantime 3.8's
raw getSetting/saveSetting/deleteSetting behind the company settings permission."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import Api, api_for, unique


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, str]:
    return {role: api.new_key(role, [1])[1] for role in ("editor", "manager", "admin")}


@pytest.fixture
def project(api: Api) -> int:
    return int(api.call("projects.addProject", {"values": {"name": unique("labels")}}))


def test_company_settings_round_trip(api: Api, keys: dict[str, str]) -> None:
    admin = keys["admin"]
    before = api.call("Setting.Setting.getCompanySettings", {"logoUrl": "/logo.png"}, admin)
    assert set(before) == {"companySettings", "defaultNotificationTypes", "defaultRelevance"}
    assert list(before["companySettings"]) == [
        "logo", "primarycolor", "secondarycolor", "name", "language", "telemetryActive",
        "messageFrequency",
    ]  # fmt: skip
    assert before["companySettings"]["logo"] == "/logo.png"

    saved = api.call(
        "Setting.Setting.saveCompanySettings",
        {"params": {
            "primarycolor": "#112233", "secondarycolor": "#445566", "name": "Acme",
            "language": "de-DE", "messageFrequency": "3600",
            "defaultNotificationEventTypes": ["tasks", "comments"],
            "defaultNotificationRelevance": "my_work",
        }},
        admin,
    )  # fmt: skip

    assert saved is True
    after = api.call("Setting.Setting.getCompanySettings", {"logoUrl": ""}, admin)
    assert after["companySettings"] == {
        "logo": "", "primarycolor": "#112233", "secondarycolor": "#445566", "name": "Acme",
        "language": "de-DE", "telemetryActive": False, "messageFrequency": "3600",
    }  # fmt: skip
    assert after["defaultNotificationTypes"] == ["tasks", "comments"]
    assert after["defaultRelevance"] == "my_work"
    assert (
        api.call("Setting.Setting.saveCompanySettings", {"params": {"name": "Only name"}}) is False
    )
    assert (
        api.call("Setting.Setting.getCompanySettings", {"logoUrl": ""})["companySettings"]["name"]
        == "Acme"
    )


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"primarycolor": "red"}, "params.primarycolor"),
        ({"primarycolor": "#123456", "secondarycolor": "<script>"}, "params.secondarycolor"),
        ({"name": "x" * 201, "language": "en-US"}, "params.name"),
        ({"name": "Acme", "language": "english!"}, "params.language"),
        (
            {"name": "Acme", "language": "en", "messageFrequency": "often"},
            "params.messageFrequency",
        ),
        (
            {"name": "Acme", "language": "en", "defaultNotificationEventTypes": ["spam"]},
            "params.defaultNotificationEventTypes",
        ),
        (
            {"name": "Acme", "language": "en", "defaultNotificationRelevance": "some"},
            "params.defaultNotificationRelevance",
        ),
        ({"name": ["Acme"], "language": "en"}, "params.name"),
    ],
)
def test_save_company_settings_rejects_bad_values(
    api: Api, params: dict[str, Any], param: str
) -> None:
    before = api.call("Setting.Setting.getCompanySettings", {"logoUrl": ""})

    error = api.error("Setting.Setting.saveCompanySettings", {"params": params})

    assert error.code == -32602 and error.data["param"] == param
    assert api.call("Setting.Setting.getCompanySettings", {"logoUrl": ""}) == before


def test_company_settings_need_admins(api: Api, keys: dict[str, str]) -> None:
    for role in ("editor", "manager"):
        assert (
            api.error("Setting.Setting.getCompanySettings", {"logoUrl": ""}, keys[role]).code
            == -32001
        )
        denied = api.error(
            "Setting.Setting.saveCompanySettings", {"params": {"primarycolor": "#000"}}, keys[role]
        )
        assert denied.code == -32001
    assert (
        api.error("Setting.Setting.saveCompanySettings", {}).data["detail"]
        == "Required Parameter Missing: params"
    )


def test_legacy_settings_reach_only_company_settings(api: Api, keys: dict[str, str]) -> None:
    admin = keys["admin"]

    assert (
        api.call(
            "Setting.Setting.saveSetting",
            {"key": "companysettings.sitename", "value": "Legacy Co"},
            admin,
        )
        is True
    )

    assert (
        api.call("Setting.Setting.getSetting", {"key": "companysettings.sitename"}, admin)
        == "Legacy Co"
    )
    assert api.call(
        "setting.getSetting", {"key": "companysettings.primarycolor", "default": "none"}
    ) in ("none", "#112233")
    assert (
        api.call("Setting.Setting.deleteSetting", {"key": "companysettings.sitename"}, admin)
        is None
    )
    assert api.call("Setting.Setting.getSetting", {"key": "companysettings.sitename"}) is False
    assert (
        api.call("Setting.Setting.getSetting", {"key": "companysettings.sitename", "default": "d"})
        == "d"
    )
    for secret in (
        "db-version",
        "usersettings.1.icalSecret",
        "companysettings.telemetry.anonymousId",
        "x",
    ):
        error = api.error("Setting.Setting.getSetting", {"key": secret})
        assert error.code == -32001 and error.data["reason"] == "setting_not_exposed"
        assert (
            api.error("Setting.Setting.saveSetting", {"key": secret, "value": "v"}).code == -32001
        )
        assert api.error("Setting.Setting.deleteSetting", {"key": secret}).code == -32001


def test_legacy_settings_check_values_and_rights(api: Api, keys: dict[str, str]) -> None:
    error = api.error(
        "Setting.Setting.saveSetting",
        {"key": "companysettings.primarycolor", "value": "javascript:"},
    )
    assert error.code == -32602 and error.data["param"] == "value"
    assert (
        api.error(
            "Setting.Setting.saveSetting", {"key": "companysettings.sitename", "value": {"a": 1}}
        ).code
        == -32602
    )
    assert (
        api.error(
            "Setting.Setting.getSetting", {"key": "companysettings.sitename"}, keys["manager"]
        ).code
        == -32001
    )
    assert (
        api.error(
            "Setting.Setting.saveSetting",
            {"key": "companysettings.sitename", "value": "x"},
            keys["editor"],
        ).code
        == -32001
    )
    assert (
        api.error("Setting.Setting.getSetting", {}).data["detail"]
        == "Required Parameter Missing: key"
    )
    assert (
        api.error("Setting.Setting.saveSetting", {"key": "companysettings.sitename"}).data["detail"]
        == "Required Parameter Missing: value"
    )


def test_status_labels_rename_round_trip(api: Api, keys: dict[str, str], project: int) -> None:
    manager = api.new_key("manager", [project])[1]
    labels_before = api.call("tickets.getStatusLabels", {"projectId": project})

    assert (
        api.call(
            "Setting.Setting.getProjectLabel",
            {"module": "ticketlabels", "labelKey": 4, "projectId": project},
            manager,
        )
        == "In Progress"
    )
    assert (
        api.call(
            "Setting.Setting.saveProjectLabel",
            {"module": "ticketlabels", "labelKey": "4", "newLabel": "Doing", "projectId": project},
            manager,
        )
        is None
    )

    assert (
        api.call(
            "Setting.Setting.getProjectLabel",
            {"module": "ticketlabels", "labelKey": "4", "projectId": project},
        )
        == "Doing"
    )
    labels_after = api.call("tickets.getStatusLabels", {"projectId": project})
    assert labels_after["4"]["name"] == "Doing"
    assert list(labels_after) == list(labels_before)
    assert {code: label for code, label in labels_after.items() if code != "4"} == {
        code: label for code, label in labels_before.items() if code != "4"
    }
    assert (
        api.call(
            "Setting.Setting.getProjectLabel",
            {"module": "ticketlabels", "labelKey": 4, "projectId": 1},
        )
        == "In Progress"
    )


def test_idea_labels_take_string_keys(api: Api, project: int) -> None:
    assert (
        api.call(
            "Setting.Setting.getProjectLabel",
            {"module": "idealabels", "labelKey": "research", "projectId": project},
        )
        == "Discovery"
    )

    api.call("Setting.Setting.saveProjectLabel", ["idealabels", "research", "Explore", project])

    assert (
        api.call("Setting.Setting.getProjectLabel", ["idealabels", "research", project])
        == "Explore"
    )
    assert (
        api.call("Setting.Setting.getProjectLabel", ["idealabels", "idea", project]) == "Ideation"
    )
    stored = api.call(
        "Setting.Setting.getSetting", {"key": f"projectsettings.{project}.idealabels"}
    )
    assert '"research":"Explore"' in stored


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"module": "retrolabels", "labelKey": "well"}, "module"),
        ({"module": "ticketlabels", "labelKey": 77}, "labelKey"),
        ({"module": "ticketlabels", "labelKey": "abc"}, "labelKey"),
        ({"module": "idealabels", "labelKey": "nope"}, "labelKey"),
        ({"module": "ticketlabels", "labelKey": 4, "newLabel": ""}, "newLabel"),
        ({"module": "ticketlabels", "labelKey": 4, "newLabel": "<b>x</b>"}, "newLabel"),
        ({"module": "ticketlabels", "labelKey": [4]}, "labelKey"),
    ],
)
def test_project_labels_reject_bad_params(
    api: Api, project: int, params: dict[str, Any], param: str
) -> None:
    error = api.error(
        "Setting.Setting.saveProjectLabel", {"newLabel": "x", "projectId": project, **params}
    )

    assert error.code == -32602 and error.data["param"] == param
    assert api.call("tickets.getStatusLabels", {"projectId": project})["4"]["name"] == "In Progress"


def test_project_labels_need_managers_in_the_project(
    api: Api, keys: dict[str, str], project: int
) -> None:
    params = {"module": "ticketlabels", "labelKey": 3, "projectId": 1}

    assert api.error("Setting.Setting.getProjectLabel", params, keys["editor"]).code == -32001
    assert (
        api.error(
            "Setting.Setting.saveProjectLabel", {**params, "newLabel": "x"}, keys["editor"]
        ).code
        == -32001
    )
    outside = api.error(
        "Setting.Setting.saveProjectLabel",
        {**params, "projectId": project, "newLabel": "x"},
        keys["manager"],
    )
    assert outside.code == -32001
    assert api.call("Setting.Setting.getProjectLabel", params, keys["manager"]) == "New"
    assert (
        api.error(
            "Setting.Setting.getProjectLabel", {"module": "ticketlabels", "labelKey": 3}
        ).data["detail"]
        == "Required Parameter Missing: projectId"
    )
    assert (
        api.error(
            "Setting.Setting.saveProjectLabel", {**params, "projectId": 987654, "newLabel": "x"}
        ).code
        == -32002
    )
