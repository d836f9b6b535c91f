"""The synthetic national world of the benchmarks: a deterministic generator sized in occurrences.

A ministry tracking the same plan in every province: each province has a plan 2017-2020, its
People's Committee, 24 agencies under it (20 of them in one group), a focal point and a manager per
agency (the coordinating agency SNGV also has a coordinator; a third of the contacts prefer Zalo) and
36 obligations: monthly, quarterly and yearly reports by the group, continuous tasks with quarterly
check-ins, one-off tasks and the budget cycle.

``build(engine, rt, occurrences=N, morning=M)`` writes the state the daily sweeps would have left the
evening before ``M`` (``M`` - 1 day, same local time, called ``S``): the occurrences whose deadline lies
within the horizon of ``S``, the past settled the way coordinators would have left it (a
deterministic draw per row: most done on time or late, some still open and escalating), each open
one's status, ``ladder_done_until`` = S and ``next_action_at``, each obligation's next expansion. Rows
are computed once per distinct deadline and written in batches (executemany; COPY on PostgreSQL), so
a million occurrences take about a minute, not the hours a replay of the sweeps would.

The state is what ``flows.sweep.sweep`` would write (status, next action), computed with the same
rules (``rules.schedule.periods``, ``rules.ladder.catch_up``, ``rules.status``); nothing is due at ``S``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine

from bench.catalogue import AGENCY_CODES, DEPARTMENTS, GROUP, KINDS, MEMBERS, PROVINCE_NAMES, SPECS, Spec
from bench.database import analyze, chunks, log
from obligations.config.settings import Settings
from obligations.flows.runtime import Runtime
from obligations.models.tables import (
    Agency,
    AgencyGroup,
    AgencyGroupMember,
    Contact,
    Obligation,
    Occurrence,
    Plan,
    PolicyRow,
    Provision,
)
from obligations.rules.ladder import Policy, catch_up, chain_end, reminder_window_opens
from obligations.rules.schedule import Period, periods
from obligations.rules.status import OPEN, Status, next_status_change, open_status

ZONE = "Asia/Ho_Chi_Minh"
HORIZON_DAYS = 60
PLAN_START, PLAN_END = date(2017, 4, 1), date(2020, 12, 31)
FAR_FUTURE = date(9999, 12, 31)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OPEN_STATUSES = sorted(s.value for s in OPEN)


def local_morning(day: date) -> datetime:
    """07:30 in Hanoi (UTC+7, no daylight saving time), before the office opens: when the sweep runs."""
    return datetime(day.year, day.month, day.day, 0, 30, tzinfo=UTC)


# A typical morning: Tuesday 22 October 2019, mid-quarter, a reminder day of some monthly reports and an
# escalation day of others: about 1 % of the stored occurrences due, each writing one message.
# The quarter-end: Tuesday 1 October 2019, the day after the check-ins of 30 September and a monthly
# deadline; many due rows only change status.
MORNINGS = {"typical": local_morning(date(2019, 10, 22)), "quarter_end": local_morning(date(2019, 10, 1))}

def bench_settings(**overrides) -> Settings:
    """The settings every benchmark process uses: the plan's zone, the default horizon, no .env file."""
    return Settings(_env_file=None, zone=ZONE, horizon_days=HORIZON_DAYS, **overrides)


def fresh_runtime() -> Runtime:
    """A runtime with nothing cached yet, as a scheduled run starts with."""
    return Runtime(bench_settings())


# The reason the sweep records on a step it skips (flows/sweep.py).
SKIPPED_ERROR = "skipped: a later step was already due when the sweep ran"


# ---------------------------------------------------------------------------------------------------
# The rows of one province, computed once per distinct deadline


@dataclass(frozen=True)
class Deadline:
    period: Period
    nominal: datetime
    effective: datetime


@dataclass
class World:
    """What ``build`` wrote and where the morning stands."""

    morning: datetime
    before: datetime  # S: the state is the one the sweep at S left
    provinces: int
    by_kind: dict[str, int]
    occurrences: int
    open: int
    due: int
    setup_s: float
    max_id: int  # the highest occurrence id stored: later ones were created by a run


def provinces_for(occurrences: int, rt: Runtime, morning: datetime) -> int:
    """How many provinces hold about ``occurrences`` occurrences (at least one)."""
    per_province = sum(len(_deadlines(rt, spec, morning)) * len(_leads(spec)) for spec in SPECS)
    return max(1, round(occurrences / per_province))


def _leads(spec: Spec) -> list[str]:
    return MEMBERS if spec.lead == GROUP else [spec.lead]


