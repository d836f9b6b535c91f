"""What managers read: occurrences with their status at a given moment, by agency and by year."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from obligations.flows.runtime import Runtime
from obligations.models.outbox import NotificationStatus
from obligations.models.tables import Agency, Blocker, Contact, Notification, Obligation, Occurrence, Plan
from obligations.rules.ladder import reminder_window_opens
from obligations.rules.status import OPEN, SETTLED, Status, open_status


@dataclass(frozen=True)
class OccurrenceView:
    id: int
    plan: str
    ref: str
    title: str
    agency_code: str
    agency_name: str
    period: str
    checkin: bool
    deadline_day: str  # the last day in time, in the plan's zone
    status: Status
    working_days_overdue: int
    deadline_at: datetime | None = None  # the effective deadline, an instant (UTC)
    zone: str = "Asia/Ho_Chi_Minh"  # the plan's
    agency_id: int | None = None
    plan_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "plan": self.plan,
            "ref": self.ref,
            "title": self.title,
            "agency": self.agency_code,
            "agency_name": self.agency_name,
            "period": self.period,
            "checkin": self.checkin,
            "deadline": self.deadline_day,
            "status": self.status.value,
            "working_days_overdue": self.working_days_overdue,
        }


def occurrences_at(
    session: Session, rt: Runtime, as_of: datetime, *, agency: str | None = None, plan: str | None = None,
    settled_after: datetime | None = None,
) -> list[OccurrenceView]:
    """Every occurrence with its status at ``as_of`` (open ones recomputed, so a late sweep does not mislead).

    ``settled_after``: settled occurrences (done, waived) only when their deadline is later than it, so a
    weekly summary of a plan does not read its whole history.
    """
    statement = (
        select(Occurrence, Obligation, Agency, Plan)
        .join(Obligation, Obligation.id == Occurrence.obligation_id)
        .join(Agency, Agency.id == Occurrence.agency_id)
        .join(Plan, Plan.id == Obligation.plan_id)
        .where(Occurrence.created_at <= as_of)
        .order_by(Agency.code, Occurrence.effective_deadline, Obligation.ref)
    )
    if agency:
        statement = statement.where(Agency.code == agency)
    if plan:
        statement = statement.where(Plan.code == plan)
    if settled_after is not None:
        statement = statement.where(Occurrence.status.not_in([s.value for s in SETTLED])
                                    | (Occurrence.effective_deadline > settled_after))
    views = []
    for occurrence, obligation, agency_row, plan_row in session.execute(statement):
        calendar = rt.calendar(plan_row.zone)
        status = Status(occurrence.status)
        if status in OPEN:
            policy = rt.policy(session, obligation.policy_id)
            window = reminder_window_opens(occurrence.effective_deadline, policy, calendar)
            status = open_status(as_of, occurrence.effective_deadline, window)
        last_day = calendar.last_day(occurrence.effective_deadline)
        overdue = (
            max(calendar.working_days_between(last_day, calendar.local_date(as_of)), 0)
            if status == Status.OVERDUE
            else 0
        )
        views.append(
            OccurrenceView(
                id=occurrence.id,
                plan=plan_row.code,
                ref=obligation.ref,
                title=obligation.title or obligation.text[:80],
                agency_code=agency_row.code,
                agency_name=agency_row.name,
                period=occurrence.period_key,
                checkin=occurrence.checkin,
                deadline_day=last_day.isoformat(),
                status=status,
                working_days_overdue=overdue,
                deadline_at=occurrence.effective_deadline,
                zone=plan_row.zone,
                agency_id=agency_row.id,
                plan_id=plan_row.id,
            )
        )
    return views


def counts_by_agency(views: list[OccurrenceView]) -> dict[str, Counter]:
    table: dict[str, Counter] = defaultdict(Counter)
    for view in views:
        table[view.agency_code][view.status.value] += 1
    return dict(table)


def counts_by_year(views: list[OccurrenceView]) -> dict[int, Counter]:
    table: dict[int, Counter] = defaultdict(Counter)
    for view in views:
        table[int(view.deadline_day[:4])][view.status.value] += 1
    return dict(sorted(table.items()))


def messages_by_year(session: Session) -> dict[int, Counter]:
    """Messages sent, by year of sending and kind."""
    table: dict[int, Counter] = defaultdict(Counter)
    rows = session.execute(
        select(Notification.sent_at, Notification.kind).where(Notification.status == NotificationStatus.SENT)
    )
    for sent_at, kind in rows:
        table[sent_at.year][kind] += 1
    return dict(sorted(table.items()))


def outbox_counts(session: Session) -> dict[str, int]:
    """Messages by outbox status."""
    rows = session.execute(select(Notification.status, func.count()).group_by(Notification.status))
    return {status: count for status, count in rows}


# The outbox in motion, as `obligations status` shows it: waiting for a first attempt, waiting to be
# retried after a failed one, being sent now (claimed under a lease), given up on.
PENDING, RETRYING, SENDING, DEAD = "pending", "retrying", "sending", "dead"


@dataclass(frozen=True)
class OutboxMotion:
    counts: dict[str, int]  # PENDING, RETRYING, SENDING, DEAD -> how many
    retrying: list[dict]  # pending after a failed attempt: when the next one is, and the last error
    sending: list[dict]  # claimed by a dispatch worker, until when


def outbox_motion(session: Session, *, agency: str | None = None) -> OutboxMotion:
    """The messages not yet settled, and how many were given up on; ``agency``: its contacts' only."""
    statement = select(Notification.status, Notification.attempts, func.count()).group_by(
        Notification.status, Notification.attempts
    )
    counts = dict.fromkeys((PENDING, RETRYING, SENDING, DEAD), 0)
    for status, attempts, count in session.execute(_for_agency(statement, agency)):
        key = RETRYING if status == NotificationStatus.PENDING and attempts > 0 else str(status)
        if key in counts:
            counts[key] += count
    retrying = _messages(session, agency, (Notification.next_attempt_at, Notification.id),
                         Notification.status == NotificationStatus.PENDING, Notification.attempts > 0)
    sending = _messages(session, agency, (Notification.lease_until, Notification.id),
                        Notification.status == NotificationStatus.SENDING)
    return OutboxMotion(
        counts=counts,
        retrying=[message | {"next_attempt_at": note.next_attempt_at.isoformat()} for note, message in retrying],
        sending=[message | {"lease_until": note.lease_until.isoformat() if note.lease_until else None}
                 for note, message in sending],
    )


