"""The working-day calendar of one plan: its time zone, public holidays, overrides and office hours."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC as _STDLIB_UTC
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pendulum

UTC = pendulum.UTC


class NaiveDatetimeError(ValueError):
    pass


def require_aware(instant: datetime) -> datetime:
    """Every entry point takes the clock as input; a naive time would be read in the wrong zone."""
    if not isinstance(instant, datetime):
        raise NaiveDatetimeError(f"expected a timezone-aware datetime (ISO 8601 with an offset), got {instant!r}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetimeError(f"{instant.isoformat()} has no UTC offset (a timezone-aware datetime is needed)")
    return instant


class WorkCalendar:
    """Vietnamese working days: Monday to Friday, less public holidays (Tết included), with overrides.

    ``days_off`` adds days off; ``working_days`` makes days (make-up Saturdays) working days and
    wins over both weekends and holidays.

    A sweep asks the same few questions of thousands of rows, so the answers are tables: the working
    days as a sorted list of ordinals, whole years at a time, that day arithmetic searches with
    ``bisect``; and each local day's first instant, computed once with the standard library's zones.
    """

    def __init__(
        self,
        zone: str = "Asia/Ho_Chi_Minh",
        *,
        days_off: Iterable[date] = (),
        working_days: Iterable[date] = (),
        office_start: time = time(8, 0),
        office_end: time = time(17, 0),
        country: str = "VN",
    ) -> None:
        if office_start >= office_end:
            raise ValueError("office hours must start before they end")
        self.zone = pendulum.timezone(zone)
        self.office_start = office_start
        self.office_end = office_end
        self._public = holidays.country_holidays(country)
        self._days_off = frozenset(days_off)
        self._working = frozenset(working_days)
        self._cache: dict[date, bool] = {}
        self._zoneinfo = ZoneInfo(zone)
        self._starts: dict[date, datetime] = {}
        # Ordinals of the working days from January 1 of ``_first_year`` to December 31 of ``_last_year``.
        self._first_year = self._last_year = 0
        self._ordinals: list[int] = []

    def is_working_day(self, day: date) -> bool:
        cached = self._cache.get(day)
        if cached is None:
            if day in self._working:
                cached = True
            elif day in self._days_off or day.weekday() >= 5:
                cached = False
            else:
                cached = day not in self._public
            self._cache[day] = cached
        return cached

    def _cover(self, first_year: int, last_year: int) -> None:
        """Make the table of working days span these years at least; beyond the calendar's years is an
        overflow, as it is for date arithmetic."""
        if self._ordinals and self._first_year <= first_year and last_year <= self._last_year:
            return
        if self._ordinals:
            first_year, last_year = min(first_year, self._first_year), max(last_year, self._last_year)
        if first_year < date.min.year or last_year > date.max.year:
            raise OverflowError("date value out of range")
        start, end = date(first_year, 1, 1).toordinal(), date(last_year, 12, 31).toordinal()
        self._ordinals = [n for n in range(start, end + 1) if self.is_working_day(date.fromordinal(n))]
        self._first_year, self._last_year = first_year, last_year

    def _around(self, day: date) -> list[int]:
        self._cover(day.year - 1, day.year + 1)
        return self._ordinals

    def next_working_day(self, day: date, *, include: bool = True) -> date:
        ordinal = day.toordinal() + (0 if include else 1)
        while True:
            ordinals = self._around(day)
            index = bisect_left(ordinals, ordinal)
            if index < len(ordinals):
                return date.fromordinal(ordinals[index])
            self._cover(self._first_year, self._last_year + 1)

    def previous_working_day(self, day: date, *, include: bool = True) -> date:
        ordinal = day.toordinal() - (0 if include else 1)
        while True:
            ordinals = self._around(day)
            index = bisect_right(ordinals, ordinal) - 1
            if index >= 0:
                return date.fromordinal(ordinals[index])
            self._cover(self._first_year - 1, self._last_year)

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (before it when negative); 0 is ``day`` itself."""
        if count == 0:
            return day
        ordinal = day.toordinal()
        ordinals = self._around(day)
        years = abs(count) // 200 + 1  # never fewer than 200 working days in a year
        if count > 0:
            index = bisect_right(ordinals, ordinal) + count - 1
            while index >= len(ordinals):
                self._cover(self._first_year, self._last_year + years)
                ordinals = self._ordinals
            return date.fromordinal(ordinals[index])
        index = bisect_left(ordinals, ordinal) + count
        while index < 0:
            before = len(ordinals)
            self._cover(self._first_year - years, self._last_year)
            ordinals = self._ordinals
            index += len(ordinals) - before
        return date.fromordinal(ordinals[index])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        self._cover(start.year, end.year)
        ordinals = self._ordinals
        return bisect_right(ordinals, end.toordinal()) - bisect_right(ordinals, start.toordinal())

    # Instants: everything returned is an aware datetime in UTC.

    def local(self, instant: datetime) -> pendulum.DateTime:
        return pendulum.instance(require_aware(instant)).in_timezone(self.zone)

    def local_date(self, instant: datetime) -> date:
        # The standard library's conversion and a plain date: pendulum's are an order of magnitude slower.
        return require_aware(instant).astimezone(self._zoneinfo).date()

    def start_of_day(self, day: date) -> datetime:
        start = self._starts.get(day)
        if start is None:
            start = self._starts[day] = self.at_local(day, time(0))
        return start

    def at_local(self, day: date, moment: time) -> datetime:
        # fold=0: an ambiguous local time (a clock set back) is its first occurrence, as pendulum's was.
        local = datetime(day.year, day.month, day.day, moment.hour, moment.minute, moment.second,
                         tzinfo=self._zoneinfo)
        return local.astimezone(_STDLIB_UTC)

    def office_opening(self, day: date) -> datetime:
        return self.at_local(day, self.office_start)

    def is_office_time(self, instant: datetime) -> bool:
        local = self.local(instant)
        return self.is_working_day(local.date()) and self.office_start <= local.time() < self.office_end

    def next_office_moment(self, instant: datetime) -> datetime:
        """``instant`` itself when the office is open, else the next opening."""
        local = self.local(instant)
        day = local.date()
        if self.is_working_day(day):
            if local.time() < self.office_start:
                return self.office_opening(day)
            if local.time() < self.office_end:
                return pendulum.instance(instant).in_timezone(UTC)
        return self.office_opening(self.next_working_day(day, include=False))

    # Deadlines.

    def deadline_for(self, day: date, *, inclusive: bool) -> datetime:
        """The nominal deadline of a date phrase.

        "trước ngày D" (inclusive=False) ends at the start of D; "chậm nhất ngày D" (inclusive=True)
        ends at the end of D, which is the start of the next day.
        """
        return self.start_of_day(day + timedelta(days=1) if inclusive else day)

    def last_day(self, deadline: datetime) -> date:
        """The last local day on which work is still in time."""
        return self.local_date(require_aware(deadline) - timedelta(microseconds=1))

    def effective_deadline(self, nominal: datetime) -> datetime:
        """A deadline whose last day is a day off ends at the end of the next working day."""
        last = self.last_day(nominal)
        if self.is_working_day(last):
            return pendulum.instance(nominal).in_timezone(UTC)
        return self.start_of_day(self.next_working_day(last) + timedelta(days=1))
