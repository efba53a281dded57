"""Paging, incremental sync and field projection for every list method.

A list call that names none of `pageSize`, `cursor`, `withTotal`, `modifiedSince` or
`fields` answers exactly as Leantime does. With `pageSize`, `cursor` or `withTotal` it
answers a page: `{"items": [...], "nextCursor": "..." | null, "total": N | null}`.
Pages run in ascending id order and the cursor is the last id seen, so a walk through
the pages stays correct while rows are inserted and deleted: every row that exists for
the whole walk is seen exactly once. `modifiedSince` keeps rows changed at or after the
given time (rows without a `modified` time are kept); `fields` keeps only the named
fields of each row (`id` is always kept).

List methods that query SQL apply the page in the query (`Context.page_query`); for the
rest the service layer applies it to the finished list.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Any

from milepost.services.errors import InvalidParams
from milepost.services.values import parse_date

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
PARAMS = ("pageSize", "cursor", "withTotal", "modifiedSince", "fields")
_CURSOR_PREFIX = "mp1:"


@dataclass(frozen=True)
class PageRequest:
    size: int | None = None
    after: int | None = None  # keyset: rows with a greater id
    skip: int | None = None  # for lists whose rows have no integer id: rows to skip
    with_total: bool = False
    modified_since: dt.datetime | None = None
    fields: tuple[str, ...] | None = None

    @property
    def paged(self) -> bool:
        """Whether the answer is a page object rather than Leantime's plain list."""
        return (
            self.size is not None
            or self.after is not None
            or self.skip is not None
            or self.with_total
        )

    @property
    def limit(self) -> int:
        return self.size or DEFAULT_PAGE_SIZE


@dataclass
class PageResult:
    """What a SQL-paged list reports back: the rows fetched (limit + 1) and the total."""

    total: int | None = None
    applied: bool = False


def encode_cursor(last_id: int, *, skip: bool = False) -> str:
    """`mp1:<id>` continues after an id; `mp1:+<n>` skips n rows (lists without ids)."""
    text = f"{_CURSOR_PREFIX}{'+' if skip else ''}{last_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int | None, int | None]:
    """(after, skip) from a cursor this server issued."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(_CURSOR_PREFIX + "+"):
            return None, int(text[len(_CURSOR_PREFIX) + 1 :])
        if text.startswith(_CURSOR_PREFIX):
            return int(text[len(_CURSOR_PREFIX) :]), None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidParams(
        f"param `cursor`: not a cursor this server issued: {cursor[:40]!r}",
        param="cursor",
        expected="the nextCursor of a previous page",
    )


def request_from(params: dict[str, Any]) -> PageRequest | None:
    """The page request in a call's named params, or None when the call asks for none."""
    if not any(name in params and params[name] is not None for name in PARAMS):
        return None
    size = params.get("pageSize")
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, int | str) or not str(size).isdigit():
            raise InvalidParams(
                f"param `pageSize`: expected an integer from 1 to {MAX_PAGE_SIZE}, got {size!r}",
                param="pageSize",
                expected=f"an integer from 1 to {MAX_PAGE_SIZE}",
            )
        size = int(size)
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise InvalidParams(
                f"param `pageSize`: expected 1 to {MAX_PAGE_SIZE}, got {size}",
                param="pageSize",
                expected=f"an integer from 1 to {MAX_PAGE_SIZE}",
            )
    cursor = params.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise InvalidParams("param `cursor`: expected a string", param="cursor")
    fields = params.get("fields")
    if fields is not None:
        if isinstance(fields, str):
            fields = [part.strip() for part in fields.split(",") if part.strip()]
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise InvalidParams(
                "param `fields`: expected a list of field names",
                param="fields",
                expected="a list of field names",
            )
    after, skip = decode_cursor(cursor) if cursor else (None, None)
    return PageRequest(
        size=size,
        after=after,
        skip=skip,
        with_total=params.get("withTotal") in (True, 1, "1", "true"),
        modified_since=parse_date(params.get("modifiedSince"), "modifiedSince"),
        fields=tuple(fields) if fields is not None else None,
    )


def _modified(row: dict[str, Any]) -> dt.datetime | None:
    value = row.get("modified")
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            return None
    return None


def project(rows: list[Any], fields: tuple[str, ...] | None) -> list[Any]:
    if fields is None:
        return rows
    keep = ("id", *fields)
    return [
        {name: row[name] for name in keep if name in row} if isinstance(row, dict) else row
        for row in rows
    ]


def finish(rows: list[Any], page: PageRequest, sql: PageResult) -> Any:
    """Turn a list method's rows into the answer the page request asks for."""
    total = sql.total
    if not sql.applied:
        rows, total = _in_memory(rows, page)
    more = page.paged and len(rows) > page.limit
    if page.paged:
        rows = rows[: page.limit]
    items = project(rows, page.fields)
    if not page.paged:
        return items
    next_cursor = None
    if more:
        last = rows[-1]
        if isinstance(last, dict) and _int_id(last):
            next_cursor = encode_cursor(int(last["id"]))
        else:
            next_cursor = encode_cursor((page.skip or 0) + len(rows), skip=True)
    return {"items": items, "nextCursor": next_cursor, "total": total}


def _int_id(row: dict[str, Any]) -> bool:
    return isinstance(row.get("id"), int) and not isinstance(row.get("id"), bool)


def _in_memory(rows: list[Any], page: PageRequest) -> tuple[list[Any], int | None]:
    if page.modified_since is not None:
        since = page.modified_since
        rows = [r for r in rows if not isinstance(r, dict) or (_modified(r) or since) >= since]
    if not page.paged:
        return rows, None
    total = len(rows) if page.with_total else None
    if all(isinstance(r, dict) and _int_id(r) for r in rows):
        rows = sorted(rows, key=lambda r: int(r["id"]))
        if page.after is not None:
            rows = [r for r in rows if r["id"] > page.after]
    elif page.skip:
        rows = rows[page.skip :]
    return rows[: page.limit + 1], total