def dead_messages(session: Session, *, agency: str | None = None) -> list[dict]:
    """Messages given up on, newest first: the coordinator must reach these people another way."""
    order = (Notification.created_at.desc(), Notification.id.desc())
    return [message for _, message in _messages(session, agency, order, Notification.status == NotificationStatus.DEAD)]


def _for_agency(statement, agency: str | None):
    """``statement`` over notifications, narrowed to the messages to ``agency``'s contacts when given."""
    if not agency:
        return statement
    return (statement.join(Contact, Contact.id == Notification.recipient_id)
            .join(Agency, Agency.id == Contact.agency_id).where(Agency.code == agency))


def _messages(session: Session, agency: str | None, order, *conditions) -> list[tuple[Notification, dict]]:
    """The notifications meeting ``conditions``, each with what status shows of it."""
    statement = (
        select(Notification, Contact.name, Agency.code)
        .outerjoin(Contact, Contact.id == Notification.recipient_id)
        .outerjoin(Agency, Agency.id == Contact.agency_id)
        .where(*conditions)
        .order_by(*order)
    )
    if agency:
        statement = statement.where(Agency.code == agency)
    return [
        (note, {
            "id": note.id,
            "occurrence": note.occurrence_id,
            "kind": note.kind,
            "step": note.step,
            "recipient": name,
            "agency": code,
            "channel": note.channel,
            "subject": note.subject,
            "attempts": note.attempts,
            "error": note.last_error,
        })
        for note, name, code in session.execute(statement)
    ]


@dataclass(frozen=True)
class BlockerView:
    """A blocker as the coordinator reads it: which task of which agency, what, who raised and resolved it."""

    id: int
    occurrence_id: int
    plan: str
    zone: str  # the plan's, for showing the times as local times
    agency_code: str
    agency_name: str
    ref: str
    title: str
    period: str
    text: str
    raised_at: datetime
    raised_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None
    agency_id: int | None = None  # for who may see it (web/); not part of as_dict
    plan_id: int | None = None

    def as_dict(self) -> dict:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__
                  if name not in ("agency_id", "plan_id")}
        return values | {"raised_at": self.raised_at.isoformat(),
                         "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None}


def list_blockers(session: Session, *, open_only: bool, plan: str | None = None,
                  open_at: datetime | None = None) -> list[BlockerView]:
    """Blockers, oldest first: only the unresolved ones with ``open_only``; ``plan``: that plan's (code).

    ``open_at``: only those open at that moment, raised by then and not resolved by then (a replay's
    digest reads the blockers as they stood on its day, not as they stand now).
    """
    statement = (
        select(Blocker, Occurrence, Obligation, Agency, Plan)
        .join(Occurrence, Occurrence.id == Blocker.occurrence_id)
        .join(Obligation, Obligation.id == Occurrence.obligation_id)
        .join(Agency, Agency.id == Occurrence.agency_id)
        .join(Plan, Plan.id == Obligation.plan_id)
        .order_by(Blocker.raised_at, Blocker.id)
    )
    if open_only:
        statement = statement.where(Blocker.resolved_at.is_(None))
    if open_at is not None:
        statement = statement.where(Blocker.raised_at <= open_at,
                                    Blocker.resolved_at.is_(None) | (Blocker.resolved_at > open_at))
    if plan:
        statement = statement.where(Plan.code == plan)
    return [
        BlockerView(
            id=blocker.id, occurrence_id=occurrence.id, plan=plan_row.code, zone=plan_row.zone,
            agency_code=agency.code, agency_name=agency.name, ref=obligation.ref,
            title=obligation.title or obligation.text[:80], period=occurrence.period_key, text=blocker.text,
            raised_at=blocker.raised_at, raised_by=blocker.raised_by, resolved_at=blocker.resolved_at,
            resolved_by=blocker.resolved_by, resolution_note=blocker.resolution_note, agency_id=agency.id,
            plan_id=plan_row.id,
        )
        for blocker, occurrence, obligation, agency, plan_row in session.execute(statement)
    ]
