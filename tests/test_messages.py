"""Every message kind in both languages; the blocker notice and the weekly digest end to end."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.flows import actions
from obligations.flows.digest import digest
from obligations.flows.dispatch import dispatch
from obligations.flows.messages import bundle_context
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.tables import Notification, Occurrence
from obligations.notifications.render import KINDS, render
from tests.world import build, vn

CONTEXT = {
    "recipient_name": "Lê Văn Cường",
    "recipient_agency_name": "Sở Thông tin và Truyền thông",
    "plan_title": "Kế hoạch triển khai công tác đối ngoại nhân dân",
    "plan_number": "123/KH-UBND",
    "coordinator_name": "Sở Ngoại vụ",
    "notify": "manager",
    "level": 2,
    "today": date(2025, 12, 15),
    "occurrence_id": 7,
    "agency_name": "Ủy ban nhân dân thành phố Nha Trang",
    "obligation_ref": "III.6.4",
    "obligation_title": "Báo cáo tổng hợp hằng năm",
    "obligation_text": "Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo cáo",
    "provision_ref": "III.6",
    "checkin": False,
    "deadline": date(2025, 12, 14),
    "working_days_left": 0,
    "working_days_overdue": 3,
    "report_to": "Sở Ngoại vụ",
    "supporting": ["Sở Tài chính", "Liên hiệp các tổ chức hữu nghị tỉnh"],
    "action_link": "https://nhacviec.example.org/occurrences/7",
    "payload": {
        "text": "Chưa được bố trí kinh phí",
        "raised_by": "Hoàng Văn Em",
        "raised_on": "12/12/2025",
        "recipient": "Hoàng Văn Em",
        "agency": "UBND Nha Trang",
        "channels": ["email", "zalo"],
        "subject": "[Nhắc việc] III.6.4",
        "error": "connection refused",
        "event": "returned",
        "note": "Đề nghị bổ sung số liệu",
    },
    "rows": [{"agency": "UBND Nha Trang", "overdue": 1, "due_soon": 0, "submitted": 0,
              "late": [{"ref": "III.6.4", "title": "Báo cáo", "deadline": "2025-12-14", "overdue": 3}]}],
    "total_overdue": 1,
    "undeliverable": 0,
}


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_in_both_languages(kind, language):
    rendered = render(kind, language, bundle_context([CONTEXT | {"kind": "reminder"}]) if kind == "bundle" else CONTEXT)
    assert rendered.subject and "\n" not in rendered.subject
    assert "Lê Văn Cường" in rendered.text
    assert unicodedata.is_normalized("NFC", rendered.text)
    assert rendered.html.startswith("<!DOCTYPE html>") and "Lê Văn Cường" in rendered.html
    if kind in ("reminder", "due_today", "escalation", "blocker", "undeliverable"):
        assert "III.6.4" in rendered.subject
        assert "Ủy ban nhân dân thành phố Nha Trang" in rendered.text
    if kind in ("reminder", "due_today", "escalation"):
        assert "Sở Tài chính, Liên hiệp các tổ chức hữu nghị tỉnh" in rendered.text  # who else is responsible
        assert "https://nhacviec.example.org/occurrences/7" in rendered.text
        assert ("Chủ nhật, 14/12/2025" if language == "vi" else "Sunday, 14 December 2025") in rendered.text


def test_each_escalation_level_speaks_to_its_reader():
    texts = {role: render("escalation", "vi", CONTEXT | {"notify": role}).text
             for role in ("focal_point", "manager", "coordinator", "plan_manager")}
    assert "khẩn trương hoàn thành" in texts["focal_point"]
    assert "Đề nghị Lãnh đạo chỉ đạo" in texts["manager"]
    assert "cơ quan điều phối đôn đốc" in texts["coordinator"]
    assert "Kính báo cáo" in texts["plan_manager"]
    assert "quá hạn 3 ngày làm việc" in texts["manager"]


def test_vietnamese_weekdays():
    for day, text in ((date(2026, 2, 23), "Thứ Hai, 23/02/2026"), (date(2026, 2, 22), "Chủ nhật, 22/02/2026")):
        assert f"hạn {text}" in render("reminder", "vi", CONTEXT | {"deadline": day}).subject


def test_a_blocker_reaches_the_coordinator(engine, rt, inbox):
    ids = build(engine)
    sweep(engine, rt, vn(2017, 12, 1, 7))
    with session_scope(engine) as session:
        occurrence = session.scalars(select(Occurrence).where(Occurrence.agency_id == ids["STTTT"])).one()
        actions.raise_blocker(session, rt, occurrence.id, as_of=vn(2017, 12, 5, 9), actor="Lê Văn Cường",
                              text="Chưa nhận được số liệu của các huyện")
    dispatch(engine, rt, vn(2017, 12, 5, 9))
    notices = [m for m in inbox() if str(m["Subject"]).startswith("[Vướng mắc]")]
    assert len(notices) == 1 and notices[0]["To"] == "user0@example.org"
    body = notices[0].get_body(preferencelist=("plain",)).get_content()
    assert "Chưa nhận được số liệu của các huyện" in body and "Lê Văn Cường" in body


def test_weekly_digest_once_a_week_for_managers(engine, rt, inbox):
    build(engine)
    sweep(engine, rt, vn(2017, 12, 18, 7))  # the 2017 report is overdue for both members
    queued = digest(engine, rt, vn(2017, 12, 18, 7))
    assert digest(engine, rt, vn(2017, 12, 20, 7)) == 0  # same ISO week: nothing new
    with Session(engine) as session:
        rows = session.scalars(select(Notification).where(Notification.kind == "digest")).all()
    # UBND-TINH's manager (the plan's) gets all agencies; STTTT's manager only STTTT; no coordinator digest
    # is lost either: SNGV's coordinator.
    assert queued == len(rows) == 3
    full = next(r for r in rows if r.recipient_id == 6)
    assert {row["code"] for row in full.payload["rows"]} >= {"STTTT", "UBND-NHA-TRANG"}
    own = next(r for r in rows if r.recipient_id == 4)
    assert [row["code"] for row in own.payload["rows"]] == ["STTTT"]
    dispatch(engine, rt, vn(2017, 12, 18, 8))
    subjects = [str(m["Subject"]) for m in inbox()]
    assert sum(s.startswith("[Tổng hợp tuần] Kế hoạch thử nghiệm") for s in subjects) == 3


CHECKIN_REMINDER = CONTEXT | {"working_days_left": 3, "working_days_overdue": 0, "checkin": True,
                              "action_link": None, "coordinator_name": None}
DETAILS_VI = """\
  Nhiệm vụ: III.6.4 — Báo cáo tổng hợp hằng năm
  Nội dung: Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo cáo
  Kế hoạch: Kế hoạch triển khai công tác đối ngoại nhân dân (số 123/KH-UBND), mục III.6
  Kỳ: Báo cáo tiến độ, kỳ hạn 14/12/2025
  Cơ quan chủ trì: Ủy ban nhân dân thành phố Nha Trang
  Cơ quan phối hợp: Sở Tài chính, Liên hiệp các tổ chức hữu nghị tỉnh
  Gửi kết quả/báo cáo cho: Sở Ngoại vụ
  Hạn hoàn thành: Chủ nhật, 14/12/2025 — còn 3 ngày làm việc
