"""The dispatch: send the outbox rows that are due, inside office hours, and record each result.

Dispatch claims, then sends, then records (DESIGN.md, models/claim.py): it claims a few due rows at a
time (``sending`` under a lease, committed), prepares their messages, sends them outside any
transaction, at most ``dispatch_concurrency`` at once, and writes each result in its own short
transaction as soon as it is known; a new send starts only when an earlier result is written. So a
crash leaves at most ``dispatch_concurrency`` messages sent and unrecorded, which the next run sends
again once their lease has passed (with the same Message-ID for email).

One message per person per run: the ladder rows (reminder, due today, escalation) claimed together
for one recipient and one channel (models/claim.py) that belong to one plan go out as ONE message
listing them, and every row of it is settled with the same result: sent, retried at the same moment,
each row's fallback row on the next channel (due now, so the fallbacks group again), or dead with one
notice to the coordinator. A lone row keeps its own message and template. Rows cancelled or stale
drop out before the group is rendered. A group is one send in the bound above, and its email's
Message-ID comes from the sorted keys of its rows, so a crash repeats it recognisably.

A failure is retried with exponential backoff and jitter, then falls back to the contact's next
configured channel, then is marked dead and the coordinator is told. Nothing is silently lost.

Every message carries the run's moment, ``as_of`` in the plan's zone, as its date (the Date header of
an email): a replay's mailbox reads as the period it replays.

A dispatch returns counts keyed by what became of each row: a ``NotificationStatus`` when it is
settled here (sent, cancelled, skipped), a ``Verdict`` after a failed send (retry, retry_next_day,
hold, fallback, dead; ``hold`` also counts a message that waits for office hours without an
attempt), ``QUEUED`` for the rows written meanwhile, and ``LOST`` for rows whose lease passed to
another worker before their result could be written.
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from obligations.config.settings import Settings
from obligations.flows.messages import Lookup, bundle_context, message_context
from obligations.flows.runtime import Runtime
from obligations.models.claim import GROUP_MAX, Claim, RunClock, claim, groups_with_others, settle
from obligations.models.contacts import address, reachable_channels
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
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import Notification
from obligations.notifications.channels import (
    limiters_for,
    message_for,
    pace,
    seed_zalo_tokens,
    sendable_channel,
    unusable_reason,
    usable,
)
from obligations.notifications.message_id import group_key
from obligations.notifications.outcome import Action, Failure, Verdict, after_failure
from obligations.notifications.render import BUNDLE, render
from obligations.notifications.send import Message, RateLimiter, Sender, SendResult, for_one_run, send_with_apprise
from obligations.rules.calendar import WorkCalendar, require_aware
from obligations.rules.status import OPEN, Status

# Rows written during a run (fallbacks, notices), counted beside the statuses and verdicts.
QUEUED = "queued"
# Rows whose lease passed before their result was written: another worker has them now.
LOST = "lease_lost"
# A claim takes this many rows per concurrent send: enough to keep the senders busy, few enough that
# the rows claimed and not yet sent stay a handful (they wait for their lease should the worker die).
CLAIM_PER_SENDER = 2


def claim_size(settings: Settings) -> int:
    return max(1, min(settings.dispatch_batch, settings.dispatch_concurrency * CLAIM_PER_SENDER))


def backoff(notification_id: int, attempts: int, base_seconds: int) -> timedelta:
    """Exponential backoff with a jitter of up to a quarter, fixed per message so replays repeat."""
    jitter = int(hashlib.sha256(f"{notification_id}:{attempts}".encode()).hexdigest()[:4], 16) / 0xFFFF
    return timedelta(seconds=base_seconds * (2 ** (attempts - 1)) * (1 + jitter / 4))


def _next_opening(calendar: WorkCalendar, as_of: datetime) -> datetime:
    """The next office opening strictly after today's (a channel that said "not now")."""
    day = calendar.local_date(as_of)
    if calendar.is_working_day(day) and as_of < calendar.office_opening(day):
        return calendar.office_opening(day)
    return calendar.office_opening(calendar.next_working_day(day, include=False))


@dataclass
class Result:
    """What became of one claimed row: the outcome counted, the columns written, the rows it begets."""

    note: Notification
    outcome: str
    values: dict[str, Any]
    new_rows: list[dict] = field(default_factory=list)


