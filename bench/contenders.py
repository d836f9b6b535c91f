"""The contenders of the sweep benchmark, each run by bench/sweep.py in a fresh process of its own.

    python -m bench.contenders NAME DATABASE_URL AS_OF RESULT.json

NAME is one of:

- ``sweep``: ``obligations.flows.sweep.sweep(engine, rt, as_of)``, the engine as it is;
- ``floor``: the same work in SQL alone on the project's own tables. Working-day arithmetic is not
  SQL's, so the steps of each distinct (deadline, policy, plan end) among the due rows (a handful) are
  computed with ``rules.ladder.catch_up`` into a temporary table; then one ``INSERT ... SELECT`` writes
  each due occurrence's latest step to the people its role reaches (the manager's step falling to
  the coordinator where the agency has none) on their preferred channel, one more writes the skipped
  steps, and one ``UPDATE ... FROM`` sets status, ``ladder_done_until`` and ``next_action_at``;
- ``minimal``: the least a morning can cost: one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` of an
  outbox row per due occurrence to its focal point, one ``UPDATE`` advancing ``next_action_at`` a
  day; no ladder at all;
- ``naive``: the ORM loop a first version would write: every open occurrence loaded with its
  obligation and plan, ``rules.ladder.catch_up`` per row, recipients queried per row, each row written
  with the ORM and flushed one at a time;
- ``idle``: the sweep function when nothing is due (AS_OF is then the moment the state was left);
- ``flow``: ``obligations.flows.jobs.sweep_flow`` under Prefect's test harness when nothing is due,
  run twice; the second, warm run is the figure.

Each writes its timings to RESULT.json; the due query's plan goes to stderr. A fresh ``Runtime`` for
every measured call: no cache is carried over; modules the engine imports lazily are imported before
the clock starts, as in a worker that has run before.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime

from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.floor import run_floor, run_minimal
from bench.world import OPEN_STATUSES, SKIPPED_ERROR, bench_settings, fresh_runtime
from obligations.models.contacts import preferred_channel
from obligations.models.db import create_db_engine
from obligations.models.outbox import NotificationStatus, outbox_row
from obligations.models.tables import Contact, Notification, Obligation, Occurrence, Plan
from obligations.rules.ladder import catch_up, chain_end, reminder_window_opens
from obligations.rules.status import next_status_change, open_status


def maxrss_mib() -> float:
    """This process's peak resident memory. Linux carries ``ru_maxrss`` across exec, so a child started by
    a parent holding a large world would report the parent's peak; ``VmHWM`` belongs to this process's
    own memory and starts anew at exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _import_lazy_modules() -> None:
    """What the engine imports on first use (holidays loads every country's table on the first calendar:
    0.1 s): a process's start, paid once by a long-running worker, not a contender's cost."""
    import holidays.countries  # noqa: F401


def _open_engine(url: str) -> Engine:
    engine = create_db_engine(url)
    with engine.connect() as connection:  # the connection's setup is not the contender's cost
        connection.execute(text("SELECT 1"))
    return engine


# ---------------------------------------------------------------------------------------------------
# The engine, and the due query it sends

DUE_QUERY = re.compile(r"^\s*SELECT\b.*\bFROM\s+occurrence\b.*\bnext_action_at\s*<=", re.IGNORECASE | re.DOTALL)


