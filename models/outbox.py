"""The outbox's vocabulary: what a notification is (kind), where it stands (status), its key and its row.

Every row of the ``notification`` table is built by ``outbox_row``, so the sweep, the digest, the
dispatcher's fallbacks and notices and the blocker action write the same shape, and the key is
made in one place from parts the row also keeps in its columns (``occurrence_id``, ``step``,
``recipient_id``, ``channel``; a digest's plan in ``payload["plan_id"]``): nothing reads a key back.

The values are the strings stored since the first migration; the column type ``EnumString``
refuses any other, so a status outside the vocabulary cannot reach the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from obligations.models.tables import Notification


class NotificationStatus(StrEnum):
    PENDING = "pending"  # waiting for ``next_attempt_at``: new, retried, or held for office hours
    # Claimed by a dispatch worker until ``lease_until`` (models.claim): being sent now. A row still
    # sending after its lease lost its worker; the next claim takes it again.
    SENDING = "sending"
    SENT = "sent"
    # Its channel could not reach the person: the row whose ``fallback_of`` points here carries the
    # same message on their next channel. Not a loss, so not shown as undeliverable.
    FAILED = "failed"
    DEAD = "dead"  # given up on, or nobody could be reached: listed for the coordinator, who is told
    SKIPPED = "skipped"  # never sent on purpose: a later step was already due, or the deadline passed first
    CANCELLED = "cancelled"  # the chain stopped (a submission, an extension, a waiver) before it went


class NotificationKind(StrEnum):
    REMINDER = "reminder"  # before the deadline
    DUE_TODAY = "due_today"  # on the last day
    ESCALATION = "escalation"  # after the deadline, up the chain of command
    BLOCKER = "blocker"  # a focal point's blocker, for the coordinator
    UNDELIVERABLE = "undeliverable"  # a message that died, for the coordinator
    DIGEST = "digest"  # the weekly summary of a plan; about no single occurrence
    # The coordinator's decision, for the focal point: accepted, returned, extension granted or
    # refused, waived, blocker resolved (``payload["event"]``).
    DECISION = "decision"
    # The periodic report of a plan to the leadership above the coordinating agency; no single occurrence.
    REPORT = "report"


# The kinds the ladder writes: stopped by a submission, pointless once the occurrence is settled.
LADDER = frozenset({NotificationKind.REMINDER, NotificationKind.DUE_TODAY, NotificationKind.ESCALATION})
# The kinds whose text counts the days left: false, so dropped, once the deadline has passed.
BEFORE_DEADLINE = frozenset({NotificationKind.REMINDER, NotificationKind.DUE_TODAY})
# A notice about a failure whose own sending fails begets no further notice.
NO_NOTICE = frozenset({NotificationKind.UNDELIVERABLE, NotificationKind.DIGEST, NotificationKind.REPORT})

NONE = "-"  # a key part, or the channel column, of a row that reaches nobody


class EnumString(TypeDecorator):
    """A ``String`` column holding a ``StrEnum``'s values: any other value is refused on the way in."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def dedup_key(kind: NotificationKind, step: str, recipient_id: int | None, channel: str, *,
              occurrence_id: int | None = None, plan_id: int | None = None) -> str:
    """``occurrence|step|recipient|channel``, with ``-`` for a part that is absent.

    A message about no occurrence (the digest) stands for its kind and plan instead:
    ``digest|plan|step|recipient|channel``. These are the keys written since the first release, so a
    sweep re-run on an existing outbox still finds its rows.
    """
    about = str(occurrence_id) if occurrence_id is not None else f"{kind}|{plan_id}"
    return "|".join((about, step, NONE if recipient_id is None else str(recipient_id), channel))


def for_occurrence(row: dict[str, Any], occurrence_id: int) -> dict[str, Any]:
    """``row`` (an ``outbox_row`` about an occurrence) about ``occurrence_id`` instead: the same message to the
    same people; the key's first part is the occurrence (:func:`dedup_key`)."""
    _, rest = row["dedup_key"].split("|", 1)
    return row | {"occurrence_id": occurrence_id, "dedup_key": f"{occurrence_id}|{rest}"}


def digest_step(day: date) -> str:
    """One digest a week: ``digest-2017-W51``."""
    year, week, _ = day.isocalendar()
    return f"digest-{year}-W{week:02d}"


def event_step(kind: NotificationKind, event_id: int) -> str:
    """The step of a notice about one event (a blocker, a dead message): ``blocker-12``."""
    return f"{kind}-{event_id}"


def outbox_row(
    *,
    kind: str,
    step: str,
    status: str,
    due_at: datetime,
    created_at: datetime,
    occurrence_id: int | None = None,
    plan_id: int | None = None,
    recipient_id: int | None = None,
    channel: str = NONE,
    unreached_role: str | None = None,
    level: int = 0,
    next_attempt_at: datetime | None = None,
    payload: Mapping[str, Any] | None = None,
    last_error: str | None = None,
    fallback_of: int | None = None,
) -> dict[str, Any]:
    """A ``notification`` row, keyed by ``dedup_key``, for ``insert_ignoring_duplicates``.

    ``unreached_role``: for a row addressed to a role that has nobody, the role takes the channel's
    place in the key (``7|2017-12-14/escalation-2|-|manager``), as the sweep has always keyed it.
    """
    kind, status = NotificationKind(kind), NotificationStatus(status)
    if occurrence_id is None and plan_id is None:
        raise ValueError("a notification is about an occurrence or, like the digest, a plan")
    if status is NotificationStatus.PENDING and (recipient_id is None or channel == NONE or next_attempt_at is None):
        raise ValueError("a pending notification needs a recipient, a channel and a time to send")
    if status is NotificationStatus.SENDING:
        raise ValueError("a notification is written pending; only a dispatch claim makes it sending")
    payload = dict(payload or {})
    if occurrence_id is None:
        payload = {"plan_id": plan_id} | payload
    key_channel = unreached_role if recipient_id is None and unreached_role else channel
    return {
        "dedup_key": dedup_key(kind, step, recipient_id, key_channel, occurrence_id=occurrence_id, plan_id=plan_id),
        "occurrence_id": occurrence_id,
        "kind": kind,
        "step": step,
        "level": level,
        "recipient_id": recipient_id,
        "channel": channel,
        "status": status,
        "due_at": due_at,
        "next_attempt_at": next_attempt_at,
        "created_at": created_at,
        "last_error": last_error,
        "payload": payload,
        "fallback_of": fallback_of,
    }


def fallback_row(note: Notification, channel: str, as_of: datetime) -> dict[str, Any]:
    """The same message to the same person on their next ``channel``, due now, pointing back at ``note``."""
    return outbox_row(
        kind=note.kind, step=note.step, level=note.level, occurrence_id=note.occurrence_id,
        plan_id=(note.payload or {}).get("plan_id"), recipient_id=note.recipient_id, channel=channel,
        status=NotificationStatus.PENDING, due_at=note.due_at, next_attempt_at=as_of, created_at=as_of,
        payload=note.payload, fallback_of=note.id,
    )
