"""Agencies of a loaded plan that no message can reach: said at ``load``, one line each, not refused.

Every reminder and the first escalation step go to the focal points (``role: focal_point``) of the agency
that owes the occurrence (models.contacts.Recipients); an agency a task reports to is reached through its
focal point too, or, for the plan's manager or coordinating agency, through its manager or coordinator.
An agency with no active focal point on a channel that has its address would make every such message
undeliverable (dead in the outbox) from the first sweep on, unseen until then: the coordinator is told
when loading, while the contact list can still be completed.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlmodel import Session

from obligations.models.contacts import reachable_channels
from obligations.models.queries import group_members
from obligations.models.tables import Agency, Contact, Obligation, Plan

__all__ = ["unreachable_agencies"]


def unreachable_agencies(session: Session, plan: Plan) -> list[str]:
    """One Vietnamese line (English after " / ") for each agency that leads one of the plan's active tasks
    or receives their reports, and has no focal point to reach; in order of agency code."""
    obligations = list(session.scalars(select(Obligation).where(Obligation.plan_id == plan.id, Obligation.active)))
    members = group_members(session, {o.lead_group_id for o in obligations if o.lead_group_id})
    leads: Counter = Counter()
    reports: Counter = Counter()
    for o in obligations:
        leads.update([o.lead_agency_id] if o.lead_agency_id else members[o.lead_group_id])
        if o.report_to_id:
            reports[o.report_to_id] += 1
    concerned = set(leads) | set(reports)
    if not concerned:
        return []
    # An agency that only receives reports is also reached through the role its messages go to: the plan's
    # manager agency gets the monthly report (flows.digest), the coordinating agency the escalations.
    also = {plan.manager_id: "manager", plan.coordinator_id: "coordinator"}
    contacts = session.scalars(select(Contact).where(Contact.active, Contact.agency_id.in_(concerned)))
    reached = {
        c.agency_id for c in contacts
        if reachable_channels(c)
        and (c.role == "focal_point" or (c.agency_id not in leads and also.get(c.agency_id) == c.role))
    }
    agencies = session.execute(
        select(Agency.id, Agency.code, Agency.name).where(Agency.id.in_(concerned - reached)).order_by(Agency.code)
    ).all()
    return [_line(code, name, leads[agency_id], reports[agency_id]) for agency_id, code, name in agencies]


def _line(code: str, name: str, led: int, reported: int) -> str:
    roles = [f"chủ trì {led} nhiệm vụ"] if led else []
    roles += [f"nhận báo cáo của {reported} nhiệm vụ"] if reported else []
    return (
        f"Cảnh báo: {code} ({name}) {' và '.join(roles)} nhưng chưa có cán bộ đầu mối (role: focal_point) có "
        "email, Zalo hoặc số điện thoại dùng được: tin nhắn gửi cơ quan này sẽ không tới ai; thêm người đó vào "
        f"`contacts:` / {code} has no focal point with a usable channel"
    )
