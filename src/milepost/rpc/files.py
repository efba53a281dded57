"""File upload and download over plain HTTP, beside the JSON-RPC endpoint.

- `POST /api/files`: a multipart form with the file in `file` and the entity it belongs
  to in `module` and `moduleId`; answers `Files.Files.upload`'s result as JSON.
- `GET /api/files/{id}`: the file's content, as an attachment (never rendered inline).

Both authenticate as `/api/jsonrpc` does (x-api-key, Authorization: Bearer, or the web
session cookie with its X-CSRF-Token header), count against the same rate limit, and call
the same service operations (`upload`, `getFileById`), which make every check. Errors
are JSON-RPC error bodies (`"id": null`) with an HTTP status: 400 bad input, 401
credentials, 403 forbidden, 404 not found, 408 an upload that does not arrive within the
body time-out, 413 too large, 429 throttled.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import anyio.to_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from milepost.rpc.body import read_body, replay
from milepost.rpc.gate import Gate, Refusal
from milepost.rpc.protocol import error_body
from milepost.services.errors import NotFound, ServiceError, Unauthenticated
from milepost.services.layer import CallMeta

if TYPE_CHECKING:
    from milepost.rpc.registry import Registry
    from milepost.services.layer import ServiceLayer
    from milepost.services.permissions import Principal

logger = logging.getLogger(__name__)

UPLOAD = "leantime.rpc.Files.Files.upload"
DOWNLOAD = "leantime.rpc.Files.Files.getFileById"
# Room for the multipart boundaries and the module fields around the file itself.
FORM_OVERHEAD = 64 * 1024
_STATUS = {-32602: 400, -32001: 403, -32002: 404, -32005: 409, -32601: 501}


# A request answered with an error before or instead of its service call.
Refused = Refusal


def _refusal(error: ServiceError) -> Refused:
    status = 413 if error.reason == "file_too_large" else _STATUS.get(error.code, 400)
    if isinstance(error, Unauthenticated):
        return Refused(401, error_body(error.code, error.message, error.data()),
                       {"www-authenticate": "Bearer"})  # fmt: skip
    return Refused(status, error_body(error.code, error.message, error.data()))


def _bad_request(detail: str, param: str | None = None) -> Refused:
    data: dict[str, Any] = {"reason": "invalid_params", "detail": detail}
    if param is not None:
        data["param"] = param
    return Refused(400, error_body(-32602, "Invalid params", data))


@dataclass
class FileTransport:
    """The two file routes, over the service layer and the method registry."""

    services: ServiceLayer
    registry: Registry
    gate: Gate
    max_upload_bytes: int
    body_timeout: float

    def routes(self) -> list[Route]:
        return [
            Route("/api/files", self.upload, methods=["POST"]),
            Route("/api/files/{id}", self.download, methods=["GET"]),
        ]

    async def upload(self, request: Request) -> Response:
        try:
            principal, headers = self._admit(request)
            body = await self._read_body(request)
            params = await _form_params(request, body)
            meta = CallMeta(_address(request), request.headers.get("idempotency-key"))
            result = await self._call(UPLOAD, params, principal, meta)
        except Refused as refused:
            return _error(refused)
        return JSONResponse(result, headers=headers)

    async def download(self, request: Request) -> Response:
        try:
            principal, headers = self._admit(request)
            file_id = request.path_params["id"]
            result = await self._call(DOWNLOAD, {"fileId": file_id}, principal, CallMeta())
        except Refused as refused:
            return _error(refused)
        if result is False:
            return _error(_refusal(NotFound(f"no file {file_id}")))
        return _attachment(result, headers)

    async def _call(
        self, method: str, params: dict[str, Any], principal: Principal, meta: CallMeta
    ) -> Any:
        operation = self.registry.resolve(method)
        try:
            args = operation.binder.bind(params)
            return await anyio.to_thread.run_sync(
                self.services.call, operation.operation, principal, args, meta
            )
        except ServiceError as error:
            raise _refusal(error) from None
        except Exception:
            logger.exception("%s failed with an unexpected error.", method)
            raise Refused(500, error_body(-32603, "Internal error", {
                "reason": "internal", "detail": "the server failed; the error is in its log",
            })) from None  # fmt: skip

    # -- credentials and limits ------------------------------------------------------------

    def _admit(self, request: Request) -> tuple[Principal, dict[str, str]]:
        principal = self.gate.principal(request.headers, _address(request))
        return principal, self.gate.charge(principal, 1)

    async def _read_body(self, request: Request) -> bytes:
        return await read_body(
            request.receive,
            max_bytes=self.max_upload_bytes + FORM_OVERHEAD,
            timeout=self.body_timeout,
            declared=request.headers.get("content-length", ""),
            too_large=self._too_large,
        )

    def _too_large(self, size: int) -> Refused:
        return Refused(413, error_body(-32602, "Invalid params", {
            "reason": "file_too_large",
            "detail": f"the upload of {size} bytes or more exceeds the limit of"
            f" {self.max_upload_bytes} bytes per file",
            "param": "file",
            "expected": f"at most {self.max_upload_bytes} bytes",
        }))  # fmt: skip


async def _form_params(request: Request, body: bytes) -> dict[str, Any]:
    """The upload's params from its multipart form, as the RPC method takes them."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise _bad_request("send the upload as multipart/form-data", "file")
    try:
        form = await Request(request.scope, replay(body, request.receive)).form(
            max_files=1, max_fields=10
        )
    except Exception as error:  # the multipart parser's own errors
        raise _bad_request(f"the multipart form could not be read: {error}") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise _bad_request("the form has no file in the field `file`", "file")
        data = await upload.read()
    finally:
        await form.close()
    return {
        "file": {
            "file": {"name": upload.filename or "", "content": base64.b64encode(data).decode()}
        },
        "module": form.get("module"),
        "moduleId": form.get("moduleId"),
    }


def _attachment(result: dict[str, Any], headers: dict[str, str]) -> Response:
    """The file as a download that browsers save rather than render."""
    name = result["realName"] + (f".{result['extension']}" if result["extension"] else "")
    return Response(
        base64.b64decode(result["content"]),
        media_type=result["mimeType"],
        headers={
            **headers,
            "content-disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "x-content-type-options": "nosniff",
            "content-security-policy": "sandbox",
            "cache-control": "private, no-store",
        },
    )


def _error(refused: Refused) -> Response:
    return JSONResponse(refused.body, status_code=refused.status, headers=refused.headers)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
