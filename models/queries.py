"""Queries shared by the flows, the CLI and the web views."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

from obligations.models.tables import AgencyGroupMember, Occurrence


def insert_ignoring_duplicates(session: Session, model: type[SQLModel], rows: Sequence[dict]) -> int:
    """Insert ``rows``, silently keeping the existing row on a unique conflict.

    This is what makes sweeps idempotent: two workers, or the same sweep run twice, insert the
    same keys and the database keeps one. Returns how many rows were new.
    """
    if not rows:
        return 0
    table = model.__table__
    rows = _uniform(table, rows)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing().returning(table.primary_key.columns.values()[0])
    return len(session.execute(statement, list(rows)).all())


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
    """One executemany needs the same keys in every row: fill the gaps with the column defaults."""
    keys = set().union(*rows)
    fill = {}
    for key in keys:
        default = table.c[key].default
        fill[key] = default.arg if default is not None and default.is_scalar else None
    return [fill | row for row in rows]


def lock_for_work(statement, session: Session):
    """On PostgreSQL, workers running at once share the due rows instead of all taking all of them."""
    if session.get_bind().dialect.name == "postgresql":
        return statement.with_for_update(skip_locked=True)
    return statement


def due_occurrences(session: Session, as_of: datetime, limit: int) -> list[Occurrence]:
    statement = (
        select(Occurrence)
        .where(Occurrence.next_action_at <= as_of)
        .order_by(Occurrence.next_action_at, Occurrence.id)
        .limit(limit)
    )
    return list(session.scalars(lock_for_work(statement, session)))

