"""The dispatch: send the outbox rows that are due, inside office hours, and record each result.

Sends run concurrently (bounded) under a rate limit per channel; a failure is retried with
exponential backoff and jitter, then falls back to the contact's next channel, then is marked dead
and the coordinator is told. Nothing is silently lost.

A dispatch returns counts keyed by what became of each row: a ``NotificationStatus`` when it is
settled here (sent, cancelled, skipped), a ``Verdict`` after a failed send (retry, retry_next_day,
hold, fallback, dead; ``hold`` also counts a message that waits for office hours without an
attempt), and ``QUEUED`` for the rows written meanwhile.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from obligations.flows.runtime import Runtime
from obligations.models.contacts import Recipients, address, reachable_channels
from obligations.models.db import session_scope
from obligations.models.outbox import (
    BEFORE_DEADLINE,
    LADDER,
    NO_NOTICE,
    NotificationKind,
    NotificationStatus,
    event_step,
    fallback_row,
    outbox_row,
)
from obligations.models.queries import due_notifications, insert_ignoring_duplicates
from obligations.models.tables import (
    Agency,
    Contact,
    Notification,
    Obligation,
    ObligationSupport,
    Occurrence,
    Plan,
    Provision,
)
from obligations.notifications.channels import limiters_for, message_for, pace, seed_zalo_tokens
from obligations.notifications.links import action_link
from obligations.notifications.outcome import Action, Failure, Verdict, after_failure
from obligations.notifications.render import render
from obligations.notifications.send import Message, RateLimiter, Sender, SendResult, send_with_apprise
from obligations.rules.calendar import WorkCalendar, require_aware
from obligations.rules.status import OPEN, Status

# Rows written during a batch (fallbacks, notices), counted beside the statuses and verdicts.
QUEUED = "queued"


def backoff(notification_id: int, attempts: int, base_seconds: int) -> timedelta:
    """Exponential backoff with a jitter of up to a quarter, fixed per message so replays repeat."""
    jitter = int(hashlib.sha256(f"{notification_id}:{attempts}".encode()).hexdigest()[:4], 16) / 0xFFFF
    return timedelta(seconds=base_seconds * (2 ** (attempts - 1)) * (1 + jitter / 4))


class Lookup:
    """Everything the messages of one batch refer to, loaded in a few queries instead of one per row."""

    def __init__(self, session: Session, notes: list[Notification]) -> None:
        def by_id(model, ids) -> dict:
            ids = {i for i in ids if i is not None}
            return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}

        self.occurrences = by_id(Occurrence, {n.occurrence_id for n in notes})
        self.obligations = by_id(Obligation, {o.obligation_id for o in self.occurrences.values()})
        self.plans = by_id(
            Plan,
            {o.plan_id for o in self.obligations.values()}
            | {(n.payload or {}).get("plan_id") for n in notes if n.occurrence_id is None},
        )
        self.provisions = by_id(Provision, {o.provision_id for o in self.obligations.values()})
        self.contacts = by_id(Contact, {n.recipient_id for n in notes})
        support = session.execute(
            select(ObligationSupport.obligation_id, ObligationSupport.agency_id)
            .where(ObligationSupport.obligation_id.in_(set(self.obligations)))
            .order_by(ObligationSupport.agency_id)
        ).all()
        self.agencies = by_id(
            Agency,
            {o.agency_id for o in self.occurrences.values()}
            | {c.agency_id for c in self.contacts.values()}
            | {p.coordinator_id for p in self.plans.values()}
            | {o.report_to_id for o in self.obligations.values()}
            | {agency_id for _, agency_id in support},
        )
        self.supporting: dict[int, list[str]] = {}
        for obligation_id, agency_id in support:
            self.supporting.setdefault(obligation_id, []).append(self.agencies[agency_id].name)
        self.recipients = Recipients(session, {p.coordinator_id for p in self.plans.values() if p.coordinator_id})

    def plan_of(self, note: Notification) -> Plan:
        if note.occurrence_id is None:
            return self.plans[note.payload["plan_id"]]
        return self.plans[self.obligations[self.occurrences[note.occurrence_id].obligation_id].plan_id]

    def coordinators(self, plan: Plan) -> list[Contact]:
        return self.recipients.contacts.get((plan.coordinator_id, "coordinator"), []) if plan.coordinator_id else []


def message_context(lookup: Lookup, rt: Runtime, note: Notification, as_of: datetime) -> dict:
    """The data a message's template reads: names, dates, day counts, the link to act; never words."""
    plan = lookup.plan_of(note)
    contact = lookup.contacts[note.recipient_id]
    calendar = rt.calendar(plan.zone)
    coordinator = lookup.agencies.get(plan.coordinator_id)
    today = calendar.local_date(as_of)
    context = {
        "recipient_name": contact.name,
        "recipient_agency_name": lookup.agencies[contact.agency_id].name,
        "plan_title": plan.title,
        "plan_number": plan.number,
        "coordinator_name": coordinator.name if coordinator else None,
        "payload": note.payload or {},
        "notify": (note.payload or {}).get("notify", "focal_point"),
        "level": note.level,
        "today": today,
    }
    if note.occurrence_id is None:
        return context | (note.payload or {})
    occurrence = lookup.occurrences[note.occurrence_id]
    obligation = lookup.obligations[occurrence.obligation_id]
    provision = lookup.provisions.get(obligation.provision_id)
    report_to = lookup.agencies.get(obligation.report_to_id)
    last_day = calendar.last_day(occurrence.effective_deadline)
    return context | {
        "occurrence_id": occurrence.id,
        "agency_name": lookup.agencies[occurrence.agency_id].name,
        "obligation_ref": obligation.ref,
        "obligation_title": obligation.title or obligation.ref,
        "obligation_text": obligation.text,
        "provision_ref": provision.ref if provision else obligation.ref,
        "checkin": occurrence.checkin,
        "deadline": last_day,
        "working_days_left": max(calendar.working_days_between(today, last_day), 0),
        "working_days_overdue": max(calendar.working_days_between(last_day, today), 0),
        "report_to": report_to.name if report_to else "",
        "supporting": lookup.supporting.get(obligation.id, []),
        "action_link": action_link(rt.settings.public_base_url, occurrence.id),
    }


