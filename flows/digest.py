"""The weekly digest: what is overdue, by agency, for the managers and the coordinator of each plan."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from obligations.flows.report import OccurrenceView, occurrences_at
from obligations.flows.runtime import Runtime
from obligations.models.contacts import preferred_channel
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationKind, NotificationStatus, digest_step, outbox_row
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import Agency, Contact, Notification, Plan
from obligations.rules.calendar import require_aware
from obligations.rules.status import Status

ITEMS_PER_AGENCY = 5


def _dmy(iso_day: str) -> str:
    return date.fromisoformat(iso_day).strftime("%d/%m/%Y")


def _rows(views: list[OccurrenceView]) -> list[dict]:
    by_agency: dict[str, list[OccurrenceView]] = defaultdict(list)
    for view in views:
        by_agency[view.agency_code].append(view)
    rows = []
    for code, items in by_agency.items():
        late = sorted((v for v in items if v.status == Status.OVERDUE), key=lambda v: -v.working_days_overdue)
        due_soon = sum(v.status == Status.DUE_SOON for v in items)
        submitted = sum(v.status == Status.SUBMITTED for v in items)
        if not (late or due_soon or submitted):
            continue
        rows.append(
            {
                "code": code,
                "agency": items[0].agency_name,
                "overdue": len(late),
                "due_soon": due_soon,
                "submitted": submitted,
                "late": [
                    {
                        "ref": v.ref,
                        "title": v.title[:80],
                        "deadline": _dmy(v.deadline_day),
                        "overdue": v.working_days_overdue,
                    }
                    for v in late[:ITEMS_PER_AGENCY]
                ],
            }
        )
    return sorted(rows, key=lambda r: (-r["overdue"], r["agency"]))


def _audiences(session: Session, plan: Plan, rows: list[dict]) -> list[tuple[Contact, list[dict]]]:
    """Who reads which rows: the plan's manager and coordinator all of them, each agency's manager its own."""
    audiences: list[tuple[Contact, list[dict]]] = []
    for contact in session.scalars(
        select(Contact).where(
            Contact.active,
            (
                ((Contact.agency_id == plan.manager_id) & (Contact.role == "manager"))
                | ((Contact.agency_id == plan.coordinator_id) & (Contact.role == "coordinator"))
            ),
        )
    ):
        audiences.append((contact, rows))
    agencies = {a.code: a.id for a in session.scalars(select(Agency).where(Agency.code.in_([r["code"] for r in rows])))}
    for row in rows:
        agency_id = agencies.get(row["code"])
        for contact in session.scalars(
            select(Contact).where(Contact.active, Contact.agency_id == agency_id, Contact.role == "manager")
        ):
            if agency_id not in (plan.manager_id, plan.coordinator_id):
                audiences.append((contact, [row]))
    return audiences


def queue_digest(session: Session, rt: Runtime, as_of: datetime) -> int:
    """Write this week's digests to the outbox (once a week per person and plan); returns how many are new."""
    require_aware(as_of)
    today = rt.calendar().local_date(as_of)
    plans = session.scalars(select(Plan).where(Plan.start <= today, Plan.end >= today - timedelta(days=90))).all()
    week_ago = as_of - timedelta(days=7)
    undeliverable = session.scalar(
        select(func.count()).where(Notification.status == NotificationStatus.DEAD, Notification.created_at >= week_ago)
    )
    new_rows = []
    for plan in plans:
        calendar = rt.calendar(plan.zone)
        rows = _rows(occurrences_at(session, rt, as_of, plan=plan.code))
        for contact, own_rows in _audiences(session, plan, rows):
            channel = preferred_channel(contact)
            if channel is None:
                continue
            payload = {
                "rows": own_rows,
                "total_overdue": sum(r["overdue"] for r in own_rows),
                "undeliverable": undeliverable if own_rows is rows else 0,
            }
            new_rows.append(
                outbox_row(
                    kind=NotificationKind.DIGEST, step=digest_step(calendar.local_date(as_of)), plan_id=plan.id,
                    recipient_id=contact.id, channel=channel, status=NotificationStatus.PENDING, due_at=as_of,
                    next_attempt_at=calendar.next_office_moment(as_of), created_at=as_of, payload=payload,
                )
            )
    return insert_ignoring_duplicates(session, Notification, new_rows)


def digest(engine: Engine, rt: Runtime, as_of: datetime) -> int:
    with session_scope(engine) as session:
        return queue_digest(session, rt, as_of)
