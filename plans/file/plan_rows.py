"""The plan's own rows from a coordinator's file: the plan, its provisions and its obligations.

An obligation whose dates the file changes is marked for the next sweep to expand again (its
``next_expand_at`` set to :data:`EXPAND_NOW`): a new one, one whose schedule or lead changed, and the
obligations the file does not list but whose dates depend on what it changed (the plan's period or
zone, a cycle, the members of a group that leads them).

A ``relative`` schedule (a deadline counted from an event the coordinator anchors) is stored as the ``once``
it gives: the sweep knows one deadline, and the schedule's words stay in ``phrase``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from obligations.models.tables import Obligation, ObligationSupport, Plan, Provision
from obligations.plans.file.resolve import rows_where_in
from obligations.plans.file.schema import ObligationSpec
from obligations.rules.calendar import WorkCalendar
from obligations.rules.relative import relative_due
from obligations.rules.schedule import CHECKINS

if TYPE_CHECKING:
    from obligations.plans.file.apply import Loader

__all__ = ["EXPAND_NOW", "write_obligations", "write_plan", "write_provisions"]

# ``next_expand_at`` of an obligation the next sweep must expand (again), whatever its as_of.
EXPAND_NOW = datetime(1970, 1, 1, tzinfo=UTC)
_SCHEDULE_FIELDS = ("schedule_kind", "due", "rrule", "inclusive", "cycle", "checkin_rrule")


def write_plan(loader: Loader) -> Plan:
    """The plan row, created or updated; notes whether its period or cycles changed."""
    p, agencies = loader.plan_file.plan, loader.stored.agencies
    cycles = {}
    for name, cycle in loader.plan_file.cycles.items():
        cycles[name] = {"rrule": cycle.rrule, "inclusive": cycle.inclusive}
        if cycle.phrase:
            cycles[name]["phrase"] = cycle.phrase
    values = {
        "title": p.title,
        "number": p.number,
        "issuer_id": agencies[p.issuer].id if p.issuer else None,
        "zone": p.zone,
        "start": p.start,
        "end": p.end,
        "coordinator_id": agencies[p.coordinator].id if p.coordinator else None,
        "manager_id": agencies[p.manager].id if p.manager else None,
        "cycles": cycles,
    }
    plan = loader.stored.plan
    if plan is None:
        plan = Plan(code=p.code, created_at=loader.as_of, **values)
        loader.session.add(plan)
        loader.count("plan", True)
    else:
        old_cycles = dict(plan.cycles or {})
        loader.plan_period_changed = (plan.start, plan.end, plan.zone) != (p.start, p.end, p.zone)
        loader.changed_cycles = {
            name for name in set(old_cycles) | set(cycles) if old_cycles.get(name) != cycles.get(name)
        }
        if loader.update(plan, values):
            loader.count("plan", False)
    loader.session.flush()
    return plan


def write_provisions(loader: Loader, plan: Plan) -> None:
    """The file's provisions, and the ones obligations fall under by their ref."""
    provisions = loader.stored.provisions
    for spec in loader.plan_file.provisions:
        values = {"title": spec.title, "text": spec.text}
        row = provisions.get(spec.ref)
        if row is None:
            row = provisions[spec.ref] = Provision(plan_id=plan.id, ref=spec.ref, **values)
            loader.session.add(row)
            loader.count("provisions", True)
        elif loader.update(row, values):
            loader.count("provisions", False)
    for spec in loader.plan_file.obligations:
        ref = spec.provision_ref
        if ref and ref not in provisions:
            provisions[ref] = Provision(plan_id=plan.id, ref=ref, text="")
            loader.session.add(provisions[ref])
            loader.count("provisions", True)
    loader.session.flush()


def _checkin_rule(loader: Loader, spec: ObligationSpec) -> str | None:
    """A continuous task's check-in rule: its own, else its plan's, else none (its agency's report covers it)."""
    if spec.schedule.kind != "continuous":
        return None
    checkin = spec.schedule.checkin or loader.plan_file.plan.checkin
    return CHECKINS[checkin] if checkin else None


def _plan_calendar(loader: Loader) -> WorkCalendar | None:
    """The plan's working days, when a relative schedule counts them: public holidays and the overrides of
    config/calendar.yaml, in the plan's zone."""
    if not any(getattr(o.schedule, "unit", None) == "working_days" for o in loader.plan_file.obligations):
        return None
    from obligations.config.settings import get_settings
    from obligations.plans.file.read import read_calendar

    days_off, working_days = read_calendar(get_settings().calendar_file)
    return WorkCalendar(loader.plan_file.plan.zone, days_off=days_off, working_days=working_days)


def _schedule_values(spec: ObligationSpec, calendar: WorkCalendar | None) -> dict[str, Any]:
    """The schedule's columns; a relative one as its deadline (checks.py made sure it is anchored)."""
    schedule = spec.schedule
    if schedule.kind == "relative":
        assert schedule.anchor is not None
        due = relative_due(schedule.anchor, schedule.count, schedule.unit, calendar)
        return {"schedule_kind": "once", "due": due, "rrule": None, "inclusive": True, "cycle": None}
    return {
        "schedule_kind": schedule.kind,
        "due": getattr(schedule, "due", None),
        "rrule": getattr(schedule, "rrule", None),
        "inclusive": getattr(schedule, "inclusive", False),
        "cycle": getattr(schedule, "cycle", None),
    }