def _until(rt: Runtime, before: datetime) -> date:
    return rt.calendar(ZONE).local_date(before + timedelta(days=HORIZON_DAYS))


def _window() -> dict:
    return dict(plan_start=PLAN_START, plan_end=PLAN_END)


def _cycles(rt: Runtime) -> dict:
    return rt.cycles(SimpleNamespace(cycles={}))  # type: ignore[arg-type]


def _deadlines(rt: Runtime, spec: Spec, morning: datetime) -> list[Deadline]:
    """The spec's periods materialised at S (due within S's horizon), with their deadlines."""
    calendar = rt.calendar(ZONE)
    until = _until(rt, morning - timedelta(days=1))
    found = periods(spec.schedule, until=until, cycles=_cycles(rt), **_window())
    result = []
    for period in found:
        nominal = calendar.deadline_for(period.due, inclusive=period.inclusive)
        result.append(Deadline(period, nominal, calendar.effective_deadline(nominal)))
    return result


def _next_expansion(rt: Runtime, spec: Spec, before: datetime) -> tuple[date, datetime | None]:
    """``expanded_through`` and ``next_expand_at`` as the sweep at S leaves them."""
    calendar = rt.calendar(ZONE)
    until = _until(rt, before)
    following = periods(spec.schedule, until=FAR_FUTURE, after=until, cycles=_cycles(rt), **_window())[:1]
    at = calendar.start_of_day(following[0].due) - timedelta(days=HORIZON_DAYS) if following else None
    return until, at


def open_state(rt: Runtime, policy: Policy, deadline: datetime, at: datetime) -> dict:
    """Status, ``ladder_done_until`` and ``next_action_at`` of an open occurrence after the sweep at ``at``."""
    calendar = rt.calendar(ZONE)
    window = reminder_window_opens(deadline, policy, calendar)
    due = catch_up(deadline, policy, calendar, done_until=at, as_of=at, ends=chain_end(PLAN_END, policy, calendar))
    upcoming = [t for t in (due.next_step_at, next_status_change(at, deadline, window)) if t is not None]
    return {"status": open_status(at, deadline, window).value, "ladder_done_until": at,
            "next_action_at": min(upcoming) if upcoming else None}


def _draw(*parts: int) -> int:
    """A pseudo-random percentage from the row's coordinates: every run and both databases agree."""
    value = 0
    for part in parts:
        value = (value * 1_000_003 + part + 1) % 4_294_967_291
    return (value * 2_654_435_761) % 4_294_967_291 % 100


def _settled(deadline: datetime, before: datetime, draw: int) -> dict | None:
    """A past occurrence as coordinators would have left it; None while it is still open.

    Deadlines over 30 days before S: 80 % done on time, 16 % done late, 4 % still open (overdue,
    escalating). In the 30 days before S: 60 % done on time, the rest open. Later ones are open.
    """
    if deadline >= before:
        return None
    old = deadline < before - timedelta(days=30)
    if draw < (80 if old else 60):
        return {"status": Status.DONE_ON_TIME.value, "submitted_at": deadline - timedelta(days=2),
                "completed_at": min(deadline + timedelta(days=1), before), "next_action_at": None}
    if old and draw < 96:
        return {"status": Status.DONE_LATE.value, "submitted_at": deadline + timedelta(days=5),
                "completed_at": deadline + timedelta(days=7), "next_action_at": None}
    return None


# ---------------------------------------------------------------------------------------------------
# Writing it


def _insert(connection, model, rows: list[dict], size: int = 10_000) -> None:
    for chunk in chunks(rows, size):
        connection.execute(insert(model.__table__), chunk)


def _contact_rows(codes: list[str], agencies: dict[str, int]) -> list[dict]:
    """A focal point and a manager per agency of each province, and the coordinating agency's coordinator."""
    contacts = []
    for p in codes:
        for n, code in enumerate(AGENCY_CODES):
            for role in ["focal_point", "manager"] + (["coordinator"] if code == "SNGV" else []):
                zalo = n % 3 == 0  # a third of the contacts prefer Zalo
                contacts.append({
                    "agency_id": agencies[f"{p}-{code}"], "name": f"{role} {p}-{code}", "role": role,
                    "title": None, "email": f"{role}.{p}-{code}@example.org".lower(),
                    "zalo_user_id": f"{4_000_000_000 + len(contacts)}" if zalo else None, "phone": None,
                    "channels": ["zalo", "email"] if zalo else ["email"], "language": "vi", "active": True,
                })
    return contacts


