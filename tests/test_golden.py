"""Golden renderings: every message kind, in Vietnamese and English, as text and as HTML.

Each case below renders a fixed context (the facts ``flows.messages`` gives a template) and compares the
result with ``tests/golden/{vi,en}/<case>.txt`` (the subject, a blank line, the text part) and ``.html``.
A wording change therefore shows up as a diff to review. After a deliberate change, rewrite the files
and read the diff before committing it:

    OBLIGATIONS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

English messages are English throughout: rendered from the same contexts with every data string made
ASCII, they contain no Vietnamese letter.
"""

from __future__ import annotations

import dataclasses
import os
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from obligations.flows.messages import bundle_context
from obligations.notifications.render import KINDS, render
from obligations.rules.periods import DeadlineChange, PeriodName

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("OBLIGATIONS_UPDATE_GOLDEN") == "1"

PLAN = {
    "plan_title": "Kế hoạch triển khai công tác đối ngoại nhân dân trên địa bàn tỉnh Khánh Hòa giai đoạn 2017-2020",
    "plan_number": "2417/KH-UBND",
    "coordinator_name": "Sở Ngoại vụ",
    "plan_manager_name": "Ủy ban nhân dân tỉnh Khánh Hòa",
    "payload": {},
    "level": 0,
    "escalation_number": 0,
    "escalation_last": False,
}
FOCAL_POINT = {"recipient_name": "Đỗ Thanh Tùng", "recipient_title": None,
               "recipient_agency_name": "Sở Thông tin và Truyền thông", "notify": "focal_point"}
MANAGER = {"recipient_name": "Huỳnh Văn Lộc", "recipient_title": "Phó Giám đốc",
           "recipient_agency_name": "Sở Thông tin và Truyền thông", "notify": "manager"}
COORDINATOR = {"recipient_name": "Phạm Thị Ngọc Trâm", "recipient_title": "Trưởng phòng Thông tin đối ngoại",
               "recipient_agency_name": "Sở Ngoại vụ", "notify": "coordinator"}
LEADER = {"recipient_name": "Trần Quang Minh", "recipient_title": "Phó Chủ tịch Ủy ban nhân dân tỉnh",
          "recipient_agency_name": "Ủy ban nhân dân tỉnh Khánh Hòa", "notify": "manager"}


def links(occurrence_id: int) -> dict:
    base = f"https://nhacviec.khanhhoa.example.org/occurrences/{occurrence_id}"
    return {"view": base, "submit": f"{base}/submit", "extension": f"{base}/extension", "blocker": f"{base}/blocker"}


# The yearly report of III.6.4 for 2019: "trước ngày 15 tháng 12", whose last day, Saturday 14/12/2019,
# moves to Monday 16/12/2019.
YEARLY = PLAN | FOCAL_POINT | {
    "kind": "reminder",
    "today": date(2019, 12, 2),
    "occurrence_id": 412,
    "agency_name": "Sở Thông tin và Truyền thông",
    "obligation_ref": "III.6.4",
    "obligation_title": "Báo cáo kết quả công tác đối ngoại nhân dân hàng năm gửi Sở Ngoại vụ",
    "obligation_text": "Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo cáo tổng hợp tình hình, kết quả triển khai "
                       "công tác đối ngoại nhân dân của cơ quan, đơn vị, địa phương mình cho Sở Ngoại vụ.",
    "provision_ref": "III.6",
    "checkin": False,
    "period": PeriodName("year", 2019),
    "deadline": date(2019, 12, 16),
    "deadline_phrase": "trước ngày 15 tháng 12 hàng năm",
    "deadline_change": DeadlineChange("moved", date(2019, 12, 14), date(2019, 12, 16), "weekend"),
    "working_days_left": 10,
    "working_days_overdue": 0,
    "report_to": "Sở Ngoại vụ",
    "supporting": [],
    "blockers": [],
    "covers": [
        {"ref": "III.2.1", "title": "Tuyên truyền về đất nước, con người, văn hóa các quốc gia ASEAN"},
        {"ref": "III.2.3", "title": "Thông tin tình hình quốc tế, khu vực, biển Đông cho nhân dân địa phương"},
    ],
    "links": links(412),
    "action_link": links(412)["view"],
}
BLOCKER = {"id": 31, "text": "Chưa nhận được số liệu của các phòng chuyên môn", "raised_by": "Đỗ Thanh Tùng",
           "raised_on": date(2019, 12, 12)}
