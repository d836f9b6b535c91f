"""The dispatch: send the outbox rows that are due, inside office hours, and record each result.

Sends run concurrently (bounded) under a rate limit per channel; a failure is retried with
exponential backoff and jitter, then falls back to the contact's next channel, then is marked dead
and the coordinator is told. Nothing is silently lost.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from obligations.flows.runtime import Runtime, check_as_of
from obligations.flows.sweep import ADDRESS_FIELD, Recipients, reachable_channels
from obligations.models.db import session_scope
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
from obligations.notifications.links import action_link
from obligations.notifications.outcome import Action, Failure, Verdict, after_failure
from obligations.notifications.render import Rendered, date_en, date_vi, level_label_vi, render
from obligations.notifications.send import Message, RateLimiter, Sender, SendResult, recipient_url, send_with_apprise
from obligations.notifications.zalo_tokens import FileTokenStore, seed
from obligations.rules.calendar import WorkCalendar
from obligations.rules.status import OPEN, Status

BEFORE_DEADLINE = frozenset({"reminder", "due_today"})
LADDER = frozenset({"reminder", "due_today", "escalation"})
NO_NOTICE = frozenset({"undeliverable", "digest"})  # a failed notice about a failure does not beget another


def backoff(notification_id: int, attempts: int, base_seconds: int) -> timedelta:
    """Exponential backoff with a jitter of up to a quarter, fixed per message so replays repeat."""
    jitter = int(hashlib.sha256(f"{notification_id}:{attempts}".encode()).hexdigest()[:4], 16) / 0xFFFF
    return timedelta(seconds=base_seconds * (2 ** (attempts - 1)) * (1 + jitter / 4))


def how_to_act(link: str | None, occurrence_id: int) -> str:
    if link:
        return f"mở liên kết {link} để gửi báo cáo hoặc báo vướng mắc"
    return f"gửi báo cáo cho cơ quan điều phối, hoặc chạy lệnh: obligations submit {occurrence_id}"


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
    plan = lookup.plan_of(note)
    contact = lookup.contacts[note.recipient_id]
    calendar = rt.calendar(plan.zone)
    coordinator = lookup.agencies.get(plan.coordinator_id)
    context = {
        "recipient_name": contact.name,
        "recipient_agency_name": lookup.agencies[contact.agency_id].name,
        "plan_title": plan.title,
        "plan_number": plan.number,
        "coordinator_name": coordinator.name if coordinator else "Cơ quan điều phối",
        "payload": note.payload or {},
        "notify": (note.payload or {}).get("notify", "focal_point"),
        "level": note.level,
        "level_label": level_label_vi(note.level),
        "as_of_text": date_vi(calendar.local_date(as_of)),
    }
    if note.occurrence_id is None:
        return context | (note.payload or {})
    occurrence = lookup.occurrences[note.occurrence_id]
    obligation = lookup.obligations[occurrence.obligation_id]
    provision = lookup.provisions.get(obligation.provision_id)
    report_to = lookup.agencies.get(obligation.report_to_id)
    last_day = calendar.last_day(occurrence.effective_deadline)
    today = calendar.local_date(as_of)
    return context | {
        "occurrence_id": occurrence.id,
        "agency_name": lookup.agencies[occurrence.agency_id].name,
        "obligation_ref": obligation.ref,
        "obligation_title": obligation.title or obligation.ref,
        "obligation_text": obligation.text,
        "provision_ref": provision.ref if provision else obligation.ref,
        "checkin": occurrence.checkin,
        "period_label": ("Báo cáo tiến độ, " if occurrence.checkin else "") + f"kỳ hạn {last_day:%d/%m/%Y}",
        "deadline_text": date_vi(last_day),
        "deadline_text_en": date_en(last_day),
        "deadline_short": f"{last_day:%d/%m/%Y}",
        "working_days_left": max(calendar.working_days_between(today, last_day), 0),
        "working_days_overdue": max(calendar.working_days_between(last_day, today), 0),
        "report_to": report_to.name if report_to else "",
        "supporting": lookup.supporting.get(obligation.id, []),
        "how_to_act": how_to_act(action_link(rt.settings.public_base_url, occurrence.id), occurrence.id),
    }


def channel_params(rt: Runtime, note: Notification, context: dict, lookup: Lookup, plan: Plan) -> dict[str, str]:
    """What a channel needs beyond the recipient's address."""
    settings = rt.settings
    base = settings.channel_url(note.channel)
    scheme = base.partition("://")[0]
    params: dict[str, str] = {"channel": note.channel} if scheme == "maildir" else {}
    if note.channel == "email" or scheme == "maildir":
        replies = [c.email for c in lookup.coordinators(plan) if c.email]
        if replies:
            params["reply"] = ",".join(replies)
    if scheme in ("zalo", "zns"):
        api = settings.zalo_api_url if scheme == "zalo" else settings.zns_api_url
        for key, value in (("api", api), ("oauth", settings.zalo_oauth_url), ("store", str(settings.zalo_token_store))):
            if f"{key}=" not in base:
                params[key] = value
    if scheme == "zns":
        params["template"] = settings.zns_templates.get(note.kind, "")
        params["tracking"] = f"obligations-{note.id}"
        params.update(
            {
                ":name": context["recipient_name"][:30],
                ":task": context.get("obligation_ref", context.get("plan_title", ""))[:30],
                ":deadline": context.get("deadline_short", ""),
                ":agency": context.get("agency_name", context["recipient_agency_name"])[:30],
                ":days": str(context.get("working_days_overdue") or context.get("working_days_left") or 0),
            }
        )
    return params


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
            return self._settle(note, "cancelled", None)  # submitted or settled since the sweep wrote it
        if occurrence is not None and note.kind in BEFORE_DEADLINE and self.as_of >= occurrence.effective_deadline:
            # Held past the deadline (a night, a weekend, retries): "due in N days" would now be false.
            return self._settle(note, "skipped", "stale: the deadline passed before the reminder could be sent")
        if not calendar.is_office_time(self.as_of):
            note.next_attempt_at = calendar.next_office_moment(self.as_of)
            self.outcome["held"] += 1
            self.session.add(note)
            return None
        context = message_context(lookup, self.rt, note, self.as_of)
        contact = lookup.contacts[note.recipient_id]
        rendered: Rendered = render(note.kind, contact.language, context)
        note.subject = rendered.subject
        address = getattr(contact, ADDRESS_FIELD[note.channel])
        base = self.rt.settings.channel_url(note.channel)
        url = recipient_url(base, address, channel_params(self.rt, note, context, lookup, plan))
        html = rendered.html if note.channel == "email" else None
        return Message(note.channel, url, rendered.subject, rendered.text, html)

    def _settle(self, note: Notification, status: str, reason: str | None) -> None:
        note.status = status
        note.last_error = reason
        self.outcome[status] += 1
        self.session.add(note)
        return None

    def send_all(self, jobs: list[tuple[Notification, Message]]) -> list[tuple[Notification, SendResult]]:
        def send(job: tuple[Notification, Message]) -> tuple[Notification, SendResult]:
            note, message = job
            if not message.url.startswith("maildir://"):  # a local file write has no provider limit
                self.limiters[message.channel].acquire()
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
            note.status, note.sent_at, note.last_error = "sent", self.as_of, None
            note.attempts += 1
            self.outcome["sent"] += 1
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
            note.status = "failed"
            self.new_rows.append(self._fallback_row(note, later[0]))
        else:
            note.status = "dead"
            self._tell_coordinator(note, lookup, plan, calendar, channels, failure)
        self.outcome[verdict.value] += 1
        self.session.add(note)

    def _fallback_row(self, note: Notification, channel: str) -> dict:
        return {
            "dedup_key": f"{note.dedup_key.rsplit('|', 1)[0]}|{channel}",
            "occurrence_id": note.occurrence_id,
            "kind": note.kind,
            "step": note.step,
            "level": note.level,
            "recipient_id": note.recipient_id,
            "channel": channel,
            "status": "pending",
            "due_at": note.due_at,
            "next_attempt_at": self.as_of,
            "created_at": self.as_of,
            "payload": note.payload,
            "fallback_of": note.id,
        }

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
                    {
                        "dedup_key": f"{note.occurrence_id}|undeliverable-{note.id}|{coordinator.id}|{channel}",
                        "occurrence_id": note.occurrence_id,
                        "kind": "undeliverable",
                        "step": f"undeliverable-{note.id}",
                        "level": 0,
                        "recipient_id": coordinator.id,
                        "channel": channel,
                        "status": "pending",
                        "due_at": self.as_of,
                        "next_attempt_at": calendar.next_office_moment(self.as_of),
                        "created_at": self.as_of,
                        "payload": payload,
                    }
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
        dispatcher.outcome["queued"] += queued
    return dispatcher.outcome


