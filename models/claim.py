"""Claiming due outbox rows under a lease, and writing a result only while the lease holds.

Dispatch claims, then sends, then records (DESIGN.md). A claim marks a few due rows ``sending`` with
``lease_until`` and commits before anything is sent; each result is then written in a short transaction
of its own, on condition that the row is still ``sending`` under the same lease (the lease is the
claim's token). A worker that dies leaves its rows ``sending``; once their lease has passed, the next
claim takes them again. So a crash can repeat only a message that was in flight, never a batch.

One message per person per run: the ladder's rows (:data:`GROUPED_KINDS`: reminder, due today,
escalation) of one recipient on one channel are claimed as a group. Only a group's first due row,
earliest ``next_attempt_at`` then lowest id, can head a claim; the claim then takes the group's other
due rows with it (its mates, up to :data:`GROUP_MAX` rows in all, earliest first), in the same
transaction and under the same lease. The dispatcher sends each group (split further by plan) as one
message listing its items and settles every row of it with the same result.

What holds, groups included:

- each row is claimed by one worker at a time, and sent by the worker whose lease it holds;
- a group is one send: at most ``dispatch_concurrency`` messages, groups or single rows, are sent and
  not recorded at any moment, so a crash repeats at most that many messages;
- a repeated group is the same rows (the next claim finds the same first row and the same mates, as
  long as no row of that person was added or settled meanwhile), so it carries the same Message-ID;
- a group is never split between two workers claiming at once: a worker that skips a first row
  another holds does not take that person's second row instead, since that row is not first;
- claims stay bounded: at most ``limit * GROUP_MAX`` rows (a person with 200 due rows gets four
  messages of 50, not one of 200); the rows past the cap head the next claim.

Other kinds (blocker, undeliverable, decision, digest, report) stay one message each, and so does
every row on :data:`SINGLE_ITEM_CHANNELS`: a ZNS message is a template approved by Zalo in advance,
with fixed parameters of 30 characters at most, so it cannot carry a list.

Two ways to claim, behind :func:`claim`:

- ``skip_locked`` (PostgreSQL only): ``SELECT ... WHERE <due> AND <first of its group> FOR UPDATE SKIP
  LOCKED LIMIT n``, then the heads' mates read and locked the same way (``... WHERE id IN (...) AND
  <still due> FOR UPDATE SKIP LOCKED``), then ``UPDATE``, in one short transaction. Workers running at
  once take disjoint rows without waiting for each other.
- ``conditional`` (SQLite, and PostgreSQL alike): read candidates without locking, then for each one
  ``UPDATE ... WHERE id = :id AND status = :seen AND <still due>``, kept only when it changed a row, as
  healthchecks.io's alert loop does, and in the same transaction its mates in one ``UPDATE ... WHERE
  id IN (...) AND status = :seen AND <still due> RETURNING id``. SQLite has no row locks; its writers
  take turns.

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
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session

from obligations.models.outbox import LADDER, NotificationStatus
from obligations.models.tables import Notification

SKIP_LOCKED, CONDITIONAL = "skip_locked", "conditional"
METHODS = (SKIP_LOCKED, CONDITIONAL)
# The faster of the two on PostgreSQL with four workers at once (bench/claim.py, docs/channels.md).
POSTGRESQL_METHOD = SKIP_LOCKED
# A conditional claim tries this many times more candidates than it needs, in random order, so that
# workers reading the same head of the queue at once mostly try different rows.
CANDIDATES_PER_ROW = 4
# The kinds that go out together, one message a person: the ladder's steps, about the person's own work.
GROUPED_KINDS = LADDER
# Channels whose message cannot list several items (ZNS: a fixed template approved by Zalo).
SINGLE_ITEM_CHANNELS = frozenset({"zns"})
# At most this many rows in one message: a claim stays bounded, and a message stays readable.
GROUP_MAX = 50


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


def due(as_of: datetime, now: datetime, row=Notification):
    """Pending and due ``as_of``, or sending under a lease that has passed ``now`` (its worker is gone)."""
    return or_(
        and_(row.status == NotificationStatus.PENDING, row.next_attempt_at <= as_of),
        and_(row.status == NotificationStatus.SENDING, row.lease_until <= now),
    )


def _groups(row):
    """SQL for :func:`groups_with_others`."""
    return and_(row.kind.in_(sorted(GROUPED_KINDS)), row.channel.notin_(sorted(SINGLE_ITEM_CHANNELS)),
                row.recipient_id.is_not(None))


def _group_before_or_after(as_of: datetime, now: datetime, *, before: bool):
    """Whether a due row of the same group comes before (or after) this one, in the queue's order."""
    other = aliased(Notification)
    first, second = (other, Notification) if before else (Notification, other)
    return exists().where(
        _groups(Notification), _groups(other), due(as_of, now, other),
        other.recipient_id == Notification.recipient_id, other.channel == Notification.channel,
        or_(first.next_attempt_at < second.next_attempt_at,
            and_(first.next_attempt_at == second.next_attempt_at, first.id < second.id)),
    )


