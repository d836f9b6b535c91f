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
every measured call: no cache is carried over.
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
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, bindparam, event, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.world import OPEN_STATUSES, bench_settings
from obligations.flows.runtime import Runtime
from obligations.models.contacts import preferred_channel
from obligations.models.db import create_db_engine
from obligations.models.outbox import NotificationStatus, outbox_row
from obligations.models.tables import Contact, Notification, Obligation, Occurrence, Plan, PolicyRow
from obligations.models.types import UTCDateTime
from obligations.rules.ladder import Policy, catch_up, chain_end, reminder_window_opens
from obligations.rules.status import next_status_change, open_status

SKIPPED_ERROR = "skipped: a later step was already due when the sweep ran"
# Later than any step: catch_up then lists every step of a chain (all but the last as "skipped").
END_OF_TIME = datetime(2200, 1, 1, tzinfo=UTC)


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


def fresh_runtime() -> Runtime:
    return Runtime(bench_settings())


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
# The SQL floor

_meta = MetaData()
STEP = Table(
    "bench_step", _meta,
    Column("deadline", UTCDateTime), Column("policy_id", Integer), Column("plan_end", Date),
    Column("position", Integer), Column("step", String(64)), Column("kind", String(16)), Column("level", Integer),
    Column("notify", String(32)), Column("due_at", UTCDateTime), Column("payload_rest", String(100)),
    prefixes=["TEMPORARY"],
)
DEADLINE = Table(
    "bench_deadline", _meta,
    Column("deadline", UTCDateTime), Column("policy_id", Integer), Column("plan_end", Date),
    Column("window_opens", UTCDateTime),
    prefixes=["TEMPORARY"],
)

_DUE = """
SELECT o.id, o.agency_id, o.effective_deadline, o.ladder_done_until, ob.policy_id, p."end" AS plan_end,
       p.coordinator_id, p.zone
FROM occurrence o JOIN obligation ob ON ob.id = o.obligation_id JOIN plan p ON p.id = ob.plan_id
WHERE o.next_action_at <= :t AND o.status IN ('on_track', 'due_soon', 'overdue')
"""
_MATCH = "s.deadline = d.effective_deadline AND s.policy_id = d.policy_id AND s.plan_end = d.plan_end"
_IN_WINDOW = "s.due_at <= :t AND (d.ladder_done_until IS NULL OR s.due_at > d.ladder_done_until)"
_LATEST = """NOT EXISTS (SELECT 1 FROM bench_step l WHERE l.deadline = s.deadline AND l.policy_id = s.policy_id
    AND l.plan_end = s.plan_end AND l.position > s.position
    AND l.due_at <= :t AND (d.ladder_done_until IS NULL OR l.due_at > d.ladder_done_until))"""


# The payload the sweep writes (rules.ladder.Step.message, the role actually told in "notify").
_PAYLOAD_TOLD = """'{"notify": "' || told || '"' || payload_rest || '}'"""
_PAYLOAD_STEP = """'{"notify": "' || s.notify || '"' || s.payload_rest || '}'"""


def _json(dialect: str, expression: str) -> str:
    return f"CAST({expression} AS json)" if dialect == "postgresql" else expression


def _channel(dialect: str) -> str:
    """The contact's preferred channel: the first of its ``channels`` (two looked at) with an address."""
    def nth(n: int) -> str:
        return f"json_extract(c.channels, '$[{n}]')" if dialect == "sqlite" else f"(c.channels ->> {n})"

    cases = " ".join(
        f"WHEN {nth(n)} = '{channel}' AND c.{column} IS NOT NULL THEN '{channel}'"
        for n in (0, 1) for channel, column in (("email", "email"), ("zalo", "zalo_user_id"), ("zns", "phone"))
    )
    return f"CASE {cases} END"


