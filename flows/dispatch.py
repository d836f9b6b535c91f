"""The dispatch: send the outbox rows that are due, inside office hours, and record each result."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.runtime import Runtime, check_as_of
from flows.sweep import ADDRESS_FIELD
from models.db import session_scope
from models.queries import due_notifications
from models.tables import Agency, Contact, Notification, Obligation, ObligationSupport, Occurrence, Plan, Provision
from notifications.render import date_en, date_vi, level_label_vi, render
from notifications.send import Sender, recipient_url, send_with_apprise
from rules.status import OPEN, Status

BEFORE_DEADLINE = frozenset({"reminder", "due_today"})


def backoff(notification_id: int, attempts: int, base_seconds: int) -> timedelta:
    """Exponential backoff with a jitter of up to a quarter, fixed per message so replays repeat."""
    jitter = int(hashlib.sha256(f"{notification_id}:{attempts}".encode()).hexdigest()[:4], 16) / 0xFFFF
    return timedelta(seconds=base_seconds * (2 ** (attempts - 1)) * (1 + jitter / 4))


def action_hint(occurrence: Occurrence) -> str:
    """How the recipient acts; the web dashboard replaces this with a signed link."""
    return f"gửi báo cáo cho cơ quan điều phối, hoặc chạy lệnh: obligations submit {occurrence.id}"


class Lookup:
    """Everything the messages of one batch refer to, loaded in a few queries instead of one per row."""

    def __init__(self, session: Session, notes: list[Notification]) -> None:
        def by_id(model, ids) -> dict:
            ids = {i for i in ids if i is not None}
            return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}

        self.occurrences = by_id(Occurrence, {n.occurrence_id for n in notes})
        self.obligations = by_id(Obligation, {o.obligation_id for o in self.occurrences.values()})
        self.plans = by_id(Plan, {o.plan_id for o in self.obligations.values()})
        self.provisions = by_id(Provision, {o.provision_id for o in self.obligations.values()})
        self.contacts = by_id(Contact, {n.recipient_id for n in notes})
        self.supporting: dict[int, list[str]] = {}
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
        for obligation_id, agency_id in support:
            self.supporting.setdefault(obligation_id, []).append(self.agencies[agency_id].name)


def message_context(lookup: Lookup, rt: Runtime, note: Notification, as_of: datetime) -> dict:
    occurrence = lookup.occurrences[note.occurrence_id]
    obligation = lookup.obligations[occurrence.obligation_id]
    plan = lookup.plans[obligation.plan_id]
    provision = lookup.provisions.get(obligation.provision_id)
    contact = lookup.contacts[note.recipient_id]
    agencies = lookup.agencies
    calendar = rt.calendar(plan.zone)
    coordinator = agencies.get(plan.coordinator_id)
    report_to = agencies.get(obligation.report_to_id)
    last_day = calendar.last_day(occurrence.effective_deadline)
    today = calendar.local_date(as_of)
    return {
        "recipient_name": contact.name,
        "recipient_agency_name": agencies[contact.agency_id].name,
        "agency_name": agencies[occurrence.agency_id].name,
        "obligation_ref": obligation.ref,
        "obligation_title": obligation.title or obligation.ref,
        "obligation_text": obligation.text,
        "plan_title": plan.title,
        "plan_number": plan.number,
        "provision_ref": provision.ref if provision else obligation.ref,
        "period_label": ("Báo cáo tiến độ " if occurrence.checkin else "") + f"kỳ hạn {last_day:%d/%m/%Y}",
        "deadline_text": date_vi(last_day),
        "deadline_text_en": date_en(last_day),
        "working_days_left": max(calendar.working_days_between(today, last_day), 0),
        "working_days_overdue": max(calendar.working_days_between(last_day, today), 0),
        "level": note.level,
        "level_label": level_label_vi(note.level),
        "report_to": report_to.name if report_to else "",
        "supporting": lookup.supporting.get(obligation.id, []),
        "coordinator_name": coordinator.name if coordinator else "Cơ quan điều phối",
        "how_to_act": action_hint(occurrence),
        "language": contact.language,
        "address": getattr(contact, ADDRESS_FIELD[note.channel]),
        "occurrence_status": occurrence.status,
        "zone": plan.zone,
    }


def dispatch_batch(session: Session, rt: Runtime, as_of: datetime, *, limit: int, sender: Sender) -> Counter:
    """Send up to ``limit`` due messages; returns counts by outcome."""
    outcome: Counter = Counter()
    notes = due_notifications(session, as_of, limit)
    lookup = Lookup(session, notes)
    for note in notes:
        context = message_context(lookup, rt, note, as_of)
        if Status(context["occurrence_status"]) not in OPEN:
            # Settled or submitted since the sweep wrote it: the chain has stopped.
            note.status = "cancelled"
            outcome["cancelled"] += 1
            session.add(note)
            continue
        occurrence = lookup.occurrences[note.occurrence_id]
        if note.kind in BEFORE_DEADLINE and as_of >= occurrence.effective_deadline:
            # Held past the deadline (a night, a weekend, retries): "due in N days" would now be false.
            note.status = "skipped"
            note.last_error = "stale: the deadline passed before the reminder could be sent"
            outcome["stale"] += 1
            session.add(note)
            continue
        calendar = rt.calendar(context["zone"])
        if not calendar.is_office_time(as_of):
            note.next_attempt_at = calendar.next_office_moment(as_of)
            outcome["held"] += 1
            session.add(note)
            continue
        subject, body = render(note.kind, context["language"], context)
        url = recipient_url(rt.settings.channel_url(note.channel), note.channel, context["address"])
        result = sender(url, subject, body)
        note.attempts += 1
        note.subject = subject
        if result.ok:
            note.status = "sent"
            note.sent_at = as_of
            note.last_error = None
            outcome["sent"] += 1
        elif note.attempts >= rt.settings.dispatch_max_attempts:
            note.status = "dead"
            note.last_error = result.error
            outcome["dead"] += 1
        else:
            note.last_error = result.error
            note.next_attempt_at = as_of + backoff(note.id, note.attempts, rt.settings.retry_base_seconds)
            outcome["retry"] += 1
        session.add(note)
    return outcome


def dispatch(engine: Engine, rt: Runtime, as_of: datetime, *, sender: Sender = send_with_apprise) -> Counter:
    check_as_of(as_of)
    total: Counter = Counter()
    batch = rt.settings.dispatch_batch
    while True:
        with session_scope(engine) as session:
            outcome = dispatch_batch(session, rt, as_of, limit=batch, sender=sender)
        total.update(outcome)
        # Held and retried rows move to a later time, so a full batch means more may be due.
        if sum(outcome.values()) < batch:
            return total
