"""Email through apprise's mailto:// to a real SMTP server on loopback: headers, both parts, outages."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import Settings
from obligations.flows.dispatch import dispatch
from obligations.flows.messages import Lookup, message_context
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.tables import Contact, Notification
from obligations.notifications.render import render
from tests.smtp import PASSWORD, LoopbackSMTP
from tests.world import build, vn

LINK_BASE = "https://nhacviec.khanhhoa.example.org"


def runtime(smtp: LoopbackSMTP, **overrides) -> Runtime:
    return Runtime(Settings(email_url=smtp.url, public_base_url=LINK_BASE, dispatch_max_attempts=3,
                            retry_base_seconds=60, **overrides))


def test_a_reminder_reaches_a_real_smtp_server(sqlite_engine, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    smtp.start()
    build(sqlite_engine)
    rt = runtime(smtp)
    sweep(sqlite_engine, rt, vn(2017, 11, 30, 8))
    assert dispatch(sqlite_engine, rt, vn(2017, 11, 30, 8))["sent"] == 3
    by_rcpt = {rcpts[0]: (sender, message) for sender, rcpts, message in smtp.received}
    sender, mail = by_rcpt["user2@example.org"]
    assert sender == "nhacviec@example.org"
    assert str(mail["Subject"]) == "[Nhắc việc] Báo cáo kết quả hằng năm (năm 2017) — hạn 14/12/2017"
    assert mail["From"].addresses[0].display_name == "Sở Ngoại vụ Khánh Hòa"
    assert str(mail["Reply-To"]) == "user0@example.org"  # the coordinator at Sở Ngoại vụ
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    link = f"{LINK_BASE}/occurrences/"
    for part in (plain, html):
        assert "Kính gửi Lê Văn Cường (Sở Thông tin và Truyền thông)" in part
        assert "Thứ Năm, 14/12/2017" in part and "còn 10 ngày làm việc" in part
        assert link in part
    assert f'<a href="{link}' in html
    # The plain part is the text the templates wrote, not a conversion of the HTML.
    with Session(sqlite_engine) as session:
        contact = session.scalars(select(Contact).where(Contact.email == "user2@example.org")).one()
        note = session.scalars(select(Notification).where(Notification.recipient_id == contact.id)).one()
        lookup = Lookup(session, [note])
        written = render(note.kind, "vi", message_context(lookup, rt, note, vn(2017, 11, 30, 8))).text
    assert plain.replace("\r\n", "\n").strip() == written.strip()
    assert PASSWORD not in caplog.text


def test_smtp_down_then_up_delivers_once_and_counts_attempts(sqlite_engine, smtp):
    build(sqlite_engine)
    rt = runtime(smtp)
    sweep(sqlite_engine, rt, vn(2017, 11, 30, 8))
    first = dispatch(sqlite_engine, rt, vn(2017, 11, 30, 8))  # nobody listens on the port yet
    assert first["retry"] == 3 and not smtp.received
    smtp.start()
    second = dispatch(sqlite_engine, rt, vn(2017, 11, 30, 9))
    assert second["sent"] == 3
    third = dispatch(sqlite_engine, rt, vn(2017, 11, 30, 10))
    assert third.get("sent", 0) == 0
    assert sorted(r[0] for _, r, _ in smtp.received) == ["user0@example.org", "user2@example.org", "user4@example.org"]
    with Session(sqlite_engine) as session:
        sent = session.scalars(select(Notification).where(Notification.status == "sent")).all()
    assert len(sent) == 3 and {n.attempts for n in sent} == {2}


def test_smtp_down_for_good_is_dead_with_the_reason(sqlite_engine, smtp):
    build(sqlite_engine)
    rt = runtime(smtp)
    sweep(sqlite_engine, rt, vn(2017, 11, 30, 8))
    for hour in (8, 9, 10):
        dispatch(sqlite_engine, rt, vn(2017, 11, 30, hour))
    with Session(sqlite_engine) as session:
        dead = session.scalars(select(Notification).where(Notification.status == "dead")).all()
    assert len(dead) >= 3
    originals = [n for n in dead if n.kind != "undeliverable"]
    assert len(originals) == 3 and all(n.attempts == 3 for n in originals)
    assert all("Connection error while submitting email" in n.last_error for n in originals)


def test_dead_messages_are_shown_in_status(sqlite_engine, sqlite_url, smtp, monkeypatch):
    import json

    from typer.testing import CliRunner

    from obligations.cli import app

    build(sqlite_engine)
    rt = runtime(smtp)
    sweep(sqlite_engine, rt, vn(2017, 11, 30, 8))
    for hour in (8, 9, 10):
        dispatch(sqlite_engine, rt, vn(2017, 11, 30, hour))
    monkeypatch.setenv("OBLIGATIONS_EMAIL_URL", smtp.url)
    result = CliRunner().invoke(app, ["--database-url", sqlite_url, "status", "--json", "--as-of",
                                      "2017-11-30T11:00+07:00"])
    dead = json.loads(result.stdout)["dead"]
    assert {d["recipient"] for d in dead} >= {"Lê Văn Cường", "Hoàng Văn Em"}
    assert all("Connection error" in d["error"] for d in dead if d["kind"] != "undeliverable")
    table = CliRunner().invoke(app, ["--database-url", sqlite_url, "status", "--as-of", "2017-11-30T11:00+07:00"])
    assert "tin nhắn không gửi được" in table.stdout and PASSWORD not in table.stdout


def test_channels_command_masks_secrets(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from obligations.cli import app
    from obligations.config.settings import Settings, settings_in_force

    monkeypatch.setenv("OBLIGATIONS_EMAIL_URL", "mailtos://nhacviec:Very-S3cret@smtp.example.org?from=a@example.org")
    monkeypatch.setenv("OBLIGATIONS_ZALO_URL", "zalo://123456:Zalo-App-S3cret@oa")
    with settings_in_force(Settings()):  # read from the environment just set
        result = CliRunner().invoke(app, ["channels"])
    assert result.exit_code == 0, result.output
    assert "smtp.example.org" in result.stdout and "chưa có token" in result.stdout
    assert "Very-S3cret" not in result.stdout and "Zalo-App-S3cret" not in result.stdout


class Killed(BaseException):
    """The dispatch process dying: not an ``Exception``, so not mistaken for a failed send."""


def test_an_email_has_one_message_id_from_its_key_and_a_resend_has_the_same(sqlite_engine, smtp):
    from datetime import timedelta

    from obligations.notifications.message_id import message_id
    from obligations.notifications.send import send_with_apprise

    smtp.start()
    build(sqlite_engine)
    rt = runtime(smtp, dispatch_concurrency=1, dispatch_lease_seconds=60)
    morning = vn(2017, 11, 30, 8)
    sweep(sqlite_engine, rt, morning)

    def send_then_die(message):
        send_with_apprise(message)
        raise Killed  # sent, never recorded

    with pytest.raises(Killed):
        dispatch(sqlite_engine, rt, morning, sender=send_then_die)
    assert len(smtp.received) == 1
    assert dispatch(sqlite_engine, rt, morning + timedelta(seconds=61))["sent"] == 3  # the lease passed
    with Session(sqlite_engine) as session:
        keys = {n.dedup_key for n in session.scalars(select(Notification).where(Notification.status == "sent"))}
    expected = {message_id(key, "example.org") for key in keys}  # the domain of from=nhacviec@example.org
    ids = [[str(value) for value in mail.get_all("Message-ID")] for _, _, mail in smtp.received]
    assert len(ids) == 4 and all(len(found) == 1 for found in ids)
    assert {found[0] for found in ids} == expected
    first, *rest = [found[0] for found in ids]
    assert rest.count(first) == 1  # the resend carries the first send's Message-ID


def test_status_shows_the_outbox_in_motion(sqlite_engine, sqlite_url, smtp, monkeypatch):
    import json
    from datetime import timedelta

    from typer.testing import CliRunner

    from obligations import terminal
    from obligations.cli import app
    from obligations.models.claim import claim

    build(sqlite_engine)
    rt = runtime(smtp)
    sweep(sqlite_engine, rt, vn(2017, 11, 30, 8))
    assert dispatch(sqlite_engine, rt, vn(2017, 11, 30, 8))["retry"] == 3  # nobody listens: three retries
    nine = vn(2017, 11, 30, 9)
    taken = claim(sqlite_engine, nine, nine, timedelta(minutes=5), 1)  # a worker is sending one now
    assert taken is not None
    monkeypatch.setenv("OBLIGATIONS_EMAIL_URL", smtp.url)
    as_of = ["--as-of", "2017-11-30T09:01+07:00"]
    report = json.loads(CliRunner().invoke(app, ["--database-url", sqlite_url, "status", "--json", *as_of]).stdout)
    assert report["in_motion"] == {"pending": 0, "retrying": 2, "sending": 1, "dead": 0}
    assert report["outbox"]["pending"] == 2 and report["outbox"]["sending"] == 1  # by status, retries in pending
    assert all(r["attempts"] == 1 and "Connection error" in r["error"] and r["next_attempt_at"]
               for r in report["retrying"])
    [sending] = report["sending"]
    assert sending["id"] == taken.ids[0] and sending["lease_until"] == taken.lease_until.isoformat()
    # Wide enough that no cell wraps: what is checked below is text, not where rich breaks a line.
    monkeypatch.setattr(terminal.out, "width", 200)
    table = CliRunner().invoke(app, ["--database-url", sqlite_url, "status", *as_of]).stdout
    assert "Hộp thư đi: 0 chờ gửi, 2 chờ gửi lại, 1 đang gửi, 0 không gửi được." in table
    assert "2 tin nhắn chờ gửi lại" in table and "1 tin nhắn đang gửi" in table
    assert "09:05" in table and "hết hạn" not in table  # the lease, in Hanoi time, not passed yet
    later = CliRunner().invoke(app, ["--database-url", sqlite_url, "status", "--as-of", "2017-11-30T09:06+07:00"])
    assert "(đã hết hạn: lần" in later.stdout  # its worker is gone: the next run sends it
    assert PASSWORD not in table