# The rows one message stands for (one, or a person's group) and the message; see send_and_record.
Job = tuple[list[Notification], Message]
# A send's rows and result; no result when their lease passed before the send could begin.
Sent = tuple[list[Notification], SendResult | None]


def local_moment(calendar: WorkCalendar, as_of: datetime) -> datetime:
    """``as_of`` with the plan zone's offset at that moment (+07:00 in Vietnam), as a message's date."""
    return as_of.astimezone(timezone(calendar.local(as_of).utcoffset()))


class Dispatcher:
    """One dispatch run: its moment, sender, limits and the threads that send, and the counts of what
    became of each row."""

    def __init__(self, engine: Engine, rt: Runtime, as_of: datetime, sender: Sender,
                 limiters: dict[str, RateLimiter], clock: RunClock, threads: ThreadPoolExecutor) -> None:
        self.engine, self.rt, self.as_of, self.sender, self.limiters = engine, rt, as_of, sender, limiters
        self.clock, self.threads = clock, threads
        self.outcome: Counter = Counter()
        # The rows that went dead in this run: (notification id, recipient's name, channel, reason).
        self.dead: list[tuple[int, str, str, str]] = []

    def run(self, claimed: Claim) -> None:
        """Prepare the claimed rows, write those settled without a send, then send and record the rest."""
        with Session(self.engine, expire_on_commit=False) as session:
            notes = list(session.scalars(
                select(Notification).where(Notification.id.in_(claimed.ids))
                .order_by(Notification.next_attempt_at, Notification.id)
            ))
            lookup = Lookup(session, notes)
        # The session is closed: nothing below holds a transaction open while messages go out.
        settled, going = [], []
        for note in notes:
            if (result := self.prepare(note, lookup)) is not None:
                settled.append(result)
            else:
                going.append(note)
        jobs: list[Job] = []
        for group in self.groups(going, lookup):
            channel, kind = group[0].channel, self.kind_of(group)
            if usable(self.rt.settings, channel, kind):
                jobs.append(self.compose(group, lookup))
            else:
                refused = SendResult(False, Failure(Action.FALLBACK, unusable_reason(self.rt.settings, channel, kind)))
                settled.extend(self.after_send(group, refused, lookup, attempted=False))
        self.save(settled, claimed.lease_until)
        self.send_and_record(jobs, lookup, claimed.lease_until)

    def prepare(self, note: Notification, lookup: Lookup) -> Result | None:
        """``note``'s result when it is settled without a send (cancelled, stale, held); None when it goes on."""
        plan = lookup.plan_of(note)
        calendar = self.rt.calendar(plan.zone)
        occurrence = lookup.occurrences.get(note.occurrence_id)
        if occurrence is not None and note.kind in LADDER and Status(occurrence.status) not in OPEN:
            # Submitted or settled since the sweep wrote it.
            return Result(note, NotificationStatus.CANCELLED, {"status": NotificationStatus.CANCELLED,
                                                               "last_error": None})
        if occurrence is not None and note.kind in BEFORE_DEADLINE and self.as_of >= occurrence.effective_deadline:
            # Held past the deadline (a night, a weekend, retries): "due in N days" would now be false.
            reason = "stale: the deadline passed before the reminder could be sent"
            return Result(note, NotificationStatus.SKIPPED, {"status": NotificationStatus.SKIPPED,
                                                             "last_error": reason})
        # A channel that cannot carry the message falls back at once, whatever the hour.
        if usable(self.rt.settings, note.channel, note.kind) and not calendar.is_office_time(self.as_of):
            return Result(note, Verdict.HOLD, {"status": NotificationStatus.PENDING,
                                               "next_attempt_at": calendar.next_office_moment(self.as_of)})
        return None

    @staticmethod
    def groups(notes: list[Notification], lookup: Lookup) -> list[list[Notification]]:
        """The messages ``notes`` make: a person's ladder rows of one plan on one channel together (at most
        ``GROUP_MAX``, earliest first, as claimed), every other row alone."""
        together: dict[tuple, list[Notification]] = {}
        for note in notes:
            if groups_with_others(note.kind, note.channel, note.recipient_id):
                key: tuple = (note.recipient_id, note.channel, lookup.plan_of(note).id)
            else:
                key = ("alone", note.id)
            together.setdefault(key, []).append(note)
        return [group[i:i + GROUP_MAX] for group in together.values() for i in range(0, len(group), GROUP_MAX)]

    @staticmethod
    def kind_of(group: list[Notification]) -> str:
        """What the message for ``group`` is: a lone row's own kind, or the listing of a person's items."""
        return group[0].kind if len(group) == 1 else BUNDLE

    def compose(self, group: list[Notification], lookup: Lookup) -> Job:
        """One message for ``group``: a lone row's own template, or the list of a person's items."""
        first = group[0]
        plan = lookup.plan_of(first)
        contact = lookup.contacts[first.recipient_id]
        contexts = [message_context(lookup, self.rt, note, self.as_of) for note in group]
        if len(group) == 1:
            rendered = render(first.kind, contact.language, contexts[0])
            key = first.dedup_key
        else:
            rendered = render(BUNDLE, contact.language, bundle_context(contexts))
            key = group_key([note.dedup_key for note in group])
        for note in group:
            note.subject = rendered.subject
        replies = [c.email for c in lookup.coordinators(plan) if c.email]
        message = message_for(
            self.rt.settings, first.channel, address(contact, first.channel), rendered, key=key,
            sent_at=local_moment(self.rt.calendar(plan.zone), self.as_of),
            kind=self.kind_of(group), notification_id=first.id, replies=replies,
            context=contexts[0],
        )
        return group, message

    def send_and_record(self, jobs: list[Job], lookup: Lookup, lease_until: datetime) -> None:
        """Send at most ``dispatch_concurrency`` messages at once, and record each result as soon as it is known.

        A send starts only when a seat is free, and a seat is freed only once its result is written:
        at any moment at most ``dispatch_concurrency`` messages (a group is one) are sent or sending and
        not recorded.
        """
        queue = deque(jobs)
        seats = min(self.rt.settings.dispatch_concurrency, len(jobs))
        if not seats:
            return
        running: set = set()
        while queue or running:
            while queue and len(running) < seats:
                running.add(self.threads.submit(self._send, *queue.popleft(), lease_until))
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                group, result = future.result()
                if result is None:
                    self.outcome[LOST] += len(group)
                else:
                    self.save(self.after_send(group, result, lookup), lease_until)

    def _send(self, group: list[Notification], message: Message, lease_until: datetime) -> Sent:
        """One send, in a worker thread; None instead of a result when the lease passed before it began."""
        pace(self.limiters, message)
        if self.clock.now() >= lease_until:
            return group, None  # another worker may have claimed it meanwhile: sending now could repeat it
        try:
            return group, self.sender(message)
        except Exception as exc:  # noqa: BLE001 - one broken send must not lose the others' results
            return group, SendResult(False, Failure(Action.RETRY, f"{exc.__class__.__name__}: {exc}"))

    def save(self, results: list[Result], lease_until: datetime) -> None:
        """Write results under the claim's lease, with the rows they beget, in one short transaction."""
        if not results:
            return
        with session_scope(self.engine) as session:
            for result in results:
                if not settle(session, result.note.id, lease_until, result.values):
                    self.outcome[LOST] += 1
                    continue
                self.outcome[result.outcome] += 1
                if queued := insert_ignoring_duplicates(session, Notification, result.new_rows):
                    self.outcome[QUEUED] += queued

    def after_send(self, group: list[Notification], result: SendResult, lookup: Lookup, *,
                   attempted: bool = True) -> list[Result]:
        """The new state of each row of ``group`` after its send (``attempted``) or a send refused before it
        began. The rows of one message share its fate: the same verdict, the same next attempt."""
        if result.ok:
            return [Result(note, NotificationStatus.SENT, {
                "status": NotificationStatus.SENT, "sent_at": self.as_of, "last_error": None,
                "attempts": note.attempts + 1, "subject": note.subject,
            }) for note in group]
        failure = result.failure or Failure(Action.RETRY, "send failed")
        counted = 1 if attempted and failure.action is not Action.HOLD else 0
        first = group[0]
        # Judged by the row tried most: no row of the message goes past its maximum of attempts.
        attempts = max(note.attempts for note in group) + counted
        contact = lookup.contacts[first.recipient_id]
        channels = reachable_channels(contact)
        after = channels[channels.index(first.channel) + 1:] if first.channel in channels else []
        later = [channel for channel in after if usable(self.rt.settings, channel, self.kind_of(group))]
        verdict = after_failure(failure, attempts=attempts, max_attempts=self.rt.settings.dispatch_max_attempts,
                                has_next_channel=bool(later))
        change: dict[str, Any] = {"status": NotificationStatus.PENDING, "last_error": str(failure)}
        if verdict is Verdict.RETRY:
            change["next_attempt_at"] = self.as_of + backoff(first.id, attempts, self.rt.settings.retry_base_seconds)
        elif verdict in (Verdict.HOLD, Verdict.RETRY_NEXT_DAY):
            change["next_attempt_at"] = _next_opening(self.rt.calendar(lookup.plan_of(first).zone), self.as_of)
        elif verdict is Verdict.FALLBACK:
            change["status"] = NotificationStatus.FAILED
        else:
            change["status"] = NotificationStatus.DEAD
        results = []
        for note in group:
            values = change | {"attempts": note.attempts + counted, "subject": note.subject}
            new_rows = [fallback_row(note, later[0], self.as_of)] if verdict is Verdict.FALLBACK else []
            results.append(Result(note, verdict, values, new_rows))
        if verdict is Verdict.DEAD:
            self.dead.extend((note.id, contact.name, note.channel, str(failure)) for note in group)
            results[0].new_rows.extend(self._tell_coordinator(group, lookup, channels, failure))
        return results

    def _tell_coordinator(self, group: list[Notification], lookup: Lookup, channels: list[str],
                          failure: Failure) -> list[dict]:
        """The "undeliverable" notices about a dead message (one, for a group), one per coordinator of its plan."""
        note = group[0]
        if note.kind in NO_NOTICE or note.occurrence_id is None:
            return []
        plan = lookup.plan_of(note)
        calendar = self.rt.calendar(plan.zone)
        contact = lookup.contacts[note.recipient_id]
        payload = {
            "notify": "coordinator",
            "notification_id": note.id,
            "notification_ids": [n.id for n in group],  # every row the dead message stood for
            "recipient": contact.name,
            "agency": lookup.agencies[contact.agency_id].name,
            "channels": channels or [note.channel],
            "subject": note.subject or note.step,
            "error": str(failure),
            # What went wrong, for the template to say in the reader's language (outcome.Action's values).
            "cause": failure.action.value,
        }
        rows = []
        for coordinator in lookup.coordinators(plan):
            if coordinator.id == contact.id:
                continue
            if (channel := sendable_channel(self.rt.settings, coordinator, NotificationKind.UNDELIVERABLE)) is not None:
                rows.append(
                    outbox_row(
                        kind=NotificationKind.UNDELIVERABLE, step=event_step(NotificationKind.UNDELIVERABLE, note.id),
                        occurrence_id=note.occurrence_id, recipient_id=coordinator.id, channel=channel,
                        status=NotificationStatus.PENDING, due_at=self.as_of,
                        next_attempt_at=calendar.next_office_moment(self.as_of), created_at=self.as_of,
                        payload=payload,
                    )
                )
        return rows


