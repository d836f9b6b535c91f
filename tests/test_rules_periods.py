"""Naming an occurrence's period and explaining a deadline that is not the plan's own day."""

from __future__ import annotations

from datetime import date

import pytest

from obligations.rules.calendar import WorkCalendar
from obligations.rules.periods import DeadlineChange, PeriodName, cadence, deadline_change, name_period

CALENDAR = WorkCalendar()


@pytest.mark.parametrize("rule, kind", [
    ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", "year"),
    ("RRULE:FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=15", "year"),
    ("FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1", "half"),
    ("FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1", "quarter"),
    ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=20", "quarter"),
    ("FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=20", "half"),
    ("FREQ=MONTHLY;BYMONTHDAY=25", "month"),
    ("FREQ=WEEKLY;BYDAY=FR", None),
    ("FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1", None),
    (None, None),
])
def test_the_rhythm_of_a_rule(rule, kind):
    assert cadence(rule) == kind


YEARLY = "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"
QUARTERLY = "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"
HALF = "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1"
MONTHLY = "FREQ=MONTHLY;BYMONTHDAY=25"


@pytest.mark.parametrize("kind, rule, last_day, named", [
    # "trước ngày 15 tháng 12 hàng năm": the last day is 14/12, the report is the year's.
    ("recurring", YEARLY, date(2017, 12, 14), PeriodName("year", 2017)),
    # A yearly report due in January reports on the year just ended.
    ("recurring", "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=15", date(2018, 1, 14), PeriodName("year", 2017)),
    # The budget cycle names the year it is built in, January or July alike.
    ("cycle", "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=15", date(2017, 7, 14), PeriodName("year", 2017)),
    ("cycle", "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=15", date(2018, 1, 14), PeriodName("year", 2018)),
    ("continuous", QUARTERLY, date(2017, 6, 30), PeriodName("quarter", 2017, 2)),
    ("recurring", "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=15", date(2017, 4, 14), PeriodName("quarter", 2017, 1)),
    ("recurring", "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=15", date(2018, 1, 14), PeriodName("quarter", 2017, 4)),
    ("continuous", HALF, date(2018, 6, 30), PeriodName("half", 2018, 1)),
    ("continuous", HALF, date(2018, 12, 31), PeriodName("half", 2018, 2)),
    ("recurring", MONTHLY, date(2018, 3, 24), PeriodName("month", 2018, 3)),
    ("recurring", "FREQ=MONTHLY;BYMONTHDAY=5", date(2018, 4, 4), PeriodName("month", 2018, 3)),
    ("recurring", "FREQ=MONTHLY;BYMONTHDAY=5", date(2018, 1, 4), PeriodName("month", 2017, 12)),
    ("once", None, date(2017, 9, 30), None),
    ("recurring", "FREQ=WEEKLY;BYDAY=FR", date(2017, 9, 29), None),
])
def test_a_period_is_named_as_a_person_says_it(kind, rule, last_day, named):
    assert name_period(kind, rule, last_day) == named


def test_a_deadline_on_a_saturday_moves_to_monday():
    nominal = CALENDAR.deadline_for(date(2019, 12, 15), inclusive=False)  # "trước ngày 15/12/2019"
    change = deadline_change(CALENDAR, nominal, CALENDAR.effective_deadline(nominal))
    assert change == DeadlineChange("moved", date(2019, 12, 14), date(2019, 12, 16), "weekend")


def test_a_deadline_on_a_public_holiday_names_it():
    nominal = CALENDAR.deadline_for(date(2019, 9, 2), inclusive=True)  # "chậm nhất ngày 2/9/2019", a Monday
    change = deadline_change(CALENDAR, nominal, CALENDAR.effective_deadline(nominal))
    assert change == DeadlineChange("moved", date(2019, 9, 2), date(2019, 9, 3), "holiday",
                                    "Quốc khánh", "National Day")


def test_tet_on_a_weekday_names_the_holiday_and_skips_the_whole_break():
    nominal = CALENDAR.deadline_for(date(2026, 2, 17), inclusive=True)
    change = deadline_change(CALENDAR, nominal, CALENDAR.effective_deadline(nominal))
    assert (change.day_off, change.effective) == ("holiday", date(2026, 2, 23))
    assert change.holiday_vi == "Tết Nguyên Đán"


def test_a_substituted_day_off_is_a_day_off_without_a_holiday_name():
    nominal = CALENDAR.deadline_for(date(2019, 4, 29), inclusive=True)  # swapped for Saturday 4/5/2019
    change = deadline_change(CALENDAR, nominal, CALENDAR.effective_deadline(nominal))
    assert (change.kind, change.day_off, change.holiday_vi) == ("moved", "day_off", None)
    assert change.effective == date(2019, 5, 2)  # past 30/4 and 1/5


def test_an_extension_is_an_extension_not_a_move():
    nominal = CALENDAR.deadline_for(date(2019, 12, 15), inclusive=False)
    extended = CALENDAR.deadline_for(date(2019, 12, 27), inclusive=True)
    change = deadline_change(CALENDAR, nominal, extended)
    assert change == DeadlineChange("extended", date(2019, 12, 16), date(2019, 12, 27))


def test_a_deadline_on_a_working_day_needs_no_explanation():
    nominal = CALENDAR.deadline_for(date(2017, 12, 15), inclusive=False)  # last day Thursday 14/12/2017
    assert deadline_change(CALENDAR, nominal, CALENDAR.effective_deadline(nominal)) is None
