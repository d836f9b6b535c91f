"""The codes a checked coordinator's file uses, looked up in the file and in the database before anything
is written: an unknown agency, group, policy or provision is reported with its line, all at once, and
the load stops there (nothing written yet).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, SQLModel

from obligations.models.tables import Agency, AgencyGroup, Plan, PolicyRow, Provision
from obligations.plans.file.errors import FieldPath, FileError, cap
from obligations.plans.file.schema import AgencySpec, GroupSpec, PlanFile
from obligations.rules.ladder import Policy, PolicyError

__all__ = ["Stored", "resolve", "rows_where_in"]

_CHUNK = 500


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    values = list(dict.fromkeys(values))
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def rows_where_in(session: Session, model: type[SQLModel], column: Any, values: Iterable[Any]) -> list[Any]:
    """The rows whose ``column`` is one of ``values``, asked in chunks (a bound parameter each)."""
    rows = []
    for chunk in _chunks(values):
        rows.extend(session.scalars(select(model).where(column.in_(chunk))).all())
    return rows


@dataclass
class Stored:
    """What the file's codes refer to: its own entries by code, and the rows already stored."""

    file_agencies: dict[str, AgencySpec]
    file_groups: dict[str, GroupSpec]
    agencies: dict[str, Agency] = field(default_factory=dict)
    groups: dict[str, AgencyGroup] = field(default_factory=dict)
    policies: dict[str, PolicyRow] = field(default_factory=dict)
    fallback_policies: dict[str, dict] = field(default_factory=dict)  # code -> definition, from the defaults
    plan: Plan | None = None
    provisions: dict[str, Provision] = field(default_factory=dict)  # of this plan, by ref

    def is_agency(self, code: str) -> bool:
        return code in self.file_agencies or code in self.agencies

    def is_group(self, code: str) -> bool:
        return code in self.file_groups or code in self.groups


def resolve(session: Session, plan_file: PlanFile, defaults: dict[str, Any]) -> Stored:
    """Look up every code the file uses; raise FileError naming each unknown one."""
    stored = Stored(
        file_agencies={a.code: a for a in plan_file.agencies}, file_groups={g.code: g for g in plan_file.groups}
    )
    errors: list[tuple[FieldPath, str]] = []
    agency_refs, leads = _agency_references(plan_file)
    codes = {c for _, c in agency_refs} | {c for _, c in leads} | set(stored.file_agencies) | set(stored.file_groups)
    stored.agencies = {a.code: a for a in rows_where_in(session, Agency, Agency.code, codes)}
    stored.groups = {g.code: g for g in rows_where_in(session, AgencyGroup, AgencyGroup.code, codes)}
    errors += _agency_codes(plan_file, stored, agency_refs, leads)
    errors += _policies(session, plan_file, stored, defaults)
    errors += _provisions(session, plan_file, stored)
    if errors:
        located = sorted(
            (plan_file.line(path) or 0, n, plan_file.message(path, problem)) for n, (path, problem) in enumerate(errors)
        )
        raise FileError(cap([m for _, _, m in located], plan_file.source))
    return stored


def _agency_references(plan_file: PlanFile) -> tuple[list[tuple[FieldPath, str]], list[tuple[FieldPath, str]]]:
    """Where the file names an agency, and where it names a lead (an agency or a group)."""
    f = plan_file
    refs: list[tuple[FieldPath, str]] = []
    for key in ("issuer", "coordinator", "manager"):
        if getattr(f.plan, key):
            refs.append((("plan", key), getattr(f.plan, key)))
    for i, a in enumerate(f.agencies):
        if a.parent:
            refs.append((("agencies", i, "parent"), a.parent))
    for i, g in enumerate(f.groups):
        refs.extend((("groups", i, "members", j), m) for j, m in enumerate(g.members))
    for i, c in enumerate(f.contacts):
        refs.append((("contacts", i, "agency"), c.agency))
    for i, o in enumerate(f.obligations):
        refs.extend((("obligations", i, "supporting", j), s) for j, s in enumerate(o.supporting))
        if o.report_to:
            refs.append((("obligations", i, "report_to"), o.report_to))
    leads = [(("obligations", i, "lead"), o.lead) for i, o in enumerate(f.obligations)]
    return refs, leads


