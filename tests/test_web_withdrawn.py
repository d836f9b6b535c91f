"""Withdrawn occurrences (their task or plan retired: `active: false`, `obligations plan retire`) in the web app
and the JSON API: listed and counted under their own status, so that the counts add up to the total; left out
of the calendar feeds and of the workbook's columns; and a link from a message sent before the retirement says
the task was withdrawn instead of offering a form, and refuses the action without using the link up.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from obligations.flows.report import occurrences_at
from obligations.flows.runtime import Runtime
from obligations.models.db import session_scope
from obligations.models.tables import ApiToken, Blocker, ExtensionRequest, LinkUse, Occurrence, Submission
from obligations.notifications.links import ACTION_SALT, token_digest
from obligations.plans.file.retire import retire, retire_target
from obligations.rules.status import LABELS_VI, Status
from obligations.web.api import StatusCounts
from tests.web_support import Clock, contact_id, csrf_of, make_client, remind, sign_in_as, web_settings
from tests.world import EPOCH, build, vn

DECEMBER = vn(2017, 12, 5, 8)  # III.1.8 (SNGV) overdue; the yearly report III.6.4 due soon from STTTT and Nha Trang
TOKEN = "a-token-the-operator-issued"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
WITHDRAWN_LABEL = LABELS_VI[Status.WITHDRAWN]
NOTICE = "đã được rút khỏi kế hoạch và ngừng theo dõi"


@pytest.fixture
def world(engine, maildir):
    ids = build(engine)
    settings = web_settings(maildir)
    remind(engine, settings, DECEMBER)
    with session_scope(engine) as session:
        session.add(ApiToken(name="hệ thống báo cáo", sha256=token_digest(TOKEN), created_at=EPOCH))
    clock = Clock(DECEMBER + timedelta(hours=1))
    return {"ids": ids, "settings": settings, "clock": clock, "engine": engine,
            "client": make_client(engine, settings, clock)}


def _retire(world, ref: str) -> int:
    with session_scope(world["engine"]) as session:
        plan, obligations = retire_target(session, "kh-test", [ref])
        return retire(session, plan, obligations, as_of=world["clock"].now, actor="sngv").withdrawn


def _views(world, **narrowed):
    with Session(world["engine"]) as session:
        return occurrences_at(session, Runtime(world["settings"]), world["clock"].now, **narrowed)


def _overview_counts(html: str) -> dict[str, int]:
    found = re.findall(r'class="count s-(\w+)"[^>]*>\s*<span class="n">(\d+)</span>', html)
    assert found, "the overview shows no counts"
    return {status: int(n) for status, n in found}


def test_the_api_has_a_count_for_every_status():
    assert set(StatusCounts.model_fields) == {s.value for s in Status} | {"total"}


def test_withdrawn_items_are_counted_on_the_overview_and_in_the_api_and_the_counts_add_up(world):
    client, engine = world["client"], world["engine"]
    assert _retire(world, "III.6.4") == 2  # the reports of STTTT and of Nha Trang
    views = _views(world)
    assert sorted(v.status.value for v in views) == ["overdue", "withdrawn", "withdrawn"]

    sign_in_as(client, contact_id(engine, "An"), world["clock"].now)  # the plan's coordinator
    overview = client.get("/plans/kh-test")
    counts = _overview_counts(overview.text)
    assert counts["withdrawn"] == 2 and counts["overdue"] == 1
    assert sum(counts.values()) == len(views)
    assert WITHDRAWN_LABEL in overview.text
    agency = client.get("/agencies/STTTT", params={"plan": "kh-test"})
    assert agency.status_code == 200 and 'class="status s-withdrawn">' + WITHDRAWN_LABEL in agency.text

    plans = client.get("/api/v1/plans", headers=BEARER).json()
    [plan] = plans["plans"]
    assert plan["counts"]["withdrawn"] == 2 and plan["counts"]["total"] == len(views)
    assert sum(n for status, n in plan["counts"].items() if status != "total") == plan["counts"]["total"]
    statuses = client.get("/api/v1/plans/kh-test/statuses", headers=BEARER).json()
    by_agency = {row["code"]: row["counts"] for row in statuses["by_agency"]}
    assert (by_agency["STTTT"]["withdrawn"], by_agency["STTTT"]["total"]) == (1, 1)
    assert by_agency["SNGV"]["withdrawn"] == 0
    agency_counts = client.get("/api/v1/agencies/UBND-NHA-TRANG/statuses", headers=BEARER).json()["counts"]
    assert (agency_counts["withdrawn"], agency_counts["total"]) == (1, 1)
    listed = client.get("/api/v1/occurrences", params={"status": "withdrawn"}, headers=BEARER).json()
    assert listed["total"] == 2 and {i["agency"] for i in listed["items"]} == {"STTTT", "UBND-NHA-TRANG"}


def test_exports_show_a_withdrawn_item_in_the_table_and_leave_it_out_of_the_calendar_and_the_columns(world):
    from icalendar import Calendar
    from openpyxl import load_workbook

    client, engine, clock = world["client"], world["engine"], world["clock"]
    sign_in_as(client, contact_id(engine, "Cường"), clock.now)  # STTTT's focal point
    feed_url = re.search(r'value="http://testserver(/calendar/[^"]+\.ics)"', client.get("/agencies/STTTT").text)[1]
    calendar_app = make_client(engine, world["settings"], clock)
    assert len(Calendar.from_ical(calendar_app.get(feed_url).content).walk("VEVENT")) == 1  # the report, before
    _retire(world, "III.6.4")
    assert Calendar.from_ical(calendar_app.get(feed_url).content).walk("VEVENT") == []  # nothing asked any more

    table = list(csv.reader(io.StringIO(client.get("/agencies/STTTT/occurrences.csv").content.decode("utf-8-sig"))))
    assert len(table) == 2 and WITHDRAWN_LABEL in table[1]

    sign_in_as(client, contact_id(engine, "An"), clock.now)
    book = load_workbook(io.BytesIO(client.get("/plans/kh-test/overdue.xlsx").content))
    rows = {row[0]: row for row in book[book.sheetnames[0]].iter_rows(values_only=True) if row and row[0]}
    assert rows["SNGV"][2:] == (0, 1, 0, 0, 1)  # the overdue task
    assert rows["STTTT"][2:] == rows["UBND-NHA-TRANG"][2:] == (0, 0, 0, 0, 0)  # nothing owed, nothing counted
    assert rows["Cộng"][2:] == (0, 1, 0, 0, 1)


def _link(world, occurrence_id: int, action: str) -> str:
    signer = world["client"].app.state.web.signer
    token = signer.sign({"o": occurrence_id, "c": contact_id(world["engine"], "Bình"), "a": action},
                        salt=ACTION_SALT, at=world["clock"].now - timedelta(days=3))  # sent before the retirement
    return f"/l/{token}"


def _task(world) -> int:
    with Session(world["engine"]) as session:
        return session.scalar(select(Occurrence.id).where(Occurrence.obligation_id == world["ids"]["task"]))


def _written(engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (Submission, ExtensionRequest, Blocker, LinkUse))


@pytest.mark.parametrize(("action", "form"), [
    ("submit", {"note": "Đã trình UBND tỉnh dự thảo Quy chế"}),
    ("extension", {"until": "2017-12-29", "reason": "Chờ ý kiến Sở Tư pháp"}),
    ("blocker", {"text": "Chưa có ý kiến thẩm định của Sở Tư pháp"}),
])
def test_a_link_to_a_withdrawn_task_says_so_and_refuses_the_action(world, action, form):
    client, engine = world["client"], world["engine"]
    occurrence = _task(world)
    link = _link(world, occurrence, action)
    csrf = csrf_of(client.get(link).text)  # before: the form
    _retire(world, "III.1.8")
    before = _written(engine)

    page = client.get(link)
    assert page.status_code == 200 and NOTICE in page.text and WITHDRAWN_LABEL in page.text
    assert "<form" not in page.text
    refused = client.post(link, data={"csrf_token": csrf, **form})
    assert refused.status_code == 400 and NOTICE in refused.text and "<form" not in refused.text
    assert _written(engine) == before  # nothing recorded, the link not used up
    with Session(engine) as session:
        assert session.get(Occurrence, occurrence).status == Status.WITHDRAWN


def test_a_view_link_to_a_withdrawn_task_offers_no_action(world):
    client = world["client"]
    link = _link(world, _task(world), "view")
    assert client.get(link).text.count('href="http://testserver/l/') == 3  # submit, extension, blocker
    _retire(world, "III.1.8")
    page = client.get(link)
    assert page.status_code == 200 and NOTICE in page.text and "/l/" not in page.text.replace(link, "")


def test_the_coordinator_cannot_return_a_submission_of_a_retired_task_from_the_queue_but_can_accept_it(world):
    client, engine, clock = world["client"], world["engine"], world["clock"]
    occurrence = _task(world)
    link = _link(world, occurrence, "submit")
    client.post(link, data={"csrf_token": csrf_of(client.get(link).text), "note": "Dự thảo Quy chế đã trình"})
    _retire(world, "III.1.8")  # handed in, then the task retired: the submission stays, awaiting review
    sign_in_as(client, contact_id(engine, "An"), clock.now)
    queue = client.get("/queue")
    assert "Dự thảo Quy chế đã trình" in queue.text
    returned = client.post(f"/occurrences/{occurrence}/act/return",
                           data={"csrf_token": csrf_of(queue.text), "note": "Thiếu phụ lục", "next": "/queue"})
    assert returned.status_code == 303
    said = client.get("/queue").text
    assert "⚠ không thể trả lại báo cáo: nhiệm vụ III.1.8" in said and "đã ngừng theo dõi" in said
    with Session(engine) as session:
        assert session.get(Occurrence, occurrence).status == Status.SUBMITTED
        assert session.scalars(select(Submission.state)).all() == ["pending"]
    accepted = client.post(f"/occurrences/{occurrence}/act/accept", data={"csrf_token": csrf_of(queue.text)})
    assert accepted.status_code == 303
    with Session(engine) as session:
        assert session.get(Occurrence, occurrence).status == Status.DONE_LATE  # submitted after 30/9
