"""Replayed time: a message carries the dispatch's moment in its Date header, not the wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from obligations.config.settings import Settings
from obligations.flows.dispatch import dispatch
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationKind, NotificationStatus, outbox_row
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import Agency, Contact, Notification, Obligation, Occurrence
from obligations.notifications.message_id import sending_with
from tests.world import EPOCH, build

ICT = timezone(timedelta(hours=7))
AS_OF = datetime(2017, 6, 30, 8, 0, tzinfo=ICT)  # a Friday morning, seven years before these tests ran


def one_reminder_due(engine) -> None:
    """A task due 14/07/2017 for Sở Thông tin và Truyền thông, and one reminder to its focal point due AS_OF."""
    ids = build(engine)
    task = Obligation(plan_id=ids["plan"], ref="III.2.1", title="Tổ chức hội nghị", text="Tổ chức hội nghị",
                      lead_agency_id=ids["STTTT"], report_to_id=ids["SNGV"], schedule_kind="once",
                      due=date(2017, 7, 14), inclusive=True, policy_id=ids["policy"], next_expand_at=EPOCH)
    with session_scope(engine) as session:
        session.add(task)
    sweep(engine, Runtime(Settings()), AS_OF)
    with session_scope(engine) as session:
        session.execute(Notification.__table__.delete())  # only the reminder below, whatever the ladder says
        agency = session.scalars(select(Agency).where(Agency.code == "STTTT")).one()
        occurrence = session.scalars(select(Occurrence).where(Occurrence.obligation_id == task.id)).one()
        focal = session.scalars(select(Contact).where(Contact.agency_id == agency.id,
                                                      Contact.role == "focal_point")).one()
        insert_ignoring_duplicates(session, Notification, [outbox_row(
            kind=NotificationKind.REMINDER, step="2017-07-14/reminder-10", status=NotificationStatus.PENDING,
            due_at=AS_OF, created_at=AS_OF, occurrence_id=occurrence.id, recipient_id=focal.id, channel="email",
            next_attempt_at=AS_OF, payload={"notify": "focal_point"},
        )])


def assert_dated_as_of(mail) -> None:
    dates = mail.get_all("Date")
    assert len(dates) == 1
    assert str(dates[0]) == "Fri, 30 Jun 2017 08:00:00 +0700"  # the plan's zone offset, not UTC
    assert dates[0].datetime == AS_OF


def test_an_email_over_smtp_carries_the_dispatch_moment(sqlite_engine, smtp):
    smtp.start()
    one_reminder_due(sqlite_engine)
    assert dispatch(sqlite_engine, Runtime(Settings(email_url=smtp.url)), AS_OF)["sent"] == 1
    [(_, rcpts, mail)] = smtp.received
    assert rcpts == ["user2@example.org"]
    assert_dated_as_of(mail)


def test_a_maildir_message_carries_the_dispatch_moment(engine, rt, inbox):
    one_reminder_due(engine)
    assert dispatch(engine, rt, AS_OF)["sent"] == 1
    [mail] = inbox()
    assert_dated_as_of(mail)


def test_a_send_without_a_moment_is_dated_by_the_clock_and_a_naive_moment_is_refused(maildir, inbox):
    from obligations.notifications.send import Message, send_with_apprise

    message = Message("email", f"maildir://{maildir}?to=a@example.org", "Thử", "Nội dung")
    before = datetime.now(UTC).replace(microsecond=0)
    assert send_with_apprise(message).ok
    [mail] = inbox()
    assert before <= mail["Date"].datetime <= datetime.now(UTC)
    with pytest.raises(ValueError, match="UTC offset"), sending_with(None, datetime(2017, 6, 30, 8)):
        pass
