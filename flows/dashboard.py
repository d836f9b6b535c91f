"""What the web pages show, as data: a plan's overview, an agency's items, an occurrence's record and
timeline, the coordinator's queue and the messages that need them.

Each function reads in one session and returns plain values; who may see what is the caller's
predicate (``visible(plan_id, agency_id)``), so the same queries serve every role.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlmodel import Session

from obligations.flows.report import BlockerView, OccurrenceView, list_blockers, occurrences_at
from obligations.flows.runtime import Runtime
from obligations.models.outbox import NotificationStatus
from obligations.models.tables import (
    Agency,
    Attachment,
    AuditLog,
    Blocker,
    Contact,
    ExtensionRequest,
    Notification,
    Obligation,
    Occurrence,
    Plan,
    Provision,
    Submission,
)
from obligations.rules.status import Status

Visible = Callable[[int | None, int | None], bool]  # (plan id, agency id) -> may the viewer see it
# Every status, so that the overview's counts add up to the items listed (withdrawn ones included).
STATUS_ORDER = (Status.ON_TRACK, Status.DUE_SOON, Status.SUBMITTED, Status.OVERDUE, Status.DONE_ON_TIME,
                Status.DONE_LATE, Status.WAIVED, Status.WITHDRAWN)
OLDEST_SHOWN = 10


def visible_plans(session: Session, plan_ids: frozenset[int], agency_ids: frozenset[int]) -> list[Plan]:
    """The plans a viewer has anything in: those they coordinate, and those with items of their agencies."""
    with_items = (select(Obligation.plan_id).join(Occurrence, Occurrence.obligation_id == Obligation.id)
                  .where(Occurrence.agency_id.in_(agency_ids or {-1})))
    statement = select(Plan).where(or_(Plan.id.in_(plan_ids or {-1}), Plan.id.in_(with_items))).order_by(Plan.start,
                                                                                                       Plan.code)
    return list(session.scalars(statement))


@dataclass
class PlanOverview:
    plan: Plan
    counts: dict[Status, int]
    overdue_by_agency: list[tuple[str, str, int]]  # (code, name, overdue), most overdue first
    oldest_overdue: list[OccurrenceView]
    blockers: list[BlockerView]
    views: list[OccurrenceView]


def plan_overview(session: Session, rt: Runtime, as_of: datetime, plan: Plan, visible: Visible) -> PlanOverview:
    views = [v for v in occurrences_at(session, rt, as_of, plan=plan.code) if visible(v.plan_id, v.agency_id)]
    counts = Counter(v.status for v in views)
    overdue = [v for v in views if v.status == Status.OVERDUE]
    by_agency = Counter((v.agency_code, v.agency_name) for v in overdue)
    blockers = [b for b in list_blockers(session, open_only=True, plan=plan.code) if visible(b.plan_id, b.agency_id)]
    return PlanOverview(
        plan=plan,
        counts={status: counts.get(status, 0) for status in STATUS_ORDER},
        overdue_by_agency=sorted(((code, name, n) for (code, name), n in by_agency.items()),
                                 key=lambda row: (-row[2], row[0])),
        oldest_overdue=sorted(overdue, key=lambda v: (v.deadline_day, v.id))[:OLDEST_SHOWN],
        blockers=blockers,
        views=views,
    )


@dataclass
class ItemActivity:
    """What happened around one occurrence, counted: for the agency page's columns."""

    messages_sent: int = 0
    submissions: int = 0
    open_blockers: int = 0


def activity(session: Session, occurrence_ids: list[int]) -> dict[int, ItemActivity]:
    found: dict[int, ItemActivity] = defaultdict(ItemActivity)
    if not occurrence_ids:
        return found
    ids = set(occurrence_ids)
    sent = session.execute(select(Notification.occurrence_id, func.count())
                           .where(Notification.occurrence_id.in_(ids), Notification.status == NotificationStatus.SENT)
                           .group_by(Notification.occurrence_id))
    for occurrence_id, count in sent:
        found[occurrence_id].messages_sent = count
    for occurrence_id, count in session.execute(select(Submission.occurrence_id, func.count())
                                                .where(Submission.occurrence_id.in_(ids))
                                                .group_by(Submission.occurrence_id)):
        found[occurrence_id].submissions = count
    for occurrence_id, count in session.execute(select(Blocker.occurrence_id, func.count())
                                                .where(Blocker.occurrence_id.in_(ids), Blocker.resolved_at.is_(None))
                                                .group_by(Blocker.occurrence_id)):
        found[occurrence_id].open_blockers = count
    return found


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    event: str  # an audit action (submit, accept, extend, ...) or a message kind (reminder, escalation, ...)
    actor: str | None
    details: dict = field(default_factory=dict)


@dataclass
class OccurrenceRecord:
    occurrence: Occurrence
    view: OccurrenceView
    obligation: Obligation
    plan: Plan
    agency: Agency
    provision: Provision | None
    submissions: list[tuple[Submission, list[Attachment]]]
    requests: list[ExtensionRequest]
    blockers: list[Blocker]
    timeline: list[TimelineEntry]
    deadline_day: date


