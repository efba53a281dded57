"""Reading and writing field values the way Leantime's wire has them.

Dates go out as `Y-m-d H:i:s` (UTC) and empty dates as null. Dates come in as ISO 8601
first, then the fallbacks Leantime parses (`Y-m-d H:i:s`, `Y-m-d H:i`, `Y-m-d`, iCal
`Ymd\\THis[Z]`), then Leantime's default locale format `m/d/Y`. An empty string or the
MySQL zero date clears a date. Numbers with an integral value go out as integers, as
PDO hands them to Leantime.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from milepost.services.errors import InvalidParams

# Marks a 64-bit integer field (`Annotated[int, INT64]`); plain ints are 32-bit.
INT64 = "int64"
Int64 = Annotated[int, INT64]

EMPTY_DATES = frozenset({"", "0000-00-00", "0000-00-00 00:00:00", "1969-12-31 00:00:00"})
_FALLBACK_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y%m%dT%H%M%SZ",
    "%Y%m%dT%H%M%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)


def fmt_date(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(" ", "seconds")


def num(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def parse_date(value: Any, param: str) -> dt.datetime | None:
    """A date from the wire, as naive UTC; None for an empty value."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise InvalidParams(
            f"param `{param}`: expected a date, got {type(value).__name__}",
            param=param,
            expected="an ISO 8601 date",
        )
    text = value.strip()
    if text in EMPTY_DATES:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is not None:
            try:
                parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
            except OverflowError:
                raise InvalidParams(
                    f"param `{param}`: the date {value!r} is out of range in UTC",
                    param=param,
                    expected="a date between the years 1 and 9999 in UTC",
                ) from None
        return parsed
    for pattern in _FALLBACK_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise InvalidParams(
        f"param `{param}`: expected a date (ISO 8601, Y-m-d H:i:s or m/d/Y), got {value!r}",
        param=param,
        expected="an ISO 8601 date",
    )


def with_time(date: dt.datetime | None, time_text: Any, param: str) -> dt.datetime | None:
    """Apply a separate `H:i` time field (Leantime's timeToFinish, timeFrom, timeTo)."""
    if date is None or time_text in (None, ""):
        return date
    try:
        hours, minutes = (int(part) for part in str(time_text).split(":")[:2])
        if (hours, minutes) == (date.hour, date.minute):
            # The time as getTicket reported it: keep the seconds it cannot show.
            return date
        return date.replace(hour=hours, minute=minutes, second=0)
    except ValueError:
        raise InvalidParams(
            f"param `{param}`: expected a time as H:i, got {time_text!r}",
            param=param,
            expected="a time as H:i",
        ) from None


def limit_text(values: dict[str, Any], field: str, maximum: int, param: str) -> None:
    text = values.get(field)
    if isinstance(text, str) and len(text) > maximum:
        raise InvalidParams(
            f"param `{param}.{field}`: expected at most {maximum} characters, got {len(text)}",
            param=f"{param}.{field}",
            expected=f"at most {maximum} characters",
        )


def parse_id(value: int | str, param: str, what: str) -> int:
    """An entity id sent as a number or a digit string (union-typed Leantime params)."""
    text = str(value).strip()
    if not text.isdigit() or len(text) > 10 or int(text) >= 2**31:
        raise InvalidParams(
            f"param `{param}`: expected {what}, got {value!r}", param=param, expected=what
        )
    return int(text)