def _unknown(kind: str, code: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(code, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {kind} code {code!r}: not in this file nor in the database{hint}"


def _agency_codes(
    plan_file: PlanFile,
    stored: Stored,
    agency_refs: list[tuple[FieldPath, str]],
    leads: list[tuple[FieldPath, str]],
) -> list[tuple[FieldPath, str]]:
    """Agencies and groups: defined somewhere, of the right kind, and no code both."""
    errors: list[tuple[FieldPath, str]] = []
    for i, a in enumerate(plan_file.agencies):
        if a.code not in stored.agencies and a.code in stored.groups:
            errors.append((("agencies", i, "code"), f"{a.code!r} is already a group code in the database"))
    for i, g in enumerate(plan_file.groups):
        if g.code not in stored.groups and g.code in stored.agencies:
            errors.append((("groups", i, "code"), f"{g.code!r} is already an agency code in the database"))
    for path, code in agency_refs:
        if not stored.is_agency(code):
            if stored.is_group(code):
                errors.append((path, f"{code!r} is a group; an agency is needed here"))
            else:
                errors.append((path, _unknown("agency", code, stored.file_agencies)))
    for path, code in leads:
        if stored.is_agency(code) and stored.is_group(code):
            errors.append((path, f"{code!r} is both an agency and a group in the database; rename one"))
        elif not stored.is_agency(code) and not stored.is_group(code):
            known = {**stored.file_agencies, **stored.file_groups}
            errors.append((path, _unknown("agency or group", code, known)))
    return errors


def _policies(
    session: Session, plan_file: PlanFile, stored: Stored, defaults: dict[str, Any]
) -> list[tuple[FieldPath, str]]:
    """Policies: the file's, then the database's, then the defaults'."""
    errors: list[tuple[FieldPath, str]] = []
    f = plan_file
    used = {o.policy for o in f.obligations} | set(f.policies)
    stored.policies = {p.code: p for p in rows_where_in(session, PolicyRow, PolicyRow.code, used)}
    default_policies = defaults.get("policies") or {}
    for i, o in enumerate(f.obligations):
        code = o.policy
        if code in f.policies or code in stored.policies or code in stored.fallback_policies:
            continue
        if code in default_policies:
            try:
                stored.fallback_policies[code] = Policy.from_dict(default_policies[code]).to_dict()
            except PolicyError as exc:
                errors.append((("obligations", i, "policy"), f"default policy {code!r} is invalid: {exc}"))
        else:
            known = ", ".join(sorted(set(f.policies) | set(default_policies))) or "none"
            problem = f"unknown policy {code!r}: define it under `policies:` (known here: {known})"
            errors.append((("obligations", i, "policy"), problem))
    return errors


def _provisions(session: Session, plan_file: PlanFile, stored: Stored) -> list[tuple[FieldPath, str]]:
    """Provisions named explicitly must be in the file or already stored for this plan."""
    f = plan_file
    stored.plan = session.scalars(select(Plan).where(Plan.code == f.plan.code)).first()
    if stored.plan is not None:
        stored.provisions = {
            p.ref: p for p in session.scalars(select(Provision).where(Provision.plan_id == stored.plan.id))
        }
    file_refs = {p.ref for p in f.provisions}
    return [
        (
            ("obligations", i, "provision"),
            f"unknown provision {o.provision!r}: list it under `provisions:` (or leave the key out)",
        )
        for i, o in enumerate(f.obligations)
        if o.provision and o.provision not in file_refs and o.provision not in stored.provisions
    ]
