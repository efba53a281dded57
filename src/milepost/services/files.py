"""Files attached to projects, tickets, clients and people (Leantime's `Files` domain).

A file belongs to an entity named by `module` and `moduleId`:
- `project` and `ticket` files belong to that project: listing and downloading need
  files.view there (readonly and above), uploading files.upload (commenter and above),
  deleting someone else's file files.delete (editor and above); uploaders delete their
  own files with files.upload;
- `client` files need clients.view to list and download, clients.edit to upload and
  delete (admins);
- `user` and `private` files belong to one person: `moduleId` is that person's id and
  only they reach the files.

The content is stored under the `data_dir` setting, in `files/`, under a random name
(`encName`); the uploaded name is kept only as `realName` (sanitised, without its
extension) and is never used as a path. Uploads larger than `max_upload_bytes` are
refused with -32602 (`reason: file_too_large`). Over JSON-RPC the content travels
base64-encoded in `file.file.content`; `POST /api/files` takes a multipart upload and
`GET /api/files/{id}` downloads (see `milepost.rpc.files`).

Deliberate differences from Leantime: refusals on writes are errors (-32001, -32002)
rather than `false` or an error string; `getFileForUser` and `getFileById` answer the
file as an object with base64 content instead of an HTTP response; `getFilePathById`
answers the download path `/api/files/{id}`, never a path on the server's disk.
"""

from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
import re
import secrets
import unicodedata
from typing import Any, Literal, TypedDict

from sqlalchemy import delete, insert, select

from milepost.services import entities
from milepost.services.errors import Forbidden, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date
from milepost.storage import tables as t
from milepost.storage.database import insert_id

logger = logging.getLogger(__name__)

fc = t.files.c
PROJECT_MODULES = ("project", "ticket")
OWNER_MODULES = ("user", "private")
CLIENT_MODULE = "client"
MODULES = (*PROJECT_MODULES, CLIENT_MODULE, *OWNER_MODULES)
IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "psd", "bmp", "tif", "thm", "yuv", "webp"]
MAX_NAME = 200
MAX_EXTENSION = 10
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


class FileContent(TypedDict, total=False):
    """The uploaded file: its `name` (only its last part is kept, as a label), its
    `content` base64-encoded (standard alphabet, padding optional), its MIME `type`
    (ignored: the type is derived from the name's extension)."""

    name: str
    content: str
    type: str


class UploadFile(TypedDict, total=False):
    """Leantime's upload wrapper: `{"file": {"name": ..., "content": <base64>}}`. The
    inner object may also be sent on its own."""

    file: FileContent
    name: str
    content: str
    type: str


class Uploaded(TypedDict):
    """What an upload stored (Leantime's shape), with the new file's id as a string in
    `fileId`, as Leantime answers it."""

    encName: str
    realName: str
    extension: str
    moduleId: int
    userId: int
    module: str
    fileId: str


class FileRow(TypedDict):
    """A file as getFilesByModule lists it, with its uploader's name."""

    id: int
    extension: str
    realName: str
    encName: str
    date: str | None
    timelineDate: str | None
    module: str
    moduleId: int
    firstname: str | None
    lastname: str | None
    userId: int
    size: int


class Download(TypedDict):
    """A file with its content, base64-encoded."""

    id: int
    module: str
    moduleId: int
    userId: int
    realName: str
    extension: str
    encName: str
    date: str | None
    size: int
    mimeType: str
    content: str


# -- names ------------------------------------------------------------------------------


def split_name(uploaded: str) -> tuple[str, str]:
    """(realName, extension) of an uploaded name: the last path part only, control and
    reserved characters removed, the extension lower-cased letters and digits."""
    base = unicodedata.normalize("NFC", uploaded).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("", base).strip().strip(".")
    stem, dot, extension = base.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,10}", extension):
        stem, extension = base, ""
    stem = stem.strip().strip(".") or "file"
    return stem[:MAX_NAME], extension.lower()


def mime_type(extension: str) -> str:
    guessed = mimetypes.guess_type(f"x.{extension}")[0] if extension else None
    return guessed or "application/octet-stream"


# -- access ---------------------------------------------------------------------------------


def _module(value: str, param: str = "module") -> str:
    module = entities.normalize(value)
    if module not in MODULES:
        raise InvalidParams(
            f"param `{param}`: expected one of {', '.join(MODULES)}, got {value!r}",
            param=param,
            expected="one of " + ", ".join(MODULES),
        )
    return module


def _project(ctx: Context, module: str, module_id: int) -> int:
    """The project of a project or ticket file's entity; NotFound when hidden."""
    project_id = entities.project_of(ctx.conn, module, module_id)
    if project_id is None or not ctx.can_access_project(project_id):
        raise NotFound(f"no {module} {module_id}")
    return project_id


