"""Naming an occurrence's period as a person says it, and explaining why its deadline is not the plan's day.

Both give facts (a kind, numbers, dates, a holiday's name); the templates phrase them ("Quý II/2017",
"14/12/2019 là thứ Bảy; hạn chuyển sang thứ Hai 16/12/2019").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

import holidays

from obligations.rules.calendar import WorkCalendar

PeriodKind = Literal["year", "half", "quarter", "month"]
MONTHS_IN = {"year": 12, "half": 6, "quarter": 3, "month": 1}
# A deadline this many days into a period still reports on the period that has just ended: a yearly
# report due before 15 January is the previous year's, a quarterly one due in April the first quarter's.
LAG_DAYS = {"year": 31, "half": 31, "quarter": 31, "month": 10}


@dataclass(frozen=True)
class PeriodName:
    """A reporting period: ``number`` is the half (1, 2), quarter (1 to 4) or month (1 to 12); 0 for a year."""

    kind: PeriodKind
    year: int
    number: int = 0


def _rule_parts(rule: str) -> dict[str, str]:
    body = rule[6:] if rule.upper().startswith("RRULE:") else rule
    return {k.strip().upper(): v.strip() for k, _, v in (p.partition("=") for p in body.split(";")) if v}


def cadence(rule: str | None) -> PeriodKind | None:
    """How often a rule falls due, as a period kind: yearly, twice a year, quarterly or monthly.

    Rules that fall due at other rhythms (weekly, every two months) have no period name.
    """
    if not rule:
        return None
    parts = _rule_parts(rule)
    months = [m for m in parts.get("BYMONTH", "").split(",") if m.strip()]
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        return None
    freq = parts.get("FREQ", "").upper()
    if freq == "YEARLY" and interval == 1:
        per_year = len(months) or 1
    elif freq == "MONTHLY" and not months and 12 % interval == 0:
        per_year = 12 // interval
    elif freq == "MONTHLY" and interval == 1:
        per_year = len(months)
    else:
        return None
    return {1: "year", 2: "half", 4: "quarter", 12: "month"}.get(per_year)


def _containing(kind: PeriodKind, day: date) -> PeriodName:
    if kind == "year":
        return PeriodName("year", day.year)
    return PeriodName(kind, day.year, (day.month - 1) // MONTHS_IN[kind] + 1)


def _start(period: PeriodName) -> date:
    first_month = 1 if period.kind == "year" else (period.number - 1) * MONTHS_IN[period.kind] + 1
    return date(period.year, first_month, 1)


def _previous(period: PeriodName) -> PeriodName:
    return _containing(period.kind, _start(period) - timedelta(days=1))


def name_period(schedule_kind: str, rule: str | None, last_day: date) -> PeriodName | None:
    """The period an occurrence reports on, from its schedule and its nominal last day.

    - ``once``: no period (the deadline says it all); nor a rule without a yearly rhythm.
    - ``recurring`` and check-ins (``continuous``): the period of the rule's rhythm that holds the last
      day, unless the last day lies in the first days of that period (``LAG_DAYS``): then the period
      just ended. A yearly report due before 15/12/2017 is "Năm 2017"; one due before 15/01/2018 too.
    - ``cycle`` (the budget estimate, before 15 July each year): the year of the cycle's deadline,
      with no lag: the estimate built before 15/07/2017 is "Năm 2017", the year it is built in.
    """
    if schedule_kind == "once":
        return None
    kind = cadence(rule)
    if kind is None:
        return None
    period = _containing(kind, last_day)
    if schedule_kind != "cycle" and (last_day - _start(period)).days < LAG_DAYS[kind]:
        return _previous(period)
    return period


DayOffKind = Literal["weekend", "holiday", "day_off"]


@dataclass(frozen=True)
class DeadlineChange:
    """Why an occurrence's last day is not the one its schedule gives.

    ``moved``: the plan's last day (``original``) is a day off, so the deadline ends with the next working
    day (``effective``); ``day_off`` says which kind of day, ``holiday_vi``/``holiday_en`` name a public
    holiday. ``extended``: the coordinator granted more time, from ``original`` to ``effective``.
    """

    kind: Literal["moved", "extended"]
    original: date
    effective: date
    day_off: DayOffKind | None = None
    holiday_vi: str | None = None
    holiday_en: str | None = None


@lru_cache(maxsize=64)
def _holiday_names(year: int, language: str) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year, language=language)


def _day_off(day: date) -> tuple[DayOffKind, str | None, str | None]:
    """Which kind of day off ``day`` is: a named public holiday first, then the weekend, else a decided day off.

    A day the `holidays` package lists as substituted ("Day off (substituted from ...)") is a day off
    without a holiday's name.
    """
    english = _holiday_names(day.year, "en_US").get(day)
    if english and "substituted" not in english.lower():
        return "holiday", _holiday_names(day.year, "vi").get(day), english
    if day.weekday() >= 5:
        return "weekend", None, None
    return "day_off", None, None


def deadline_change(calendar: WorkCalendar, nominal: datetime, effective: datetime) -> DeadlineChange | None:
    """How the occurrence's ``effective`` deadline came from its ``nominal`` one, when they differ.

    The deadline the calendar alone gives (off a day off) is compared with the effective one: a
    difference beyond it is an extension.
    """
    nominal_last = calendar.last_day(nominal)
    scheduled_last = calendar.last_day(calendar.effective_deadline(nominal))
    effective_last = calendar.last_day(effective)
    if effective_last != scheduled_last:
        return DeadlineChange("extended", scheduled_last, effective_last)
    if scheduled_last != nominal_last:
        kind, vi, en = _day_off(nominal_last)
        return DeadlineChange("moved", nominal_last, effective_last, kind, vi, en)
    return None
