"""Queries shared by the flows, the CLI and the web views."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, SQLModel

from obligations.models import batch
from obligations.models.tables import AgencyGroupMember, Obligation, Occurrence


def insert_ignoring_duplicates(session: Session, model: type[SQLModel], rows: Sequence[dict]) -> int:
    """Insert ``rows``, silently keeping the existing row on a unique conflict.

    This is what makes sweeps idempotent: two workers, or the same sweep run twice, insert the
    same keys and the database keeps one. Returns how many rows were new.
    """
    if not rows:
        return 0
    table = model.__table__
    rows = _uniform(table, rows)
    columns = list(rows[0])
    names = ", ".join(columns)
    return batch.write(
        session.connection(), table, columns, rows,
        postgresql=f"INSERT INTO {table.name} ({names}) SELECT * FROM {{rows}} ON CONFLICT DO NOTHING",
        sqlite=f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))}) ON CONFLICT DO NOTHING",
    )


def group_members(session: Session, group_ids: set[int]) -> dict[int, list[int]]:
    """Each group's member agencies, by group id, in agency order: a task led by a group is led by each."""
    members: dict[int, list[int]] = defaultdict(list)
    if group_ids:
        rows = session.execute(
            select(AgencyGroupMember.group_id, AgencyGroupMember.agency_id)
            .where(AgencyGroupMember.group_id.in_(group_ids))
            .order_by(AgencyGroupMember.agency_id)
        )
        for group_id, agency_id in rows:
            members[group_id].append(agency_id)
    return members


def _uniform(table, rows: Sequence[dict]) -> list[dict]:
    """One statement needs the same keys in every row: fill the gaps with the column defaults, and give
    every column with a default its value (a statement in SQL text gets none of SQLAlchemy's)."""
    fill = {key: None for key in set().union(*rows)}
    for column in table.c:
        if column.default is not None and column.default.is_scalar:
            fill[column.name] = column.default.arg
    return [fill | row for row in rows]


def lock_for_work(statement, session: Session):
    """On PostgreSQL, workers running at once share the due rows instead of all taking all of them."""
    if session.get_bind().dialect.name == "postgresql":
        return statement.with_for_update(skip_locked=True)
    return statement


# What the sweep needs of a due occurrence; the ORM's whole rows cost more to build than the work they carry.
DUE_COLUMNS = (Occurrence.id, Occurrence.obligation_id, Occurrence.agency_id, Occurrence.status,
               Occurrence.effective_deadline, Occurrence.ladder_done_until)


def due_occurrences(session: Session, as_of: datetime, limit: int, *, plan_ids: set[int] | None = None) -> list:
    """Up to ``limit`` occurrences whose next action is due ``as_of``, oldest first, as rows of
    :data:`DUE_COLUMNS` (of the obligations of the plans ``plan_ids``, None: all), read off the index
    ``ix_occurrence_due`` and locked for this worker on PostgreSQL."""
    statement = select(*DUE_COLUMNS).where(Occurrence.next_action_at <= as_of)
    if plan_ids is not None:
        statement = statement.where(
            Occurrence.obligation_id.in_(select(Obligation.id).where(Obligation.plan_id.in_(plan_ids))))
    statement = statement.order_by(Occurrence.next_action_at, Occurrence.id).limit(limit)
    return list(session.execute(lock_for_work(statement, session)))


def set_next_actions(session: Session, changes: Sequence[dict]) -> None:
    """Write each due occurrence's new status, ladder mark and next action time in one statement (one
    executemany on SQLite, models/batch.py): ``changes`` holds ``id``, ``status``, ``ladder_done_until`` and
    ``next_action_at`` for each."""
    if not changes:
        return
    columns = ["status", "ladder_done_until", "next_action_at", "id"]
    batch.write(
        session.connection(), Occurrence.__table__, columns, changes,
        postgresql="UPDATE occurrence SET status = new.status, ladder_done_until = new.ladder_done_until, "
                   f"next_action_at = new.next_action_at FROM {{rows}} AS new({', '.join(columns)}) "
                   "WHERE occurrence.id = new.id",
        sqlite="UPDATE occurrence SET status = ?, ladder_done_until = ?, next_action_at = ? WHERE id = ?",
    )