def _next_opening(calendar: WorkCalendar, as_of: datetime) -> datetime:
    """The next office opening strictly after today's (a channel that said "not now")."""
    day = calendar.local_date(as_of)
    if calendar.is_working_day(day) and as_of < calendar.office_opening(day):
        return calendar.office_opening(day)
    return calendar.office_opening(calendar.next_working_day(day, include=False))


class Dispatcher:
    def __init__(self, session: Session, rt: Runtime, as_of: datetime, sender: Sender,
                 limiters: dict[str, RateLimiter]) -> None:
        self.session, self.rt, self.as_of, self.sender, self.limiters = session, rt, as_of, sender, limiters
        self.outcome: Counter = Counter()
        self.new_rows: list[dict] = []

    def prepare(self, note: Notification, lookup: Lookup) -> Message | None:
        """The message to send for ``note``, or None when it is settled here (cancelled, stale, held)."""
        plan = lookup.plan_of(note)
        calendar = self.rt.calendar(plan.zone)
        occurrence = lookup.occurrences.get(note.occurrence_id)
        if occurrence is not None and note.kind in LADDER and Status(occurrence.status) not in OPEN:
            # Submitted or settled since the sweep wrote it.
            return self._settle(note, NotificationStatus.CANCELLED, None)
        if occurrence is not None and note.kind in BEFORE_DEADLINE and self.as_of >= occurrence.effective_deadline:
            # Held past the deadline (a night, a weekend, retries): "due in N days" would now be false.
            reason = "stale: the deadline passed before the reminder could be sent"
            return self._settle(note, NotificationStatus.SKIPPED, reason)
        if not calendar.is_office_time(self.as_of):
            note.next_attempt_at = calendar.next_office_moment(self.as_of)
            self.outcome[Verdict.HOLD] += 1
            self.session.add(note)
            return None
        context = message_context(lookup, self.rt, note, self.as_of)
        contact = lookup.contacts[note.recipient_id]
        rendered = render(note.kind, contact.language, context)
        note.subject = rendered.subject
        replies = [c.email for c in lookup.coordinators(plan) if c.email]
        return message_for(self.rt.settings, note.channel, address(contact, note.channel), rendered, kind=note.kind,
                           notification_id=note.id, replies=replies, context=context)

    def _settle(self, note: Notification, status: NotificationStatus, reason: str | None) -> None:
        note.status = status
        note.last_error = reason
        self.outcome[status] += 1
        self.session.add(note)
        return None

    def send_all(self, jobs: list[tuple[Notification, Message]]) -> list[tuple[Notification, SendResult]]:
        def send(job: tuple[Notification, Message]) -> tuple[Notification, SendResult]:
            note, message = job
            pace(self.limiters, message)
            try:
                return note, self.sender(message)
            except Exception as exc:  # noqa: BLE001 - one broken send must not lose the batch's results
                return note, SendResult(False, Failure(Action.RETRY, f"{exc.__class__.__name__}: {exc}"))

        workers = min(self.rt.settings.dispatch_concurrency, len(jobs))
        if workers <= 1:
            return [send(job) for job in jobs]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dispatch") as pool:
            return list(pool.map(send, jobs))

    def record(self, note: Notification, result: SendResult, lookup: Lookup) -> None:
        plan = lookup.plan_of(note)
        calendar = self.rt.calendar(plan.zone)
        if result.ok:
            note.status, note.sent_at, note.last_error = NotificationStatus.SENT, self.as_of, None
            note.attempts += 1
            self.outcome[NotificationStatus.SENT] += 1
            self.session.add(note)
            return
        failure = result.failure or Failure(Action.RETRY, "send failed")
        if failure.action is not Action.HOLD:
            note.attempts += 1
        note.last_error = str(failure)
        contact = lookup.contacts[note.recipient_id]
        channels = reachable_channels(contact)
        later = channels[channels.index(note.channel) + 1:] if note.channel in channels else []
        verdict = after_failure(
            failure, attempts=note.attempts, max_attempts=self.rt.settings.dispatch_max_attempts,
            has_next_channel=bool(later),
        )
        if verdict is Verdict.RETRY:
            note.next_attempt_at = self.as_of + backoff(note.id, note.attempts, self.rt.settings.retry_base_seconds)
        elif verdict in (Verdict.HOLD, Verdict.RETRY_NEXT_DAY):
            note.next_attempt_at = _next_opening(calendar, self.as_of)
        elif verdict is Verdict.FALLBACK:
            note.status = NotificationStatus.FAILED
            self.new_rows.append(fallback_row(note, later[0], self.as_of))
        else:
            note.status = NotificationStatus.DEAD
            self._tell_coordinator(note, lookup, plan, calendar, channels, failure)
        self.outcome[verdict] += 1
        self.session.add(note)

    def _tell_coordinator(self, note: Notification, lookup: Lookup, plan: Plan, calendar: WorkCalendar,
                          channels: list[str], failure: Failure) -> None:
        if note.kind in NO_NOTICE or note.occurrence_id is None:
            return
        contact = lookup.contacts[note.recipient_id]
        payload = {
            "notify": "coordinator",
            "notification_id": note.id,
            "recipient": contact.name,
            "agency": lookup.agencies[contact.agency_id].name,
            "channels": channels or [note.channel],
            "subject": note.subject or note.step,
            "error": str(failure),
        }
        for coordinator in lookup.coordinators(plan):
            if coordinator.id == contact.id:
                continue
            for channel in reachable_channels(coordinator)[:1]:
                self.new_rows.append(
                    outbox_row(
                        kind=NotificationKind.UNDELIVERABLE, step=event_step(NotificationKind.UNDELIVERABLE, note.id),
                        occurrence_id=note.occurrence_id, recipient_id=coordinator.id, channel=channel,
                        status=NotificationStatus.PENDING, due_at=self.as_of,
                        next_attempt_at=calendar.next_office_moment(self.as_of), created_at=self.as_of,
                        payload=payload,
                    )
                )