def occurrence_record(session: Session, rt: Runtime, as_of: datetime, occurrence_id: int) -> OccurrenceRecord | None:
    occurrence = session.get(Occurrence, occurrence_id)
    if occurrence is None:
        return None
    obligation = session.get(Obligation, occurrence.obligation_id)
    plan = session.get(Plan, obligation.plan_id)
    [view] = [v for v in occurrences_at(session, rt, as_of, plan=plan.code,
                                        agency=session.get(Agency, occurrence.agency_id).code)
              if v.id == occurrence.id] or [None]
    submissions = list(session.scalars(select(Submission).where(Submission.occurrence_id == occurrence.id)
                                       .order_by(Submission.submitted_at, Submission.id)))
    attachments = _attachments_of(session, submissions)
    return OccurrenceRecord(
        occurrence=occurrence, view=view, obligation=obligation, plan=plan,
        agency=session.get(Agency, occurrence.agency_id),
        provision=session.get(Provision, obligation.provision_id) if obligation.provision_id else None,
        submissions=[(s, attachments.get(s.id, [])) for s in submissions],
        requests=list(session.scalars(select(ExtensionRequest).where(ExtensionRequest.occurrence_id == occurrence.id)
                                      .order_by(ExtensionRequest.id))),
        blockers=list(session.scalars(select(Blocker).where(Blocker.occurrence_id == occurrence.id)
                                      .order_by(Blocker.raised_at, Blocker.id))),
        timeline=timeline(session, occurrence.id),
        deadline_day=rt.calendar(plan.zone).last_day(occurrence.effective_deadline),
    )


def _attachments_of(session: Session, submissions: list[Submission]) -> dict[int, list[Attachment]]:
    """The files sent with each of ``submissions``, by submission id, in the order they came."""
    attachments: dict[int, list[Attachment]] = defaultdict(list)
    if submissions:
        for attachment in session.scalars(select(Attachment).where(
                Attachment.submission_id.in_([s.id for s in submissions])).order_by(Attachment.id)):
            attachments[attachment.submission_id].append(attachment)
    return attachments


def timeline(session: Session, occurrence_id: int) -> list[TimelineEntry]:
    """The audit log of the occurrence (submissions, decisions, extensions, blockers) and the messages about
    it that went out or could not, oldest first."""
    entries = [
        TimelineEntry(row.at, row.action, row.actor, row.details or {})
        for row in session.scalars(select(AuditLog).where(AuditLog.entity == "occurrence",
                                                          AuditLog.entity_id == occurrence_id))
    ]
    messages = session.execute(
        select(Notification, Contact.name)
        .outerjoin(Contact, Contact.id == Notification.recipient_id)
        .where(Notification.occurrence_id == occurrence_id,
               Notification.status.in_([NotificationStatus.SENT, NotificationStatus.DEAD]))
    )
    for note, name in messages:
        dead = note.status == NotificationStatus.DEAD
        entries.append(TimelineEntry(
            note.created_at if dead or note.sent_at is None else note.sent_at, str(note.kind), None,
            {"to": name, "channel": note.channel, "level": note.level, "dead": dead,
             "error": note.last_error if dead else None},
        ))
    return sorted(entries, key=lambda e: e.at)


@dataclass
class ReviewQueue:
    submissions: list[tuple[Submission, OccurrenceView, list[Attachment]]]
    requests: list[tuple[ExtensionRequest, OccurrenceView]]
    blockers: list[BlockerView]

    @property
    def size(self) -> int:
        return len(self.submissions) + len(self.requests) + len(self.blockers)


def review_queue(session: Session, rt: Runtime, as_of: datetime, plans: list[Plan]) -> ReviewQueue:
    """What waits for the coordinator of ``plans``: submissions to accept or return, extension requests to
    grant or refuse, open blockers to resolve; oldest first."""
    views = {v.id: v for plan in plans for v in occurrences_at(session, rt, as_of, plan=plan.code)}
    pending = list(session.scalars(select(Submission).where(Submission.state == "pending",
                                                            Submission.occurrence_id.in_(set(views) or {-1}))
                                   .order_by(Submission.submitted_at, Submission.id)))
    attachments = _attachments_of(session, pending)
    requests = session.scalars(select(ExtensionRequest).where(ExtensionRequest.state == "pending",
                                                              ExtensionRequest.occurrence_id.in_(set(views) or {-1}))
                               .order_by(ExtensionRequest.requested_at, ExtensionRequest.id))
    return ReviewQueue(
        submissions=[(s, views[s.occurrence_id], attachments.get(s.id, [])) for s in pending],
        requests=[(r, views[r.occurrence_id]) for r in requests],
        blockers=[b for plan in plans for b in list_blockers(session, open_only=True, plan=plan.code)],
    )


def messages_to_fix(session: Session, plan_ids: frozenset[int]) -> list[dict]:
    """The plans' dead messages and those waiting to be retried, newest first, with why."""
    about_plan = or_(Obligation.plan_id.in_(plan_ids or {-1}), Notification.occurrence_id.is_(None))
    statement = (
        select(Notification, Contact.name, Agency.name)
        .outerjoin(Contact, Contact.id == Notification.recipient_id)
        .outerjoin(Agency, Agency.id == Contact.agency_id)
        .outerjoin(Occurrence, Occurrence.id == Notification.occurrence_id)
        .outerjoin(Obligation, Obligation.id == Occurrence.obligation_id)
        .where(about_plan, or_(Notification.status == NotificationStatus.DEAD,
                               (Notification.status == NotificationStatus.PENDING) & (Notification.attempts > 0)))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    rows = []
    for note, name, agency in session.execute(statement):
        if note.occurrence_id is None and (note.payload or {}).get("plan_id") not in plan_ids:
            continue
        rows.append({"id": note.id, "occurrence": note.occurrence_id, "kind": str(note.kind), "recipient": name,
                     "agency": agency, "channel": note.channel, "status": str(note.status),
                     "attempts": note.attempts, "error": note.last_error, "created_at": note.created_at,
                     "next_attempt_at": note.next_attempt_at, "subject": note.subject,
                     "resendable": note.recipient_id is not None and note.channel != "-"})
    return rows