"""
DETAILS_EN = """\
  Task: III.6.4 — Báo cáo tổng hợp hằng năm
  Text: Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo cáo
  Plan: Kế hoạch triển khai công tác đối ngoại nhân dân (no. 123/KH-UBND), provision III.6
  Period: Báo cáo tiến độ, kỳ hạn 14/12/2025
  Lead agency: Ủy ban nhân dân thành phố Nha Trang
  Supporting agencies: Sở Tài chính, Liên hiệp các tổ chức hữu nghị tỉnh
  Report to: Sở Ngoại vụ
  Deadline: Sunday, 14 December 2025 — 3 working days left
"""
NO_LINK = "gửi báo cáo cho cơ quan điều phối, hoặc chạy lệnh: obligations submit 7"


def test_a_reminder_reads_word_for_word():
    """The words around the data come from the templates (``_words.txt.j2``), the data from the caller;
    the text is the one sent before the words left the dispatcher."""
    vi = render("reminder", "vi", CHECKIN_REMINDER)
    assert vi.subject == "[Nhắc việc] III.6.4 — hạn Chủ nhật, 14/12/2025, còn 3 ngày làm việc"
    assert vi.text == (
        "Kính gửi Lê Văn Cường (Sở Thông tin và Truyền thông),\n\n"
        "Đề nghị gửi báo cáo ngắn về tiến độ thực hiện nhiệm vụ thường xuyên sau đây:\n\n"
        f"{DETAILS_VI}\nCách báo cáo: {NO_LINK}\n\nTrân trọng,\nCơ quan điều phối\n"
    )
    en = render("reminder", "en", CHECKIN_REMINDER)
    assert en.subject == "[Reminder] III.6.4 — due Sunday, 14 December 2025, 3 working days left"
    assert en.text == (
        "Dear Lê Văn Cường (Sở Thông tin và Truyền thông),\n\n"
        "Please send a short progress note on this ongoing task:\n\n"
        f"{DETAILS_EN}\nHow to report: {NO_LINK}\n\nCơ quan điều phối\n"
    )


@pytest.mark.parametrize("level, label", [(1, "Quá hạn"), (2, "Đôn đốc lần 2"), (4, "Đôn đốc lần 4")])
def test_escalation_levels_and_the_link_to_act(level, label):
    rendered = render("escalation", "vi", CONTEXT | {"level": level})
    assert rendered.subject.startswith(f"[{label}] III.6.4 — Ủy ban nhân dân thành phố Nha Trang quá hạn 3 ngày")
    assert ("Cách báo cáo: mở liên kết https://nhacviec.example.org/occurrences/7 để gửi báo cáo hoặc báo vướng mắc"
            in rendered.text)
    assert rendered.text.endswith("Trân trọng,\nSở Ngoại vụ\n")
    assert "  Kỳ: kỳ hạn 14/12/2025\n" in rendered.text
