"""The baseline: a bare ASGI JSON-RPC echo on the same server software as Milepost.

No database, no authentication: it reads the body, parses it, and answers the request's
params as the result. `uvicorn bench.echo_app:app` serves it.
"""

from __future__ import annotations

from typing import Any

import orjson


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    request = orjson.loads(body)
    answer = orjson.dumps(
        {"jsonrpc": "2.0", "result": request.get("params"), "id": request.get("id")}
    )
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(answer)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": answer})
