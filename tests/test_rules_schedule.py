"""Expanding schedules into periods."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obligations.rules.schedule import CHECKINS, Cycle, Schedule, ScheduleError, periods, validate_rrule

CYCLES = {"budget": Cycle("FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=15", inclusive=False)}
PLAN = dict(plan_start=date(2017, 4, 1), plan_end=date(2020, 12, 31), cycles=CYCLES)


def expand(schedule, until=date(2030, 1, 1), after=None):
    return periods(schedule, until=until, after=after, **PLAN)


def test_yearly_report_before_15_december():
    got = expand(Schedule("recurring", rrule="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"))
    assert [p.due for p in got] == [date(y, 12, 15) for y in (2017, 2018, 2019, 2020)]
    assert not any(p.inclusive or p.checkin for p in got)
    assert got[0].key == "2017-12-15"


def test_continuous_tasks_have_no_deadline_of_their_own_unless_check_ins_are_asked():
    """The periodic report of the agency covers a continuous task; check-ins are opt-in."""
    assert expand(Schedule("continuous", phrase="thường xuyên")) == []
    quarterly = expand(Schedule("continuous", phrase="thường xuyên", checkin=CHECKINS["quarterly"]))
    assert quarterly[0].due == date(2017, 6, 30) and quarterly[-1].due == date(2020, 12, 31)
    assert len(quarterly) == 15 and all(p.checkin and p.inclusive for p in quarterly)
    semiannual = expand(Schedule("continuous", checkin=CHECKINS["semiannual"]), until=date(2018, 12, 31))
    assert [p.due for p in semiannual] == [date(2017, 6, 30), date(2017, 12, 31), date(2018, 6, 30),
                                           date(2018, 12, 31)]


def test_budget_cycle_and_after_until_window():
    got = expand(Schedule("cycle", cycle="budget"), until=date(2019, 12, 31), after=date(2017, 7, 15))
    assert [p.due for p in got] == [date(2018, 7, 15), date(2019, 7, 15)]


def test_once_and_monthly_last_day():
    assert [p.due for p in expand(Schedule("once", due=date(2021, 3, 31), inclusive=True))] == [date(2021, 3, 31)]
    monthly = expand(Schedule("recurring", rrule="FREQ=MONTHLY;BYMONTHDAY=-1", inclusive=True), until=date(2017, 6, 30))
    assert [p.due for p in monthly] == [date(2017, 4, 30), date(2017, 5, 31), date(2017, 6, 30)]


def test_before_the_plan_starts_cannot_be_met():
    got = expand(Schedule("recurring", rrule="FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=1"))
    assert [p.due.year for p in got] == [2018, 2019, 2020]


BAD_RULES = [
    "",
    "FREQ=YEARLYY",
    "BYMONTH=12",
    "FREQ=YEARLY;BYMONTH=13",
    "DTSTART:20170101\nFREQ=DAILY",
    "FREQ=HOURLY",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # never happens: must be refused, not searched for until 9999
    "FREQ=MONTHLY;BYMONTHDAY=0",
]


@pytest.mark.parametrize("rule", BAD_RULES)
def test_invalid_rrules_are_refused(rule):
    with pytest.raises(ScheduleError):
        validate_rrule(rule)


def test_unknown_cycle():
    with pytest.raises(ScheduleError, match="unknown cycle"):
        expand(Schedule("cycle", cycle="election"))


@given(month=st.integers(1, 12), day=st.integers(-1, 28), until=st.dates(date(2017, 1, 1), date(2022, 1, 1)))
def test_periods_are_real_dates_inside_the_plan_in_order(month, day, until):
    if day == 0:
        day = 1
    got = expand(Schedule("recurring", rrule=f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}"), until=until)
    dues = [p.due for p in got]
    assert dues == sorted(set(dues))
    assert all(PLAN["plan_start"] < d <= min(PLAN["plan_end"], until) for d in dues)
