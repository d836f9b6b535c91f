"""Reminder and escalation ladders, catch-up after downtime, statuses."""

from datetime import date, time, timedelta
from itertools import islice

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obligations.rules.calendar import WorkCalendar
from obligations.rules.ladder import (
    EscalationStep,
    Pause,
    Policy,
    PolicyError,
    catch_up,
    chain_end,
    reminder_window_opens,
    steps,
)
from obligations.rules.limits import MAX_WORKING_DAYS
from obligations.rules.status import Status, done_status, next_status_change, open_status
from tests.world import DEFAULT_POLICY, vn

CAL = WorkCalendar("Asia/Ho_Chi_Minh")
DEFAULT = DEFAULT_POLICY
# "trước ngày 15 tháng 12" in 2020: the last day in time is Monday 14 December.
DEADLINE = CAL.deadline_for(date(2020, 12, 15), inclusive=False)



def test_steps_of_the_yearly_report_2020():
    got = [(s.key, s.kind, s.due_at, s.notify) for s in islice(steps(DEADLINE, DEFAULT, CAL), 9)]
    assert got == [
        ("2020-12-14/reminder-10", "reminder", vn(2020, 11, 30), "focal_point"),
        ("2020-12-14/reminder-3", "reminder", vn(2020, 12, 9), "focal_point"),
        ("2020-12-14/reminder-0", "due_today", vn(2020, 12, 14), "focal_point"),
        ("2020-12-14/escalation-1", "escalation", vn(2020, 12, 15), "focal_point"),
        ("2020-12-14/escalation-2", "escalation", vn(2020, 12, 17), "manager"),
        ("2020-12-14/escalation-3", "escalation", vn(2020, 12, 23), "coordinator"),
        ("2020-12-14/escalation-3.1", "escalation", vn(2021, 1, 7), "coordinator"),  # 1 January is off
        ("2020-12-14/escalation-3.2", "escalation", vn(2021, 1, 21), "coordinator"),
    ]


def test_catch_up_after_downtime_sends_only_the_latest_step():
    result = catch_up(DEADLINE, DEFAULT, CAL, done_until=vn(2020, 12, 1, 8), as_of=vn(2020, 12, 16, 9))
    assert result.send.key == "2020-12-14/escalation-1"
    assert [s.key for s in result.skipped] == ["2020-12-14/reminder-3", "2020-12-14/reminder-0"]
    assert result.next_step_at == vn(2020, 12, 17)


def test_an_occurrence_created_inside_its_window_gets_the_reminder_due_now():
    result = catch_up(DEADLINE, DEFAULT, CAL, done_until=None, as_of=vn(2020, 12, 9, 7, 30))
    assert result.send.key == "2020-12-14/reminder-3"  # due at the start of 9 December, sent at the opening
    assert [s.key for s in result.skipped] == ["2020-12-14/reminder-10"]


def test_nothing_is_sent_twice():
    first = catch_up(DEADLINE, DEFAULT, CAL, done_until=None, as_of=vn(2020, 12, 9, 8))
    again = catch_up(DEADLINE, DEFAULT, CAL, done_until=vn(2020, 12, 9, 8), as_of=vn(2020, 12, 9, 8))
    assert first.send is not None and again.send is None and again.skipped == ()


def test_a_chain_without_repeat_ends():
    policy = Policy(reminders=(1,), escalation=(EscalationStep(2, "manager"),))
    result = catch_up(DEADLINE, policy, CAL, done_until=None, as_of=vn(2021, 6, 1))
    assert result.send.key == "2020-12-14/escalation-1" and result.next_step_at is None


