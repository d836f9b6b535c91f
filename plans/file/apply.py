"""Write a checked coordinator's file (:class:`plans.coordinator_file.Draft`) into the database.

Rows are matched by natural key and created or updated in place: agency and group by code, contact by
(agency, name), policy by code, plan by code, provision and obligation by (plan, ref). The file
describes each entry it lists completely: an optional key left out clears the stored value, group
members and supporting agencies become exactly what the file says. Entries missing from the file are
left alone (nothing is deleted). Everything happens in the caller's session and transaction;
:func:`load_file` is the one-transaction entry point.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from obligations.models.db import session_scope
from obligations.models.tables import (
    Agency,
    AgencyGroup,
    AgencyGroupMember,
    AuditLog,
    Contact,
    Obligation,
    ObligationSupport,
    Plan,
    PolicyRow,
    Provision,
)
from obligations.plans.file.schema import MAX_ERRORS, Draft, DraftError, FieldPath, read_draft
from obligations.rules.ladder import Policy, PolicyError

__all__ = ["EXPAND_NOW", "KINDS", "ApplySummary", "apply_draft", "load_file"]

KINDS: tuple[str, ...] = ("agencies", "groups", "contacts", "policies", "plan", "provisions", "obligations")
_LABELS_VI = {
    "agencies": "cơ quan",
    "groups": "nhóm cơ quan",
    "contacts": "người liên hệ",
    "policies": "quy trình nhắc việc",
    "plan": "kế hoạch",
    "provisions": "nội dung",
    "obligations": "nhiệm vụ",
}
# ``next_expand_at`` of an obligation the next sweep must expand (again), whatever its as_of.
EXPAND_NOW = datetime(1970, 1, 1, tzinfo=UTC)
_SCHEDULE_FIELDS = ("schedule_kind", "due", "rrule", "inclusive", "cycle", "checkin_rrule")
_CHUNK = 500


@dataclass
class ApplySummary:
    """What a load created and changed, per kind of row; ``to_expand`` counts obligations the next sweep
    expands (new ones, and those whose schedule, lead, lead group or plan period changed)."""

    plan: str = ""
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    to_expand: int = 0

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "to_expand": self.to_expand,
        }

    def __str__(self) -> str:
        def part(counts: dict[str, int]) -> str:
            return ", ".join(f"{counts[k]} {_LABELS_VI[k]}" for k in KINDS if counts[k])

        parts = []
        if any(self.created.values()):
            parts.append(f"thêm mới {part(self.created)}")
        if any(self.updated.values()):
            parts.append(f"cập nhật {part(self.updated)}")
        if not parts:
            parts.append("không có gì thay đổi")
        return f"Kế hoạch {self.plan}: " + "; ".join(parts) + "."


def load_file(
    engine: Engine, path: Path, *, defaults: dict[str, Any], actor: str = "cli", as_of: datetime
) -> ApplySummary:
    """Read, check and apply a coordinator's file in one transaction: on any error nothing is written."""
    _require_aware(as_of)
    path = Path(path)
    draft = read_draft(path, defaults=defaults)
    with session_scope(engine) as session:
        return apply_draft(session, draft, source=path.name, actor=actor, as_of=as_of)


def apply_draft(
    session: Session,
    draft: Draft,
    *,
    source: str,
    actor: str,
    as_of: datetime,
    defaults: dict[str, Any] | None = None,
) -> ApplySummary:
    """Upsert the draft's rows in ``session`` (flushed, not committed) and write one audit row.

    Codes the file uses without defining them must exist in the database (policies may also come from
    ``defaults``, by default the ones the draft was read with); otherwise DraftError names their lines
    and nothing has been written yet.
    """
    as_of = _require_aware(as_of).astimezone(UTC)
    loader = _Loader(session, draft, draft.defaults if defaults is None else defaults)
    loader.resolve()
    summary = loader.write(as_of)
    session.add(
        AuditLog(
            at=as_of,
            actor=actor,
            action="load",
            entity="plan",
            entity_id=loader.plan_id,
            details={"source": source, **summary.as_dict()},
        )
    )
    session.flush()
    return summary


