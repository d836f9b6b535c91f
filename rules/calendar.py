"""The working-day calendar of one plan: its time zone, public holidays, overrides and office hours."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

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

    def next_working_day(self, day: date, *, include: bool = True) -> date:
        if not include:
            day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date, *, include: bool = True) -> date:
        if not include:
            day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (before it when negative); 0 is ``day`` itself."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n)))

    # Instants: everything returned is an aware datetime in UTC.

    def local(self, instant: datetime) -> pendulum.DateTime:
        return pendulum.instance(require_aware(instant)).in_timezone(self.zone)

    def local_date(self, instant: datetime) -> date:
        local = self.local(instant)
        # A plain date: pendulum's Date arithmetic is an order of magnitude slower in day loops.
        return date(local.year, local.month, local.day)

    def start_of_day(self, day: date) -> datetime:
        return pendulum.datetime(day.year, day.month, day.day, tz=self.zone).in_timezone(UTC)

    def at_local(self, day: date, moment: time) -> datetime:
        return pendulum.datetime(
            day.year, day.month, day.day, moment.hour, moment.minute, moment.second, tz=self.zone
        ).in_timezone(UTC)

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