@pytest.mark.parametrize(
    "bad",
    [
        {"reminders": [{"before": -1}]},
        {"escalation": [{"after": 0, "notify": "manager"}]},
        {"escalation": [{"after": 1, "notify": "boss"}]},
        {"escalation": [{"after": 1, "notify": "manager", "repeat": 5}, {"after": 3, "notify": "coordinator"}]},
        {"reminders": [{"days": 3}]},
        # Beyond a working year (MAX_WORKING_DAYS): a stored row like these overflowed every sweep.
        {"reminders": [{"before": 1_000_000}]},
        {"reminders": [{"before": 251}]},
        {"reminders": [{"before": float("inf")}]},
        {"escalation": [{"after": 251, "notify": "manager"}]},
        {"escalation": [{"after": 1, "notify": "manager", "repeat": 251}]},
        {"escalation": [{"after": 1, "notify": "manager", "repeat": 2.0}]},
        {"escalation": [{"after": 1, "notify": "manager", "repeat": True}]},
    ],
)
def test_malformed_policies_are_refused(bad):
    with pytest.raises(PolicyError):
        Policy.from_dict(bad)


LIMIT_DAYS = st.integers(min_value=-(10**12), max_value=10**12)


@given(before=LIMIT_DAYS, after=LIMIT_DAYS, repeat=LIMIT_DAYS,
       day=st.sampled_from([date(1900, 1, 1), date(2200, 12, 31)]))
def test_a_policy_is_refused_or_its_steps_are_dates(before, after, repeat, day):
    """Whatever numbers a stored policy holds, reading it raises PolicyError or gives steps the calendar
    can count, even for a deadline at either end of the years a plan may use."""
    data = {"reminders": [{"before": before}], "escalation": [{"after": after, "notify": "manager", "repeat": repeat}]}
    try:
        policy = Policy.from_dict(data)
    except PolicyError:
        most = MAX_WORKING_DAYS
        assert not (0 <= before <= most and 1 <= after <= most and 1 <= repeat <= most)
        return
    deadline = CAL.effective_deadline(CAL.deadline_for(day, inclusive=True))
    assert len(list(islice(steps(deadline, policy, CAL), 4))) == 4


def test_the_largest_policy_at_the_last_year_is_still_a_date():
    most = MAX_WORKING_DAYS
    policy = Policy.from_dict({"reminders": [{"before": most}],
                               "escalation": [{"after": most, "notify": "manager", "repeat": most}]})
    deadline = CAL.effective_deadline(CAL.deadline_for(date(2200, 12, 31), inclusive=True))
    due = [s.due_at for s in islice(steps(deadline, policy, CAL), 5)]
    assert due == sorted(due) and due[-1].year == 2204


def test_statuses_through_time():
    window = reminder_window_opens(DEADLINE, DEFAULT, CAL)
    assert window == vn(2020, 11, 30)
    assert open_status(vn(2020, 11, 1), DEADLINE, window) == Status.ON_TRACK
    assert open_status(vn(2020, 12, 1), DEADLINE, window) == Status.DUE_SOON
    assert open_status(vn(2020, 12, 15), DEADLINE, window) == Status.OVERDUE
    assert next_status_change(vn(2020, 11, 1), DEADLINE, window) == window
    assert next_status_change(vn(2020, 12, 1), DEADLINE, window) == DEADLINE
    assert next_status_change(vn(2020, 12, 16), DEADLINE, window) is None
    assert done_status(vn(2020, 12, 14, 23, 59), DEADLINE) == Status.DONE_ON_TIME
    assert done_status(vn(2020, 12, 15, 0, 1), DEADLINE) == Status.DONE_LATE


days = st.dates(min_value=date(2005, 1, 1), max_value=date(2035, 12, 31))