# A quarterly progress note on a continuous task, for a plan that asks for check-ins.
CHECKIN = YEARLY | {
    "today": date(2018, 6, 22),
    "occurrence_id": 205,
    "obligation_ref": "III.2.1",
    "obligation_title": "Tuyên truyền về đất nước, con người, văn hóa các quốc gia ASEAN",
    "obligation_text": "Cụ thể hóa công tác tuyên truyền về đất nước, con người, văn hóa các quốc gia ASEAN.",
    "provision_ref": "III.2",
    "checkin": True,
    "period": PeriodName("quarter", 2018, 2),
    "deadline": date(2018, 6, 29),
    "deadline_phrase": "Cụ thể hóa công tác tuyên truyền",
    "deadline_change": None,
    "working_days_left": 5,
    "covers": [],
    "links": links(205),
    "action_link": links(205)["view"],
}
ESCALATION = YEARLY | {"kind": "escalation", "covers": []}
DECISION = YEARLY | {"kind": "decision", "covers": [], "today": date(2019, 12, 13), "working_days_left": 1}
NO_DECISION = {"note": None, "actor": "Phạm Thị Ngọc Trâm", "status": None, "until": None, "previous": None,
               "after_deadline": False, "blocker_text": None}
SUMMARY = PLAN | {
    "today": date(2019, 12, 23),
    "audience": "coordinator",
    "rows": [
        {"code": "STTTT", "agency": "Sở Thông tin và Truyền thông", "overdue": 1, "due_soon": 0, "submitted": 0,
         "done_on_time": 3, "done_late": 1, "blocked": 1, "more": 0,
         "late": [{"ref": "III.6.4", "title": "Báo cáo kết quả công tác đối ngoại nhân dân hàng năm gửi Sở Ngoại vụ",
                   "deadline": date(2019, 12, 16), "overdue": 5, "occurrence_id": 412,
                   "blocker": "Chưa nhận được số liệu của các phòng chuyên môn"}]},
        {"code": "UBND-NHA-TRANG", "agency": "Ủy ban nhân dân thành phố Nha Trang", "overdue": 4, "due_soon": 1,
         "submitted": 1, "done_on_time": 2, "done_late": 0, "blocked": 0, "more": 2,
         "late": [{"ref": "III.6.4", "title": "Báo cáo kết quả công tác đối ngoại nhân dân hàng năm gửi Sở Ngoại vụ",
                   "deadline": date(2019, 12, 16), "overdue": 5, "occurrence_id": 418, "blocker": None},
                  {"ref": "III.6.3", "title": "Xây dựng dự toán kinh phí đối ngoại nhân dân hàng năm, gửi Sở Tài chính",
                   "deadline": date(2019, 7, 15), "overdue": 112, "occurrence_id": 377, "blocker": None}]},
        {"code": "SDL", "agency": "Sở Du lịch", "overdue": 0, "due_soon": 0, "submitted": 1,
         "done_on_time": 4, "done_late": 0, "blocked": 0, "more": 0, "late": []},
    ],
    "totals": {"overdue": 5, "due_soon": 1, "submitted": 2, "done_on_time": 9, "done_late": 1, "blocked": 1},
    "total_overdue": 5,
    "undeliverable": 2,
    "link": "https://nhacviec.khanhhoa.example.org/plans/khanh-hoa-dnnd-2017-2020",
    "blockers": [{"id": 31, "ref": "III.6.4", "agency": "Sở Thông tin và Truyền thông",
                  "text": "Chưa nhận được số liệu của các phòng chuyên môn", "raised_on": date(2019, 12, 12)}],
    "month": None,
}
BUNDLED = [
    YEARLY | {"today": date(2019, 12, 11), "working_days_left": 3, "covers": [],
              "agency_name": "Ủy ban nhân dân thành phố Nha Trang", "occurrence_id": 418, "links": links(418)},
    YEARLY | {"kind": "escalation", "today": date(2019, 12, 11), "occurrence_id": 396, "escalation_number": 1,
              "obligation_ref": "III.6.2", "obligation_title": "Tổ chức hội nghị sơ kết công tác đối ngoại nhân dân",
              "period": PeriodName("half", 2019, 2), "deadline": date(2019, 12, 10), "deadline_change": None,
              "working_days_left": 0, "working_days_overdue": 1,
              "agency_name": "Ủy ban nhân dân thành phố Nha Trang", "links": links(396)},
    YEARLY | {"kind": "due_today", "today": date(2019, 12, 11), "occurrence_id": 401,
              "obligation_ref": "III.6.5", "obligation_title": "Báo cáo tình hình người nước ngoài tại địa phương",
              "period": PeriodName("month", 2019, 11), "deadline": date(2019, 12, 11), "deadline_change": None,
              "working_days_left": 0, "agency_name": "Ủy ban nhân dân thành phố Nha Trang",
              "blockers": [BLOCKER | {"raised_by": "Võ Thị Diễm My"}], "links": links(401)},
]
NHA_TRANG = {"recipient_name": "Võ Thị Diễm My", "recipient_agency_name": "Ủy ban nhân dân thành phố Nha Trang"}