def run_sweep(engine: Engine, as_of: datetime) -> dict:
    from obligations.flows.sweep import sweep

    captured: dict = {}

    def listener(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if "sql" not in captured and DUE_QUERY.match(statement):
            captured.update(sql=statement, params=parameters)

    rt = fresh_runtime()
    event.listen(engine, "before_cursor_execute", listener)
    before = maxrss_mib()
    started = time.perf_counter()
    stats = sweep(engine, rt, as_of)
    seconds = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", listener)
    return {"seconds": seconds, "stats": stats.as_dict(), "maxrss_before_mib": round(before, 1),
            "maxrss_mib": round(maxrss_mib(), 1), "due_query": explain_due_query(engine, captured)}


def explain_due_query(engine: Engine, captured: dict) -> dict:
    """The due query as the engine sent it and its plan (printed to stderr)."""
    if "sql" not in captured:
        print("bench: no SELECT ... FROM occurrence WHERE next_action_at <= ... was seen", file=sys.stderr)
        return {"sql": None, "plan": [], "uses_index": False}
    sql = " ".join(captured["sql"].split())
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        plan = [str(row[-1]) for row in connection.exec_driver_sql(prefix + captured["sql"], captured["params"])]
        connection.rollback()
    print(f"due query, as the sweep sent it:\n    {sql}\nits plan:\n    " + "\n    ".join(plan), file=sys.stderr)
    uses_index = any("next_action_at" in line and ("INDEX" in line.upper() or "Index" in line) for line in plan)
    return {"sql": sql, "plan": plan, "uses_index": uses_index}


# ---------------------------------------------------------------------------------------------------
# The naive ORM loop


def _naive_contacts(session: Session, role: str, occurrence: Occurrence, plan: Plan) -> tuple[str, list[Contact]]:
    """Who ``role`` reaches, asked of the database each time (the chain of command of models.contacts)."""
    def of(agency_id, wanted) -> list[Contact]:
        return list(session.scalars(select(Contact).where(Contact.agency_id == agency_id, Contact.role == wanted,
                                                          Contact.active).order_by(Contact.id)))

    if role == "focal_point":
        return role, of(occurrence.agency_id, "focal_point")
    if role == "manager" and (managers := of(occurrence.agency_id, "manager")):
        return role, managers
    return "coordinator", of(plan.coordinator_id, "coordinator") or of(plan.coordinator_id, "focal_point")


def run_naive(engine: Engine, as_of: datetime) -> dict:
    rt = fresh_runtime()
    written = changed = scanned = 0
    started = time.perf_counter()
    with Session(engine) as session:
        rows = session.execute(
            select(Occurrence, Obligation, Plan)
            .join(Obligation, Occurrence.obligation_id == Obligation.id)
            .join(Plan, Obligation.plan_id == Plan.id)
            .where(Occurrence.status.in_(OPEN_STATUSES))
        ).all()
        send_at = rt.calendar().next_office_moment(as_of)
        for occurrence, obligation, plan in rows:
            scanned += 1
            calendar = rt.calendar(plan.zone)
            policy = rt.policy(session, obligation.policy_id)
            deadline = occurrence.effective_deadline
            window = reminder_window_opens(deadline, policy, calendar)
            due = catch_up(deadline, policy, calendar, done_until=occurrence.ladder_done_until, as_of=as_of,
                           ends=chain_end(plan.end, policy, calendar))
            status = open_status(as_of, deadline, window).value
            if due.send is None and not due.skipped and status == occurrence.status:
                continue
            notes = []
            if due.send is not None:
                told, contacts = _naive_contacts(session, due.send.notify, occurrence, plan)
                message = dict(kind=due.send.kind, step=due.send.key, level=due.send.level, due_at=due.send.due_at,
                               occurrence_id=occurrence.id, created_at=as_of,
                               payload=due.send.message() | {"notify": told})
                notes += [outbox_row(**message, status=NotificationStatus.PENDING, recipient_id=contact.id,
                                     channel=preferred_channel(contact), next_attempt_at=send_at)
                          for contact in contacts]
            notes += [outbox_row(kind=step.kind, step=step.key, level=step.level, due_at=step.due_at,
                                 occurrence_id=occurrence.id, created_at=as_of, payload=step.message(),
                                 status=NotificationStatus.SKIPPED, last_error=SKIPPED_ERROR)
                      for step in due.skipped]
            for note in notes:
                session.add(Notification(**note))
            written += len(notes)
            occurrence.status = status
            occurrence.ladder_done_until = as_of
            upcoming = [t for t in (due.next_step_at, next_status_change(as_of, deadline, window)) if t is not None]
            occurrence.next_action_at = min(upcoming) if upcoming else None
            session.add(occurrence)
            session.flush()  # one row at a time
            changed += 1
        session.commit()
    return {"seconds": time.perf_counter() - started, "notifications": written, "advanced": changed,
            "scanned": scanned}


# ---------------------------------------------------------------------------------------------------
# Nothing due


def run_idle(engine: Engine, as_of: datetime, calls: int = 7) -> dict:
    """The sweep function when nothing is due: the first call of the process, then the median of the rest."""
    from obligations.flows.sweep import sweep

    times = []
    for _ in range(calls):
        rt = fresh_runtime()
        started = time.perf_counter()
        stats = sweep(engine, rt, as_of)
        times.append(time.perf_counter() - started)
        if stats.occurrences_processed or stats.occurrences_created:
            raise SystemExit(f"bench: something was due at {as_of.isoformat()}: {stats.as_dict()}")
    return {"seconds": statistics.median(times[1:]), "first_s": times[0], "times": times}


def run_flow(url: str, as_of: datetime) -> dict:
    """``sweep_flow`` under Prefect's test harness (no server of ours), as the command line runs it (no
    heartbeat: ``obligations.terminal.jobs``) and with Prefect's default heartbeat, as a worker runs it;
    the first run of all is cold, the others warm."""
    with tempfile.TemporaryDirectory(prefix="obligations-bench-prefect-") as home:
        os.environ.update(PREFECT_HOME=home, OBLIGATIONS_HOME=home, OBLIGATIONS_DATABASE_URL=url,
                          OBLIGATIONS_ZONE=bench_settings().zone,
                          OBLIGATIONS_HORIZON_DAYS=str(bench_settings().horizon_days))
        from prefect.testing.utilities import prefect_test_harness

        from obligations.flows.jobs import sweep_flow
        from obligations.terminal import jobs

        def timed() -> float:
            started = time.perf_counter()
            sweep_flow(as_of=as_of)
            return time.perf_counter() - started

        with prefect_test_harness():
            first = timed()
            with jobs():
                times = [timed() for _ in range(3)]
            with_heartbeat = [timed() for _ in range(3)]
    return {"seconds": statistics.median(times), "first_s": first, "times": times,
            "with_heartbeat_s": statistics.median(with_heartbeat)}


RUNNERS = {"sweep": run_sweep, "floor": run_floor, "minimal": run_minimal, "naive": run_naive, "idle": run_idle}


def main(argv: list[str]) -> None:
    name, url, as_of, result = argv
    moment = datetime.fromisoformat(as_of)
    if name == "flow":
        outcome = run_flow(url, moment)
    else:
        _import_lazy_modules()
        engine = _open_engine(url)
        try:
            outcome = RUNNERS[name](engine, moment)
        finally:
            engine.dispose()
    outcome["maxrss_end_mib"] = round(maxrss_mib(), 1)
    with open(result, "w") as out:
        json.dump(outcome, out, default=str)


if __name__ == "__main__":
    main(sys.argv[1:])

