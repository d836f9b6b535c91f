"""Write a checked coordinator's file (:class:`~obligations.plans.file.schema.PlanFile`) into the database.

Rows are matched by natural key and created or updated in place: agency and group by code, contact by
(agency, name), policy by code, plan by code, provision and obligation by (plan, ref). The file
describes each entry it lists completely: an optional key left out clears the stored value, group
members and supporting agencies become exactly what the file says. Entries missing from the file are
left alone (nothing is deleted). Everything happens in the caller's session and transaction;
:func:`load_file` is the one-transaction entry point.

This module writes the rows plans share (policies, agencies, groups, contacts);
:mod:`~obligations.plans.file.plan_rows` writes the plan's own (the plan, provisions, obligations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from obligations.models.db import session_scope
from obligations.models.tables import Agency, AgencyGroup, AgencyGroupMember, AuditLog, Contact, Plan, PolicyRow
from obligations.plans.file.coverage import coverage_warnings
from obligations.plans.file.plan_rows import write_obligations, write_plan, write_provisions
from obligations.plans.file.reach import unreachable_agencies
from obligations.plans.file.read import read_plan_file
from obligations.plans.file.resolve import Stored, resolve, rows_where_in
from obligations.plans.file.retire import Activity, apply_file_activity
from obligations.plans.file.schema import PlanFile
from obligations.plans.file.twins import without_twins
from obligations.rules.calendar import require_aware

__all__ = ["KINDS", "ApplySummary", "Loader", "apply_file", "load_file"]

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


@dataclass
class ApplySummary:
    """What a load created and changed, per kind of row; ``to_expand`` counts obligations the next sweep
    expands (new ones, and those whose schedule, lead, lead group or plan period changed)."""

    plan: str = ""
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    to_expand: int = 0
    warnings: list[str] = field(default_factory=list)  # gaps in the plan's chain of command (plans.file.coverage)
    # Agencies no message reaches (plans.file.reach); the command line says them on stderr.
    unreachable: list[str] = field(default_factory=list)
    mapped_from: str | None = None  # the file's plan code, when --update wrote it onto a stored twin (plans.file.twins)
    activity: Activity = field(default_factory=Activity)  # what `active:` retired or brought back

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values()) or bool(self.activity)

    def as_dict(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "plan": self.plan,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "to_expand": self.to_expand,
        }
        if self.mapped_from:
            described["file_code"] = self.mapped_from
        if self.activity:
            described |= {"retired": len(self.activity.retired), "reactivated": len(self.activity.reactivated)}
        return described

    def __str__(self) -> str:
        def part(counts: dict[str, int]) -> str:
            return ", ".join(f"{counts[k]} {_LABELS_VI[k]}" for k in KINDS if counts[k])

        parts = []
        if any(self.created.values()):
            parts.append(f"thêm mới {part(self.created)}")
        if any(self.updated.values()):
            parts.append(f"cập nhật {part(self.updated)}")
        if not parts and not self.activity:
            parts.append("không có gì thay đổi")
        head = f"Kế hoạch {self.plan}" + (f" (tệp ghi mã {self.mapped_from}, --update)" if self.mapped_from else "")
        first = [f"{head}: " + "; ".join(parts) + "."] if parts else []
        return "\n".join([*first, *(f"Kế hoạch {self.plan}: {line}" for line in self.activity.lines()),
                          *self.warnings])


def load_file(
    engine: Engine, path: Path, *, defaults: dict[str, Any], actor: str = "cli", as_of: datetime,
    update: bool = False,
) -> ApplySummary:
    """Read, check and apply a coordinator's file in one transaction: on any error nothing is written.
    ``update``: a plan stored under another code with the file's number or title is updated (else refused)."""
    require_aware(as_of)
    path = Path(path)
    plan_file = read_plan_file(path, defaults=defaults)
    with session_scope(engine) as session:
        return apply_file(session, plan_file, source=path.name, actor=actor, as_of=as_of, update=update)


def apply_file(
    session: Session,
    plan_file: PlanFile,
    *,
    source: str,
    actor: str,
    as_of: datetime,
    defaults: dict[str, Any] | None = None,
    update: bool = False,
) -> ApplySummary:
    """Upsert the file's rows in ``session`` (flushed, not committed) and write one audit row (and one for
    each retirement or re-activation its ``active:`` keys ask for).

    Codes the file uses without defining them must exist in the database (policies may also come from
    ``defaults``, by default the ones the file was read with); otherwise FileError names their lines
    and nothing has been written yet. So does a plan stored under another code with the file's number or
    title, unless ``update``, which maps the file onto that plan (plans.file.twins).
    """
    as_of = require_aware(as_of).astimezone(UTC)
    file_code = plan_file.plan.code
    plan_file = without_twins(session, plan_file, update=update)
    stored = resolve(session, plan_file, plan_file.defaults if defaults is None else defaults)
    loader = Loader(session, plan_file, stored, as_of)
    if plan_file.plan.code != file_code:
        loader.summary.mapped_from = file_code
    plan_id = loader.write()
    session.flush()
    plan = session.get(Plan, plan_id)
    loader.summary.activity = apply_file_activity(session, plan, plan_file, as_of=as_of, actor=actor, source=source)
    loader.summary.warnings = coverage_warnings(
        session, plan, (plan_file.defaults.get("policies") or {}).get("default", {})
    )
    loader.summary.unreachable = unreachable_agencies(session, plan)
    session.add(
        AuditLog(
            at=as_of,
            actor=actor,
            action="load",
            entity="plan",
            entity_id=plan_id,
            details={"source": source, **loader.summary.as_dict()},
        )
    )
    session.flush()
    return loader.summary