_limiters: dict[tuple[str, int], RateLimiter] = {}


def limiters_for(rt: Runtime) -> dict[str, RateLimiter]:
    """One bucket per channel and rate for the whole process, so consecutive batches share it."""
    result = {}
    for channel in ("email", "zalo", "zns"):
        rate = rt.settings.rate_limits.get(channel, 600)
        result[channel] = _limiters.setdefault((channel, rate), RateLimiter(rate))
    return result


def seed_zalo_tokens(rt: Runtime) -> None:
    """The OA's first token pair comes from settings; after that the store keeps the rotated pair."""
    settings = rt.settings
    uses_zalo = any(settings.channel_url(c).startswith(("zalo://", "zns://")) for c in ("zalo", "zns"))
    if uses_zalo and settings.zalo_access_token and settings.zalo_refresh_token:
        seed(FileTokenStore(settings.zalo_token_store), settings.zalo_access_token, settings.zalo_refresh_token)


def dispatch(engine: Engine, rt: Runtime, as_of: datetime, *, sender: Sender = send_with_apprise) -> Counter:
    check_as_of(as_of)
    seed_zalo_tokens(rt)
    total: Counter = Counter()
    batch = rt.settings.dispatch_batch
    limiters = limiters_for(rt)
    while True:
        with session_scope(engine) as session:
            outcome = dispatch_batch(session, rt, as_of, limit=batch, sender=sender, limiters=limiters)
        total.update(outcome)
        # Rows queued now (fallbacks, notices) may be due at once; held and retried rows move later.
        if sum(outcome.values()) - outcome.get("queued", 0) < batch and not outcome.get("queued"):
            return total