@given(day=days, inclusive=st.booleans(), count=st.integers(min_value=1, max_value=12))
def test_every_step_is_sent_inside_office_hours_of_its_own_working_day(day, inclusive, count):
    deadline = CAL.effective_deadline(CAL.deadline_for(day, inclusive=inclusive))
    previous = None
    for step in islice(steps(deadline, DEFAULT, CAL), count):
        step_day = CAL.local_date(step.due_at)
        assert CAL.is_working_day(step_day)
        assert CAL.local(step.due_at).time() == time(0)  # due at the start of the day: a dawn sweep sees it
        send_at = CAL.next_office_moment(step.due_at)
        assert CAL.is_office_time(send_at) and CAL.local_date(send_at) == step_day
        assert previous is None or step.due_at >= previous
        previous = step.due_at
        if step.kind != "escalation":
            assert step.due_at < deadline


@given(
    day=days,
    done_hours=st.one_of(st.none(), st.integers(min_value=-2000, max_value=2000)),
    as_of_hours=st.integers(min_value=-2000, max_value=4000),
)
def test_catch_up_sends_the_latest_due_step_and_skips_only_earlier_ones(day, done_hours, as_of_hours):
    deadline = CAL.effective_deadline(CAL.deadline_for(day, inclusive=True))
    done_until = None if done_hours is None else deadline + timedelta(hours=done_hours)
    as_of = deadline + timedelta(hours=as_of_hours)
    result = catch_up(deadline, DEFAULT, CAL, done_until=done_until, as_of=as_of)
    if result.send is None:
        assert result.skipped == ()
        return
    assert result.send.due_at <= as_of
    assert done_until is None or result.send.due_at > done_until
    assert all(s.due_at <= result.send.due_at for s in result.skipped)
    assert result.next_step_at is None or result.next_step_at > as_of


# ------------------------------------------------------------------------------------- chains end


def test_a_repeating_step_repeats_at_most_max_times():
    """Before, the last step repeated every 10 working days for as long as the occurrence stayed open."""
    default = list(steps(DEADLINE, DEFAULT, CAL))
    assert [s.key for s in default[-3:]] == [
        "2020-12-14/escalation-3", "2020-12-14/escalation-3.1", "2020-12-14/escalation-3.2",
    ]
    twice = Policy.from_dict(DEFAULT.to_dict() | {"escalation": [{"after": 1, "notify": "manager", "repeat": 5,
                                                                   "max": 2}]})
    assert [s.key for s in steps(DEADLINE, twice, CAL) if s.kind == "escalation"] == [
        "2020-12-14/escalation-1", "2020-12-14/escalation-1.1", "2020-12-14/escalation-1.2",
    ]
    after_the_last = catch_up(DEADLINE, DEFAULT, CAL, done_until=default[-1].due_at, as_of=vn(2022, 1, 3, 8))
    assert after_the_last.send is None and after_the_last.next_step_at is None


def test_no_step_falls_due_after_the_plans_end_and_its_grace():
    plan_end = date(2020, 12, 31)  # a Thursday; 1 January 2021 is a day off
    ends = chain_end(plan_end, DEFAULT, CAL)
    assert ends == CAL.start_of_day(date(2021, 1, 15))  # ten working days after 31 December
    on_time = catch_up(DEADLINE, DEFAULT, CAL, done_until=vn(2021, 1, 6, 8), as_of=vn(2021, 1, 7, 8), ends=ends)
    assert on_time.send.key == "2020-12-14/escalation-3.1" and on_time.next_step_at is None  # 3.2 is 21 January
    later = catch_up(DEADLINE, DEFAULT, CAL, done_until=vn(2021, 1, 7, 8), as_of=vn(2021, 3, 1, 8), ends=ends)
    assert later.send is None and later.skipped == ()
    none = Policy.from_dict(DEFAULT.to_dict() | {"grace": 0})
    assert chain_end(plan_end, none, CAL) == CAL.start_of_day(plan_end)


