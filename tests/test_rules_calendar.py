"""The working-day calendar and deadline reading, against hand-worked Vietnamese cases."""

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obligations.rules.calendar import NaiveDatetimeError, WorkCalendar
from tests.world import vn

CAL = WorkCalendar("Asia/Ho_Chi_Minh", working_days={date(2026, 8, 22)})



@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before Tết
        (date(2026, 2, 16), False),  # Tết 2026: 16 to 20 February
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),  # first working day after Tết
        (date(2026, 4, 27), False),  # Hùng Kings' day observed
        (date(2026, 8, 22), True),  # make-up Saturday from the overrides
        (date(2026, 8, 31), False),  # the day off it pays for
        (date(2026, 9, 2), False),  # National Day
        (date(2026, 11, 24), False),  # Vietnam Cultural Day, from 2026
        (date(2026, 11, 28), False),  # an ordinary Saturday
        (date(2020, 12, 14), True),
    ],
)
def test_working_days(day, working):
    assert CAL.is_working_day(day) is working


def test_deadline_on_tet_moves_to_the_end_of_the_first_working_day_after():
    nominal = CAL.deadline_for(date(2026, 2, 17), inclusive=True)  # "chậm nhất ngày 17/02/2026"
    assert nominal == vn(2026, 2, 18)
    assert CAL.effective_deadline(nominal) == vn(2026, 2, 24)  # end of Monday 23 February
    assert CAL.last_day(CAL.effective_deadline(nominal)) == date(2026, 2, 23)


def test_before_day_d_ends_at_the_start_of_d():
    nominal = CAL.deadline_for(date(2020, 12, 15), inclusive=False)  # "trước ngày 15/12/2020", a Tuesday
    assert nominal == vn(2020, 12, 15)
    assert CAL.effective_deadline(nominal) == nominal
    assert CAL.last_day(nominal) == date(2020, 12, 14)


def test_before_a_sunday_ends_at_the_end_of_the_next_working_day():
    nominal = CAL.deadline_for(date(2019, 12, 15), inclusive=False)  # Sunday; the last day in time is Saturday
    assert CAL.effective_deadline(nominal) == vn(2019, 12, 17)  # end of Monday 16


def test_add_working_days_crosses_new_year_and_weekends():
    assert CAL.add_working_days(date(2020, 12, 14), 15) == date(2021, 1, 5)
    assert CAL.add_working_days(date(2020, 12, 14), -10) == date(2020, 11, 30)
    assert CAL.working_days_between(date(2020, 12, 14), date(2021, 1, 5)) == 15
    assert CAL.working_days_between(date(2021, 1, 5), date(2020, 12, 14)) == -15


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (vn(2026, 11, 27, 10), vn(2026, 11, 27, 10)),  # Friday, office open
        (vn(2026, 11, 27, 18), vn(2026, 11, 30, 8)),  # Friday evening -> Monday opening
        (vn(2026, 11, 28, 10), vn(2026, 11, 30, 8)),  # Saturday
        (vn(2026, 11, 30, 6, 30), vn(2026, 11, 30, 8)),  # before opening
        (vn(2026, 2, 13, 17), vn(2026, 2, 23, 8)),  # Friday closing before Tết -> after Tết
    ],
)
def test_next_office_moment(moment, expected):
    assert CAL.next_office_moment(moment) == expected


def test_naive_times_are_refused():
    with pytest.raises(NaiveDatetimeError):
        CAL.local(datetime(2020, 1, 1, 8))
    with pytest.raises(ValueError):
        WorkCalendar(office_start=time(17), office_end=time(8))


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@given(day=days, inclusive=st.booleans())
def test_effective_deadline_never_before_nominal_nor_on_a_day_off(day, inclusive):
    nominal = CAL.deadline_for(day, inclusive=inclusive)
    effective = CAL.effective_deadline(nominal)
    assert effective >= nominal
    assert CAL.is_working_day(CAL.last_day(effective))
    # It moves only as far as the first working day after the nominal last day.
    if effective != nominal:
        assert CAL.last_day(effective) == CAL.next_working_day(CAL.last_day(nominal))


@given(day=days, count=st.integers(min_value=-40, max_value=40))
def test_add_working_days_lands_on_working_days(day, count):
    result = CAL.add_working_days(day, count)
    if count > 0:
        assert CAL.is_working_day(result)
        assert CAL.working_days_between(day, result) == count
    elif count < 0:
        assert CAL.is_working_day(result)
        assert CAL.add_working_days(result, -count) == CAL.next_working_day(day)
    else:
        assert result == day


# The table the calendar searches must answer as counting day by day would.


def _counted(calendar: WorkCalendar, day: date, count: int) -> date:
    step = 1 if count >= 0 else -1
    for _ in range(abs(count)):
        day = date.fromordinal(day.toordinal() + step)
        while not calendar.is_working_day(day):
            day = date.fromordinal(day.toordinal() + step)
    return day


@given(day=st.dates(date(1990, 1, 1), date(2150, 12, 31)), count=st.integers(-250, 250),
       other=st.dates(date(1990, 1, 1), date(2150, 12, 31)))
def test_day_arithmetic_by_table_is_counting_day_by_day(day, count, other):
    calendar = WorkCalendar("Asia/Ho_Chi_Minh", days_off={date(2026, 12, 31)}, working_days={date(2026, 8, 22)})
    assert calendar.add_working_days(day, count) == _counted(calendar, day, count)
    low, high = sorted((day, other))
    counted = sum(1 for n in range(low.toordinal() + 1, high.toordinal() + 1)
                  if calendar.is_working_day(date.fromordinal(n)))
    assert calendar.working_days_between(low, high) == counted
    assert calendar.working_days_between(high, low) == -counted
    following = calendar.next_working_day(day, include=False)
    assert following > day and calendar.is_working_day(following)
    between = range(day.toordinal() + 1, following.toordinal())
    assert not any(calendar.is_working_day(date.fromordinal(n)) for n in between)
    preceding = calendar.previous_working_day(day)
    assert preceding <= day and calendar.is_working_day(preceding)
    between = range(preceding.toordinal() + 1, day.toordinal() + 1)
    assert not any(calendar.is_working_day(date.fromordinal(n)) for n in between)


def test_day_arithmetic_past_the_last_date_overflows():
    with pytest.raises(OverflowError):
        CAL.add_working_days(date(9999, 12, 1), 250)
    with pytest.raises(OverflowError):
        CAL.add_working_days(date(1, 1, 20), -250)


@given(instant=st.datetimes(datetime(1971, 1, 1), datetime(2199, 1, 1), timezones=st.just(vn(2020, 1, 1).tzinfo)))
def test_local_days_and_their_starts_agree_with_pendulum(instant):
    import pendulum

    local = pendulum.instance(instant).in_timezone("Asia/Ho_Chi_Minh")
    assert CAL.local_date(instant) == local.date()
    day = local.date()
    assert CAL.start_of_day(day) == pendulum.datetime(day.year, day.month, day.day, tz="Asia/Ho_Chi_Minh")
