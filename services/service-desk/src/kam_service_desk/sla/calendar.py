"""The clocks an SLA target runs on: the business calendar (working hours on working days) and 24x7.

A working day is, in this order: a day the carrier closes (`closed_days`) is not; a day it opens
(`working_days`) is; then mainland China's official calendar from the `chinese-calendar` package: a public
holiday is not a working day, a make-up working day (调休, e.g. a Saturday worked) is; any other day is one when
its weekday is among `weekdays`. The package covers the years the State Council has announced; for a year it does
not cover, `uncovered_years` says what happens, and neither choice is silent: "weekdays" counts weekdays only and
logs a warning once per year (a carrier adds that year's holidays as data until the package knows them),
"refuse" raises CalendarNotCovered."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

from kam_shared.errors import InvalidInput

log = logging.getLogger(__name__)

PUBLIC_HOLIDAYS = ("cn-mainland", "none")
UNCOVERED_YEARS = ("weekdays", "refuse")
# No target spans more than a few weeks of business time: a walk this long means a calendar with no working day.
LONGEST_WALK_DAYS = 3 * 366

_warned_years: set[int] = set()


class CalendarNotCovered(InvalidInput):
    """The official holidays of a year are not known, and the calendar is told not to guess."""

    slug = "calendar-not-covered"

    def __init__(self, day: date) -> None:
        super().__init__(
            f"the public holidays of {day.year} are not known to the business calendar (chinese-calendar "
            f"{chinese_calendar.__version__}); add that year's closed and working days to the calendar data"
        )
        self.day = day


class Clock24x7:
    """Faults run on every hour of every day."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def between(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))


class SlaClock(Protocol):
    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...


@dataclass(frozen=True)
class BusinessCalendar:
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    opens: time = time(9, 0)
    closes: time = time(18, 0)
    weekdays: frozenset[int] = frozenset(range(5))
    public_holidays: Literal["cn-mainland", "none"] = "cn-mainland"
    closed_days: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    uncovered_years: Literal["weekdays", "refuse"] = "weekdays"

    @classmethod
    def from_document(cls, document: dict) -> "BusinessCalendar":
        """Reads the `calendar` part of a service-level policy, or a carrier's override of it."""
        try:
            zone = ZoneInfo(document.get("time_zone", "Asia/Shanghai"))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"calendar: unknown time zone {document.get('time_zone')!r}") from exc
        opens = time.fromisoformat(document.get("opens", "09:00"))
        closes = time.fromisoformat(document.get("closes", "18:00"))
        if not opens < closes:
            raise ValueError("calendar: opens must come before closes on the same day")
        weekdays = frozenset(int(day) for day in document.get("weekdays", range(5)))
        if not weekdays <= set(range(7)):
            raise ValueError("calendar: weekdays are 0 (Monday) .. 6 (Sunday)")
        public = document.get("public_holidays", "cn-mainland")
        uncovered = document.get("uncovered_years", "weekdays")
        if public not in PUBLIC_HOLIDAYS or uncovered not in UNCOVERED_YEARS:
            raise ValueError(
                f"calendar: public_holidays is one of {PUBLIC_HOLIDAYS}, uncovered_years of {UNCOVERED_YEARS}"
            )
        closed = frozenset(date.fromisoformat(day) for day in document.get("closed_days", ()))
        working = frozenset(date.fromisoformat(day) for day in document.get("working_days", ()))
        if closed & working:
            raise ValueError(f"calendar: days both closed and working: {sorted(str(d) for d in closed & working)}")
        return cls(
            time_zone=zone,
            opens=opens,
            closes=closes,
            weekdays=weekdays,
            public_holidays=public,
            closed_days=closed,
            working_days=working,
            uncovered_years=uncovered,
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.closed_days:
            return False
        if day in self.working_days:
            return True
        if self.public_holidays == "cn-mainland":
            try:
                holiday, name = chinese_calendar.get_holiday_detail(day)
            except NotImplementedError:
                if self.uncovered_years == "refuse":
                    raise CalendarNotCovered(day) from None
                if day.year not in _warned_years:
                    _warned_years.add(day.year)
                    log.warning("public holidays of %s unknown: counting weekdays only", day.year)
            else:
                if name is not None:
                    # A named day is either a public holiday or the make-up working day that pays for one.
                    return not holiday
        return day.weekday() in self.weekdays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        opens = datetime.combine(day, self.opens, tzinfo=self.time_zone).astimezone(UTC)
        closes = datetime.combine(day, self.closes, tzinfo=self.time_zone).astimezone(UTC)
        return opens, closes

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of working time after `start` (a start outside hours counts from the next opening)."""
        left = duration
        day = start.astimezone(self.time_zone).date()
        for _ in range(LONGEST_WALK_DAYS):
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin = max(opens, start)
                if begin < closes:
                    if left <= closes - begin:
                        return begin + left
                    left -= closes - begin
            day += timedelta(days=1)
        raise ValueError(f"the business calendar has no working time within {LONGEST_WALK_DAYS} days of {start}")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end`; none when `end` is not later."""
        total = timedelta(0)
        if end <= start:
            return total
        day = start.astimezone(self.time_zone).date()
        last = end.astimezone(self.time_zone).date()
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin, finish = max(opens, start), min(closes, end)
                if begin < finish:
                    total += finish - begin
            day += timedelta(days=1)
        return total