def _require_aware(as_of: datetime) -> datetime:
    if not isinstance(as_of, datetime) or as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of must be a timezone-aware datetime (ISO 8601 with an offset), got {as_of!r}")
    return as_of


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    values = list(dict.fromkeys(values))
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _by(session: Session, model: type[SQLModel], column: Any, values: Iterable[Any]) -> list[Any]:
    rows = []
    for chunk in _chunks(values):
        rows.extend(session.exec(select(model).where(column.in_(chunk))).all())
    return rows


class _Loader:
    def __init__(self, session: Session, draft: Draft, defaults: dict[str, Any]) -> None:
        self.session = session
        self.draft = draft
        self.defaults = defaults or {}
        self.errors: list[tuple[FieldPath, str]] = []
        self.summary = ApplySummary(plan=draft.plan.code)
        self.plan_id: int | None = None

    # ---------------------------------------------------------------------------------------- resolve

    def _error(self, path: FieldPath, problem: str) -> None:
        self.errors.append((path, problem))

    def resolve(self) -> None:
        """Look up every code the file uses; raise DraftError naming each unknown one."""
        d = self.draft
        self.file_agencies = {a.code: a for a in d.agencies}
        self.file_groups = {g.code: g for g in d.groups}

        agency_refs: list[tuple[FieldPath, str]] = []
        for key in ("issuer", "coordinator", "manager"):
            if getattr(d.plan, key):
                agency_refs.append((("plan", key), getattr(d.plan, key)))
        for i, a in enumerate(d.agencies):
            if a.parent:
                agency_refs.append((("agencies", i, "parent"), a.parent))
        for i, g in enumerate(d.groups):
            agency_refs.extend((("groups", i, "members", j), m) for j, m in enumerate(g.members))
        for i, c in enumerate(d.contacts):
            agency_refs.append((("contacts", i, "agency"), c.agency))
        for i, o in enumerate(d.obligations):
            agency_refs.extend((("obligations", i, "supporting", j), s) for j, s in enumerate(o.supporting))
            if o.report_to:
                agency_refs.append((("obligations", i, "report_to"), o.report_to))
        leads = [(("obligations", i, "lead"), o.lead) for i, o in enumerate(d.obligations)]

        codes = (
            {c for _, c in agency_refs}
            | {c for _, c in leads}
            | set(self.file_agencies)
            | set(self.file_groups)
        )
        self.db_agencies: dict[str, Agency] = {
            a.code: a for a in _by(self.session, Agency, Agency.code, codes)
        }
        self.db_groups: dict[str, AgencyGroup] = {
            g.code: g for g in _by(self.session, AgencyGroup, AgencyGroup.code, codes)
        }

        for i, a in enumerate(d.agencies):
            if a.code not in self.db_agencies and a.code in self.db_groups:
                self._error(("agencies", i, "code"), f"{a.code!r} is already a group code in the database")
        for i, g in enumerate(d.groups):
            if g.code not in self.db_groups and g.code in self.db_agencies:
                self._error(("groups", i, "code"), f"{g.code!r} is already an agency code in the database")

        for path, code in agency_refs:
            if not self._is_agency(code):
                if self._is_group(code):
                    self._error(path, f"{code!r} is a group; an agency is needed here")
                else:
                    self._error(path, self._unknown("agency", code, self.file_agencies))
        for path, code in leads:
            if self._is_agency(code) and self._is_group(code):
                self._error(path, f"{code!r} is both an agency and a group in the database; rename one")
            elif not self._is_agency(code) and not self._is_group(code):
                known = {**self.file_agencies, **self.file_groups}
                self._error(path, self._unknown("agency or group", code, known))

        # Policies: the file's, then the database's, then the defaults'.
        used = {o.policy for o in d.obligations} | set(d.policies)
        self.db_policies = {p.code: p for p in _by(self.session, PolicyRow, PolicyRow.code, used)}
        self.fallback_policies: dict[str, dict] = {}
        default_policies = self.defaults.get("policies") or {}
        for i, o in enumerate(d.obligations):
            code = o.policy
            if code in d.policies or code in self.db_policies or code in self.fallback_policies:
                continue
            if code in default_policies:
                try:
                    self.fallback_policies[code] = Policy.from_dict(default_policies[code]).to_dict()
                except PolicyError as exc:
                    self._error(("obligations", i, "policy"), f"default policy {code!r} is invalid: {exc}")
            else:
                known = ", ".join(sorted(set(d.policies) | set(default_policies))) or "none"
                self._error(
                    ("obligations", i, "policy"),
                    f"unknown policy {code!r}: define it under `policies:` (known here: {known})",
                )

        # Provisions named explicitly must be in the file or already stored for this plan.
        self.plan_row: Plan | None = self.session.exec(select(Plan).where(Plan.code == d.plan.code)).first()
        self.db_provisions: dict[str, Provision] = {}
        if self.plan_row is not None:
            self.db_provisions = {
                p.ref: p
                for p in self.session.exec(select(Provision).where(Provision.plan_id == self.plan_row.id))
            }
        file_refs = {p.ref for p in d.provisions}
        for i, o in enumerate(d.obligations):
            if o.provision and o.provision not in file_refs and o.provision not in self.db_provisions:
                self._error(
                    ("obligations", i, "provision"),
                    f"unknown provision {o.provision!r}: list it under `provisions:` (or leave the key out)",
                )

        if self.errors:
            located = sorted(
                (
                    (d.line(path) or 0, n, d.message(path, problem))
                    for n, (path, problem) in enumerate(self.errors)
                )
            )
            messages = [m for _, _, m in located]
            if len(messages) > MAX_ERRORS:
                extra = len(messages) - MAX_ERRORS
                messages = messages[:MAX_ERRORS] + [f"{d.source}: ... and {extra} more problems not shown"]
            raise DraftError(messages)

    def _is_agency(self, code: str) -> bool:
        return code in self.file_agencies or code in self.db_agencies

    def _is_group(self, code: str) -> bool:
        return code in self.file_groups or code in self.db_groups

    @staticmethod
    def _unknown(kind: str, code: str, known: Iterable[str]) -> str:
        import difflib

        close = difflib.get_close_matches(code, list(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown {kind} code {code!r}: not in this file nor in the database{hint}"

    # ------------------------------------------------------------------------------------------ write

    def _count(self, kind: str, created: bool) -> None:
        (self.summary.created if created else self.summary.updated)[kind] += 1

    def write(self, as_of: datetime) -> ApplySummary:
        s, d = self.session, self.draft
        self.as_of = as_of

        # Policies.
        wanted = {code: spec.to_policy().to_dict() for code, spec in d.policies.items()}
        wanted.update(self.fallback_policies)
        for code, definition in wanted.items():
            row = self.db_policies.get(code)
            if row is None:
                row = PolicyRow(code=code, definition=definition)
                s.add(row)
                self._count("policies", True)
            elif row.definition != definition:
                row.definition = definition
                s.add(row)
                self._count("policies", False)
            self.db_policies[code] = row

        # Agencies, then their parents (which may be defined further down the file).
        agencies = self.db_agencies
        counted = set()
        for spec in d.agencies:
            row = agencies.get(spec.code)
            if row is None:
                row = agencies[spec.code] = Agency(code=spec.code, name=spec.name)
                s.add(row)
                self._count("agencies", True)
                counted.add(spec.code)
            elif self._update(row, {"name": spec.name}):
                self._count("agencies", False)
                counted.add(spec.code)
        s.flush()
        for spec in d.agencies:
            row = agencies[spec.code]
            parent_id = agencies[spec.parent].id if spec.parent else None
            if row.parent_id != parent_id:
                row.parent_id = parent_id
                s.add(row)
                if spec.code not in counted:
                    self._count("agencies", False)
                    counted.add(spec.code)

        # Groups and their members.
        groups = self.db_groups
        self.changed_group_ids: set[int] = set()
        counted: set[str] = set()
        for spec in d.groups:
            row = groups.get(spec.code)
            if row is None:
                row = groups[spec.code] = AgencyGroup(code=spec.code, name=spec.name)
                s.add(row)
                counted.add(spec.code)
                self._count("groups", True)
            elif self._update(row, {"name": spec.name}):
                self._count("groups", False)
                counted.add(spec.code)
        s.flush()
        members: dict[int, set[int]] = {}
        for m in _by(s, AgencyGroupMember, AgencyGroupMember.group_id, [groups[g.code].id for g in d.groups]):
            members.setdefault(m.group_id, set()).add(m.agency_id)
        for spec in d.groups:
            row = groups[spec.code]
            current = members.get(row.id, set())
            desired = {agencies[m].id for m in spec.members}
            if current == desired:
                continue
            for agency_id in current - desired:
                s.delete(s.get(AgencyGroupMember, (row.id, agency_id)))
            for agency_id in desired - current:
                s.add(AgencyGroupMember(group_id=row.id, agency_id=agency_id))
            if current:
                self.changed_group_ids.add(row.id)
            if spec.code not in counted:
                self._count("groups", False)

        # Contacts, by (agency, name).
        contact_rows = {
            (c.agency_id, c.name): c
            for c in _by(s, Contact, Contact.agency_id, {agencies[c.agency].id for c in d.contacts})
        }
        for spec in d.contacts:
            agency_id = agencies[spec.agency].id
            values = {
                "role": spec.role,
                "email": spec.email,
                "zalo_user_id": spec.zalo_user_id,
                "phone": spec.phone,
                "channels": list(spec.channels),
                "language": spec.language,
            }
            row = contact_rows.get((agency_id, spec.name))
            if row is None:
                row = Contact(agency_id=agency_id, name=spec.name, **values)
                contact_rows[(agency_id, spec.name)] = row
                s.add(row)
                self._count("contacts", True)
            elif self._update(row, values):
                self._count("contacts", False)

        # The plan.
        p = d.plan
        cycles = {}
        for name, cycle in d.cycles.items():
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
        plan = self.plan_row
        self.plan_period_changed = False
        self.changed_cycles: set[str] = set()
        if plan is None:
            plan = Plan(code=p.code, created_at=as_of, **values)
            s.add(plan)
            self._count("plan", True)
        else:
            old_cycles = dict(plan.cycles or {})
            self.plan_period_changed = (plan.start, plan.end, plan.zone) != (p.start, p.end, p.zone)
            self.changed_cycles = {
                name for name in set(old_cycles) | set(cycles) if old_cycles.get(name) != cycles.get(name)
            }
            if self._update(plan, values):
                self._count("plan", False)
        s.flush()
        self.plan_id = plan.id

        # Provisions: the file's, and the ones obligations fall under by their ref.
        provisions = self.db_provisions
        for spec in d.provisions:
            values = {"title": spec.title, "text": spec.text}
            row = provisions.get(spec.ref)
            if row is None:
                row = provisions[spec.ref] = Provision(plan_id=plan.id, ref=spec.ref, **values)
                s.add(row)
                self._count("provisions", True)
            elif self._update(row, values):
                self._count("provisions", False)
        for spec in d.obligations:
            ref = spec.provision_ref
            if ref and ref not in provisions:
                provisions[ref] = Provision(plan_id=plan.id, ref=ref, text="")
                s.add(provisions[ref])
                self._count("provisions", True)
        s.flush()

        self._write_obligations(plan)
        s.flush()
        return self.summary

    def _write_obligations(self, plan: Plan) -> None:
        s, d = self.session, self.draft
        agencies, groups, provisions = self.db_agencies, self.db_groups, self.db_provisions
        rows = {o.ref: o for o in s.exec(select(Obligation).where(Obligation.plan_id == plan.id))}
        supports: dict[int, set[int]] = {}
        for link in _by(s, ObligationSupport, ObligationSupport.obligation_id, [o.id for o in rows.values()]):
            supports.setdefault(link.obligation_id, set()).add(link.agency_id)

        handled: set[int] = set()
        links: list[tuple[Obligation, set[int], set[int]]] = []
        for spec in d.obligations:
            schedule = spec.schedule
            lead_is_agency = self._is_agency(spec.lead)  # resolve() made sure it is one or the other
            values = {
                "provision_id": provisions[spec.provision_ref].id if spec.provision_ref else None,
                "title": spec.title,
                "text": spec.text,
                "lead_agency_id": agencies[spec.lead].id if lead_is_agency else None,
                "lead_group_id": None if lead_is_agency else groups[spec.lead].id,
                "report_to_id": agencies[spec.report_to].id if spec.report_to else None,
                "schedule_kind": schedule.kind,
                "due": getattr(schedule, "due", None),
                "rrule": getattr(schedule, "rrule", None),
                "inclusive": getattr(schedule, "inclusive", False),
                "phrase": schedule.phrase,
                "cycle": getattr(schedule, "cycle", None),
                "checkin_rrule": getattr(schedule, "checkin", None),
                "policy_id": self.db_policies[spec.policy].id,
            }
            desired = {agencies[a].id for a in spec.supporting}
            row = rows.get(spec.ref)
            if row is None:
                row = rows[spec.ref] = Obligation(
                    plan_id=plan.id, ref=spec.ref, expanded_through=None, next_expand_at=EXPAND_NOW, **values
                )
                s.add(row)
                current: set[int] = set()
                self._count("obligations", True)
                self.summary.to_expand += 1
            else:
                diff = {k for k, v in values.items() if getattr(row, k) != v}
                current = supports.get(row.id, set())
                reexpand = (
                    bool(diff & {*_SCHEDULE_FIELDS, "lead_agency_id", "lead_group_id"})
                    or self.plan_period_changed
                    or (row.schedule_kind == "cycle" and row.cycle in self.changed_cycles)
                    or (row.lead_group_id is not None and row.lead_group_id in self.changed_group_ids)
                )
                if diff:
                    self._update(row, values)
                if diff or current != desired:
                    self._count("obligations", False)
                if reexpand:
                    self._expand_again(row)
            links.append((row, current, desired))
        s.flush()
        for row, current, desired in links:
            for agency_id in current - desired:
                s.delete(s.get(ObligationSupport, (row.id, agency_id)))
            for agency_id in desired - current:
                s.add(ObligationSupport(obligation_id=row.id, agency_id=agency_id))
            handled.add(row.id)

        # Obligations the file does not list but whose dates depend on what it changed: the rest of this
        # plan when its period, zone or a cycle changed, and any plan's obligations led by a regrouped group.
        others = []
        if self.plan_period_changed:
            others.extend(s.exec(select(Obligation).where(Obligation.plan_id == plan.id)))
        elif self.changed_cycles:
            others.extend(
                s.exec(
                    select(Obligation).where(
                        Obligation.plan_id == plan.id,
                        Obligation.schedule_kind == "cycle",
                        Obligation.cycle.in_(sorted(self.changed_cycles)),
                    )
                )
            )
        if self.changed_group_ids:
            others.extend(_by(s, Obligation, Obligation.lead_group_id, self.changed_group_ids))
        for row in others:
            if row.id not in handled:
                handled.add(row.id)
                self._expand_again(row)

    def _expand_again(self, row: Obligation) -> None:
        # Expanded again from the day of the load, not from the plan's start: a changed schedule or a
        # new group member owes the periods to come, not ones already past (they would be overdue at once).
        day = self.as_of.date()
        row.expanded_through = day if row.expanded_through is None else min(row.expanded_through, day)
        row.next_expand_at = EXPAND_NOW
        self.session.add(row)
        self.summary.to_expand += 1

    def _update(self, row: SQLModel, values: dict[str, Any]) -> bool:
        changed = False
        for key, value in values.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
                changed = True
        if changed:
            self.session.add(row)
        return changed