def _floor_pending(dialect: str) -> str:
    channel = _channel(dialect)
    return f"""
WITH d AS ({_DUE}),
latest AS (
  SELECT d.id, d.agency_id, d.coordinator_id, s.step, s.kind, s.level, s.notify, s.due_at, s.payload_rest
  FROM d JOIN bench_step s ON {_MATCH} AND {_IN_WINDOW} WHERE {_LATEST}),
told AS (
  SELECT latest.*, CASE
    WHEN notify = 'focal_point' THEN 'focal_point'
    WHEN notify = 'manager' AND EXISTS (SELECT 1 FROM contact m WHERE m.agency_id = latest.agency_id
                                        AND m.role = 'manager' AND m.active) THEN 'manager'
    ELSE 'coordinator' END AS told
  FROM latest),
target AS (
  SELECT told.*, CASE WHEN told = 'coordinator' THEN coordinator_id ELSE agency_id END AS target_agency,
    CASE WHEN told <> 'coordinator' THEN told
         WHEN EXISTS (SELECT 1 FROM contact k WHERE k.agency_id = told.coordinator_id AND k.role = 'coordinator'
                      AND k.active) THEN 'coordinator'
         ELSE 'focal_point' END AS target_role
  FROM told),
addressed AS (
  SELECT t.*, c.id AS recipient_id, {channel} AS channel
  FROM target t JOIN contact c ON c.agency_id = t.target_agency AND c.role = t.target_role AND c.active)
INSERT INTO notification (dedup_key, occurrence_id, kind, step, level, recipient_id, channel, status, due_at,
                          attempts, next_attempt_at, created_at, payload)
SELECT CAST(id AS TEXT) || '|' || step || '|' || CAST(recipient_id AS TEXT) || '|' || channel, id, kind, step,
       level, recipient_id, channel, 'pending', due_at, 0, :send_at, :t,
       {_json(dialect, _PAYLOAD_TOLD)}
FROM addressed WHERE channel IS NOT NULL
ON CONFLICT DO NOTHING
"""


def _floor_skipped(dialect: str) -> str:
    return f"""
WITH d AS ({_DUE})
INSERT INTO notification (dedup_key, occurrence_id, kind, step, level, recipient_id, channel, status, due_at,
                          attempts, created_at, payload, last_error)
SELECT CAST(d.id AS TEXT) || '|' || s.step || '|-|-', d.id, s.kind, s.step, s.level, NULL, '-', 'skipped',
       s.due_at, 0, :t, {_json(dialect, _PAYLOAD_STEP)},
       :skipped_error
FROM d JOIN bench_step s ON {_MATCH} AND {_IN_WINDOW} WHERE NOT {_LATEST}
ON CONFLICT DO NOTHING
"""


_LEAST = "CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL THEN {a} WHEN {a} < {b} THEN {a} ELSE {b} END"
_NEXT_STEP = f"(SELECT MIN(s.due_at) FROM bench_step s WHERE {_MATCH} AND s.due_at > :t)"
_STATUS_CHANGE = ("CASE WHEN w.window_opens > :t THEN w.window_opens "
                  "WHEN d.effective_deadline > :t THEN d.effective_deadline END")
_ADVANCE = f"""
UPDATE occurrence SET
  status = x.status, ladder_done_until = :t, next_action_at = x.next_action_at
FROM (
  SELECT d.id,
    CASE WHEN :t >= d.effective_deadline THEN 'overdue' WHEN :t >= w.window_opens THEN 'due_soon'
         ELSE 'on_track' END AS status,
    {_LEAST.format(a=_NEXT_STEP, b=f"({_STATUS_CHANGE})")} AS next_action_at
  FROM ({_DUE}) d JOIN bench_deadline w ON w.deadline = d.effective_deadline AND w.policy_id = d.policy_id
    AND w.plan_end = d.plan_end
) x
WHERE occurrence.id = x.id
"""
_SETTLED = ("UPDATE occurrence SET next_action_at = NULL "
            "WHERE next_action_at <= :t AND status NOT IN ('on_track', 'due_soon', 'overdue')")


def _typed(sql: str, **extra) -> text:
    return text(sql).bindparams(bindparam("t", type_=UTCDateTime()),
                                *(bindparam(name, type_=kind) for name, kind in extra.items()))