# name -> (kind, context)
CASES: dict[str, tuple[str, dict]] = {
    "reminder": ("reminder", YEARLY),
    "reminder_no_link": ("reminder", YEARLY | {"links": {}, "action_link": None, "today": date(2019, 12, 11),
                                                 "working_days_left": 3}),
    "reminder_checkin": ("reminder", CHECKIN),
    "due_today": ("due_today", YEARLY | {"kind": "due_today", "today": date(2019, 12, 16), "working_days_left": 0,
                                         "blockers": [BLOCKER]}),
    "escalation_focal_point": ("escalation", ESCALATION | {
        "today": date(2019, 12, 17), "working_days_left": 0, "working_days_overdue": 1,
        "level": 1, "escalation_number": 1}),
    "escalation_manager": ("escalation", ESCALATION | MANAGER | {
        "today": date(2019, 12, 19), "working_days_left": 0, "working_days_overdue": 3,
        "level": 2, "escalation_number": 2}),
    "escalation_coordinator_last": ("escalation", ESCALATION | COORDINATOR | {
        "today": date(2019, 12, 25), "working_days_left": 0, "working_days_overdue": 7,
        "level": 4, "escalation_number": 3, "escalation_last": True, "links": {}, "action_link": None}),
    "blocker": ("blocker", YEARLY | COORDINATOR | {
        "kind": "blocker", "today": date(2019, 12, 12), "working_days_left": 2, "covers": [], "blockers": [BLOCKER],
        "blocker": BLOCKER, "links": {}, "action_link": None}),
    "undeliverable": ("undeliverable", YEARLY | COORDINATOR | {
        "kind": "undeliverable", "today": date(2019, 12, 11), "working_days_left": 3, "covers": [],
        "payload": {"recipient": "Đỗ Thanh Tùng", "agency": "Sở Thông tin và Truyền thông",
                    "channels": ["email", "zalo"], "cause": "retry",
                    "subject": "[Nhắc việc] Báo cáo kết quả công tác đối ngoại nhân dân hàng năm gửi Sở Ngoại vụ "
                               "(năm 2019) — hạn 16/12/2019",
                    "error": "SMTP 451 4.4.1 timeout (after 5 attempts)"}}),
    "decision_accepted": ("decision", DECISION | {"decision": NO_DECISION | {
        "event": "accepted", "on": date(2019, 12, 13), "status": "done_on_time"}}),
    "decision_returned": ("decision", DECISION | {"decision": NO_DECISION | {
        "event": "returned", "on": date(2019, 12, 13),
        "note": "Đề nghị bổ sung số liệu các hoạt động giao lưu nhân dân năm 2019 và đánh giá kết quả."}}),
    "decision_extension_granted": ("decision", DECISION | {
        "today": date(2019, 12, 20), "deadline": date(2019, 12, 27), "working_days_left": 5,
        "deadline_change": DeadlineChange("extended", date(2019, 12, 16), date(2019, 12, 27)),
        "decision": NO_DECISION | {
            "event": "extension_granted", "on": date(2019, 12, 20), "until": date(2019, 12, 27),
            "previous": date(2019, 12, 16), "after_deadline": True,
            "note": "Đồng ý gia hạn do chờ số liệu của các phòng chuyên môn."}}),
    "decision_extension_refused": ("decision", DECISION | {"decision": NO_DECISION | {
        "event": "extension_refused", "on": date(2019, 12, 13),
        "note": "Thời hạn tổng hợp báo cáo Ủy ban nhân dân tỉnh không cho phép gia hạn."}}),
    "decision_waived": ("decision", DECISION | {"decision": NO_DECISION | {
        "event": "waived", "on": date(2019, 12, 13), "note": "Nội dung đã báo cáo tại Báo cáo số 215/BC-STTTT."}}),
    "decision_blocker_resolved": ("decision", DECISION | {"decision": NO_DECISION | {
        "event": "blocker_resolved", "on": date(2019, 12, 13), "blocker_text": BLOCKER["text"],
        "note": "Sở Ngoại vụ đã đề nghị các phòng chuyên môn gửi số liệu trước ngày 14/12/2019."}}),
    "digest": ("digest", SUMMARY | COORDINATOR),
    "report": ("report", SUMMARY | LEADER | {"audience": "leadership", "month": date(2019, 12, 1)}),
    "bundle": ("bundle", bundle_context([item | NHA_TRANG for item in BUNDLED])),
    "sign_in": ("sign_in", NHA_TRANG | {
        "recipient_title": None, "coordinator_name": "Sở Ngoại vụ", "plan_title": None, "minutes": 30,
        "link": "https://nhacviec.example.org/sign-in/eyJjIjo3LCJuIjoiYWJjIn0.Zl0ZgA.signature"}),
}