def _static(engine: Engine, rt: Runtime, provinces: int, before: datetime) -> dict:
    """Policies, agencies, groups, contacts, plans, provisions and obligations; their ids."""
    codes = [f"P{p:03d}" for p in range(1, provinces + 1)]
    names = {code: PROVINCE_NAMES[n % len(PROVINCE_NAMES)] + ("" if n < len(PROVINCE_NAMES) else f" {n + 1}")
             for n, code in enumerate(codes)}
    department = dict(DEPARTMENTS) | {"SNGV": "Sở Ngoại vụ"}
    with engine.begin() as c:
        _insert(c, PolicyRow, [{"code": name, "definition": rt.defaults["policies"][name]}
                               for name in ("default", "checkin")])
        _insert(c, Agency, [{"code": f"{p}-UBND-TINH", "name": f"Ủy ban nhân dân tỉnh {names[p]}",
                             "parent_id": None} for p in codes])
        tops = dict(c.execute(select(Agency.code, Agency.id)).all())
        _insert(c, Agency, [{"code": f"{p}-{code}", "name": f"{department[code]} tỉnh {names[p]}",
                             "parent_id": tops[f"{p}-UBND-TINH"]} for p in codes for code in AGENCY_CODES[1:]])
        agencies = dict(c.execute(select(Agency.code, Agency.id)).all())
        _insert(c, AgencyGroup, [{"code": f"{p}-SBN", "name": "Các sở, ban, ngành; UBND các huyện, thị xã, "
                                  f"thành phố tỉnh {names[p]}"} for p in codes])
        groups = dict(c.execute(select(AgencyGroup.code, AgencyGroup.id)).all())
        _insert(c, AgencyGroupMember, [{"group_id": groups[f"{p}-SBN"], "agency_id": agencies[f"{p}-{code}"]}
                                       for p in codes for code in MEMBERS])
        contacts = _contact_rows(codes, agencies)
        _insert(c, Contact, contacts)
        policies = dict(c.execute(select(PolicyRow.code, PolicyRow.id)).all())
        _insert(c, Plan, [
            {"code": f"{p}-dnnd-2017-2020", "title": "Kế hoạch triển khai công tác đối ngoại nhân dân tỉnh "
                                                      f"{names[p]} giai đoạn 2017-2020",
             "number": f"{100 + n}/KH-UBND", "issuer_id": tops[f"{p}-UBND-TINH"], "zone": ZONE,
             "start": PLAN_START, "end": PLAN_END, "coordinator_id": agencies[f"{p}-SNGV"],
             "manager_id": tops[f"{p}-UBND-TINH"], "cycles": {}, "created_at": EPOCH}
            for n, p in enumerate(codes)
        ])
        plans = dict(c.execute(select(Plan.code, Plan.id)).all())
        plan_of = {p: plans[f"{p}-dnnd-2017-2020"] for p in codes}
        _insert(c, Provision, [{"plan_id": plan_of[p], "ref": s.ref, "title": s.title, "text": f"{s.title}: {s.phrase}"}
                               for p in codes for s in SPECS])
        provisions = {(plan_id, ref): pid for plan_id, ref, pid in
                      c.execute(select(Provision.plan_id, Provision.ref, Provision.id))}
        expansion = {s.ref: _next_expansion(rt, s, before) for s in SPECS}
        _insert(c, Obligation, [
            {"plan_id": plan_of[p], "provision_id": provisions[(plan_of[p], s.ref)], "ref": s.ref,
             "title": s.title, "text": f"{s.title}: {s.phrase}",
             "lead_agency_id": None if s.lead == GROUP else agencies[f"{p}-{s.lead}"],
             "lead_group_id": groups[f"{p}-SBN"] if s.lead == GROUP else None,
             "report_to_id": agencies[f"{p}-SNGV"], "schedule_kind": s.kind, "due": s.due, "rrule": s.rrule,
             "inclusive": s.inclusive, "phrase": s.phrase, "cycle": s.cycle,
             "checkin_rrule": s.schedule.checkin, "policy_id": policies[s.policy], "active": True,
             "expanded_through": expansion[s.ref][0], "next_expand_at": expansion[s.ref][1]}
            for p in codes for s in SPECS
        ])
        obligations = {(plan_id, ref): oid for plan_id, ref, oid in
                       c.execute(select(Obligation.plan_id, Obligation.ref, Obligation.id))}
    log(f"  {provinces} provinces: {len(agencies)} agencies, {len(contacts)} contacts, {len(obligations)} obligations")
    return {"codes": codes, "agencies": agencies, "plan_of": plan_of, "obligations": obligations,
            "policies": policies}