# What a claim reads of a row: enough to take it, and to find the rows that go out with it.
_SEEN = (Notification.id, Notification.status, Notification.kind, Notification.recipient_id, Notification.channel)


@cache
def _head_query():
    """The rows that may head a claim: due, and first of their group (a row that groups with none is).

    So a worker that skips a first row another worker holds does not take that person's second row
    instead, and split the group between them. ``has_mates`` spares a query for a row alone in its group.
    Built once with parameters (``as_of``, ``now``, ``limit``: :func:`_head`): building its aliased
    subqueries took longer than running it, and a replay claims thousands of times.
    """
    as_of, now = bindparam("head_as_of"), bindparam("head_now")
    return (
        select(*_SEEN, _group_before_or_after(as_of, now, before=False).label("has_mates"))
        .where(due(as_of, now), ~_group_before_or_after(as_of, now, before=True))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(bindparam("head_limit"))
    )


def _head(connection, as_of: datetime, now: datetime, limit: int, *, lock: bool = False) -> list:
    query = _head_query().with_for_update(skip_locked=True) if lock else _head_query()
    return connection.execute(query, {"head_as_of": as_of, "head_now": now, "head_limit": limit}).all()


def groups_with_others(kind: str, channel: str, recipient_id: int | None) -> bool:
    """Whether a row of ``kind`` on ``channel`` goes out in one message with its recipient's other rows."""
    return kind in GROUPED_KINDS and channel not in SINGLE_ITEM_CHANNELS and recipient_id is not None


def _mates(connection, as_of: datetime, now: datetime, heads) -> list:
    """The due rows that go out with ``heads``: the same recipient and channel, ladder kinds, at most
    :data:`GROUP_MAX` a group counting its head, earliest first; read without locking."""
    taken = {(head.recipient_id, head.channel): 1 for head in heads if head.has_mates}
    if not taken:
        return []
    place = func.row_number().over(
        partition_by=(Notification.recipient_id, Notification.channel),
        order_by=(Notification.next_attempt_at, Notification.id),
    ).label("place")
    pairs = or_(*(and_(Notification.recipient_id == r, Notification.channel == c) for r, c in taken))
    ranked = select(*_SEEN, place).where(due(as_of, now), _groups(Notification), pairs).subquery()
    head_ids = {head.id for head in heads}
    mates = []
    for row in connection.execute(select(ranked).where(ranked.c.place <= GROUP_MAX).order_by(ranked.c.place)):
        pair = (row.recipient_id, row.channel)
        if row.id not in head_ids and taken[pair] < GROUP_MAX:
            taken[pair] += 1
            mates.append(row)
    return mates


def _claimed(ids, lease_until: datetime):
    return (
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(status=NotificationStatus.SENDING, lease_until=lease_until)
    )


def claim_skip_locked(engine: Engine, as_of: datetime, now: datetime, lease_until: datetime, limit: int) -> list[int]:
    with engine.begin() as connection:
        heads = _head(connection, as_of, now, limit, lock=True)
        ids = [row.id for row in heads]
        if mates := _mates(connection, as_of, now, heads):
            # Read without a lock: lock now, skipping what another worker holds, and keep what is still due.
            lock = (select(Notification.id).where(Notification.id.in_([m.id for m in mates]), due(as_of, now))
                    .with_for_update(skip_locked=True))
            ids.extend(connection.scalars(lock))
        if ids:
            connection.execute(_claimed(ids, lease_until))
    return sorted(ids)


