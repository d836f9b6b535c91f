"""Dispatch through apprise into the maildir, office hours, retries, and the chain stopping."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import Settings
from obligations.flows import actions
from obligations.flows.dispatch import dispatch
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.tables import AuditLog, Notification, Occurrence
from obligations.notifications.outcome import Action, Failure, Verdict
from obligations.notifications.send import SendResult
from obligations.rules.status import Status
from tests.world import build, vn


def test_reminders_land_in_the_maildir_in_vietnamese(engine, rt, inbox):
    build(engine)
    sweep(engine, rt, vn(2017, 11, 30, 8))  # reminder-10 for the 14/12/2017 last day is due 30/11 08:00
    outcome = dispatch(engine, rt, vn(2017, 11, 30, 8))
    # The two members' reminders, and the last escalation of SNGV's task overdue since 02/10/2017: to the
    # coordinator (SNGV has no manager), never to UBND-TINH's leadership.
    assert outcome["sent"] == 3
    mails = inbox()
    assert sorted(m["To"] for m in mails) == ["user0@example.org", "user2@example.org", "user4@example.org"]
    mail = next(m for m in mails if m["To"] == "user2@example.org")
    assert mail["Subject"] == "[Nhắc việc] Báo cáo kết quả hằng năm (năm 2017) — hạn 14/12/2017"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Cơ quan chủ trì" in html and "Sở Thông tin và Truyền thông" in html
    assert "Kính gửi Lê Văn Cường (Sở Thông tin và Truyền thông)" in body
    assert "còn 10 ngày làm việc" in body
    assert "Gửi kết quả/báo cáo cho: Sở Ngoại vụ" in body
    assert "Đề nghị gửi báo cáo cho Sở Ngoại vụ" in body  # no link configured: how to act, without a shell
    with Session(engine) as session:
        sent = session.scalars(select(Notification).where(Notification.status == "sent")).all()
    assert len(sent) == 3 and all(n.sent_at == vn(2017, 11, 30, 8) and n.attempts == 1 for n in sent)
    escalation = next(m for m in mails if m["To"] == "user0@example.org")
    assert escalation["Subject"].startswith("[Đôn đốc lần 5 (lần cuối)] Quy chế quản lý hoạt động đối ngoại — ")


def test_nothing_is_sent_outside_office_hours(engine, rt, maildir):
    build(engine)
    sweep(engine, rt, vn(2017, 11, 30, 18))  # an evening sweep writes the messages...
    assert dispatch(engine, rt, vn(2017, 11, 30, 18)).get("sent", 0) == 0  # ...which wait for the morning
    assert not maildir.exists()
    with Session(engine) as session:
        times = set(session.scalars(select(Notification.next_attempt_at).where(Notification.status == "pending")))
    assert times == {vn(2017, 12, 1, 8)}
    assert dispatch(engine, rt, vn(2017, 12, 1, 8))["sent"] == 3


def test_a_message_due_on_saturday_waits_for_monday(engine, rt, maildir):
    build(engine)
    sweep(engine, rt, vn(2017, 11, 30, 8))
    with session_scope(engine) as session:
        for note in session.scalars(select(Notification).where(Notification.status == "pending")):
            note.next_attempt_at = vn(2017, 12, 2, 9)  # a Saturday
    outcome = dispatch(engine, rt, vn(2017, 12, 2, 10))
    assert outcome[Verdict.HOLD] == 3 and outcome.get("sent", 0) == 0 and not maildir.exists()
    with Session(engine) as session:
        times = set(session.scalars(select(Notification.next_attempt_at).where(Notification.status == "pending")))
    assert times == {vn(2017, 12, 4, 8)}


def test_failures_are_retried_with_backoff_then_dead(engine, rt):
    build(engine)
    sweep(engine, rt, vn(2017, 11, 30, 8))
    calls = []

    def broken(message):
        calls.append(message.url)
        return SendResult(False, Failure(Action.RETRY, "connection refused"))

    first = dispatch(engine, rt, vn(2017, 11, 30, 8), sender=broken)
    assert first["retry"] == 3
    with Session(engine) as session:
        waits = session.scalars(select(Notification.next_attempt_at).where(Notification.status == "pending")).all()
    assert all(vn(2017, 11, 30, 8, 1) <= w <= vn(2017, 11, 30, 8, 2) for w in waits)  # 60 s, up to +25 %
    dispatch(engine, rt, vn(2017, 11, 30, 9), sender=broken)
    last = dispatch(engine, rt, vn(2017, 11, 30, 10), sender=broken)
    # Email was their only channel: the three are dead, and the coordinator is told about the two that were
    # not his own (his own dead message is listed by `obligations status`).
    assert last["dead"] == 3 and last["queued"] == 2
    assert len(calls) == 9 + 2  # three attempts each, then the two notices (to the same broken server)
    with Session(engine) as session:
        dead = session.scalars(select(Notification).where(Notification.status == "dead")).all()
        notices = session.scalars(select(Notification).where(Notification.kind == "undeliverable")).all()
    assert len(dead) == 3 and all(n.attempts == 3 and n.last_error == "connection refused" for n in dead)
    assert sorted(n.payload["notification_id"] for n in notices) == sorted(n.id for n in dead if n.recipient_id != 1)
    assert {n.recipient_id for n in notices} == {1}  # Nguyễn Văn An, the coordinator at SNGV
    assert all(n.payload["error"] == "connection refused" for n in notices)


def test_submission_cancels_pending_messages_and_acceptance_judges_on_time(engine, rt, maildir):
    ids = build(engine)
    sweep(engine, rt, vn(2017, 11, 30, 8))
    with session_scope(engine) as session:
        occurrence = session.scalars(
            select(Occurrence).where(Occurrence.agency_id == ids["STTTT"], Occurrence.obligation_id == ids["report"])
        ).one()
        actions.submit(session, occurrence.id, as_of=vn(2017, 11, 30, 7, 50), actor="Lê Văn Cường")
    assert dispatch(engine, rt, vn(2017, 11, 30, 8))["sent"] == 2  # Nha Trang's reminder, SNGV's escalation
    with session_scope(engine) as session:
        status = actions.accept(session, rt, occurrence.id, as_of=vn(2017, 12, 20, 9), actor="SNGV")
    assert status == Status.DONE_ON_TIME
    with Session(engine) as session:
        cancelled = session.scalars(select(Notification).where(Notification.status == "cancelled")).all()
        audit = session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert len(cancelled) == 1 and audit == ["submit", "accept"]
    # Later sweeps leave a settled occurrence alone: no escalation for STTTT.
    sweep(engine, rt, vn(2017, 12, 19, 7, 30))
    with Session(engine) as session:
        late_steps = session.scalars(
            select(Notification.step).where(Notification.occurrence_id == occurrence.id,
                                            Notification.kind == "escalation")
        ).all()
    assert late_steps == []


def test_a_reminder_held_past_the_deadline_is_dropped_not_sent(engine, rt, inbox):
    build(engine)
    sweep(engine, rt, vn(2017, 12, 14, 18))  # the evening of the last day: "due today" is written...
    outcome = dispatch(engine, rt, vn(2017, 12, 15, 8))  # ...but the office opens after the deadline
    assert outcome["skipped"] == 2
    with Session(engine) as session:
        stale = session.scalars(
            select(Notification).where(Notification.kind == "due_today", Notification.step.startswith("2017-12-14"))
        ).all()
    assert len(stale) == 2 and {(n.status, n.sent_at) for n in stale} == {("skipped", None)}
    assert all("stale" in n.last_error for n in stale)
    sent_subjects = [m["Subject"] for m in inbox()]
    assert not any(s.startswith("[Đến hạn hôm nay]") for s in sent_subjects)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_sends_run_concurrently_up_to_the_bound(sqlite_engine, tmp_path, concurrency):
    import threading
    import time

    from obligations.notifications.send import SendResult as Result

    build(sqlite_engine)
    rt = Runtime(Settings(email_url=f"maildir://{tmp_path}/m", dispatch_concurrency=concurrency))
    sweep(sqlite_engine, rt, vn(2017, 11, 30, 8))
    lock, state = threading.Lock(), {"now": 0, "peak": 0}

    def slow(message):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.15)
        with lock:
            state["now"] -= 1
        return Result(True)

    assert dispatch(sqlite_engine, rt, vn(2017, 11, 30, 8), sender=slow)["sent"] == 3
    assert state["peak"] == concurrency


def test_rate_limiter_spaces_sends_after_a_burst():
    from obligations.notifications.send import RateLimiter

    clock = {"t": 0.0}
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock["t"] += seconds

    limiter = RateLimiter(60, clock=lambda: clock["t"], sleep=sleep)  # one a second, a burst of ten
    for _ in range(12):
        limiter.acquire()
    assert slept == [pytest.approx(1.0), pytest.approx(1.0)]
    assert clock["t"] == pytest.approx(2.0)


# --- channels that are not configured ------------------------------------------------------------


def test_only_an_install_with_no_channel_at_all_writes_everything_to_the_maildir():
    channels = ("email", "zalo", "zns")
    embedded = Settings(_env_file=None, home="/srv/obligations")
    assert [embedded.channel_url(c) for c in channels] == ["maildir:///srv/obligations/maildir"] * 3
    email_only = Settings(_env_file=None, email_url="mailtos://u:p@smtp.example.org", zalo_url="")
    assert [email_only.channel_url(c) for c in channels] == ["mailtos://u:p@smtp.example.org", None, None]
    with pytest.raises(ValueError, match="unknown channel"):
        email_only.channel_url("fax")


def test_a_channel_not_configured_falls_back_to_the_next_configured_one(engine, maildir, inbox):
    build(engine, channels=["zns", "zalo", "email"])  # only email is configured
    rt = Runtime(Settings(email_url=f"maildir://{maildir}"))
    sweep(engine, rt, vn(2017, 11, 30, 8))
    outcome = dispatch(engine, rt, vn(2017, 11, 30, 8))
    assert outcome["fallback"] == 3 and outcome["sent"] == 3 and outcome["queued"] == 3
    with Session(engine) as session:
        rows = session.scalars(select(Notification).where(Notification.status.in_(["failed", "sent"]))).all()
    assert {(n.channel, n.status) for n in rows} == {("zns", "failed"), ("email", "sent")}  # zalo skipped too
    failed = [n for n in rows if n.status == "failed"]
    assert {(n.last_error, n.attempts) for n in failed} == {("kênh zns chưa được cấu hình", 0)}
    assert sorted(m["To"] for m in inbox()) == ["user0@example.org", "user2@example.org", "user4@example.org"]


def test_with_no_configured_channel_left_a_message_is_dead_saying_why(engine, maildir, inbox):
    from sqlalchemy import update

    from obligations.models.tables import Contact

    build(engine, channels=["zalo"])
    with session_scope(engine) as session:  # the coordinator can still be told by email
        session.execute(update(Contact).where(Contact.role == "coordinator").values(channels=["zalo", "email"]))
    rt = Runtime(Settings(email_url=f"maildir://{maildir}"))
    sweep(engine, rt, vn(2017, 11, 30, 8))
    outcome = dispatch(engine, rt, vn(2017, 11, 30, 8))
    # The members' two reminders die (zalo only) and the coordinator is told of each; his own escalation
    # of SNGV's task falls back to his email.
    assert outcome["dead"] == 2 and outcome["fallback"] == 1 and outcome["queued"] == 3 and outcome["sent"] == 3
    with Session(engine) as session:
        dead = session.scalars(select(Notification).where(Notification.status == "dead")).all()
    assert {(n.channel, n.last_error, n.attempts) for n in dead} == {("zalo", "kênh zalo chưa được cấu hình", 0)}
    mails = inbox()
    assert {m["To"] for m in mails} == {"user0@example.org"}  # only the coordinator's messages went out
    notices = [m for m in mails if m["X-Obligations-Kind"] == "undeliverable"]
    assert len(notices) == 2 and [m["X-Obligations-Kind"] for m in mails].count("escalation") == 1
    assert all("chưa được cấu hình" in m.get_body(preferencelist=("plain",)).get_content() for m in notices)


def test_maildir_messages_carry_the_message_id_of_their_key(engine, rt, inbox):
    from obligations.notifications.message_id import message_id

    build(engine)
    sweep(engine, rt, vn(2017, 11, 30, 8))
    dispatch(engine, rt, vn(2017, 11, 30, 8))
    with Session(engine) as session:
        keys = session.scalars(select(Notification.dedup_key).where(Notification.status == "sent")).all()
    # No from= in the maildir URL: the reserved domain stands in for the sender's.
    assert {m["Message-ID"] for m in inbox()} == {message_id(key, "obligations.invalid") for key in keys}