def run_floor(engine: Engine, as_of: datetime) -> dict:
    rt = fresh_runtime()
    dialect = engine.dialect.name
    started = time.perf_counter()
    with engine.begin() as connection:
        _meta.create_all(connection)
        distinct = connection.execute(_typed(
            f"SELECT DISTINCT d.effective_deadline, d.policy_id, d.plan_end, d.zone FROM ({_DUE}) d").columns(
                effective_deadline=UTCDateTime(), policy_id=Integer(), plan_end=Date(), zone=String()),
            {"t": as_of}).all()
        policies = {pid: Policy.from_dict(definition) for pid, definition in
                    connection.execute(select(PolicyRow.id, PolicyRow.definition))}
        steps, windows = [], []
        for deadline, policy_id, plan_end, zone in {(d, p, e, z) for d, p, e, z in distinct}:
            deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=UTC)
            calendar = rt.calendar(zone)
            policy = policies.get(policy_id, rt.default_policy)
            key = {"deadline": deadline, "policy_id": policy_id, "plan_end": plan_end}
            windows.append(key | {"window_opens": reminder_window_opens(deadline, policy, calendar)})
            chain = catch_up(deadline, policy, calendar, done_until=None, as_of=END_OF_TIME,
                             ends=chain_end(plan_end, policy, calendar))
            for position, step in enumerate([*chain.skipped, *([chain.send] if chain.send else [])]):
                rest = f', "number": {step.number}, "last": {json.dumps(step.last)}' if step.number else ""
                steps.append(key | {"position": position, "step": step.key, "kind": step.kind, "level": step.level,
                                    "notify": step.notify, "due_at": step.due_at, "payload_rest": rest})
        if steps:
            connection.execute(STEP.insert(), steps)
            connection.execute(DEADLINE.insert(), windows)
        send_at = rt.calendar().next_office_moment(as_of)
        pending = connection.execute(_typed(_floor_pending(dialect), send_at=UTCDateTime()),
                                     {"t": as_of, "send_at": send_at}).rowcount
        skipped = connection.execute(_typed(_floor_skipped(dialect), skipped_error=String()),
                                     {"t": as_of, "skipped_error": SKIPPED_ERROR}).rowcount
        advanced = connection.execute(_typed(_ADVANCE), {"t": as_of}).rowcount
        advanced += connection.execute(_typed(_SETTLED), {"t": as_of}).rowcount
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "notifications": pending, "skipped": skipped, "advanced": advanced,
            "distinct_deadlines": len(windows)}


# ---------------------------------------------------------------------------------------------------
# The minimal set-based write


def _minimal_insert(dialect: str) -> str:
    return f"""
INSERT INTO notification (dedup_key, occurrence_id, kind, step, level, recipient_id, channel, status, due_at,
                          attempts, next_attempt_at, created_at, payload)
SELECT CAST(o.id AS TEXT) || '|minimal|' || CAST(c.id AS TEXT) || '|email', o.id, 'reminder', 'minimal', 0, c.id,
       'email', 'pending', o.next_action_at, 0, :send_at, :t, {_json(dialect, "'{}'")}
FROM occurrence o JOIN contact c ON c.agency_id = o.agency_id AND c.role = 'focal_point'
WHERE o.next_action_at <= :t
ON CONFLICT DO NOTHING
"""


def run_minimal(engine: Engine, as_of: datetime) -> dict:
    send_at = fresh_runtime().calendar().next_office_moment(as_of)
    started = time.perf_counter()
    with engine.begin() as connection:
        written = connection.execute(_typed(_minimal_insert(engine.dialect.name), send_at=UTCDateTime()),
                                     {"t": as_of, "send_at": send_at}).rowcount
        advanced = connection.execute(
            _typed("UPDATE occurrence SET next_action_at = :next, ladder_done_until = :t WHERE next_action_at <= :t",
                   next=UTCDateTime()),
            {"t": as_of, "next": as_of + timedelta(days=1)}).rowcount
    return {"seconds": time.perf_counter() - started, "notifications": written, "advanced": advanced}


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

