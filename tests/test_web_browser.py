"""End to end in a real browser: Debian's Chromium, driven by Playwright, on the app served by uvicorn.

A focal point acts from the link in the email the morning's sweep wrote, the coordinator signs in by a
one-time link and accepts the report from the queue, and the province's manager, weeks later, opens an
overdue item from the overview and reads who was reminded and chased, and when. Along the way: no page
logs an error or fetches anything from outside the app, and the screenshots land in var/screenshots/.

Skipped (with the reason printed) where /usr/bin/chromium is missing, unless OBLIGATIONS_REQUIRE_CHROMIUM=1
(CI), which makes a missing browser a failure.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from obligations.config.settings import Settings
from obligations.flows.report import occurrences_at
from obligations.flows.runtime import Runtime
from obligations.models.tables import Attachment, Contact, Notification, NotificationStatus, Occurrence, Submission
from obligations.web.app import create_app
from obligations.web.words import WORDS
from tests.live_server import live_server
from tests.web_support import SECRET, Clock, Outbox, body, remind
from tests.world import build, vn

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_CHROMIUM = os.environ.get("OBLIGATIONS_REQUIRE_CHROMIUM") == "1"
SHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
MORNING = vn(2017, 9, 18, 8)  # ten working days before the task III.1.8 is due (30/9/2017, moved to 2/10)
# The yearly report is due on 14/12/2017: the sweeps before it remind, the ones after it chase.
LATER_SWEEPS = [vn(2017, 11, 30, 8), vn(2017, 12, 14, 8), vn(2017, 12, 15, 8), vn(2017, 12, 19, 8)]
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 5_000


def vi(key: str) -> str:
    return WORDS[key][0]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if REQUIRE_CHROMIUM:
            pytest.fail(f"OBLIGATIONS_REQUIRE_CHROMIUM=1 but {reason}")
        print(f"\nskipping the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@dataclass
class Site:
    """The served app, its database, its clock and sign-in outbox, and what every browser page did."""

    base: str
    engine: Engine
    settings: Settings
    clock: Clock
    outbox: Outbox
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # answers of 400 and above

    def context(self, browser, **options):
        """A fresh browser profile (one person's browser) whose pages are watched."""
        context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("response", lambda r: r.status >= 400 and self.refused.append(f"{r.status} {r.url}"))
        context.on("page", self._watch)
        return context

    def _watch(self, page) -> None:
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(f"{page.url}: {m.text}"))
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: {error}"))

    def truth(self) -> list:
        with Session(self.engine) as session:
            return occurrences_at(session, Runtime(self.settings), self.clock.now, plan="kh-test")


@pytest.fixture
def site(sqlite_engine, maildir):
    build(sqlite_engine)
    clock, outbox, made = Clock(MORNING + timedelta(hours=1)), Outbox(), {}

    def app(base: str):
        # Messages written by the sweep link to this server: the settings must name its port.
        made["settings"] = Settings(secret_key=SECRET, public_base_url=base, email_url=f"maildir://{maildir}",
                                    zalo_url=f"maildir://{maildir}")
        return create_app(made["settings"], engine=sqlite_engine, clock=clock, sender=outbox)

    with live_server(app) as base:
        yield Site(base, sqlite_engine, made["settings"], clock, outbox)


