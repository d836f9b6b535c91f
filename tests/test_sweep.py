"""The sweep against a real database: occurrences, the ladder, idempotency."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.db import create_db_engine
from obligations.models.tables import Agency, Contact, Notification, Occurrence
from tests.world import build, vn


def outbox(engine) -> list[tuple]:
    with Session(engine) as session:
        return sorted(
            session.execute(select(Notification.dedup_key, Notification.status, Notification.kind)).all()
        )


def occurrences(engine) -> dict[tuple[int, int, str], Occurrence]:
    with Session(engine) as session:
        return {(o.obligation_id, o.agency_id, o.period_key): o for o in session.scalars(select(Occurrence))}


def test_group_fans_out_and_horizon_limits_what_is_created(engine, rt):
    ids = build(engine)
    stats = sweep(engine, rt, vn(2017, 8, 15, 7, 30))
    made = occurrences(engine)
    # Only the once task (30/09/2017) is within 60 days; the yearly report of December is not yet.
    assert list(made) == [(ids["task"], ids["SNGV"], "2017-09-30")]
    assert stats.occurrences_created == 1
    sweep(engine, rt, vn(2017, 10, 20, 7, 30))
    made = occurrences(engine)
    assert {(k[1], k[2]) for k in made if k[0] == ids["report"]} == {
        (ids["STTTT"], "2017-12-15"),
        (ids["UBND-NHA-TRANG"], "2017-12-15"),
    }
    # 15/12/2017 is a Friday: the last day in time is Thursday 14, the deadline its end.
    occurrence = made[(ids["report"], ids["STTTT"], "2017-12-15")]
    assert occurrence.effective_deadline == vn(2017, 12, 15)


def test_sweep_twice_at_the_same_moment_adds_nothing(engine, rt):
    build(engine)
    moment = vn(2017, 12, 1, 7, 30)
    first = sweep(engine, rt, moment)
    before = (outbox(engine), {k: (o.status, o.next_action_at) for k, o in occurrences(engine).items()})
    second = sweep(engine, rt, moment)
    after = (outbox(engine), {k: (o.status, o.next_action_at) for k, o in occurrences(engine).items()})
    assert first.notifications == len(before[0]) > 0  # the rows written, as the database counted them
    assert first.occurrences_created == len(before[1]) > 0
    assert second.notifications == 0 and second.occurrences_created == 0
    assert before == after


def test_ladder_over_a_season_and_catch_up(engine, rt):
    ids = build(engine)
    # Daily sweeps through the 2017 report season: every step once, in order.
    day = vn(2017, 10, 20, 7, 30)
    import datetime as dt

    while day < vn(2018, 1, 20):
        sweep(engine, rt, day)
        day += dt.timedelta(days=1)
    with Session(engine) as session:
        rows = session.execute(
            select(Notification.step, Notification.recipient_id, Notification.status)
            .join(Occurrence, Occurrence.id == Notification.occurrence_id)
            .where(Occurrence.agency_id == ids["STTTT"], Occurrence.obligation_id == ids["report"])
            .order_by(Notification.due_at)
        ).all()
    steps = [r.step for r in rows]
    assert steps[:7] == [
        "2017-12-14/reminder-10",
        "2017-12-14/reminder-3",
        "2017-12-14/reminder-0",
        "2017-12-14/escalation-1",
        "2017-12-14/escalation-2",
        "2017-12-14/escalation-3",
        "2017-12-14/escalation-3.1",
    ]
    assert all(r.status == "pending" for r in rows)
    # No manager at Nha Trang: the manager's step goes to the coordinator, worded for the coordinator,
    # never up to the Committee (UBND-TINH), which hears of it in the periodic report.
    with Session(engine) as session:
        recipient, payload = session.execute(
            select(Notification.recipient_id, Notification.payload)
            .join(Occurrence, Occurrence.id == Notification.occurrence_id)
            .where(Occurrence.agency_id == ids["UBND-NHA-TRANG"], Notification.step == "2017-12-14/escalation-2")
        ).one()
        contact = session.get(Contact, recipient)
        assert (session.get(Agency, contact.agency_id).code, contact.role) == ("SNGV", "coordinator")
        assert payload == {"notify": "coordinator", "number": 2, "last": False}
        leadership = session.scalars(
            select(func.count()).select_from(Notification).join(Contact, Contact.id == Notification.recipient_id)
            .where(Contact.agency_id == ids["UBND-TINH"], Notification.occurrence_id.is_not(None))
        ).one()
    assert leadership == 0


def test_downtime_sends_only_the_latest_step_and_records_the_skipped(engine, rt):
    build(engine)
    sweep(engine, rt, vn(2017, 10, 20, 7, 30))
    sweep(engine, rt, vn(2017, 12, 19, 7, 30))  # the sweep was down from October to after the deadline
    rows = [r for r in outbox(engine) if "2017-12-14" in r[0] and "|" in r[0]]
    by_status = Counter((key.split("|")[1].split("/")[1], status) for key, status, _ in rows)
    # At 07:30 on 19/12 the latest step due is escalation-2 (3 working days after Thursday 14/12).
    assert by_status[("escalation-2", "pending")] == 2
    assert by_status[("escalation-1", "skipped")] == 2
    assert by_status[("reminder-10", "skipped")] == 2
    assert by_status[("reminder-3", "skipped")] == 2
    assert by_status[("reminder-0", "skipped")] == 2


def test_keys_are_those_earlier_releases_wrote(engine, rt):
    """A sweep re-run on an outbox written before the keys had their own module still finds its rows."""
    ids = build(engine)
    sweep(engine, rt, vn(2017, 10, 20, 7, 30))
    sweep(engine, rt, vn(2017, 12, 19, 7, 30))
    with Session(engine) as session:
        occurrence = session.scalars(
            select(Occurrence).where(Occurrence.agency_id == ids["STTTT"], Occurrence.obligation_id == ids["report"])
        ).one()
    keys = {key for key, _, _ in outbox(engine)}
    assert f"{occurrence.id}|2017-12-14/escalation-2|4|email" in keys  # Phạm Thị Dung, STTTT's manager
    assert f"{occurrence.id}|2017-12-14/reminder-10|-|-" in keys  # skipped during the downtime


@pytest.mark.postgres
def test_two_sweeps_at_once_write_no_duplicate(pg_url, rt):
    url, schema = pg_url
    engine = create_db_engine(url, schema=schema)
    build(engine)
    moment = vn(2017, 12, 19, 7, 30)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        own = create_db_engine(url, schema=schema)  # each worker its own connection pool
        try:
            barrier.wait()
            sweep(own, Runtime(rt.settings), moment)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(engine) as session:
        keys = session.scalars(select(Notification.dedup_key)).all()
        occurrences_count = session.scalar(select(func.count()).select_from(Occurrence))
    assert len(keys) == len(set(keys)) > 0
    assert occurrences_count == 3  # the once task and the two members' 2017 reports
    engine.dispose()


def test_chains_end_with_the_plan_and_their_repeats(engine, rt):
    """Nobody reports from December 2020 on: the sweeps write nothing due after the plan's last day
    plus its grace, and each occurrence's last step repeats at most `max` times."""
    from datetime import date, timedelta

    from obligations.models.outbox import NotificationKind
    from obligations.rules.ladder import chain_end
    from tests.world import DEFAULT_POLICY

    build(engine)
    ends = chain_end(date(2020, 12, 31), DEFAULT_POLICY, rt.calendar())
    day = vn(2020, 10, 1, 7, 30)
    while day < vn(2021, 6, 1):
        sweep(engine, rt, day)
        day += timedelta(days=1)
    with Session(engine) as session:
        rows = session.execute(select(Notification.occurrence_id, Notification.step, Notification.due_at)
                               .where(Notification.kind == NotificationKind.ESCALATION)).all()
    assert rows and max(due for _, _, due in rows) <= ends
    repeats = Counter(occurrence for occurrence, step, _ in rows if "." in step.rsplit("/", 1)[1])
    assert max(repeats.values(), default=0) <= DEFAULT_POLICY.escalation[-1].max