def dispatch_batch(session: Session, rt: Runtime, as_of: datetime, *, limit: int, sender: Sender,
                   limiters: dict[str, RateLimiter]) -> Counter:
    """Send up to ``limit`` due messages; returns counts by outcome."""
    notes = due_notifications(session, as_of, limit)
    lookup = Lookup(session, notes)
    dispatcher = Dispatcher(session, rt, as_of, sender, limiters)
    jobs = [(note, message) for note in notes if (message := dispatcher.prepare(note, lookup)) is not None]
    for note, result in dispatcher.send_all(jobs):
        dispatcher.record(note, result, lookup)
    session.flush()
    queued = insert_ignoring_duplicates(session, Notification, dispatcher.new_rows)
    if queued:
        dispatcher.outcome[QUEUED] += queued
    return dispatcher.outcome


def dispatch(engine: Engine, rt: Runtime, as_of: datetime, *, sender: Sender = send_with_apprise) -> Counter:
    require_aware(as_of)
    seed_zalo_tokens(rt.settings)
    total: Counter = Counter()
    batch = rt.settings.dispatch_batch
    limiters = limiters_for(rt.settings)
    while True:
        with session_scope(engine) as session:
            outcome = dispatch_batch(session, rt, as_of, limit=batch, sender=sender, limiters=limiters)
        total.update(outcome)
        # Rows queued now (fallbacks, notices) may be due at once; held and retried rows move later.
        if sum(outcome.values()) - outcome.get(QUEUED, 0) < batch and not outcome.get(QUEUED):
            return total