def dispatch(engine: Engine, rt: Runtime, as_of: datetime, *, sender: Sender = send_with_apprise,
             clock: RunClock | None = None, dead: list | None = None) -> Counter:
    """Claim, send and record until nothing is due ``as_of``; returns counts by outcome.

    Rows written meanwhile (fallbacks, notices) that are due at once go out in the same run; retried
    and held rows move later than ``as_of``, so the run ends. ``dead``, when given, receives the rows
    that went dead in this run: (notification id, recipient's name, channel, reason).
    """
    require_aware(as_of)
    seed_zalo_tokens(rt.settings)
    lease = timedelta(seconds=rt.settings.dispatch_lease_seconds)
    size = claim_size(rt.settings)
    # Email keeps its SMTP connections for the run, and the sends their threads (starting a thread for
    # every claim cost more than a replay's sends): both end with the run.
    with for_one_run(sender) as send, ThreadPoolExecutor(max_workers=rt.settings.dispatch_concurrency,
                                                         thread_name_prefix="dispatch") as threads:
        dispatcher = Dispatcher(engine, rt, as_of, send, limiters_for(rt.settings), clock or RunClock(as_of),
                                threads)
        while claimed := claim(engine, as_of, dispatcher.clock.now(), lease, size):
            dispatcher.run(claimed)
    if dead is not None:
        dead.extend(dispatcher.dead)
    return dispatcher.outcome