def claim_conditional(engine: Engine, as_of: datetime, now: datetime, lease_until: datetime,
                      limit: int) -> list[int]:
    while True:
        with engine.connect() as connection:
            candidates = _head(connection, as_of, now, limit * CANDIDATES_PER_ROW)
        if not candidates:
            return []
        random.shuffle(candidates)
        ids, heads = [], 0
        with ExitStack() as stack:
            # One short transaction a group on PostgreSQL: a worker that loses a race waits for one group's
            # commit at most. SQLite's writers take turns for the whole database, so there the groups share
            # one transaction: a commit each would only add commits (a third of a claim).
            shared = stack.enter_context(engine.begin()) if engine.dialect.name == "sqlite" else None
            for candidate in candidates:
                with nullcontext(shared) if shared is not None else engine.begin() as connection:
                    taken = connection.execute(_take_query(), {
                        "take_id": candidate.id, "take_seen": candidate.status, "take_as_of": as_of,
                        "take_now": now, "take_lease": lease_until}).rowcount
                    if taken == 1:
                        ids.append(candidate.id)
                        ids.extend(_claim_mates(connection, as_of, now, lease_until, candidate))
                heads += taken
                if heads == limit:
                    break
        if ids:
            return sorted(ids)
        # Every candidate went to other workers between the read and the update: read the queue again.


@cache
def _take_query():
    """A conditional claim of one row: ``sending`` under the lease only if it is still as it was seen and
    still due. Built once with parameters, as :func:`_head_query` (a claim runs it for every row)."""
    row = Notification.__table__.c
    return (
        update(Notification.__table__)
        .where(row.id == bindparam("take_id"), row.status == bindparam("take_seen"),
               due(bindparam("take_as_of"), bindparam("take_now"), row))
        .values(status=NotificationStatus.SENDING, lease_until=bindparam("take_lease", type_=row.lease_until.type))
    )


def _claim_mates(connection, as_of: datetime, now: datetime, lease_until: datetime, head) -> list[int]:
    """The group mates of ``head``, just claimed in this transaction, taken in one conditional ``UPDATE``:
    each only if it is still as it was seen."""
    mates = _mates(connection, as_of, now, [head])
    if not mates:
        return []
    by_status: dict[str, list[int]] = {}
    for mate in mates:
        by_status.setdefault(mate.status, []).append(mate.id)
    unchanged = or_(*(and_(Notification.id.in_(ids), Notification.status == status)
                      for status, ids in by_status.items()))
    return list(connection.scalars(
        _claimed([m.id for m in mates], lease_until).where(unchanged, due(as_of, now)).returning(Notification.id)
    ))


def claim(engine: Engine, as_of: datetime, now: datetime, lease: timedelta, limit: int, *,
          method: str | None = None) -> Claim | None:
    """Up to ``limit`` due rows and their group mates marked ``sending`` until ``now + lease``, committed;
    None when nothing is due. A claim holds at most ``limit * GROUP_MAX`` rows.

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
    parameters = {f"new_{column}": value for column, value in values.items()}
    parameters |= {"settled_id": notification_id, "settled_lease": lease_until}
    return session.connection().execute(_settle_statement(tuple(values)), parameters).rowcount == 1


@cache
def _settle_statement(columns: tuple[str, ...]):
    """The conditional ``UPDATE`` writing ``columns``, built once per set of columns (a handful): built
    for every result through the ORM, it cost more than the write itself."""
    row = Notification.__table__.c
    return (
        update(Notification.__table__)
        .where(row.id == bindparam("settled_id"), row.status == NotificationStatus.SENDING,
               row.lease_until == bindparam("settled_lease", type_=row.lease_until.type))
        .values({column: bindparam(f"new_{column}", type_=row[column].type) for column in columns}
                | {"lease_until": None})
    )
