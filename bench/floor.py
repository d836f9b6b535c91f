"""The two set-based contenders of bench/contenders.py: the SQL floor (the sweep's work in SQL on the
project's tables, each distinct deadline's steps computed once) and the minimal set-based write (one
message per due row and one UPDATE, no ladder)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, bindparam, select, text
from sqlalchemy.engine import Engine

from bench.world import SKIPPED_ERROR, fresh_runtime
from obligations.models.tables import PolicyRow
from obligations.models.types import UTCDateTime
from obligations.rules.ladder import Policy, catch_up, chain_end, reminder_window_opens

# Later than any step: catch_up then lists every step of a chain (all but the last as "skipped").
END_OF_TIME = datetime(2200, 1, 1, tzinfo=UTC)


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


