"""Claiming due outbox rows under a lease, and writing a result only while the lease holds.

Dispatch claims, then sends, then records (DESIGN.md). A claim marks a few due rows ``sending`` with
``lease_until`` and commits before anything is sent; each result is then written in a short transaction
of its own, on condition that the row is still ``sending`` under the same lease (the lease is the
claim's token). A worker that dies leaves its rows ``sending``; once their lease has passed, the next
claim takes them again. So a crash can repeat only a message that was in flight, never a batch.

Two ways to claim, behind :func:`claim`:

- ``skip_locked`` (PostgreSQL only): ``SELECT ... FOR UPDATE SKIP LOCKED LIMIT n``, then ``UPDATE``, in
  one short transaction. Workers running at once take disjoint rows without waiting for each other.
- ``conditional`` (SQLite, and PostgreSQL alike): read candidates without locking, then for each one
  ``UPDATE ... WHERE id = :id AND status = :seen AND <still due>``, kept only when it changed a row, as
  healthchecks.io's alert loop does. SQLite has no row locks; its writers take turns.

bench/claim.py measures both; docs/channels.md has the figures behind :data:`POSTGRESQL_METHOD`.

Leases and time: a dispatch acts ``as_of`` a moment that a replay simulates (years in seconds) and a
real run takes from the wall clock. Leases are measured on :class:`RunClock`, which starts at ``as_of``
and then moves at the wall clock's speed. A replay's next day sees the leases of the previous one long
passed; a real run restarted after a crash (``as_of`` = now) finds a dead worker's leases passed once
the lease's length has gone by; and a run that lasts longer than a lease keeps leasing ahead of the
wall clock, so another worker started meanwhile never takes its fresh claims for abandoned ones.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from obligations.models.outbox import NotificationStatus
from obligations.models.tables import Notification

SKIP_LOCKED, CONDITIONAL = "skip_locked", "conditional"
METHODS = (SKIP_LOCKED, CONDITIONAL)
# The faster of the two on PostgreSQL with four workers at once (bench/claim.py, docs/channels.md).
POSTGRESQL_METHOD = SKIP_LOCKED
# A conditional claim tries this many times more candidates than it needs, in random order, so that
# workers reading the same head of the queue at once mostly try different rows.
CANDIDATES_PER_ROW = 4


class RunClock:
    """A dispatch run's "now": ``as_of`` when the run starts, then moving as the wall clock does."""

    def __init__(self, as_of: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.as_of, self.monotonic = as_of, monotonic
        self.started = monotonic()

    def now(self) -> datetime:
        return self.as_of + timedelta(seconds=self.monotonic() - self.started)


@dataclass(frozen=True)
class Claim:
    """Rows a worker holds, all under one lease; ``lease_until`` is the token its results are written with."""

    ids: list[int]
    lease_until: datetime


def due(as_of: datetime, now: datetime):
    """Pending and due ``as_of``, or sending under a lease that has passed ``now`` (its worker is gone)."""
    return or_(
        and_(Notification.status == NotificationStatus.PENDING, Notification.next_attempt_at <= as_of),
        and_(Notification.status == NotificationStatus.SENDING, Notification.lease_until <= now),
    )


def _head(as_of: datetime, now: datetime, limit: int):
    return (
        select(Notification.id, Notification.status)
        .where(due(as_of, now))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )


def _claimed(ids, lease_until: datetime):
    return (
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(status=NotificationStatus.SENDING, lease_until=lease_until)
    )


def claim_skip_locked(engine: Engine, as_of: datetime, now: datetime, lease_until: datetime, limit: int) -> list[int]:
    with engine.begin() as connection:
        head = _head(as_of, now, limit).with_for_update(skip_locked=True)
        ids = [row.id for row in connection.execute(head)]
        if ids:
            connection.execute(_claimed(ids, lease_until))
    return ids


def claim_conditional(engine: Engine, as_of: datetime, now: datetime, lease_until: datetime,
                      limit: int) -> list[int]:
    while True:
        with engine.connect() as connection:
            candidates = connection.execute(_head(as_of, now, limit * CANDIDATES_PER_ROW)).all()
        if not candidates:
            return []
        random.shuffle(candidates)
        ids = []
        for candidate in candidates:
            # One short transaction a row: a worker that loses a race waits for one row's commit at most.
            with engine.begin() as connection:
                taken = connection.execute(
                    _claimed([candidate.id], lease_until)
                    .where(Notification.status == candidate.status, due(as_of, now))
                ).rowcount
            if taken == 1:
                ids.append(candidate.id)
                if len(ids) == limit:
                    break
        if ids:
            return sorted(ids)
        # Every candidate went to other workers between the read and the update: read the queue again.


def claim(engine: Engine, as_of: datetime, now: datetime, lease: timedelta, limit: int, *,
          method: str | None = None) -> Claim | None:
    """Up to ``limit`` due rows marked ``sending`` until ``now + lease``, committed; None when nothing is due.

    ``as_of`` decides what is due to be sent; ``now`` (the run's clock) which leases have passed.
    """
    dialect = engine.dialect.name
    method = method or (POSTGRESQL_METHOD if dialect == "postgresql" else CONDITIONAL)
    if method not in METHODS:
        raise ValueError(f"unknown claim method {method!r}; one of {METHODS}")
    if method == SKIP_LOCKED and dialect != "postgresql":
        raise ValueError(f"{SKIP_LOCKED} needs row locks: PostgreSQL, not {dialect}")
    lease_until = now + lease
    take = claim_skip_locked if method == SKIP_LOCKED else claim_conditional
    ids = take(engine, as_of, now, lease_until, limit)
    return Claim(ids, lease_until) if ids else None


def settle(session: Session, notification_id: int, lease_until: datetime, values: dict[str, Any]) -> bool:
    """Write a claimed row's result (``values``: its status and the rest) if the claim still holds it.

    False when the lease passed and another worker claimed the row since: the result is theirs to write.
    """
    statement = (
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == NotificationStatus.SENDING,
            Notification.lease_until == lease_until,
        )
        .values(**values, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1
