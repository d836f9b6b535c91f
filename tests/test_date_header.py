"""Replayed time: a message carries the dispatch's moment in its Date header, not the wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser

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


@pytest.mark.parametrize("subject", [
    "[Nhắc việc] Báo cáo kết quả thực hiện Kế hoạch triển khai công tác đối ngoại nhân dân trên địa bàn tỉnh "
    "Khánh Hòa giai đoạn 2017-2020, hạn Thứ Sáu 14/07/2017",
    "Reminder",
])
def test_a_maildir_subject_is_encoded_for_any_mail_reader_and_reads_back_as_written(maildir, subject):
    """The maildir encodes a Vietnamese subject itself (the email package's folding was most of a message's
    cost): the header stays 7-bit, as RFC 2047 words, and both of Python's decoders give the subject back."""
    from email.header import decode_header, make_header

    from obligations.notifications.send import Message, send_with_apprise

    assert send_with_apprise(Message("email", f"maildir://{maildir}?to=a@example.org", subject, "Nội dung")).ok
    [written] = list((maildir / "new").iterdir())
    line = next(x for x in written.read_bytes().split(b"\n") if x.startswith(b"Subject: "))
    assert line.isascii()
    assert str(make_header(decode_header(line.decode().removeprefix("Subject: ")))) == subject
    assert BytesParser(policy=policy.default).parsebytes(written.read_bytes())["Subject"] == subject


def test_encoded_words_keep_within_rfc_2047s_length_and_split_no_character():
    from email.header import decode_header, make_header

    from obligations.notifications.maildir import encoded_words

    subject = "Đôn đốc lần 2: " + "Báo cáo tình hình thực hiện nhiệm vụ ngoại giao kinh tế " * 3
    words = encoded_words(subject).split(" ")
    assert len(words) > 3 and all(len(w) <= 75 and w.startswith("=?utf-8?b?") for w in words)
    assert str(make_header(decode_header(encoded_words(subject)))) == subject