def test_from_the_reminder_to_the_managers_overdue_list(browser, site, inbox, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    remind(site.engine, site.settings, MORNING)
    link = _submit_link_to(inbox(), "user1@example.org", site.base)
    _phone_form(browser, site, link)
    _focal_point_submits(browser, site, link, tmp_path)
    _coordinator_accepts(browser, site)
    for moment in LATER_SWEEPS:
        remind(site.engine, site.settings, moment)
    site.clock.now = LATER_SWEEPS[-1] + timedelta(hours=1)
    _manager_reads_the_overdue(browser, site)
    assert site.console_errors == []
    assert site.refused == []
    assert site.requests, "the browser made no request"
    outside = [url for url in site.requests if not url.startswith(site.base + "/")]
    assert outside == [], f"requests outside the app: {outside}"


def _submit_link_to(messages, address: str, base: str) -> str:
    """The link after the words for "submit" in the plain text of the message to ``address``."""
    [message] = [m for m in messages if address in m["To"].lower()]
    found = re.search(r"Gửi báo cáo: (\S+)", body(message))
    assert found, body(message)
    assert found.group(1).startswith(f"{base}/l/")
    return found.group(1)


def _phone_form(browser, site: Site, link: str) -> None:
    """Opening the link (without sending) on a phone: the form fits the screen's width."""
    context = site.context(browser, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(link)
    page.get_by_role("heading", name=vi("submit")).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    send = page.get_by_role("button", name=vi("send"), exact=True).bounding_box()
    assert send and 0 <= send["x"] and send["x"] + send["width"] <= PHONE["width"]
    page.screenshot(path=SHOTS / "link-form-phone.png", full_page=True)
    context.close()


def _focal_point_submits(browser, site: Site, link: str, tmp_path: Path) -> None:
    report = tmp_path / "bao-cao-quy-che.pdf"
    report.write_bytes(b"%PDF-1.4\n% the report\n%%EOF\n")
    context = site.context(browser)
    page = context.new_page()
    page.goto(link)
    assert "Quy chế quản lý hoạt động đối ngoại" in page.content()
    page.locator("textarea[name=note]").fill("Đã trình UBND tỉnh dự thảo Quy chế")
    page.locator("input[type=file][name=attachment]").set_input_files(report)
    page.get_by_role("button", name=vi("send"), exact=True).click()
    page.get_by_role("heading", name=vi("done")).wait_for()
    with Session(site.engine) as session:
        submission = session.scalars(select(Submission)).one()
        attachment = session.scalars(select(Attachment)).one()
        assert submission.note == "Đã trình UBND tỉnh dự thảo Quy chế"
        assert "Trần Thị Bình" in submission.submitted_by
        assert (attachment.filename, attachment.content) == (report.name, report.read_bytes())
        assert session.get(Occurrence, submission.occurrence_id).status == "submitted"
    context.close()


def _sign_in(browser, site: Site, address: str, name: str):
    """Ask for a link at ``address``, open the link the app sent, confirm: a page on the signed-in dashboard."""
    context = site.context(browser)
    page = context.new_page()
    page.goto(f"{site.base}/sign-in")
    page.get_by_label(vi("address")).fill(address)
    sent_before = len(site.outbox.sent)
    page.get_by_role("button", name=vi("send_link")).click()
    page.get_by_text(vi("link_sent").split(".")[0]).wait_for()
    assert len(site.outbox.sent) == sent_before + 1
    message = site.outbox.sent[-1]
    assert address in message.url
    link = re.search(re.escape(site.base) + r"/sign-in/[A-Za-z0-9_.\-]+", message.text).group(0)
    page.goto(link)
    page.get_by_role("button", name=vi("confirm_sign_in").format(name=name)).click()
    page.wait_for_url(f"{site.base}/plans/kh-test")  # one plan: the dashboard opens on it
    assert name in page.locator("header .who").inner_text()
    return context, page


def _coordinator_accepts(browser, site: Site) -> None:
    context, page = _sign_in(browser, site, "user0@example.org", "Nguyễn Văn An")
    page.goto(f"{site.base}/queue")
    card = page.locator(".card.review", has_text="Quy chế quản lý hoạt động đối ngoại")
    assert "bao-cao-quy-che.pdf" in card.inner_text()
    with page.expect_navigation(url=f"{site.base}/queue"):
        card.get_by_role("button", name=vi("accept"), exact=True).click()
    flash = page.get_by_role("status")
    assert flash.inner_text().strip() and "⚠" not in flash.inner_text()
    assert page.get_by_text(vi("no_queue")).is_visible()
    page.goto(f"{site.base}/plans/kh-test")
    shown = _counts_as_the_database_has_them(page, site)
    assert shown["done_on_time"] >= 1 and shown["submitted"] == 0
    context.close()


def _counts_as_the_database_has_them(page, site: Site) -> dict[str, int]:
    """The overview's counts by status, checked against the statuses computed from the database now."""
    items = page.locator("ul.counts li.count")
    shown = {items.nth(i).get_attribute("data-status"): int(items.nth(i).locator(".n").inner_text())
             for i in range(items.count())}
    assert shown, "the overview shows no counts"
    truth = Counter(v.status.value for v in site.truth())
    assert shown == {status: truth.get(status, 0) for status in shown}
    assert sum(shown.values()) == sum(truth.values()), f"a status is missing from the overview: {truth}"
    return shown


def _manager_reads_the_overdue(browser, site: Site) -> None:
    context, page = _sign_in(browser, site, "user5@example.org", "Võ Thị Phượng")
    truth = site.truth()
    overdue = sorted((v for v in truth if v.status.value == "overdue"), key=lambda v: (v.deadline_day, v.id))
    assert overdue, "nothing is overdue at the later date: the scenario lost its point"
    counts = _counts_as_the_database_has_them(page, site)
    assert counts["overdue"] == len(overdue) and counts["done_on_time"] >= 1
    assert page.locator("svg.chart rect.bar").count() == len({v.agency_code for v in overdue})
    page.screenshot(path=SHOTS / "overview.png", full_page=True)
    oldest = page.locator("section", has=page.get_by_role("heading", name=vi("oldest_overdue")))
    _assert_columns_line_up(oldest.locator("table"))
    oldest.locator("tbody a[href^='/occurrences/']").first.click()
    page.wait_for_url(f"{site.base}/occurrences/{overdue[0].id}")
    _assert_timeline(page, site, overdue[0].id)
    page.screenshot(path=SHOTS / "occurrence.png", full_page=True)
    context.close()


def _assert_timeline(page, site: Site, occurrence_id: int) -> None:
    """Every message sent about the item is a line: when (local time), what, and to whom on which channel."""
    timeline = page.locator("section", has=page.get_by_role("heading", name=vi("timeline")))
    _assert_columns_line_up(timeline.locator("table"))
    rows = [[cell.strip() for cell in row.locator("td").all_inner_texts()]
            for row in timeline.locator("tbody tr").all()]
    with Session(site.engine) as session:
        sent = session.execute(
            select(Notification.sent_at, Notification.kind, Notification.channel, Notification.recipient_id)
            .where(Notification.occurrence_id == occurrence_id, Notification.status == NotificationStatus.SENT)
            .order_by(Notification.sent_at)).all()
        names = _contact_names(session)
    labels = {"reminder": "Nhắc việc", "due_today": "Nhắc hạn hôm nay", "escalation": "Đôn đốc"}
    expected = [[_local(at), labels[str(kind)], f"→ {names[who]} ({channel})"] for at, kind, channel, who in sent]
    assert {"Nhắc việc", "Đôn đốc"} <= {row[1] for row in expected}, "the item was not reminded then chased"
    assert sorted(row[:3] for row in rows) == sorted(expected)


def _assert_columns_line_up(table) -> None:
    """Each heading cell stands above the cells of its column (a table laid out as a table, not as a grid)."""
    headings = table.locator("thead th").all()
    cells = table.locator("tbody tr").first.locator("td").all()
    assert len(headings) == len(cells) > 1, "the table's first row does not have a cell per heading"
    for heading, cell in zip(headings, cells, strict=True):
        above, below = heading.bounding_box(), cell.bounding_box()
        assert abs(above["x"] - below["x"]) < 1 and abs(above["width"] - below["width"]) < 1, (
            f"column “{heading.inner_text()}” is at x={above['x']:.0f} over a cell at x={below['x']:.0f}")


def _contact_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Contact.id, Contact.name)).all())


def _local(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite gives back naive UTC
    return moment.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M")