def _values(loader: Loader, spec: ObligationSpec, calendar: WorkCalendar | None = None) -> dict[str, Any]:
    """The obligation row's columns as the file gives them."""
    stored, schedule = loader.stored, spec.schedule
    lead_is_agency = stored.is_agency(spec.lead)  # resolve() made sure it is one or the other
    return {
        "provision_id": stored.provisions[spec.provision_ref].id if spec.provision_ref else None,
        "title": spec.title,
        "text": spec.text,
        "lead_agency_id": stored.agencies[spec.lead].id if lead_is_agency else None,
        "lead_group_id": None if lead_is_agency else stored.groups[spec.lead].id,
        "report_to_id": stored.agencies[spec.report_to].id if spec.report_to else None,
        **_schedule_values(spec, calendar),
        "phrase": schedule.phrase,
        "checkin_rrule": _checkin_rule(loader, spec),
        "policy_id": stored.policies[spec.policy].id,
    }


def write_obligations(loader: Loader, plan: Plan) -> None:
    """The file's obligations and their supporting agencies; those whose dates change are expanded again."""
    s = loader.session
    rows = {o.ref: o for o in s.scalars(select(Obligation).where(Obligation.plan_id == plan.id))}
    supports: dict[int, set[int]] = {}
    for link in rows_where_in(s, ObligationSupport, ObligationSupport.obligation_id, [o.id for o in rows.values()]):
        supports.setdefault(link.obligation_id, set()).add(link.agency_id)

    links: list[tuple[Obligation, set[int], set[int]]] = []
    calendar = _plan_calendar(loader)
    for spec in loader.plan_file.obligations:
        values = _values(loader, spec, calendar)
        desired = {loader.stored.agencies[a].id for a in spec.supporting}
        row = rows.get(spec.ref)
        if row is None:
            row = rows[spec.ref] = Obligation(
                plan_id=plan.id, ref=spec.ref, expanded_through=None, next_expand_at=EXPAND_NOW, **values
            )
            s.add(row)
            current: set[int] = set()
            loader.count("obligations", True)
            loader.summary.to_expand += 1
        else:
            current = supports.get(row.id, set())
            _update(loader, row, values, changed_support=current != desired)
        links.append((row, current, desired))
    s.flush()
    handled: set[int] = set()
    for row, current, desired in links:
        for agency_id in current - desired:
            s.delete(s.get(ObligationSupport, (row.id, agency_id)))
        for agency_id in desired - current:
            s.add(ObligationSupport(obligation_id=row.id, agency_id=agency_id))
        handled.add(row.id)
    for row in _dependents(loader, plan):
        if row.id not in handled:
            handled.add(row.id)
            _expand_again(loader, row)


def _update(loader: Loader, row: Obligation, values: dict[str, Any], *, changed_support: bool) -> None:
    """A stored obligation brought in line with the file; expanded again if its dates may have moved."""
    diff = {k for k, v in values.items() if getattr(row, k) != v}
    reexpand = (
        bool(diff & {*_SCHEDULE_FIELDS, "lead_agency_id", "lead_group_id"})
        or loader.plan_period_changed
        or (row.schedule_kind == "cycle" and row.cycle in loader.changed_cycles)
        or (row.lead_group_id is not None and row.lead_group_id in loader.changed_group_ids)
    )
    if diff:
        loader.update(row, values)
    if diff or changed_support:
        loader.count("obligations", False)
    if reexpand:
        _expand_again(loader, row)


def _dependents(loader: Loader, plan: Plan) -> list[Obligation]:
    """Obligations whose dates depend on what the file changed, listed in it or not: the rest of this plan
    when its period, zone or a cycle changed, and any plan's obligations led by a regrouped group."""
    s = loader.session
    others: list[Obligation] = []
    if loader.plan_period_changed:
        others.extend(s.scalars(select(Obligation).where(Obligation.plan_id == plan.id)))
    elif loader.changed_cycles:
        others.extend(
            s.scalars(
                select(Obligation).where(
                    Obligation.plan_id == plan.id,
                    Obligation.schedule_kind == "cycle",
                    Obligation.cycle.in_(sorted(loader.changed_cycles)),
                )
            )
        )
    if loader.changed_group_ids:
        others.extend(rows_where_in(s, Obligation, Obligation.lead_group_id, loader.changed_group_ids))
    return others


def _expand_again(loader: Loader, row: Obligation) -> None:
    # Expanded again from the day of the load, not from the plan's start: a changed schedule or a
    # new group member owes the periods to come, not ones already past (they would be overdue at once).
    day = loader.as_of.date()
    row.expanded_through = day if row.expanded_through is None else min(row.expanded_through, day)
    row.next_expand_at = EXPAND_NOW
    loader.session.add(row)
    loader.summary.to_expand += 1