def _check(ctx: Context, module: str, module_id: int, verb: str, owner: int | None = None) -> None:
    """Raise unless the caller may `verb` (view, upload, delete) files of the entity."""
    if module in PROJECT_MODULES:
        ctx.authorize(f"files.{verb}", _project(ctx, module, module_id))
    elif module == CLIENT_MODULE:
        if not ctx.conn.execute(select(t.clients.c.id).where(t.clients.c.id == module_id)).first():
            raise NotFound(f"no client {module_id}")
        ctx.authorize("clients.view" if verb == "view" else "clients.edit")
    elif (owner if owner is not None else module_id) != ctx.principal.user_id:
        raise NotFound(f"no {module} files of user {module_id} for the caller")


def _visible_file(ctx: Context, row: Any) -> bool:
    try:
        _check(ctx, row.module, row.moduleId, "view", owner=row.userId)
    except (NotFound, Forbidden):
        return False
    return True


# -- listing ----------------------------------------------------------------------------------


def _row(row: Any) -> FileRow:
    return {
        "id": row.id,
        "extension": row.extension,
        "realName": row.realName,
        "encName": row.encName,
        "date": fmt_date(row.date),
        "timelineDate": f"{row.date.year},{row.date.month:02},{row.date.day}",
        "module": row.module,
        "moduleId": row.moduleId,
        "firstname": row.firstname,
        "lastname": row.lastname,
        "userId": row.userId,
        "size": row.size,
    }


@operation("Files.Files.getFilesByModule", checks="files.view")
def get_files_by_module(
    ctx: Context, module: str = "", entityId: int | None = None, userId: int | None = None
) -> list[FileRow] | Literal[False]:
    """The files of one entity (`module` and `entityId`), oldest first, optionally only
    those `userId` uploaded. [] when the module is empty or unknown, when `entityId` is
    missing, or when the caller may not see the entity's files (as Leantime does)."""
    name = entities.normalize(module)
    if name not in MODULES or entityId is None:
        return []
    try:
        _check(ctx, name, entityId, "view")
    except (NotFound, Forbidden):
        return []
    u = t.users.c
    query = (
        select(t.files, u.firstname, u.lastname)
        .outerjoin(t.users, u.id == fc.userId)
        .where(fc.module == name, fc.moduleId == entityId)
    )
    if userId:
        query = query.where(fc.userId == userId)
    query = ctx.page_query(query.order_by(fc.id), fc.id)
    return [_row(row) for row in ctx.conn.execute(query)]


@operation("Files.Files.getImageExtensions")
def get_image_extensions(ctx: Context) -> list[str]:
    """The file extensions shown as images."""
    return list(IMAGE_EXTENSIONS)


@operation("Files.Files.getModules", legacy=True)
def get_modules(ctx: Context, id: int | None = None) -> dict[str, str]:
    """Leantime 3.8's list of modules the caller may attach files to, by module word.
    `id` is accepted and ignored (the caller's own role decides)."""
    modules = {"project": "Projects", "ticket": "Tickets", "private": "General"}
    if ctx.can("clients.edit"):
        modules = {"project": "Projects", "ticket": "Tickets", "client": "Clients", **modules}
    return modules


# -- uploading ----------------------------------------------------------------------------------