class Loader:
    """Writes a resolved file's rows in one session, counting what it creates and changes, and noting the
    changes that move obligations' dates (a regrouped group, a new period, a changed cycle)."""

    def __init__(self, session: Session, plan_file: PlanFile, stored: Stored, as_of: datetime) -> None:
        self.session = session
        self.plan_file = plan_file
        self.stored = stored
        self.as_of = as_of
        self.summary = ApplySummary(plan=plan_file.plan.code)
        self.changed_group_ids: set[int] = set()
        self.plan_period_changed = False
        self.changed_cycles: set[str] = set()

    def count(self, kind: str, created: bool) -> None:
        (self.summary.created if created else self.summary.updated)[kind] += 1

    def update(self, row: SQLModel, values: dict[str, Any]) -> bool:
        """Set the values that differ; whether any did."""
        changed = False
        for key, value in values.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
                changed = True
        if changed:
            self.session.add(row)
        return changed

    def write(self) -> int | None:
        """Every row of the file, in the order their keys need; the plan's id."""
        self._policies()
        self._agencies()
        self._groups()
        self._contacts()
        plan = write_plan(self)
        write_provisions(self, plan)
        write_obligations(self, plan)
        self.session.flush()
        return plan.id

    def _policies(self) -> None:
        wanted = {code: spec.to_policy().to_dict() for code, spec in self.plan_file.policies.items()}
        wanted.update(self.stored.fallback_policies)
        for code, definition in wanted.items():
            row = self.stored.policies.get(code)
            if row is None:
                row = PolicyRow(code=code, definition=definition)
                self.session.add(row)
                self.count("policies", True)
            elif row.definition != definition:
                row.definition = definition
                self.session.add(row)
                self.count("policies", False)
            self.stored.policies[code] = row

    def _agencies(self) -> None:
        """Agencies, then their parents (which may be defined further down the file)."""
        s, agencies = self.session, self.stored.agencies
        counted = set()
        for spec in self.plan_file.agencies:
            row = agencies.get(spec.code)
            if row is None:
                row = agencies[spec.code] = Agency(code=spec.code, name=spec.name)
                s.add(row)
                self.count("agencies", True)
                counted.add(spec.code)
            elif self.update(row, {"name": spec.name}):
                self.count("agencies", False)
                counted.add(spec.code)
        s.flush()
        for spec in self.plan_file.agencies:
            row = agencies[spec.code]
            parent_id = agencies[spec.parent].id if spec.parent else None
            if row.parent_id != parent_id:
                row.parent_id = parent_id
                s.add(row)
                if spec.code not in counted:
                    self.count("agencies", False)
                    counted.add(spec.code)

    def _groups(self) -> None:
        """Groups, then their members; a group whose members changed moves the dates its obligations owe."""
        s, groups, agencies = self.session, self.stored.groups, self.stored.agencies
        counted: set[str] = set()
        for spec in self.plan_file.groups:
            row = groups.get(spec.code)
            if row is None:
                row = groups[spec.code] = AgencyGroup(code=spec.code, name=spec.name)
                s.add(row)
                counted.add(spec.code)
                self.count("groups", True)
            elif self.update(row, {"name": spec.name}):
                self.count("groups", False)
                counted.add(spec.code)
        s.flush()
        members: dict[int, set[int]] = {}
        group_ids = [groups[g.code].id for g in self.plan_file.groups]
        for m in rows_where_in(s, AgencyGroupMember, AgencyGroupMember.group_id, group_ids):
            members.setdefault(m.group_id, set()).add(m.agency_id)
        for spec in self.plan_file.groups:
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
                self.count("groups", False)

    def _contacts(self) -> None:
        """Contacts, by (agency, name)."""
        agencies = self.stored.agencies
        agency_ids = {agencies[c.agency].id for c in self.plan_file.contacts}
        rows = {(c.agency_id, c.name): c for c in rows_where_in(self.session, Contact, Contact.agency_id, agency_ids)}
        for spec in self.plan_file.contacts:
            agency_id = agencies[spec.agency].id
            values = {
                "role": spec.role,
                "title": spec.title,
                "email": spec.email,
                "zalo_user_id": spec.zalo_user_id,
                "phone": spec.phone,
                "channels": list(spec.channels),
                "language": spec.language,
            }
            row = rows.get((agency_id, spec.name))
            if row is None:
                row = rows[(agency_id, spec.name)] = Contact(agency_id=agency_id, name=spec.name, **values)
                self.session.add(row)
                self.count("contacts", True)
            elif self.update(row, values):
                self.count("contacts", False)
