"""Benchmark of the sweep on synthetic national-scale data.

Claim measured (DESIGN.md): "Sweeps are set-based SQL, driven by an index on ``next_action_at``: their
cost follows the work due, not the number of obligations stored."

    .venv/bin/python -m bench.sweep [--provinces N] [--database-url URL] [--repeat K]

1. Setup (untimed, reported as ``setup_s``): a fresh database (a temporary SQLite file by default; on
   PostgreSQL a schema ``bench_<random>`` dropped at the end) gets N provinces, each with a plan
   2017-2020, 25 agencies, one group of 20 members, a focal point and a manager per agency and 30
   obligations (yearly and monthly reports by the group, quarterly check-ins of continuous tasks,
   once tasks, the budget cycle). Every row is written with executemany.
2. Steady state at T0 (Monday 2019-07-01 07:30 in Hanoi): ``materialise`` creates every occurrence of
   the whole plan, past ones included (a horizon reaching past the plan's end); past occurrences are
   then settled the way coordinators would have left them (most done on time or late, some still
   open and escalating), the ladders of open ones are marked handled up to the day before, and one
   ``flows.sweep.sweep(engine, rt, T0)`` brings every open occurrence to its status and next action.
3. At T1 = T0 + 1 day (same local time), each repetition measured inside a transaction rolled back
   afterwards (the stored state is the same for every repetition and every contender):
   - ``engine_sweep``: ``materialise`` + ``advance`` in batches, as ``sweep`` does, reading only the
     occurrences with ``next_action_at <= T1`` through the index;
   - ``naive_loop``: load every open occurrence with its obligation and plan, and evaluate
     ``rules.ladder.catch_up`` and the status for each in Python, writing nothing;
   - ``raw_sql_due_count``: ``SELECT count(*) FROM occurrence WHERE next_action_at <= :t``, the floor.
   The occurrences the naive loop finds work for must include those the engine acted on.

One JSON object goes to stdout; progress, query plans and explanations go to stderr.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, event, func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.world import (
    BATCH,
    HORIZON_DAYS,
    OPEN_STATUSES,
    STARTED,
    T0,
    T1,
    ZONE,
    build_world,
    fresh_database,
    log,
    steady_state,
)
from obligations.config.settings import Settings
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import SweepStats, advance, materialise
from obligations.models.tables import (
    Notification,
    Obligation,
    Occurrence,
    Plan,
)
from obligations.models.types import UTCDateTime
from obligations.rules.ladder import catch_up, chain_end, reminder_window_opens
from obligations.rules.status import open_status

# ---------------------------------------------------------------------------------------------------
# The contenders at T1


@dataclass
class EngineRun:
    seconds: float
    stats: SweepStats
    acted: set[int] | None = None  # occurrences (stored before T1) given a notification or a new status
    acted_new: int = 0  # occurrences created at T1 by materialise that got a notification


def engine_sweep(engine: Engine, rt: Runtime, as_of: datetime, *, record: bool = False) -> EngineRun:
    """``materialise`` then ``advance`` batch by batch, as ``sweep`` does, in one transaction rolled back."""
    occ = Occurrence.__table__
    with Session(engine, expire_on_commit=False) as session:
        before: dict[int, str] = {}
        max_id = 0
        if record:  # bookkeeping for the agreement check, outside the timed part
            before = dict(session.execute(select(occ.c.id, occ.c.status).where(occ.c.next_action_at <= as_of)).all())
            max_id = session.scalar(select(func.max(occ.c.id))) or 0
        started = time.perf_counter()
        stats = SweepStats()
        stats.occurrences_created = materialise(session, rt, as_of)
        while True:
            done = advance(session, rt, as_of, limit=BATCH)
            stats.add(done)
            if done.occurrences_processed < BATCH:
                break
        session.flush()
        run = EngineRun(time.perf_counter() - started, stats)
        if record:
            notified = set(session.scalars(
                select(Notification.occurrence_id).where(Notification.created_at == as_of).distinct()
            ))
            after = session.execute(select(occ.c.id, occ.c.status).where(occ.c.ladder_done_until == as_of)).all()
            changed = {oid for oid, status in after if oid in before and before[oid] != status}
            run.acted = {oid for oid in notified if oid <= max_id} | changed
            run.acted_new = len({oid for oid in notified if oid > max_id})
        session.rollback()
    return run


def naive_loop(engine: Engine, rt: Runtime, as_of: datetime) -> tuple[float, set[int], int]:
    """Every open occurrence, loaded with its obligation and plan, evaluated in Python; nothing written.

    Returns the time, the occurrences with work at ``as_of`` (a step to send or skip, or a new status)
    and how many open occurrences were scanned.
    """
    with Session(engine) as session:
        started = time.perf_counter()
        rows = session.execute(
            select(Occurrence, Obligation, Plan)
            .join(Obligation, Occurrence.obligation_id == Obligation.id)
            .join(Plan, Obligation.plan_id == Plan.id)
            .where(Occurrence.status.in_(OPEN_STATUSES))
        )
        acted: set[int] = set()
        scanned = 0
        for occurrence, obligation, plan in rows:
            scanned += 1
            calendar = rt.calendar(plan.zone)
            policy = rt.policy(session, obligation.policy_id)
            deadline = occurrence.effective_deadline
            due = catch_up(deadline, policy, calendar, done_until=occurrence.ladder_done_until, as_of=as_of,
                           ends=chain_end(plan.end, policy, calendar))
            status = open_status(as_of, deadline, reminder_window_opens(deadline, policy, calendar))
            if due.send is not None or due.skipped or status.value != occurrence.status:
                acted.add(occurrence.id)
        seconds = time.perf_counter() - started
        session.rollback()
    return seconds, acted, scanned


DUE_COUNT = text("SELECT count(*) FROM occurrence WHERE next_action_at <= :t").bindparams(
    bindparam("t", type_=UTCDateTime())
)


def raw_due_count(engine: Engine, as_of: datetime) -> tuple[float, int]:
    with engine.connect() as connection:
        started = time.perf_counter()
        count = connection.execute(DUE_COUNT, {"t": as_of}).scalar_one()
        return time.perf_counter() - started, count


# ---------------------------------------------------------------------------------------------------
# Query plans


@contextmanager
def capture_due_query(engine: Engine) -> Iterator[dict]:
    """The SQL and parameters ``models.queries.due_occurrences`` really sends, to EXPLAIN them."""
    captured: dict = {}

    def listener(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        flat = " ".join(statement.split())
        if "sql" not in captured and "FROM occurrence" in flat and "occurrence.next_action_at <=" in flat:
            captured.update(sql=statement, params=parameters)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def explain(engine: Engine, dialect: str, sql: str, params) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + sql, params).all()
        connection.rollback()
    return [str(row[-1]) for row in rows]


# ---------------------------------------------------------------------------------------------------


def _setup(engine: Engine, rt: Runtime, dialect: str, provinces: int) -> dict:
    started = time.perf_counter()
    log(f"building {provinces} provinces")
    build_world(engine, rt, provinces)
    log(f"steady state at T0 = {T0.isoformat()} (07:30 in Hanoi), horizon {HORIZON_DAYS} days")
    steady_state(engine, rt, dialect)
    setup_s = time.perf_counter() - started
    with Session(engine) as session:
        counts = {
            "obligations": session.scalar(select(func.count()).select_from(Obligation)),
            "occurrences_stored": session.scalar(select(func.count()).select_from(Occurrence)),
            "occurrences_open": session.scalar(
                select(func.count()).select_from(Occurrence).where(Occurrence.status.in_(OPEN_STATUSES))
            ),
            "occurrences_due": raw_due_count(engine, T1)[1],
        }
    log(f"setup took {setup_s:.1f}s: {counts['obligations']} obligations, {counts['occurrences_stored']} occurrences "
        f"stored, {counts['occurrences_open']} open, {counts['occurrences_due']} due at T1 = {T1.isoformat()}")
    return counts | {"setup_s": round(setup_s, 1)}


@dataclass
class Measured:
    engine_times: list[float]
    naive_times: list[float]
    raw_times: list[float]
    first: EngineRun
    naive_acted: set[int]
    captured: dict


def _measure(engine: Engine, rt: Runtime, repeat: int) -> Measured:
    engine_times, naive_times, raw_times = [], [], []
    first: EngineRun | None = None
    naive_acted: set[int] = set()
    for rep in range(1, repeat + 1):
        with capture_due_query(engine) as captured:
            run = engine_sweep(engine, rt, T1, record=first is None)
        first = first or run
        engine_times.append(run.seconds)
        seconds, naive_acted, scanned = naive_loop(engine, rt, T1)
        naive_times.append(seconds)
        raw_times.append(raw_due_count(engine, T1)[0])
        log(f"repetition {rep}/{repeat}: engine sweep {run.seconds:.3f}s "
            f"({run.stats.occurrences_processed} processed, {run.stats.notifications} notifications), "
            f"naive loop {seconds:.3f}s ({scanned} open scanned), raw count {raw_times[-1] * 1000:.2f}ms")
    assert first is not None and first.acted is not None
    return Measured(engine_times, naive_times, raw_times, first, naive_acted, captured)


def _agreement(first: EngineRun, naive_acted: set[int]) -> bool:
    agree = first.acted <= naive_acted
    log(f"agreement: engine acted on {len(first.acted)} stored occurrences, the naive loop found work for "
        f"{len(naive_acted)}; engine within naive: {agree}; identical: {first.acted == naive_acted}")
    if not agree:
        log(f"  engine only (first 10): {sorted(first.acted - naive_acted)[:10]}")
    if naive_acted - first.acted:
        log(f"  naive only (missed by the engine, first 10): {sorted(naive_acted - first.acted)[:10]}")
    if first.acted_new:
        log(f"  plus {first.acted_new} occurrences created by materialise at T1")
    return agree


def _uses_index(engine: Engine, dialect: str, captured: dict) -> bool:
    """Logs the plans of the due-occurrence query and of the raw count; whether the first uses the index."""
    if "sql" not in captured:
        raise SystemExit("bench: the due-occurrence query was not seen; did flows.sweep.advance change?")
    plan = explain(engine, dialect, captured["sql"], captured["params"])
    log("due-occurrence query (models.queries.due_occurrences), as sent:\n    " + " ".join(captured["sql"].split()))
    log("its plan:\n    " + "\n    ".join(plan))
    count_sql = "SELECT count(*) FROM occurrence WHERE next_action_at <= " + ("?" if dialect == "sqlite" else "%(t)s")
    count_params = (captured["params"][0],) if dialect == "sqlite" else {"t": T1}
    log("raw count's plan:\n    " + "\n    ".join(explain(engine, dialect, count_sql, count_params)))
    return any("ix_occurrence_next_action_at" in line for line in plan)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", type=int, default=20, help="provinces, each with one plan (default 20)")
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL; default a temporary SQLite file. On PostgreSQL a fresh schema "
                             "bench_<random> is created and dropped at the end.")
    parser.add_argument("--repeat", type=int, default=3, help="measured repetitions, the median is kept (default 3)")
    args = parser.parse_args(argv)
    if args.provinces < 1 or args.repeat < 1:
        parser.error("--provinces and --repeat must be at least 1")

    rt = Runtime(Settings(horizon_days=HORIZON_DAYS, zone=ZONE))
    with fresh_database(args.database_url) as (engine, dialect):
        counts = _setup(engine, rt, dialect, args.provinces)
        measured = _measure(engine, rt, args.repeat)
        agree = _agreement(measured.first, measured.naive_acted)
        uses_index = _uses_index(engine, dialect, measured.captured)

    engine_s, naive_s = statistics.median(measured.engine_times), statistics.median(measured.naive_times)
    result = {
        "database": dialect,
        "provinces": args.provinces,
        **{k: v for k, v in counts.items() if k != "setup_s"},
        "notifications_written": measured.first.stats.notifications,
        "engine_sweep_s": round(engine_s, 4),
        "naive_loop_s": round(naive_s, 4),
        "raw_sql_due_count_s": round(statistics.median(measured.raw_times), 6),
        "speedup_vs_naive": round(naive_s / engine_s, 1) if engine_s else None,
        "uses_index": uses_index,
        "agree": agree,
        "setup_s": counts["setup_s"],
    }
    log(f"total {time.perf_counter() - STARTED:.1f}s")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