def _decode(content: Any, limit: int) -> bytes:
    if not isinstance(content, str):
        raise InvalidParams(
            "param `file.file.content`: expected the file's content, base64-encoded",
            param="file.file.content",
            expected="a base64 string",
        )
    text = "".join(content.split())
    if len(text) * 3 // 4 > limit + 3:
        raise _too_large(len(text) * 3 // 4, limit)
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParams(
            "param `file.file.content`: not valid base64",
            param="file.file.content",
            expected="a base64 string",
        ) from None
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return data


def _too_large(size: int, limit: int) -> InvalidParams:
    return InvalidParams(
        f"param `file`: the file has {size} bytes, more than the limit of {limit} bytes",
        param="file",
        expected=f"at most {limit} bytes",
        reason="file_too_large",
    )


def _store(ctx: Context, data: bytes) -> str:
    """Write the content under a new random name and return the name."""
    policy = ctx.services.policies.uploads
    enc_name = secrets.token_hex(16)
    path = policy.path_of(enc_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as handle:
        handle.write(data)
    return enc_name


def discard_after_commit(ctx: Context, enc_name: str) -> None:
    """Remove a stored content once the transaction that deleted its row commits."""
    ctx.after_commit(lambda: _discard(ctx, enc_name))


def _discard(ctx: Context, enc_name: str) -> None:
    try:
        ctx.services.policies.uploads.path_of(enc_name).unlink(missing_ok=True)
    except OSError:
        logger.warning("Could not remove the stored file %s.", enc_name)


@operation("Files.Files.upload", checks="files.upload", writes=True)
def upload(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    file: UploadFile,
    module: str,
    moduleId: int,
    entity: Any = None,
    disk: str = "default",
) -> Uploaded:
    """Attach a file to an entity (`module`: project, ticket, client, user or private;
    `moduleId`: its id; for user and private files, the caller's own id).

    `file` is `{"file": {"name": "report.pdf", "content": "<base64>"}}`. Needs
    files.upload in the entity's project (clients.edit for client files). Answers what
    was stored, with the new id in `fileId`. Larger than `max_upload_bytes`: -32602 with
    `reason: file_too_large`. `entity` and `disk` are accepted and ignored."""
    name = _module(module)
    if not moduleId:
        raise InvalidParams(
            "param `moduleId`: expected the id of the entity the file belongs to",
            param="moduleId",
            expected="an id",
        )
    _check(ctx, name, moduleId, "upload")
    inner: dict[str, Any] = dict(file.get("file") or file)
    real_name, extension = split_name(str(inner.get("name") or ""))
    data = _decode(inner.get("content"), ctx.services.policies.uploads.max_bytes)
    enc_name = _store(ctx, data)
    try:
        file_id = insert_id(
            ctx.conn,
            insert(t.files).values(
                module=name,
                moduleId=moduleId,
                userId=ctx.principal.user_id,
                extension=extension,
                encName=enc_name,
                realName=real_name,
                date=ctx.now,
                size=len(data),
            ),
        )
    except Exception:
        _discard(ctx, enc_name)
        raise
    return {
        "encName": enc_name,
        "realName": real_name,
        "extension": extension,
        "moduleId": moduleId,
        "userId": ctx.principal.user_id,
        "module": name,
        "fileId": str(file_id),
    }


# -- downloading and deleting ---------------------------------------------------------------------


def _file_row(ctx: Context, query: Any) -> Any:
    row = ctx.conn.execute(query).first()
    if row is None or not _visible_file(ctx, row):
        return None
    return row


def _download(ctx: Context, row: Any) -> Download:
    path = ctx.services.policies.uploads.path_of(row.encName)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        logger.warning("The content of file %s (%s) is missing.", row.id, row.encName)
        raise NotFound(
            f"the content of file {row.id} is missing", reason="content_missing"
        ) from None
    return {
        "id": row.id,
        "module": row.module,
        "moduleId": row.moduleId,
        "userId": row.userId,
        "realName": row.realName,
        "extension": row.extension,
        "encName": row.encName,
        "date": fmt_date(row.date),
        "size": len(data),
        "mimeType": mime_type(row.extension),
        "content": base64.b64encode(data).decode(),
    }


@operation("Files.Files.getFileForUser", checks="files.view")
def get_file_for_user(ctx: Context, encName: str, userId: int | None = None) -> Download:
    """One file by its stored name (`encName`, as getFilesByModule lists it), with its
    content base64-encoded. The caller's access decides; `userId` is accepted for
    Leantime clients and ignored. -32002 when the file does not exist or is not the
    caller's to see."""
    row = _file_row(ctx, select(t.files).where(fc.encName == encName))
    if row is None:
        raise NotFound(f"no file {encName!r}")
    return _download(ctx, row)


@operation("Files.Files.getFileById", checks="files.view", legacy=True)
def get_file_by_id(ctx: Context, fileId: int) -> Download | Literal[False]:
    """Leantime 3.8's download by id: the file with its content base64-encoded, or
    false when it does not exist or is not the caller's to see."""
    row = _file_row(ctx, select(t.files).where(fc.id == fileId))
    return False if row is None else _download(ctx, row)


@operation("Files.Files.getFilePathById", checks="files.view", legacy=True)
def get_file_path_by_id(ctx: Context, fileId: int) -> str | Literal[False]:
    """Leantime 3.8's file URL: the path of Milepost's download endpoint for the file
    (`/api/files/{id}`, authenticated like /api/jsonrpc), or false when the file does not
    exist or is not the caller's to see."""
    row = _file_row(ctx, select(t.files).where(fc.id == fileId))
    return False if row is None else f"/api/files/{row.id}"


@operation("Files.Files.deleteFile", checks="files.upload", writes=True)
def delete_file(ctx: Context, fileId: int) -> bool:
    """Delete a file and its content. Uploaders delete their own files (with
    files.upload); anyone else needs files.delete in the file's project (clients.edit
    for client files). Returns true; -32002 when the file does not exist or is hidden,
    -32001 without the right."""
    row = ctx.conn.execute(select(t.files).where(fc.id == fileId)).first()
    if row is None or not _visible_file(ctx, row):
        raise NotFound(f"no file {fileId}")
    own = row.userId == ctx.principal.user_id
    _check(ctx, row.module, row.moduleId, "upload" if own else "delete", owner=row.userId)
    ctx.conn.execute(delete(t.files).where(fc.id == row.id))
    enc_name = str(row.encName)
    discard_after_commit(ctx, enc_name)
    return True
