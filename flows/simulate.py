"""Replaying a period day by day: the same sweep and dispatch, with a deterministic pattern of work.

Each occurrence gets a behaviour from a hash of its identity (so a replay is repeatable): most
agencies submit a few working days early, some on the last day, some late, a few never; the
coordinator accepts one working day after a submission and returns one in twelve the first time.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from obligations.flows import actions
from obligations.flows.digest import digest
from obligations.flows.dispatch import dispatch
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import SweepStats, sweep
from obligations.models.db import session_scope
from obligations.models.tables import Obligation, Occurrence, Submission
from obligations.notifications.send import Sender, send_with_apprise
from obligations.rules.calendar import WorkCalendar
from obligations.rules.status import OPEN

SWEEP_AT = time(7, 30)  # before the office opens, so messages go out at opening
WORK_AT = time(10, 0)  # when focal points and the coordinator act
ACTOR = "simulation"


def _fraction(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF


def planned_submission(calendar: WorkCalendar, occurrence: Occurrence, obligation_ref: str) -> date | None:
    """The day this occurrence's agency submits, relative to its deadline's last working day."""
    last = calendar.last_day(occurrence.effective_deadline)
    roll = _fraction(obligation_ref, occurrence.agency_id, occurrence.period_key)
    if roll < 0.55:
        return calendar.add_working_days(last, -(1 + int(roll * 10) % 5))
    if roll < 0.70:
        return last
    if roll < 0.88:
        return calendar.add_working_days(last, 1 + int(roll * 100) % 8)
    if roll < 0.95:
        return calendar.add_working_days(last, 12 + int(roll * 1000) % 15)
    return None  # never submitted


def returned_first_time(occurrence_id: int) -> bool:
    return _fraction("return", occurrence_id) < 1 / 12


@dataclass
class ReplayTotals:
    sweep: SweepStats = field(default_factory=SweepStats)
    dispatch: Counter = field(default_factory=Counter)
    actions: Counter = field(default_factory=Counter)
    days: int = 0
    digests: int = 0  # weekly digests and monthly reports queued


def first_working_day_of_week(calendar: WorkCalendar, day: date) -> bool:
    """Whether ``day`` is the first working day of its ISO week: the digest's day, Monday unless it is off."""
    monday = day - timedelta(days=day.weekday())
    return calendar.is_working_day(day) and calendar.next_working_day(monday) == day


def simulate_day(engine: Engine, rt: Runtime, day: date, plans_cache: dict, totals: ReplayTotals,
                 sender: Sender) -> None:
    calendar = rt.calendar()
    totals.sweep.add(sweep(engine, rt, calendar.at_local(day, SWEEP_AT)))
    if first_working_day_of_week(calendar, day):
        # The weekly digest, and in a new month last month's report to the leadership, sent at opening.
        totals.digests += digest(engine, rt, calendar.at_local(day, SWEEP_AT))
    totals.dispatch.update(dispatch(engine, rt, calendar.office_opening(day), sender=sender))
    if not calendar.is_working_day(day):
        totals.days += 1
        return
    work_at = calendar.at_local(day, WORK_AT)
    with session_scope(engine) as session:
        # Coordinator: decide on submissions made on an earlier working day.
        pending = session.scalars(
            select(Submission.occurrence_id)
            .where(Submission.state == "pending", Submission.submitted_at < calendar.start_of_day(day))
            .order_by(Submission.occurrence_id)
        ).all()
        returned_before = set(
            session.scalars(
                select(Submission.occurrence_id).where(
                    Submission.state == "returned", Submission.occurrence_id.in_(pending)
                )
            )
        )
        for occurrence_id in pending:
            if occurrence_id not in returned_before and returned_first_time(occurrence_id):
                actions.return_submission(session, rt, occurrence_id, as_of=work_at, actor=ACTOR,
                                          note="Đề nghị bổ sung số liệu")
                totals.actions["returned"] += 1
            else:
                actions.accept(session, rt, occurrence_id, as_of=work_at, actor=ACTOR)
                totals.actions["accepted"] += 1
        # Focal points: submit what their pattern says is due today (a returned one comes back in 3 days).
        open_rows = session.execute(
            select(Occurrence, Obligation.ref)
            .join(Obligation, Obligation.id == Occurrence.obligation_id)
            .where(Occurrence.status.in_([s.value for s in OPEN]), Occurrence.created_at <= work_at)
        ).all()
        returned = dict(
            session.execute(
                select(Submission.occurrence_id, func.max(Submission.decided_at))
                .join(Occurrence, Occurrence.id == Submission.occurrence_id)
                .where(Submission.state == "returned", Occurrence.status.in_([s.value for s in OPEN]))
                .group_by(Submission.occurrence_id)
            ).all()
        )
        for occurrence, ref in open_rows:
            if occurrence.id in returned:
                planned = calendar.add_working_days(calendar.local_date(returned[occurrence.id]), 3)
            else:
                if occurrence.id not in plans_cache:
                    plans_cache[occurrence.id] = planned_submission(calendar, occurrence, ref)
                planned = plans_cache[occurrence.id]
            if planned is not None and planned <= day:
                actions.submit(session, occurrence.id, as_of=work_at, actor=ACTOR, note="Báo cáo kết quả thực hiện")
                totals.actions["submitted"] += 1
    totals.days += 1


def replay(
    engine: Engine,
    rt: Runtime,
    start: date,
    end: date,
    *,
    on_day: Callable[[date], None] | None = None,
    sender: Sender = send_with_apprise,
) -> ReplayTotals:
    """Run every day from ``start`` to ``end`` (inclusive) through the sweep, the dispatch and the pattern."""
    if end < start:
        raise ValueError("the replay ends before it starts")
    totals = ReplayTotals()
    plans_cache: dict[int, date | None] = {}
    day = start
    while day <= end:
        simulate_day(engine, rt, day, plans_cache, totals, sender)
        if on_day is not None:
            on_day(day)
        day += timedelta(days=1)
    return totals

