"""Tables and types on both databases: UTC instants, the append-only audit log, migrations, and the
outbox's vocabulary (its enums, keys and rows)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import StatementError
from sqlmodel import Session

from obligations.models.db import alembic_config, current_revision, session_scope
from obligations.models.outbox import (
    NotificationKind,
    NotificationStatus,
    dedup_key,
    digest_step,
    event_step,
    fallback_row,
    for_occurrence,
    outbox_row,
)
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import AuditLog, AuditLogIsAppendOnly, Notification, Plan


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


def test_migrated_to_the_one_head_of_the_migrations(engine):
    from alembic.script import ScriptDirectory

    [head] = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    assert current_revision(engine) == head == "0007"


# --- the outbox's vocabulary -------------------------------------------------------------------

AT = datetime(2017, 11, 30, 1, 0, tzinfo=UTC)


def test_vocabulary_is_the_strings_stored_since_the_first_migration():
    # ``sending`` came with the dispatch's lease (migration 0003); the others are the first migration's.
    assert [s.value for s in NotificationStatus] == ["pending", "sending", "sent", "failed", "dead", "skipped",
                                                     "cancelled"]
    assert [k.value for k in NotificationKind] == [
        "reminder", "due_today", "escalation", "blocker", "undeliverable", "digest", "decision", "report",
    ]
    assert NotificationStatus.PENDING == "pending" and f"{NotificationKind.DUE_TODAY}" == "due_today"


def test_dedup_keys_keep_their_format():
    kind = NotificationKind.REMINDER
    assert dedup_key(kind, "2017-12-14/reminder-10", 3, "email", occurrence_id=7) == "7|2017-12-14/reminder-10|3|email"
    assert dedup_key(kind, "2017-12-14/reminder-10", None, "-", occurrence_id=7) == "7|2017-12-14/reminder-10|-|-"
    assert (dedup_key(NotificationKind.DIGEST, digest_step(date(2017, 12, 18)), 6, "zns", plan_id=1)
            == "digest|1|digest-2017-W51|6|zns")
    assert event_step(NotificationKind.BLOCKER, 12) == "blocker-12"


def _row(**changes):
    return outbox_row(**{"kind": "escalation", "step": "2017-12-14/escalation-2", "status": "pending",
                         "due_at": AT, "created_at": AT, "occurrence_id": 7, "recipient_id": 4, "channel": "zalo",
                         "level": 2, "next_attempt_at": AT, "payload": {"notify": "manager"}} | changes)


def test_outbox_row_builds_every_column_and_the_key():
    row = _row()
    assert row["dedup_key"] == "7|2017-12-14/escalation-2|4|zalo"
    assert row["kind"] is NotificationKind.ESCALATION and row["status"] is NotificationStatus.PENDING
    assert set(row) == set(Notification.__table__.columns.keys()) - {"id", "attempts", "sent_at", "subject",
                                                                      "lease_until"}
    nobody = _row(status="dead", recipient_id=None, channel="-", next_attempt_at=None, unreached_role="manager")
    assert nobody["dedup_key"] == "7|2017-12-14/escalation-2|-|manager" and nobody["channel"] == "-"
    digest = _row(kind="digest", step="digest-2017-W51", occurrence_id=None, plan_id=1, payload={"rows": []})
    assert digest["dedup_key"] == "digest|1|digest-2017-W51|4|zalo"
    assert digest["payload"] == {"plan_id": 1, "rows": []}  # what a fallback needs to key it again


@pytest.mark.parametrize("changes, problem", [
    ({"status": "held"}, "held"),
    ({"status": "hold"}, "hold"),
    ({"status": "sending"}, "only a dispatch claim"),
    ({"kind": "reminder_soon"}, "reminder_soon"),
    ({"recipient_id": None}, "needs a recipient"),
    ({"channel": "-"}, "needs a recipient"),
    ({"next_attempt_at": None}, "needs a recipient"),
    ({"occurrence_id": None}, "occurrence or"),
])
def test_outbox_row_refuses_what_is_not_a_notification(changes, problem):
    with pytest.raises(ValueError, match=problem):
        _row(**changes)


@pytest.mark.parametrize("about", [{"occurrence_id": 7}, {"occurrence_id": None, "plan_id": 1}])
def test_a_fallback_is_the_same_message_keyed_for_the_next_channel(about):
    kind = "escalation" if about["occurrence_id"] else "digest"
    failed = Notification(id=41, **_row(kind=kind, **about))
    later = datetime(2017, 11, 30, 2, 0, tzinfo=UTC)
    row = fallback_row(failed, "email", later)
    assert row["dedup_key"] == failed.dedup_key.removesuffix("|zalo") + "|email"
    assert (row["channel"], row["fallback_of"], row["status"]) == ("email", 41, NotificationStatus.PENDING)
    assert (row["next_attempt_at"], row["created_at"], row["due_at"]) == (later, later, AT)
    keep = ("occurrence_id", "kind", "step", "level", "recipient_id", "payload")
    assert {k: row[k] for k in keep} == {k: getattr(failed, k) for k in keep}


def test_a_message_copied_for_another_occurrence_is_keyed_for_it():
    row = _row()
    copy = for_occurrence(row, 1234)
    assert copy["dedup_key"] == "1234|2017-12-14/escalation-2|4|zalo" and copy["occurrence_id"] == 1234
    assert {k: v for k, v in copy.items() if k not in ("dedup_key", "occurrence_id")} == {
        k: v for k, v in row.items() if k not in ("dedup_key", "occurrence_id")}
    assert row["dedup_key"] == "7|2017-12-14/escalation-2|4|zalo"  # the original is left as it was


def test_rows_sharing_one_payload_object_and_rows_with_their_own_are_stored_each_with_its_payload(engine):
    """models.batch converts a payload object shared by many rows once: each row must still get what it holds."""
    shared = {"notify": "manager", "number": 2, "last": False}
    with session_scope(engine) as session:
        plan_id = _outbox_world(session)
        rows = [_row(kind="digest", step=f"digest-2017-W{week}", occurrence_id=None, plan_id=plan_id,
                     recipient_id=None, channel="-", status="dead", next_attempt_at=None) for week in range(40, 46)]
        for n, row in enumerate(rows):
            row["payload"] = shared if n % 2 else {"week": n}
        assert insert_ignoring_duplicates(session, Notification, rows) == 6
    with Session(engine) as session:
        stored = dict(session.execute(select(Notification.step, Notification.payload)).all())
    assert stored == {f"digest-2017-W{40 + n}": shared if n % 2 else {"week": n} for n in range(6)}


def _outbox_world(session) -> int:
    plan = Plan(code="p", title="P", start=date(2017, 1, 1), end=date(2017, 12, 31))
    session.add(plan)
    session.flush()
    return plan.id


def test_statuses_outside_the_vocabulary_never_reach_the_database(engine):
    with session_scope(engine) as session:
        plan_id = _outbox_world(session)
        row = _row(kind="digest", step="digest-2017-W48", occurrence_id=None, plan_id=plan_id, recipient_id=None,
                   channel="-", status="dead", next_attempt_at=None)
        assert insert_ignoring_duplicates(session, Notification, [row]) == 1
    with Session(engine) as session:
        note = session.scalars(select(Notification)).one()
        raw = session.execute(text("select status, kind from notification")).one()
    assert (note.status, note.kind) == (NotificationStatus.DEAD, NotificationKind.DIGEST)
    assert tuple(raw) == ("dead", "digest")  # plain strings in the table, as before the enums
    for change in ("orm", "update"):
        with pytest.raises(StatementError, match="'held' is not a valid NotificationStatus"):
            with session_scope(engine) as session:
                if change == "orm":
                    note = session.scalars(select(Notification)).one()
                    note.status = "held"
                    session.add(note)
                else:
                    session.execute(update(Notification).values(status="held"))
    with Session(engine) as session:
        assert session.scalars(select(Notification.status)).all() == [NotificationStatus.DEAD]
