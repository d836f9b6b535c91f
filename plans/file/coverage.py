"""What a loaded plan leaves uncovered in its chain of command: said at ``load`` as warnings, not refused.

- An agency that leads obligations whose policy has a manager's step, and has no manager contact: that
  step goes to the plan's coordinator instead (never up to a parent agency or the plan's manager).
- A continuous task without check-ins whose lead agency owes no periodic report in the plan: the
  report is what covers a continuous task, so nobody would ever be asked about it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from obligations.models.queries import group_members
from obligations.models.tables import Agency, Contact, Obligation, Plan, PolicyRow
from obligations.rules.ladder import Policy, PolicyError

# Obligations whose periodic report lists the continuous tasks of its agency.
REPORT_KINDS = ("recurring",)
NAMES_SHOWN = 12


def _leads(session: Session, obligations: list[Obligation]) -> dict[int, set[int]]:
    """Each obligation's lead agencies: itself, or every member of its lead group."""
    members = group_members(session, {o.lead_group_id for o in obligations if o.lead_group_id})
    return {o.id: ({o.lead_agency_id} if o.lead_agency_id else set(members[o.lead_group_id])) for o in obligations}


def _has_manager_step(definition: dict | None) -> bool:
    try:
        policy = Policy.from_dict(definition or {})
    except PolicyError:
        return False
    return any(step.notify == "manager" for step in policy.escalation)


def _listed(codes: list[str]) -> str:
    shown = ", ".join(codes[:NAMES_SHOWN])
    return shown + (f" và {len(codes) - NAMES_SHOWN} cơ quan khác" if len(codes) > NAMES_SHOWN else "")


def coverage_warnings(session: Session, plan: Plan, default_policy: dict) -> list[str]:
    """The plan's gaps, one Vietnamese line each (English in parentheses), for the coordinator to fix."""
    obligations = list(session.scalars(select(Obligation).where(Obligation.plan_id == plan.id, Obligation.active)))
    leads = _leads(session, obligations)
    policies = {p.id: p.definition for p in session.scalars(select(PolicyRow))}
    codes = {a.id: a.code for a in session.scalars(select(Agency))}
    warnings = []

    escalated = set().union(*(leads[o.id] for o in obligations
                              if _has_manager_step(policies.get(o.policy_id, default_policy))))
    managed = set(session.scalars(select(Contact.agency_id).where(Contact.active, Contact.role == "manager")))
    unmanaged = sorted(codes[a] for a in escalated - managed)
    if unmanaged:
        coordinator = codes.get(plan.coordinator_id, "cơ quan điều phối")
        warnings.append(
            f"Cảnh báo: {len(unmanaged)} cơ quan chưa có lãnh đạo (role: manager) trong danh bạ: {_listed(unmanaged)}; "
            f"bước đôn đốc lãnh đạo của các cơ quan này sẽ gửi cho người điều phối của {coordinator} "
            "(no manager contact: that step goes to the coordinator)."
        )

    reporting = set().union(*(leads[o.id] for o in obligations if o.schedule_kind in REPORT_KINDS))
    uncovered = sorted(
        o.ref for o in obligations
        if o.schedule_kind == "continuous" and not o.checkin_rrule and not leads[o.id] <= reporting
    )
    if uncovered:
        warnings.append(
            f"Cảnh báo: {len(uncovered)} nhiệm vụ thường xuyên có cơ quan chủ trì không phải báo cáo định kỳ nào "
            f"trong kế hoạch, nên không ai được hỏi về chúng: {_listed(uncovered)}; thêm `checkin: quarterly` "
            "hoặc `checkin: semiannual` (continuous tasks no periodic report covers)."
        )
    return warnings
