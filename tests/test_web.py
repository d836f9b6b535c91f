"""The web app on the test world: acting from a message's link, signing in, who sees what, forms
and their CSRF token, escaping, the coordinator's queue, the overview and the downloads."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.models.tables import Agency, Attachment, Blocker, LinkUse, Occurrence, Submission
from obligations.notifications.links import ACTION_SALT
from tests.web_support import (
    Clock,
    Outbox,
    contact_id,
    csrf_of,
    links_in,
    make_client,
    remind,
    sign_in_as,
    web_settings,
)
from tests.world import build, vn

MORNING = vn(2017, 9, 18, 8)  # ten working days before the task III.1.8 is due (30/9/2017)


@pytest.fixture
def world(engine, maildir, inbox):
    ids = build(engine)
    settings = web_settings(maildir)
    remind(engine, settings, MORNING)
    clock = Clock(MORNING + timedelta(hours=1))
    outbox = Outbox()
    client = make_client(engine, settings, clock, outbox)
    return {"ids": ids, "settings": settings, "clock": clock, "client": client, "outbox": outbox,
            "engine": engine, "inbox": inbox}


def _message_to(world, given_name: str):
    address = f"user{contact_id(world['engine'], given_name) - 1}@example.org"
    found = [m for m in world["inbox"]() if address in m["To"]]
    assert found, f"no message to {given_name} in {[m['To'] for m in world['inbox']()]}"
    return found[0]


def _path(link: str) -> str:
    return link.removeprefix("http://testserver")


def _task_occurrence(engine, ids) -> int:
    with Session(engine) as session:
        return session.scalar(select(Occurrence.id).where(Occurrence.obligation_id == ids["task"]))


def test_a_focal_point_submits_from_the_link_in_their_message(world):
    client, engine = world["client"], world["engine"]
    links = links_in(_message_to(world, "Bình"))
    submit = next(link for link in links if "/l/" in link and client.get(_path(link)).text.count('name="note"'))
    page = client.get(_path(submit))
    assert page.status_code == 200 and "Quy chế quản lý hoạt động đối ngoại" in page.text
    sent = client.post(_path(submit), data={"csrf_token": csrf_of(page.text), "note": "Đã trình UBND tỉnh"},
                       files={"attachment": ("bao-cao.pdf", io.BytesIO(b"%PDF-1.4 report"), "application/pdf")})
    assert sent.status_code == 200, sent.text
    with Session(engine) as session:
        submission = session.scalars(select(Submission)).one()
        attachment = session.scalars(select(Attachment)).one()
        assert submission.note == "Đã trình UBND tỉnh"
        assert "Trần Thị Bình" in submission.submitted_by
        assert (attachment.submission_id, attachment.filename, attachment.size) == (submission.id, "bao-cao.pdf", 15)
        assert session.get(Occurrence, submission.occurrence_id).status == "submitted"
    again = client.post(_path(submit), data={"csrf_token": csrf_of(page.text), "note": "lần hai"})
    assert again.status_code == 410 and "đã được dùng" in again.text
    with Session(engine) as session:
        assert len(session.scalars(select(Submission)).all()) == 1


def test_an_attachment_of_a_refused_type_or_size_is_refused_with_nothing_written(world):
    client, engine = world["client"], world["engine"]
    occurrence = _task_occurrence(engine, world["ids"])
    web = client.app.state.web
    token = web.signer.sign({"o": occurrence, "c": contact_id(engine, "Bình"), "a": "submit"}, salt=ACTION_SALT,
                            at=world["clock"].now)
    form = client.get(f"/l/{token}")
    refused = client.post(f"/l/{token}", data={"csrf_token": csrf_of(form.text)},
                          files={"attachment": ("virus.exe", io.BytesIO(b"MZ"), "application/octet-stream")})
    assert refused.status_code == 400 and ".pdf" in refused.text
    with Session(engine) as session:
        assert session.scalars(select(Submission)).all() == []
        assert session.scalars(select(LinkUse)).all() == []


def test_a_tampered_an_expired_and_a_foreign_link_are_refused(world):
    client, engine, clock = world["client"], world["engine"], world["clock"]
    link = links_in(_message_to(world, "Bình"))[0]
    token = _path(link).removeprefix("/l/")
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/l/{tampered}").status_code == 400
    assert client.get("/l/not-a-token").status_code == 400
    clock.now = MORNING + timedelta(days=world["settings"].link_max_age_days + 1)
    expired = client.get(_path(link))
    assert expired.status_code == 410 and "hết hạn" in expired.text
    # Signed for Cường (STTTT) on SNGV's task: he does not answer for it.
    occurrence = _task_occurrence(engine, world["ids"])
    foreign = client.app.state.web.signer.sign({"o": occurrence, "c": contact_id(engine, "Cường"), "a": "submit"},
                                               salt=ACTION_SALT, at=clock.now)
    assert client.get(f"/l/{foreign}").status_code == 403


def test_a_form_without_its_csrf_token_is_refused(world):
    client, engine = world["client"], world["engine"]
    occurrence = _task_occurrence(engine, world["ids"])
    token = client.app.state.web.signer.sign({"o": occurrence, "c": contact_id(engine, "Bình"), "a": "blocker"},
                                             salt=ACTION_SALT, at=world["clock"].now)
    client.get(f"/l/{token}")
    assert client.post(f"/l/{token}", data={"text": "Chưa có kinh phí"}).status_code == 403
    assert client.post(f"/l/{token}", data={"text": "Chưa có kinh phí", "csrf_token": "forged"}).status_code == 403
    with Session(engine) as session:
        assert session.scalars(select(Blocker)).all() == []


def test_sign_in_by_a_one_time_link_sent_to_the_address(world):
    client, outbox, engine = world["client"], world["outbox"], world["engine"]
    form = client.get("/sign-in")
    asked = client.post("/sign-in", data={"csrf_token": csrf_of(form.text), "address": "USER0@example.org"})
    assert asked.status_code == 200
    unknown = client.post("/sign-in", data={"csrf_token": csrf_of(form.text), "address": "nobody@example.org"})
    assert unknown.text.count("<h1") == asked.text.count("<h1") and len(outbox.sent) == 1
    message = outbox.sent[0]
    assert message.channel == "email" and "user0@example.org" in message.url
    link = re.search(r"http://testserver(/sign-in/[^\s\"<]+)", message.text).group(1)
    assert client.get("/").status_code == 303  # not signed in yet: to the sign-in page
    confirm = client.get(link)
    assert "Nguyễn Văn An" in confirm.text
    assert client.post(link, data={"csrf_token": csrf_of(confirm.text)}).status_code == 303
    assert client.get("/plans/kh-test").status_code == 200
    # The link signs in once; a second browser cannot use it again.
    other = make_client(engine, world["settings"], world["clock"])
    again = other.get(link)
    assert again.status_code == 410


def test_a_session_expires_on_the_servers_clock(world):
    client, clock, engine = world["client"], world["clock"], world["engine"]
    sign_in_as(client, contact_id(engine, "An"), clock.now)
    assert client.get("/plans/kh-test").status_code == 200
    clock.now += timedelta(hours=world["settings"].session_max_age_hours, minutes=1)
    assert client.get("/plans/kh-test").status_code == 303


def test_a_focal_point_cannot_read_or_act_on_another_agencys_items(world):
    client, engine, clock = world["client"], world["engine"], world["clock"]
    sign_in_as(client, contact_id(engine, "Cường"), clock.now)
    occurrence = _task_occurrence(engine, world["ids"])  # SNGV's
    assert client.get(f"/occurrences/{occurrence}").status_code == 403
    assert client.get("/agencies/SNGV").status_code == 403
    home = client.get("/agencies/STTTT")
    assert home.status_code == 200
    acted = client.post(f"/occurrences/{occurrence}/act/submit", data={"csrf_token": csrf_of(home.text)})
    assert acted.status_code == 403
    assert client.get("/queue").status_code == 403
    with Session(engine) as session:
        assert session.scalars(select(Submission)).all() == []


def test_a_manager_sees_their_subtree_only(world):
    client, engine, clock = world["client"], world["engine"], world["clock"]
    sign_in_as(client, contact_id(engine, "Dung"), clock.now)  # STTTT's manager: STTTT has nobody under it
    assert client.get("/agencies/STTTT").status_code == 200
    assert client.get("/agencies/UBND-NHA-TRANG").status_code == 403
    top = make_client(engine, world["settings"], clock)
    sign_in_as(top, contact_id(engine, "Phượng"), clock.now)  # the province's: every agency under it
    for code in ("UBND-TINH", "SNGV", "STTTT", "UBND-NHA-TRANG"):
        assert top.get(f"/agencies/{code}").status_code == 200, code


def test_script_in_an_agency_name_or_a_note_is_shown_as_text(world):
    client, engine, clock = world["client"], world["engine"], world["clock"]
    with Session(engine) as session, session.begin():
        session.scalars(select(Agency).where(Agency.code == "SNGV")).one().name = "<script>alert(1)</script>"
    occurrence = _task_occurrence(engine, world["ids"])
    token = client.app.state.web.signer.sign({"o": occurrence, "c": contact_id(engine, "Bình"), "a": "submit"},
                                             salt=ACTION_SALT, at=clock.now)
    form = client.get(f"/l/{token}")
    client.post(f"/l/{token}", data={"csrf_token": csrf_of(form.text), "note": "<script>steal()</script>"})
    sign_in_as(client, contact_id(engine, "An"), clock.now)
    for path in (f"/occurrences/{occurrence}", "/queue", "/agencies/SNGV", "/plans/kh-test"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script>" not in page.text, path
    assert "&lt;script&gt;steal()&lt;/script&gt;" in client.get("/queue").text


def test_the_coordinator_accepts_from_the_queue_and_the_overview_counts_it(world):
    client, engine, clock = world["client"], world["engine"], world["clock"]
    occurrence = _task_occurrence(engine, world["ids"])
    token = client.app.state.web.signer.sign({"o": occurrence, "c": contact_id(engine, "Bình"), "a": "submit"},
                                             salt=ACTION_SALT, at=clock.now)
    form = client.get(f"/l/{token}")
    client.post(f"/l/{token}", data={"csrf_token": csrf_of(form.text), "note": "Xong"})
    sign_in_as(client, contact_id(engine, "An"), clock.now)
    queue = client.get("/queue")
    assert "Quy chế quản lý hoạt động đối ngoại" in queue.text
    before = _counts(client.get("/plans/kh-test").text)
    accepted = client.post(f"/occurrences/{occurrence}/act/accept", data={"csrf_token": csrf_of(queue.text)})
    assert accepted.status_code == 303
    with Session(engine) as session:
        assert session.get(Occurrence, occurrence).status == "done_on_time"
    after = _counts(client.get("/plans/kh-test").text)
    assert after["submitted"] == before["submitted"] - 1
    assert after["done_on_time"] == before["done_on_time"] + 1
    assert "Quy chế quản lý hoạt động đối ngoại" not in client.get("/queue").text


def _counts(html: str) -> dict[str, int]:
    found = re.findall(r'class="count s-(\w+)"[^>]*>\s*<span class="n">(\d+)</span>', html)
    assert found, "the overview shows no counts"
    return {status: int(n) for status, n in found}


LATER = vn(2017, 12, 20, 8)  # the task and the yearly report both overdue


@pytest.fixture
def overdue_world(world):
    remind(world["engine"], world["settings"], LATER)
    world["clock"].now = LATER + timedelta(hours=1)
    return world


def test_the_overdue_workbook_has_a_summary_and_a_sheet_per_agency_with_real_dates(overdue_world):
    from openpyxl import load_workbook

    client, engine, clock = overdue_world["client"], overdue_world["engine"], overdue_world["clock"]
    sign_in_as(client, contact_id(engine, "An"), clock.now)
    response = client.get("/plans/kh-test/overdue.xlsx")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(response.content))
    overdue = [v for v in _views(overdue_world) if v.status == "overdue"]
    agencies = {v.agency_code for v in overdue}
    assert sorted(book.sheetnames[1:]) == sorted(agencies) and len(agencies) >= 2
    summary = _sheet_text(book[book.sheetnames[0]])
    assert all(code in summary for code in agencies)
    for code in agencies:
        sheet = book[code]
        rows = [row for row in sheet.iter_rows(values_only=True) if any(isinstance(c, datetime) for c in row)]
        assert len(rows) == sum(1 for v in overdue if v.agency_code == code)


def test_the_calendar_feed_holds_each_deadline_once_in_the_plans_zone(overdue_world):
    from icalendar import Calendar

    client, engine, clock = overdue_world["client"], overdue_world["engine"], overdue_world["clock"]
    sign_in_as(client, contact_id(engine, "Cường"), clock.now)
    page = client.get("/agencies/STTTT")
    feed_url = re.search(r'value="http://testserver(/calendar/[^"]+\.ics)"', page.text).group(1)
    anonymous = make_client(engine, overdue_world["settings"], clock)  # a calendar app: no session
    feed = anonymous.get(feed_url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    expected = [v for v in _views(overdue_world) if v.agency_code == "STTTT"]
    assert len(events) == len(expected) and len({str(e["UID"]) for e in events}) == len(events)
    for event in events:
        assert str(event["DTSTART"].dt.tzinfo) in ("Asia/Ho_Chi_Minh", "Asia/Saigon")
    assert anonymous.get(feed_url.replace(".ics", "x.ics")).status_code == 404


def test_csv_tables_of_the_plan_and_the_agency(overdue_world):
    import csv

    client, engine, clock = overdue_world["client"], overdue_world["engine"], overdue_world["clock"]
    sign_in_as(client, contact_id(engine, "An"), clock.now)
    plan = list(csv.reader(io.StringIO(client.get("/plans/kh-test/occurrences.csv").content.decode("utf-8-sig"))))
    assert len(plan) - 1 == len(_views(overdue_world))
    agency = client.get("/agencies/STTTT/occurrences.csv")
    assert agency.status_code == 200 and "attachment" in agency.headers["content-disposition"]
    assert client.get("/plans/kh-test/blockers.csv").status_code == 200
    assert client.get("/messages.csv").status_code == 200


def test_the_coordinator_sends_a_dead_message_again(world):
    from obligations.models.tables import Notification, NotificationStatus

    client, engine, clock = world["client"], world["engine"], world["clock"]
    with Session(engine) as session, session.begin():
        note = session.scalars(select(Notification).order_by(Notification.id)).first()
        note.status, note.attempts, note.last_error = NotificationStatus.DEAD, 3, "550 mailbox unavailable"
        dead_id = note.id
    sign_in_as(client, contact_id(engine, "An"), clock.now)
    page = client.get("/messages")
    assert "550 mailbox unavailable" in page.text
    sent = client.post(f"/messages/{dead_id}/resend", data={"csrf_token": csrf_of(page.text)})
    assert sent.status_code == 303
    with Session(engine) as session:
        note = session.get(Notification, dead_id)
        assert (note.status, note.attempts) == (NotificationStatus.PENDING, 0)
    assert "550 mailbox unavailable" not in client.get("/messages").text


def _views(world):
    from obligations.flows.report import occurrences_at
    from obligations.flows.runtime import Runtime

    with Session(world["engine"]) as session:
        return occurrences_at(session, Runtime(world["settings"]), world["clock"].now, plan="kh-test")


def _sheet_text(sheet) -> str:
    return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)


def test_the_web_command_without_a_secret_key_says_which_setting_to_set(monkeypatch, sqlite_url):
    from typer.testing import CliRunner

    from obligations.cli import app

    monkeypatch.delenv("OBLIGATIONS_SECRET_KEY", raising=False)
    result = CliRunner().invoke(app, ["--database-url", sqlite_url, "web", "--port", "8765"])
    assert result.exit_code == 2
    assert "OBLIGATIONS_SECRET_KEY" in result.output and "Traceback" not in result.output


def test_the_attachment_is_served_to_the_coordinator_and_refused_to_another_agency(world):
    client, engine, clock = world["client"], world["engine"], world["clock"]
    occurrence = _task_occurrence(engine, world["ids"])
    token = client.app.state.web.signer.sign({"o": occurrence, "c": contact_id(engine, "Bình"), "a": "submit"},
                                             salt=ACTION_SALT, at=clock.now)
    form = client.get(f"/l/{token}")
    content = "Báo cáo kết quả".encode() + bytes(range(256))
    client.post(f"/l/{token}", data={"csrf_token": csrf_of(form.text)},
                files={"attachment": ("báo cáo.pdf", io.BytesIO(content), "application/pdf")})
    with Session(engine) as session:
        attachment_id = session.scalars(select(Attachment.id)).one()
    sign_in_as(client, contact_id(engine, "An"), clock.now)
    served = client.get(f"/attachments/{attachment_id}")
    assert served.status_code == 200 and served.content == content
    assert "attachment" in served.headers["content-disposition"]
    other = make_client(engine, world["settings"], clock)
    sign_in_as(other, contact_id(engine, "Cường"), clock.now)
    assert other.get(f"/attachments/{attachment_id}").status_code == 403


def test_over_https_the_session_cookie_is_secure(engine, maildir):
    build(engine)
    from fastapi.testclient import TestClient

    from obligations.web.app import create_app

    settings = web_settings(maildir).model_copy(update={"public_base_url": "https://theodoi.example.gov.vn"})
    client = TestClient(create_app(settings, engine=engine, clock=Clock(MORNING), sender=Outbox()),
                        base_url="https://testserver", follow_redirects=False)
    cookie = client.get("/sign-in").headers["set-cookie"]  # the form's token starts a session
    plain = make_client(engine, web_settings(maildir), Clock(MORNING)).get("/sign-in").headers["set-cookie"]
    assert "secure" in cookie.lower() and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in plain.lower()