@pytest.mark.parametrize(
    "bad",
    [
        {"escalation": [{"after": 1, "notify": "manager", "max": 2}]},  # max without repeat
        {"escalation": [{"after": 1, "notify": "manager", "repeat": 5, "max": 0}]},
        {"escalation": [{"after": 1, "notify": "manager", "repeat": 5, "max": 21}]},
        {"escalation": [{"after": 1, "notify": "manager", "repeat": 5, "max": True}]},
        {"grace": -1},
        {"grace": MAX_WORKING_DAYS + 1},
    ],
)
def test_chains_that_would_not_end_are_refused(bad):
    with pytest.raises(PolicyError):
        Policy.from_dict({"reminders": [{"before": 3}]} | bad)


# ------------------------------------------------------------------------ numbering and the chain of command


def test_escalations_are_numbered_with_no_gap_and_the_last_says_so():
    escalations = [s for s in steps(DEADLINE, DEFAULT, CAL) if s.kind == "escalation"]
    assert [(s.number, s.last, s.notify) for s in escalations] == [
        (1, False, "focal_point"), (2, False, "manager"), (3, False, "coordinator"),
        (4, False, "coordinator"), (5, True, "coordinator"),
    ]
    assert escalations[-1].message() == {"notify": "coordinator", "number": 5, "last": True}
    reminder = next(steps(DEADLINE, DEFAULT, CAL))
    assert reminder.number == 0 and reminder.message() == {"notify": "focal_point"}


def test_the_leadership_is_never_a_step_of_a_chain():
    with pytest.raises(PolicyError, match="periodic report"):
        Policy.from_dict({"escalation": [{"after": 3, "notify": "plan_manager"}]})


# ------------------------------------------------------------------------------------ blockers pause


def _escalation_days(pauses):
    return [(s.key.split("/")[1], CAL.local_date(s.due_at)) for s in steps(DEADLINE, DEFAULT, CAL, pauses)
            if s.kind == "escalation"]


def test_an_open_blocker_pauses_the_escalations_after_it_not_the_reminders():
    raised = vn(2020, 12, 16, 10)  # after escalation 1 (15/12), before escalation 2 (17/12)
    paused = list(steps(DEADLINE, DEFAULT, CAL, [Pause(raised)]))
    assert [s.key.split("/")[1] for s in paused] == ["reminder-10", "reminder-3", "reminder-0", "escalation-1"]
    early = list(steps(DEADLINE, DEFAULT, CAL, [Pause(vn(2020, 12, 1, 9))]))  # raised before the deadline
    assert [s.kind for s in early] == ["reminder", "reminder", "due_today"]


def test_a_resolved_blocker_resumes_the_chain_from_where_it_stood():
    # Raised Wednesday 16/12, resolved Wednesday 30/12: ten working days later.
    pause = Pause(vn(2020, 12, 16, 10), vn(2020, 12, 30, 15))
    assert _escalation_days([pause]) == [
        ("escalation-1", date(2020, 12, 15)),  # before the blocker: unchanged
        ("escalation-2", date(2020, 12, 31)),  # one working day after the raising, so one after the resolution
        ("escalation-3", date(2021, 1, 7)),  # 23/12 and ten working days (1 January is off)
        ("escalation-3.1", date(2021, 1, 21)),
        ("escalation-3.2", date(2021, 2, 4)),
    ]
    result = catch_up(DEADLINE, DEFAULT, CAL, done_until=vn(2020, 12, 30, 16), as_of=vn(2020, 12, 31, 7, 30),
                      pauses=[pause])
    assert result.send.key == "2020-12-14/escalation-2" and result.skipped == ()


def test_a_blocker_resolved_the_day_it_was_raised_moves_nothing():
    same_day = Pause(vn(2020, 12, 16, 9), vn(2020, 12, 16, 16))
    assert _escalation_days([same_day]) == _escalation_days([])


def test_while_paused_the_sweep_is_not_woken_by_escalations():
    result = catch_up(DEADLINE, DEFAULT, CAL, done_until=vn(2020, 12, 16, 8), as_of=vn(2021, 1, 4, 8),
                      pauses=[Pause(vn(2020, 12, 16, 10))])
    assert result.send is None and result.next_step_at is None
