"""Tables and types on both databases: UTC instants, the append-only audit log, migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlmodel import Session

from obligations.models.db import current_revision, session_scope
from obligations.models.tables import AuditLog, AuditLogIsAppendOnly


def test_instants_come_back_aware_and_in_utc(engine):
    hanoi = timezone(timedelta(hours=7))
    with session_scope(engine) as session:
        session.add(AuditLog(at=datetime(2020, 12, 14, 8, 0, tzinfo=hanoi), action="probe", entity="test"))
    with Session(engine) as session:
        at = session.scalars(select(AuditLog.at)).one()
    assert at == datetime(2020, 12, 14, 1, 0, tzinfo=UTC) and at.utcoffset() == timedelta(0)


def test_naive_instants_are_refused(engine):
    with pytest.raises(StatementError, match="naive datetime"):
        with session_scope(engine) as session:
            session.add(AuditLog(at=datetime(2020, 12, 14, 8, 0), action="probe", entity="test"))
    with Session(engine) as session:
        assert session.scalars(select(AuditLog)).all() == []


def test_the_audit_log_is_append_only(engine):
    with session_scope(engine) as session:
        session.add(AuditLog(at=datetime(2020, 1, 1, tzinfo=UTC), action="load", entity="plan"))
    for change in ("update", "delete"):
        with pytest.raises(AuditLogIsAppendOnly):
            with session_scope(engine) as session:
                row = session.scalars(select(AuditLog)).one()
                if change == "update":
                    row.action = "forged"
                    session.add(row)
                else:
                    session.delete(row)
    with Session(engine) as session:
        assert session.scalars(select(AuditLog.action)).all() == ["load"]


def test_migrated_to_head(engine):
    assert current_revision(engine) == "0002"