def golden_text(kind: str, language: str, context: dict) -> tuple[str, str]:
    rendered = render(kind, language, context)
    return f"{rendered.subject}\n\n{rendered.text}", rendered.html


def check(path: Path, actual: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with OBLIGATIONS_UPDATE_GOLDEN=1 to write it, then review it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs from its golden file; if the change is meant, rewrite it"


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_rendering(name, language):
    kind, context = CASES[name]
    text, html = golden_text(kind, language, context)
    check(GOLDEN / language / f"{name}.txt", text)
    check(GOLDEN / language / f"{name}.html", html)


def test_every_kind_has_a_golden_case():
    assert {kind for kind, _ in CASES.values()} == set(KINDS)


def ascii_only(value):
    """The same data with every string in plain ASCII, so only the template's own words carry letters."""
    if isinstance(value, str):
        plain = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
        return plain.encode("ascii", "ignore").decode()
    if isinstance(value, dict):
        return {key: ascii_only(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(ascii_only(item) for item in value)
    if dataclasses.is_dataclass(value):
        fields = {f.name: ascii_only(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **fields)
    return value


def foreign_letters(text: str) -> set[str]:
    return {c for c in text if c.isalpha() and not c.isascii()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_english_messages_have_no_vietnamese_word(name):
    kind, context = CASES[name]
    plain = ascii_only(context)
    assert not foreign_letters(str(plain)), "the data itself must be ASCII for this test to mean anything"
    rendered = render(kind, "en", plain)
    for part in (rendered.subject, rendered.text, rendered.html):
        assert not foreign_letters(part), f"Vietnamese letters in an English {name}: {foreign_letters(part)}"


def test_the_vietnamese_golden_files_read_as_a_civil_servant_writes():
    for name in CASES:
        text = (GOLDEN / "vi" / f"{name}.txt").read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text)
        assert "còn 0 ngày" not in text
        assert text.count("Trân trọng,\nSở Ngoại vụ") == 1  # one sign-off, naming the coordinating agency
        assert "Kính gửi " in text.splitlines()[2]