def occurrence_rows(rt: Runtime, ids: dict, morning: datetime) -> Iterator[tuple[str, dict]]:
    """(schedule label, row) of every stored occurrence, province by province."""
    before = morning - timedelta(days=1)
    policies = {name: Policy.from_dict(rt.defaults["policies"][name]) for name in ("default", "checkin")}
    deadlines = {s.ref: _deadlines(rt, s, morning) for s in SPECS}
    states: dict[tuple[str, datetime], dict] = {}
    for p_index, p in enumerate(ids["codes"]):
        plan_id = ids["plan_of"][p]
        for s_index, spec in enumerate(SPECS):
            obligation_id = ids["obligations"][(plan_id, spec.ref)]
            for d_index, deadline in enumerate(deadlines[spec.ref]):
                for m_index, lead in enumerate(_leads(spec)):
                    row = {
                        "obligation_id": obligation_id, "agency_id": ids["agencies"][f"{p}-{lead}"],
                        "period_key": deadline.period.key, "checkin": deadline.period.checkin,
                        "nominal_deadline": deadline.nominal, "effective_deadline": deadline.effective,
                        "submitted_at": None, "completed_at": None, "missed_deadline": None,
                        "ladder_done_until": None,
                        "created_at": min(before, deadline.effective - timedelta(days=HORIZON_DAYS)),
                    }
                    settled = _settled(deadline.effective, before, _draw(p_index, s_index, d_index, m_index))
                    if settled is None:
                        key = (spec.policy, deadline.effective)
                        if key not in states:
                            states[key] = open_state(rt, policies[spec.policy], deadline.effective, before)
                        row |= states[key]
                    else:
                        row |= settled
                    yield spec.label, row


def _write_occurrences(engine: Engine, dialect: str, rows: Iterator[tuple[str, dict]]) -> dict[str, int]:
    by_kind: dict[str, int] = dict.fromkeys(KINDS, 0)
    batch: list[dict] = []
    written = 0
    with engine.begin() as connection:
        for label, row in rows:
            by_kind[label] += 1
            batch.append(row)
            if len(batch) == 50_000:
                _flush(connection, dialect, batch)
                written += len(batch)
                batch = []
                if written % 200_000 == 0:
                    log(f"  {written} occurrences written")
        _flush(connection, dialect, batch)
    return by_kind


COPY_COLUMNS = ["obligation_id", "agency_id", "period_key", "checkin", "nominal_deadline", "effective_deadline",
                "status", "submitted_at", "completed_at", "missed_deadline", "ladder_done_until", "next_action_at",
                "created_at"]


def _flush(connection, dialect: str, batch: list[dict]) -> None:
    if not batch:
        return
    if dialect != "postgresql":
        connection.execute(insert(Occurrence.__table__), batch)
        return
    # COPY: PostgreSQL's bulk path, an order of magnitude faster than even batched INSERTs.
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY occurrence ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row([row[column] for column in COPY_COLUMNS])


def due_count(engine: Engine, as_of: datetime) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Occurrence).where(Occurrence.next_action_at <= as_of))


def build(engine: Engine, rt: Runtime, dialect: str, *, occurrences: int, morning: datetime) -> World:
    """The world of about ``occurrences`` occurrences as the sweep at ``morning`` - 1 day left it."""
    started = time.perf_counter()
    before = morning - timedelta(days=1)
    provinces = provinces_for(occurrences, rt, morning)
    log(f"building {provinces} provinces for about {occurrences} occurrences, state at {before.isoformat()}")
    ids = _static(engine, rt, provinces, before)
    by_kind = _write_occurrences(engine, dialect, occurrence_rows(rt, ids, morning))
    analyze(engine, dialect)
    setup_s = time.perf_counter() - started
    with engine.connect() as connection:
        stored = connection.scalar(text("SELECT count(*) FROM occurrence"))
        open_ = connection.scalar(text("SELECT count(*) FROM occurrence WHERE status IN "
                                       "('on_track', 'due_soon', 'overdue')"))
        max_id = connection.scalar(text("SELECT coalesce(max(id), 0) FROM occurrence"))
    world = World(morning, before, provinces, by_kind, stored, open_, due_count(engine, morning), round(setup_s, 2),
                  max_id)
    log(f"  built in {setup_s:.1f}s: {stored} occurrences ({by_kind}), {open_} open, {world.due} due at "
        f"{morning.isoformat()}, {due_count(engine, before)} due at S")
    return world
