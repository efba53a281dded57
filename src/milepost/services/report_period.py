"""The time frame of a report (Leantime's ReportPeriod), as the report engine takes it.

Leantime builds its ReportPeriod object from the report page's request and cannot take
one over RPC. Milepost accepts either
- a word: `week`, `month`, `quarter` or `year` (the current one, in UTC), with `last`
  or `next` before it for the one before or after (`lastMonth`, `nextQuarter`), and
  Leantime's presets `thisQuarter`, `lastQuarter`, `nextQuarter` (also `thisWeek`,
  `thisMonth`, `thisYear`); or
- an object: `{"from": date, "to": date}` (also `{"start": ..., "end": ...}`), which
  covers whole days, or `{"preset": word}`.
A missing period is the current quarter, Leantime's default. The period before a
preset is the previous week, month, quarter or year; before a custom range, as many
days directly before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

from milepost.services.errors import InvalidParams
from milepost.services.values import fmt_date, parse_date

UNITS = ("week", "month", "quarter", "year")
PERIOD_HELP = (
    "a period: week, month, quarter or year (optionally last/next, e.g. lastMonth), or"
    " {from, to} dates"
)

PeriodSpec = TypedDict(
    "PeriodSpec", {"preset": str, "from": str, "to": str, "start": str, "end": str}, total=False
)
PeriodSpec.__doc__ = "A report period as an object: {from, to} dates, or {preset: word}."


class PeriodInfo(TypedDict):
    """The period a report covers: its preset word ('custom' for a range), its first and
    last moment (UTC) and a label."""

    preset: str
    start: str
    end: str
    label: str


def _months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _unit_start(unit: str, day: dt.date) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return dt.date(day.year, 1, 1)


def _shift(unit: str, start: dt.date, steps: int) -> dt.date:
    if unit == "week":
        return start + dt.timedelta(weeks=steps)
    return _months(start, steps * {"month": 1, "quarter": 3, "year": 12}[unit])


@dataclass(frozen=True)
class Period:
    """A span of whole days, from the start of `first` to the end of `last` (UTC)."""

    first: dt.date
    last: dt.date
    preset: str
    unit: str | None  # the calendar unit of a preset; None for a custom range

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time())

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last, dt.time(23, 59, 59))

    def contains(self, moment: dt.datetime | None) -> bool:
        return moment is not None and self.start <= moment <= self.end

    def prior(self) -> Period:
        try:
            if self.unit is None:
                length = dt.timedelta(days=(self.last - self.first).days + 1)
                return Period(self.first - length, self.last - length, "custom", None)
            return unit_period(self.unit, _shift(self.unit, self.first, -1), "custom")
        except (OverflowError, ValueError):  # before the year 1
            return Period(dt.date.min, dt.date.min, "custom", None)

    def upcoming_horizon(self) -> dt.datetime:
        """The end of the second quarter after the period's end."""
        try:
            after = _shift("quarter", _unit_start("quarter", self.last), 3)
        except (OverflowError, ValueError):  # after the year 9999
            return dt.datetime.max
        return dt.datetime.combine(after - dt.timedelta(days=1), dt.time(23, 59, 59))

    def label(self) -> str:
        span = f"{self.first:%m/%d/%Y} \u2013 {self.last:%m/%d/%Y}"
        quarter = unit_period("quarter", self.first, "")
        if (quarter.first, quarter.last) == (self.first, self.last):
            return f"Q{(self.first.month - 1) // 3 + 1} {self.first.year} · {span}"
        return span

    def info(self) -> PeriodInfo:
        return {
            "preset": self.preset,
            "start": fmt_date(self.start) or "",
            "end": fmt_date(self.end) or "",
            "label": self.label(),
        }


def unit_period(unit: str, day: dt.date, preset: str) -> Period:
    """The calendar week, month, quarter or year around `day`."""
    first = _unit_start(unit, day)
    last = _shift(unit, first, 1) - dt.timedelta(days=1)
    return Period(first, last, preset, unit)


def _preset(word: str, today: dt.date, param: str) -> Period:
    text = word.strip()
    lowered = text.lower()
    for prefix, steps in (("this", 0), ("last", -1), ("next", 1), ("", 0)):
        unit = lowered[len(prefix) :] if lowered.startswith(prefix) else None
        if unit in UNITS:
            return unit_period(unit, _shift(unit, _unit_start(unit, today), steps), text)
    raise InvalidParams(
        f"param `{param}`: expected {PERIOD_HELP}, got {word!r}", param=param, expected=PERIOD_HELP
    )


def period_of(value: str | PeriodSpec | None, now: dt.datetime, param: str = "period") -> Period:
    """The period a report param names (the current quarter when it names none)."""
    today = now.date()
    if value is None or value == "":
        return unit_period("quarter", today, "thisQuarter")
    if isinstance(value, str):
        return _preset(value, today, param)
    first = value.get("from") or value.get("start")
    last = value.get("to") or value.get("end")
    if first is None and last is None:
        return _preset(value.get("preset") or "thisQuarter", today, f"{param}.preset")
    name = "from" if "from" in value else "start"
    start = parse_date(first, f"{param}.{name}")
    end = parse_date(last, f"{param}.{'to' if 'to' in value else 'end'}")
    if start is None or end is None or end.date() < start.date():
        raise InvalidParams(
            f"param `{param}`: expected a range with a start on or before its end,"
            f" got {first!r} to {last!r}",
            param=param,
            expected="{from, to} dates with from <= to",
        )
    return Period(start.date(), end.date(), "custom", None)
