"""Files over real HTTP: upload (JSON-RPC and multipart), list, download, delete, limits,
names that try to be paths, and who may do what."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, start_server, stop
from tests.services import Api, api_for, leading
from tests.web.pages import make_person, page_token, sign_in

ROW_FIELDS = [
    "id", "extension", "realName", "encName", "date", "timelineDate", "module", "moduleId",
    "firstname", "lastname", "userId",
]  # fmt: skip
UPLOAD_FIELDS = ["encName", "realName", "extension", "moduleId", "userId", "module", "fileId"]
SMALL_LIMIT = 1024


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    """Keys by role with project 1, and an editor with project 2 only ('outsider')."""
    made = {role: api.new_key(role, [1]) for role in ("readonly", "commenter", "editor")}
    made["outsider"] = api.new_key("editor", [2])
    return made


@pytest.fixture(scope="module")
def small(server: Server) -> Iterator[Api]:
    """A second server on the same database whose upload limit is 1 KiB."""
    env = {
        "MILEPOST_MAX_UPLOAD_BYTES": str(SMALL_LIMIT),
        "MILEPOST_DATA_DIR": str(data_dir(server)),
    }
    process, url = start_server(server.database_url, server.workdir, env)
    try:
        yield from api_for(dataclasses.replace(server, url=url, process=process))
    finally:
        stop(process)


def data_dir(server: Server) -> Path:
    return server.workdir / "data"


def stored_path(server: Server, enc_name: str) -> Path:
    return data_dir(server) / "files" / enc_name[:2] / enc_name


def upload(
    api: Api, content: bytes, name: str = "notes.txt", module: str = "ticket",
    module_id: int | None = None, key: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    if module_id is None:
        module_id = api.add_ticket()
    file = {"file": {"name": name, "content": base64.b64encode(content).decode()}}
    result = api.call(
        "Files.Files.upload", {"file": file, "module": module, "moduleId": module_id}, key
    )
    assert isinstance(result, dict)
    return result


def listing(api: Api, module: str, entity: int, key: str | None = None) -> list[dict[str, Any]]:
    rows = api.call("Files.Files.getFilesByModule", {"module": module, "entityId": entity}, key)
    assert isinstance(rows, list)
    return rows


def multipart(
    api: Api, content: bytes, key: str | None, name: str = "photo.png", **fields: Any
) -> httpx.Response:
    headers = {"x-api-key": key} if key else {}
    return httpx.post(
        api.url + "/api/files",
        files={"file": (name, content, "application/octet-stream")},
        data={key: str(value) for key, value in fields.items()},
        headers=headers,
        timeout=30,
    )


def download(api: Api, file_id: Any, key: str | None) -> httpx.Response:
    headers = {"x-api-key": key} if key else {}
    return httpx.get(f"{api.url}/api/files/{file_id}", headers=headers, timeout=30)


def test_upload_stores_the_content_under_a_random_name(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    user_id, commenter = keys["commenter"]
    ticket = api.add_ticket()

    result = upload(api, b"hello world", "Report 2027.PDF", module_id=ticket, key=commenter)

    assert list(result) == UPLOAD_FIELDS
    assert (result["realName"], result["extension"], result["module"]) == (
        "Report 2027",
        "pdf",
        "ticket",
    )
    assert (result["moduleId"], result["userId"]) == (ticket, user_id)
    assert isinstance(result["fileId"], str) and result["fileId"].isdigit()
    assert len(result["encName"]) == 32 and "Report" not in result["encName"]
    assert stored_path(api, result["encName"]).read_bytes() == b"hello world"


def test_uploaded_names_never_become_paths(api: Api) -> None:
    names = {
        "../../etc/passwd": ("passwd", ""),
        "..\\..\\windows\\evil.PHP": ("evil", "php"),
        "/absolute/path/x.tar.gz": ("x.tar", "gz"),
        "....": ("file", ""),
        "": ("file", ""),
        "a<b>:c|d?.txt": ("abcd", "txt"),
        "name.with-dash-ext.toolongextension": ("name.with-dash-ext.toolongextension", ""),
    }
    before = set(data_dir(api).rglob("*"))

    for name, (real, extension) in names.items():
        result = upload(api, name.encode() or b"empty", name)
        assert (result["realName"], result["extension"]) == (real, extension), name
        assert stored_path(api, result["encName"]).is_file()

    created = set(data_dir(api).rglob("*")) - before
    assert all(path.is_relative_to(data_dir(api) / "files") for path in created)
    assert not any(path.name in {"passwd", "evil.PHP", "evil.php"} for path in created)
    assert not (api.workdir / "etc").exists()


def test_get_files_by_module_lists_an_entitys_files(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    ticket = api.add_ticket()
    first = upload(api, b"one", "a.txt", module_id=ticket, key=keys["editor"][1])
    second = upload(api, b"two", "b.png", module_id=ticket)

    rows = listing(api, "ticket", ticket, keys["readonly"][1])

    assert [int(row["id"]) for row in rows] == [int(first["fileId"]), int(second["fileId"])]
    assert leading(rows[0], ROW_FIELDS) == ROW_FIELDS
    assert (rows[0]["realName"], rows[0]["extension"], rows[0]["size"]) == ("a", "txt", 3)
    assert rows[0]["firstname"].startswith("svc-editor") and rows[0]["userId"] == keys["editor"][0]
    assert rows[1]["encName"] == second["encName"] and isinstance(rows[1]["date"], str)
    assert listing(api, "tickets", ticket) == rows  # Leantime's plural is the same module
    only_mine = api.call(
        "Files.Files.getFilesByModule",
        {"module": "ticket", "entityId": ticket, "userId": keys["editor"][0]},
    )
    assert [row["id"] for row in only_mine] == [rows[0]["id"]]
    assert listing(api, "", ticket) == [] and listing(api, "lead", ticket) == []


def test_project_files_belong_to_the_project(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    result = upload(
        api, b"plan", "plan.md", module="project", module_id=1, key=keys["commenter"][1]
    )

    rows = listing(api, "project", 1, keys["readonly"][1])

    assert result["encName"] in [row["encName"] for row in rows]
    assert listing(api, "project", 1, keys["outsider"][1]) == []


def test_get_file_for_user_and_legacy_downloads_answer_the_content(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    result = upload(api, bytes(range(256)), "blob.bin")
    reader = keys["readonly"][1]

    file = api.call(
        "Files.Files.getFileForUser", {"encName": result["encName"], "userId": 1}, reader
    )

    assert base64.b64decode(file["content"]) == bytes(range(256))
    assert (file["id"], file["size"], file["mimeType"]) == (
        int(result["fileId"]),
        256,
        "application/octet-stream",
    )
    assert api.call("Files.Files.getFileById", {"fileId": result["fileId"]}, reader) == file
    assert (
        api.call("Files.Files.getFilePathById", {"fileId": result["fileId"]}, reader)
        == f"/api/files/{result['fileId']}"
    )
    assert (
        api.error("Files.Files.getFileForUser", {"encName": "0" * 32, "userId": 1}).code == -32002
    )
    assert (
        api.error("Files.Files.getFileForUser", {"encName": "../../etc/passwd", "userId": 1}).code
        == -32002
    )
    assert (
        api.error("Files.Files.getFileForUser", {"userId": 1}).data["detail"]
        == "Required Parameter Missing: encName"
    )


def test_files_outside_the_callers_projects_are_missing(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    ticket = api.add_ticket()
    result = upload(api, b"secret", "secret.txt", module_id=ticket)
    outsider = keys["outsider"][1]

    assert listing(api, "ticket", ticket, outsider) == []
    assert (
        api.error(
            "Files.Files.getFileForUser", {"encName": result["encName"], "userId": 1}, outsider
        ).code
        == -32002
    )
    assert api.call("Files.Files.getFileById", {"fileId": result["fileId"]}, outsider) is False
    assert api.call("Files.Files.getFilePathById", {"fileId": result["fileId"]}, outsider) is False
    assert (
        api.error("Files.Files.deleteFile", {"fileId": result["fileId"]}, outsider).code == -32002
    )
    assert download(api, result["fileId"], outsider).status_code == 404
    denied = api.error(
        "Files.Files.upload",
        {
            "file": {"file": {"name": "x", "content": "eA=="}},
            "module": "ticket",
            "moduleId": ticket,
        },
        outsider,
    )
    assert denied.code == -32002
    assert (
        api.call("Files.Files.getFileById", {"fileId": result["fileId"]})["content"] == "c2VjcmV0"
    )


def test_uploads_need_files_upload(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    ticket = api.add_ticket()
    params = {
        "file": {"file": {"name": "x.txt", "content": "eA=="}},
        "module": "ticket",
        "moduleId": ticket,
    }

    assert api.error("Files.Files.upload", params, keys["readonly"][1]).code == -32001
    assert api.call("Files.Files.upload", params, keys["commenter"][1])["realName"] == "x"
    assert len(listing(api, "ticket", ticket)) == 1


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"module": "lead", "moduleId": 1}, "module"),
        ({"module": "ticket", "moduleId": "abc"}, "moduleId"),
        ({"module": "ticket", "moduleId": 0}, "moduleId"),
        (
            {
                "module": "ticket",
                "moduleId": 1,
                "file": {"file": {"name": "x", "content": "not base64!"}},
            },
            "file.file.content",
        ),
        ({"module": "ticket", "moduleId": 1, "file": {"file": {"name": "x"}}}, "file.file.content"),
        ({"module": "ticket", "moduleId": 1, "file": "text"}, "file"),
        (
            {
                "module": "ticket",
                "moduleId": 1,
                "file": {"file": {"name": "a\x00b", "content": "eA=="}},
            },
            "file.file.name",
        ),
    ],
)
def test_upload_rejects_bad_params(api: Api, params: dict[str, Any], param: str) -> None:
    params = {"file": {"file": {"name": "x.txt", "content": "eA=="}}, **params}

    error = api.error("Files.Files.upload", params)

    assert error.code == -32602 and error.data["param"] == param


def test_upload_missing_params_are_named(api: Api) -> None:
    error = api.error("Files.Files.upload", {"module": "ticket", "moduleId": 1})

    assert error.data["detail"] == "Required Parameter Missing: file"
    missing = api.error(
        "Files.Files.upload", {"file": {"name": "x", "content": "eA=="}, "module": "ticket"}
    )
    assert missing.data["detail"] == "Required Parameter Missing: moduleId"


def test_private_files_belong_to_their_uploader(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    user_id, editor = keys["editor"]
    other_id, _ = keys["commenter"]

    result = upload(api, b"mine", "diary.txt", module="private", module_id=user_id, key=editor)

    assert [row["encName"] for row in listing(api, "private", user_id, editor)] == [
        result["encName"]
    ]
    assert listing(api, "private", user_id) == []  # not even the owner of the installation
    assert (
        api.error(
            "Files.Files.getFileForUser", {"encName": result["encName"], "userId": user_id}
        ).code
        == -32002
    )
    foreign = {
        "file": {"file": {"name": "x", "content": "eA=="}},
        "module": "private",
        "moduleId": other_id,
    }
    assert api.error("Files.Files.upload", foreign, editor).code == -32002
    assert api.call("Files.Files.deleteFile", {"fileId": result["fileId"]}, editor) is True


def test_client_files_need_client_rights(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    result = upload(api, b"contract", "contract.pdf", module="client", module_id=1)

    assert [row["encName"] for row in listing(api, "client", 1)] == [result["encName"]]
    assert listing(api, "client", 1, keys["editor"][1]) == []
    params = {"file": {"file": {"name": "x", "content": "eA=="}}, "module": "client", "moduleId": 1}
    assert api.error("Files.Files.upload", params, keys["editor"][1]).code == -32001
    assert api.error("Files.Files.upload", {**params, "moduleId": 987654}).code == -32002


def test_delete_file_removes_the_row_and_the_content(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    ticket = api.add_ticket()
    own = upload(api, b"own", module_id=ticket, key=keys["commenter"][1])
    others = upload(api, b"others", module_id=ticket, key=keys["editor"][1])

    assert (
        api.call("Files.Files.deleteFile", {"fileId": own["fileId"]}, keys["commenter"][1]) is True
    )
    assert (
        api.error("Files.Files.deleteFile", {"fileId": others["fileId"]}, keys["commenter"][1]).code
        == -32001
    )
    assert (
        api.error("Files.Files.deleteFile", {"fileId": others["fileId"]}, keys["readonly"][1]).code
        == -32001
    )

    assert not stored_path(api, own["encName"]).exists()
    assert stored_path(api, others["encName"]).exists()
    assert [row["encName"] for row in listing(api, "ticket", ticket)] == [others["encName"]]
    assert (
        api.call("Files.Files.deleteFile", {"fileId": others["fileId"]}, keys["editor"][1]) is True
    )
    assert api.error("Files.Files.deleteFile", {"fileId": others["fileId"]}).code == -32002
    assert api.error("Files.Files.deleteFile", {"fileId": "x"}).data["param"] == "fileId"


def test_image_extensions_and_modules(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    extensions = api.call("Files.Files.getImageExtensions", {}, keys["readonly"][1])

    assert extensions[:3] == ["jpg", "jpeg", "png"] and "webp" in extensions
    assert api.call("Files.Files.getModules", {"id": 1}, keys["editor"][1]) == {
        "project": "Projects", "ticket": "Tickets", "private": "General",
    }  # fmt: skip
    assert "client" in api.call("Files.Files.getModules", {"id": 1})


def test_multipart_upload_and_download(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    ticket = api.add_ticket()
    content = b"\x89PNG\r\n\x1a\n" + bytes(1000)

    response = multipart(
        api, content, keys["commenter"][1], "../x/photo.png", module="ticket", moduleId=ticket
    )

    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["realName"], result["extension"], result["moduleId"]) == ("photo", "png", ticket)
    got = download(api, result["fileId"], keys["readonly"][1])
    assert got.status_code == 200 and got.content == content
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''photo.png"
    assert got.headers["x-content-type-options"] == "nosniff"


def test_multipart_errors_have_http_statuses(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    ticket = api.add_ticket()

    assert multipart(api, b"x", None, module="ticket", moduleId=ticket).status_code == 401
    assert multipart(api, b"x", "lt_bad_key", module="ticket", moduleId=ticket).status_code == 401
    assert (
        multipart(api, b"x", keys["readonly"][1], module="ticket", moduleId=ticket).status_code
        == 403
    )
    no_module = multipart(api, b"x", keys["editor"][1], moduleId=ticket)
    assert no_module.status_code == 400 and no_module.json()["error"]["data"]["param"] == "module"
    bad_id = multipart(api, b"x", keys["editor"][1], module="ticket", moduleId="abc")
    assert bad_id.status_code == 400 and bad_id.json()["error"]["code"] == -32602
    not_form = httpx.post(
        api.url + "/api/files", json={"file": "x"}, headers={"x-api-key": keys["editor"][1]}
    )
    assert not_form.status_code == 400
    assert download(api, 987654, keys["editor"][1]).status_code == 404
    assert download(api, "abc", keys["editor"][1]).status_code == 400
    assert download(api, 1, None).status_code == 401
    assert listing(api, "ticket", ticket) == []


def test_uploads_over_the_limit_are_refused(small: Api) -> None:
    ticket = small.add_ticket()
    at_limit = upload(small, b"x" * SMALL_LIMIT, module_id=ticket)
    assert stored_path(small, at_limit["encName"]).stat().st_size == SMALL_LIMIT
    content = base64.b64encode(b"x" * (SMALL_LIMIT + 1)).decode()

    error = small.error(
        "Files.Files.upload",
        {
            "file": {"file": {"name": "big", "content": content}},
            "module": "ticket",
            "moduleId": ticket,
        },
    )

    assert error.code == -32602 and error.data["reason"] == "file_too_large"
    assert error.data["param"] == "file" and str(SMALL_LIMIT) in error.data["detail"]
    over = multipart(
        small, b"x" * (SMALL_LIMIT + 1), small.owner_key, module="ticket", moduleId=ticket
    )
    assert over.status_code == 413 and over.json()["error"]["data"]["reason"] == "file_too_large"
    huge = multipart(small, b"x" * (200 * 1024), small.owner_key, module="ticket", moduleId=ticket)
    assert huge.status_code == 413
    assert [row["id"] for row in listing(small, "ticket", ticket)] == [int(at_limit["fileId"])]


def test_the_web_session_with_its_token_uploads_and_downloads(api: Api) -> None:
    person = make_person(api, "commenter", projects=(1,))
    client = sign_in(api, person.email, person.password)
    token = page_token(client.get("/").text)
    ticket = api.add_ticket()
    form = {"module": "ticket", "moduleId": str(ticket)}

    without = client.post("/api/files", files={"file": ("a.txt", b"x")}, data=form)
    uploaded = client.post(
        "/api/files", files={"file": ("a.txt", b"abc")}, data=form, headers={"x-csrf-token": token}
    )

    assert without.status_code == 401 and without.json()["error"]["data"]["reason"] == "missing"
    assert uploaded.status_code == 200 and uploaded.json()["userId"] == person.id
    got = client.get(f"/api/files/{uploaded.json()['fileId']}", headers={"x-csrf-token": token})
    assert got.status_code == 200 and got.content == b"abc"
    assert client.get(f"/api/files/{uploaded.json()['fileId']}").status_code == 401
