"""Schedules of obligations and their expansion into periods (one deadline each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from dateutil.rrule import rrulestr

ScheduleKind = Literal["once", "recurring", "continuous", "cycle"]
SCHEDULE_KINDS: tuple[str, ...] = ("once", "recurring", "continuous", "cycle")


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Cycle:
    """A named cycle, such as the yearly budget estimate, with the deadlines it implies."""

    rrule: str
    inclusive: bool = False
    phrase: str = ""


@dataclass(frozen=True)
class Schedule:
    kind: ScheduleKind
    due: date | None = None
    rrule: str | None = None
    inclusive: bool = False
    phrase: str = ""
    cycle: str | None = None
    checkin: str | None = None  # continuous only: the check-in rule (CHECKINS); None asks for none


@dataclass(frozen=True)
class Period:
    """One deadline of an obligation: ``key`` is stable and identifies the occurrence."""

    key: str
    due: date
    inclusive: bool
    checkin: bool = False


# Check-ins a plan or an obligation may ask of a continuous task, by the last day of each quarter or half
# year. Without one, a continuous task has no deadline of its own: the periodic report of its agency covers it.
CHECKINS: dict[str, str] = {
    "quarterly": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "semiannual": "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1",
}

MONTH_DAYS = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _ints(text: str | None) -> list[int]:
    try:
        return [int(v) for v in (text or "").split(",") if v.strip()]
    except ValueError:
        return []


def _check_days_exist(rule: str, body: str) -> None:
    """dateutil accepts rules that never yield a date and searches up to the year 9999 for one
    (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``: seconds of CPU); refuse them before asking it."""
    parts = {k.strip().upper(): v.strip() for k, _, v in (p.partition("=") for p in body.split(";")) if v}
    if parts.get("FREQ", "").upper() in ("HOURLY", "MINUTELY", "SECONDLY"):
        raise ScheduleError(f"invalid RRULE {rule!r}: deadlines are days; FREQ is YEARLY, MONTHLY, WEEKLY or DAILY")
    months = _ints(parts.get("BYMONTH")) or list(MONTH_DAYS)
    if any(m < 1 or m > 12 for m in months):
        raise ScheduleError(f"invalid RRULE {rule!r}: BYMONTH takes months 1 to 12")
    days = _ints(parts.get("BYMONTHDAY"))
    if any(d == 0 or abs(d) > 31 for d in days):
        raise ScheduleError(f"invalid RRULE {rule!r}: BYMONTHDAY takes 1 to 31, or -1 to -31 from the month's end")
    if days and not any(abs(d) <= MONTH_DAYS[m] for m in months for d in days):
        raise ScheduleError(f"invalid RRULE {rule!r}: no month in BYMONTH has the day given in BYMONTHDAY")


def validate_rrule(rule: str) -> None:
    """Raise ScheduleError with the parser's reason if ``rule`` is not an RFC 5545 RRULE of days."""
    text = rule.strip()
    if not text:
        raise ScheduleError("empty RRULE")
    if "DTSTART" in text.upper():
        raise ScheduleError("RRULE must not carry DTSTART; the plan's start is used")
    body = text[6:] if text.upper().startswith("RRULE:") else text
    if "FREQ=" not in body.upper():
        raise ScheduleError(f"invalid RRULE {rule!r}: FREQ is required")
    _check_days_exist(rule, body)
    try:
        parsed = rrulestr(body, dtstart=datetime(2000, 1, 1))
        first = parsed.after(datetime(2000, 1, 1), inc=True)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ScheduleError(f"invalid RRULE {rule!r}: {exc}") from exc
    if first is None:
        raise ScheduleError(f"invalid RRULE {rule!r}: it yields no date")


def _rule_dates(rule: str, start: date, end: date) -> list[date]:
    body = rule[6:] if rule.upper().startswith("RRULE:") else rule
    parsed = rrulestr(body, dtstart=datetime(start.year, start.month, start.day))
    return [
        moment.date()
        for moment in parsed.between(
            datetime(start.year, start.month, start.day), datetime(end.year, end.month, end.day), inc=True
        )
    ]


def resolve(schedule: Schedule, cycles: dict[str, Cycle]) -> tuple[str | None, bool, bool]:
    """The rule behind a schedule: (rrule or None for once, inclusive, is a check-in).

    A continuous task without check-ins has no rule: it has no deadlines (:func:`periods` gives none).
    """
    if schedule.kind == "once":
        if schedule.due is None:
            raise ScheduleError("a once schedule needs `due`")
        return None, schedule.inclusive, False
    if schedule.kind == "recurring":
        if not schedule.rrule:
            raise ScheduleError("a recurring schedule needs `rrule`")
        return schedule.rrule, schedule.inclusive, False
    if schedule.kind == "continuous":
        return schedule.checkin, True, True
    if schedule.kind == "cycle":
        if schedule.cycle not in cycles:
            raise ScheduleError(f"unknown cycle {schedule.cycle!r}; known: {', '.join(sorted(cycles)) or 'none'}")
        cycle = cycles[schedule.cycle]
        return cycle.rrule, cycle.inclusive, False
    raise ScheduleError(f"unknown schedule kind {schedule.kind!r}")


def periods(
    schedule: Schedule,
    *,
    plan_start: date,
    plan_end: date,
    until: date,
    cycles: dict[str, Cycle],
    after: date | None = None,
) -> list[Period]:
    """The periods whose due date lies in (after, until] and inside the plan.

    A period due on the plan's first day is dropped for exclusive deadlines ("before the day the
    plan starts" cannot be met).
    """
    rule, inclusive, checkin = resolve(schedule, cycles)
    if schedule.kind == "continuous" and rule is None:
        return []
    if rule is None:
        # A single deadline set by the coordinator counts even when it falls after the plan's end.
        end = until
        candidates = [schedule.due] if schedule.due is not None else []
    else:
        end = min(plan_end, until)
        candidates = _rule_dates(rule, plan_start, end) if plan_start <= end else []
    result = []
    for due in candidates:
        if due > end or due < plan_start or (due == plan_start and not inclusive):
            continue
        if after is not None and due <= after:
            continue
        result.append(Period(key=due.isoformat(), due=due, inclusive=inclusive, checkin=checkin))
    return result
