"""Deadline phrases read into deadlines (plans.importer.phrases): pure, no database."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from obligations.plans.importer.phrases import BUDGET_CYCLE, find_deadlines
from obligations.plans.importer.text import ascii_slug, fold, match_key, normalize
from obligations.rules.schedule import validate_rrule


def read(text: str, **options) -> list[dict]:
    return [d.to_dict() for d in find_deadlines(text, **options)]


def once(due: str, inclusive: bool, phrase: str) -> dict:
    return {"kind": "once", "due": due, "inclusive": inclusive, "phrase": phrase}


def recurring(rule: str, inclusive: bool, phrase: str) -> dict:
    return {"kind": "recurring", "rrule": rule, "inclusive": inclusive, "phrase": phrase}


YEARLY_15_DEC = "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"
QUARTER_DAY_10 = "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=10"

# Every phrase the issue names, with the deadline it must give.
PHRASES = {
    "trước ngày 15/12/2025": [once("2025-12-15", False, "trước ngày 15/12/2025")],
    "trước ngày 15 tháng 12 hàng năm": [recurring(YEARLY_15_DEC, False, "trước ngày 15 tháng 12 hàng năm")],
    "chậm nhất ngày 15/12/2025": [once("2025-12-15", True, "chậm nhất ngày 15/12/2025")],
    "chậm nhất là ngày 15 tháng 12 hằng năm": [
        recurring(YEARLY_15_DEC, True, "chậm nhất là ngày 15 tháng 12 hằng năm")
    ],
    "trong tháng 10 hàng năm": [
        recurring("FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=-1", True, "trong tháng 10 hàng năm")
    ],
    "trong quý III năm 2025": [once("2025-09-30", True, "trong quý III năm 2025")],
    "Quý II/2026": [once("2026-06-30", True, "Quý II/2026")],
    "Tháng 01/2026": [once("2026-01-31", True, "Tháng 01/2026")],
    "hàng quý, trước ngày 10 của tháng cuối quý": [
        recurring(QUARTER_DAY_10, False, "hàng quý, trước ngày 10 của tháng cuối quý")
    ],
    "hằng quý, trước ngày 10 của tháng cuối quý": [
        recurring(QUARTER_DAY_10, False, "hằng quý, trước ngày 10 của tháng cuối quý")
    ],
    "hàng tháng, trước ngày 25": [recurring("FREQ=MONTHLY;BYMONTHDAY=25", False, "hàng tháng, trước ngày 25")],
    "hằng tháng": [recurring("FREQ=MONTHLY;BYMONTHDAY=-1", True, "hằng tháng")],
    "định kỳ 6 tháng, trước ngày 15 tháng 6 và trước ngày 15 tháng 12 hàng năm": [
        recurring(
            "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=15",
            False,
            "định kỳ 6 tháng, trước ngày 15 tháng 6 và trước ngày 15 tháng 12 hàng năm",
        )
    ],
    "thường xuyên": [{"kind": "continuous", "phrase": "thường xuyên"}],
    "vào thời điểm xây dựng dự toán hàng năm": [
        {"kind": "cycle", "cycle": BUDGET_CYCLE, "phrase": "vào thời điểm xây dựng dự toán hàng năm"}
    ],
}


@pytest.mark.parametrize("phrase", list(PHRASES))
def test_each_phrase_of_the_issue_reads_as_expected(phrase):
    assert read(phrase) == PHRASES[phrase]


@pytest.mark.parametrize("phrase", list(PHRASES))
def test_each_phrase_reads_the_same_inside_a_sentence(phrase):
    sentence = f"Sở Ngoại vụ tổng hợp, {phrase} gửi báo cáo cho Ủy ban nhân dân tỉnh."
    if phrase[0].isupper():  # "Quý II/2026", "Tháng 01/2026" stand for themselves, as in a table cell
        assert read(phrase, table_cell=True) == PHRASES[phrase]
        return
    assert read(sentence) == PHRASES[phrase]


@pytest.mark.parametrize("form", ["NFC", "NFD"])
@pytest.mark.parametrize("phrase", list(PHRASES))
def test_composed_and_decomposed_accents_read_alike(phrase, form):
    typed = unicodedata.normalize(form, phrase)
    found = read(typed, table_cell=phrase[0].isupper())
    # The phrase comes back in NFC, whatever the input's form.
    assert found == PHRASES[phrase]


@pytest.mark.parametrize("phrase", list(PHRASES))
def test_text_typed_without_accents_reads_alike(phrase):
    plain = fold(phrase)  # "truoc ngay 15 thang 12 hang nam"
    expected = [{**d, "phrase": fold(d["phrase"])} for d in PHRASES[phrase]]
    assert read(plain, table_cell=phrase[0].isupper()) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trước ngày 5 hằng tháng", recurring("FREQ=MONTHLY;BYMONTHDAY=5", False, "trước ngày 5 hằng tháng")),
        ("trước ngày 05 hàng tháng", recurring("FREQ=MONTHLY;BYMONTHDAY=5", False, "trước ngày 05 hàng tháng")),
        ("trước ngày 15-12", recurring(YEARLY_15_DEC, False, "trước ngày 15-12")),
        ("trước ngày 15/12", recurring(YEARLY_15_DEC, False, "trước ngày 15/12")),
        ("trước ngày 15.12.2025", once("2025-12-15", False, "trước ngày 15.12.2025")),
        ("trước ngày 15-12-2025", once("2025-12-15", False, "trước ngày 15-12-2025")),
        ("chậm nhất ngày 5/1/2026", once("2026-01-05", True, "chậm nhất ngày 5/1/2026")),
        ("chậm nhất ngày 05/01/2026", once("2026-01-05", True, "chậm nhất ngày 05/01/2026")),
        ("TRƯỚC NGÀY 15 THÁNG 12 HẰNG NĂM", recurring(YEARLY_15_DEC, False, "TRƯỚC NGÀY 15 THÁNG 12 HẰNG NĂM")),
        ("trong quý 3/2025", once("2025-09-30", True, "trong quý 3/2025")),
        ("trong quý IV", recurring("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1", True, "trong quý IV")),
        ("trong tháng 10/2025", once("2025-10-31", True, "trong tháng 10/2025")),
        ("trong tháng 02 năm 2024", once("2024-02-29", True, "trong tháng 02 năm 2024")),  # a leap year
        ("trong năm 2025", once("2025-12-31", True, "trong năm 2025")),
        ("trước tháng 10/2025", once("2025-10-01", False, "trước tháng 10/2025")),  # before October starts
        ("trước quý III/2025", once("2025-07-01", False, "trước quý III/2025")),
        ("đến hết ngày 30/6/2025", once("2025-06-30", True, "đến hết ngày 30/6/2025")),
        ("Thời hạn: 15/12/2025", once("2025-12-15", True, "Thời hạn: 15/12/2025")),
        ("trước ngày 15 của tháng đầu quý sau",
         recurring("FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=15", False, "trước ngày 15 của tháng đầu quý sau")),
        ("trước ngày 10 và ngày 25 hàng tháng",
         recurring("FREQ=MONTHLY;BYMONTHDAY=10,25", False, "trước ngày 10 và ngày 25 hàng tháng")),
        ("trước ngày 15/6 và ngày 15/12 hàng năm",
         recurring("FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=15", False, "trước ngày 15/6 và ngày 15/12 hàng năm")),
        ("báo cáo định kỳ 6 tháng và hằng năm",
         recurring("FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1", True, "định kỳ 6 tháng và hằng năm")),
        ("hàng quý", recurring("FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1", True, "hàng quý")),
        ("thứ Sáu hàng tuần", recurring("FREQ=WEEKLY;BYDAY=FR", True, "thứ Sáu hàng tuần")),
        ("đột xuất hay định kỳ theo quy định",  # "định kỳ" alone: yearly, by 31 December
         recurring("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1", True, "định kỳ")),
        ("trong 6 tháng đầu năm 2025", once("2025-06-30", True, "trong 6 tháng đầu năm 2025")),
    ],
)
def test_variants(text, expected):
    assert read(text) == [expected]


def test_before_means_the_start_of_the_day_and_at_the_latest_its_end():
    (before,) = find_deadlines("trước ngày 15/12/2025")
    (latest,) = find_deadlines("chậm nhất ngày 15/12/2025")
    (during,) = find_deadlines("trong tháng 12/2025")
    assert (before.due, before.inclusive) == (date(2025, 12, 15), False)
    assert (latest.due, latest.inclusive) == (date(2025, 12, 15), True)
    assert (during.due, during.inclusive) == (date(2025, 12, 31), True)


@pytest.mark.parametrize(
    "text",
    [
        # Dates that refer to documents or past events are not deadlines.
        "theo tinh thần Chỉ thị số 04-CT/TW ngày 06 tháng 7 năm 2011 của Ban Bí thư Trung ương Đảng",
        "Kế hoạch số 12-KH/TU ngày 26 tháng 10 năm 2011 triển khai thực hiện Chỉ thị",
        "ngày 8-4-2020, UBND tỉnh đã ban hành Kế hoạch số 3935/KH-UBND",
        "Tháng 2/2016, đồng chí Nguyễn Hoàng Anh dẫn đầu đoàn sang thăm",
        "số liệu tính đến ngày 30/6/2025",
        # Days that do not exist.
        "trước ngày 31/02/2025",
        "trước ngày 30 tháng 2 hàng năm",
        "chậm nhất ngày 32/12/2025",
        # A day of no known month.
        "trước ngày 25",
        "",
        "   ",
    ],
)
def test_not_deadlines(text):
    assert read(text) == []


def test_a_task_with_several_deadlines_gives_them_all_in_order():
    text = (
        "Thường xuyên theo dõi; hằng tháng, trước ngày 25 báo cáo tiến độ; hằng quý, trước ngày 10 của "
        "tháng cuối quý báo cáo kết quả; tổng hợp báo cáo năm chậm nhất ngày 15/12/2025."
    )
    assert [d["kind"] for d in read(text)] == ["continuous", "recurring", "recurring", "once"]
    assert [d.get("rrule") or d.get("due") for d in read(text)] == [
        None, "FREQ=MONTHLY;BYMONTHDAY=25", QUARTER_DAY_10, "2025-12-15"
    ]


def test_a_rhythm_word_far_before_a_day_gives_it_its_month():
    text = "Hằng tháng, Sở Ngoại vụ tổng hợp tình hình gửi Ủy ban nhân dân tỉnh trước ngày 25"
    (deadline,) = read(text)
    assert deadline["rrule"] == "FREQ=MONTHLY;BYMONTHDAY=25"
    assert deadline["phrase"] == text  # the words that give the reading, from the rhythm to the day


def test_a_rhythm_word_that_a_date_repeats_is_not_a_second_deadline():
    text = "Hằng quý, Sở Ngoại vụ tổng hợp tình hình gửi Ủy ban nhân dân tỉnh trước ngày 10 của tháng cuối quý"
    assert read(text) == [recurring(QUARTER_DAY_10, False, "trước ngày 10 của tháng cuối quý")]


def test_the_final_review_is_due_on_the_plans_last_day_when_it_is_known():
    text = "Định kỳ tổ chức sơ kết, tổng kết để rút kinh nghiệm."
    assert read(text, period_end=date(2020, 12, 31)) == [
        recurring("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1", True, "Định kỳ"),
        once("2020-12-31", True, "tổng kết"),
    ]
    assert read(text) == [recurring("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1", True, "Định kỳ")]
    # A final review with its own date keeps it.
    dated = "tổ chức tổng kết chậm nhất ngày 15/12/2020"
    assert read(dated, period_end=date(2020, 12, 31)) == [once("2020-12-15", True, "chậm nhất ngày 15/12/2020")]


def test_a_table_cell_needs_no_deadline_word():
    assert read("15/12/2025", table_cell=True) == [once("2025-12-15", True, "15/12/2025")]
    assert read("Hội nghị ngày 15/12/2025 đã thành công") == []  # in prose, a bare date is not a deadline
    assert read("Năm 2026", table_cell=True) == [once("2026-12-31", True, "Năm 2026")]
    assert read("2026 - 2030", table_cell=True) == [{"kind": "continuous", "phrase": "2026 - 2030"}]
    assert read("Thường xuyên", table_cell=True) == [{"kind": "continuous", "phrase": "Thường xuyên"}]


def test_non_breaking_spaces_and_line_breaks_do_not_matter():
    assert read("trước\u00a0ngày 15\ntháng 12\thàng năm") == [
        recurring(YEARLY_15_DEC, False, "trước ngày 15 tháng 12 hàng năm")
    ]


# --------------------------------------------------------------------------------------------------
# Text helpers


def test_fold_keeps_length_and_drops_accents():
    text = normalize("Định kỳ trước ngày 15 tháng 12 hằng năm, Ủy ban nhân dân tỉnh Khánh Hòa")
    assert fold(text) == "dinh ky truoc ngay 15 thang 12 hang nam, uy ban nhan dan tinh khanh hoa"
    assert len(fold(text)) == len(text)


def test_match_key_ignores_accents_case_tone_placement_and_abbreviations():
    assert match_key("Ủy ban nhân dân tỉnh Khánh Hòa") == match_key("UBND tỉnh Khánh Hoà")
    assert match_key(unicodedata.normalize("NFD", "Sở  Ngoại vụ ")) == match_key("SỞ NGOẠI VỤ")
    assert match_key("Sở Ngoại vụ") != match_key("Sở Nội vụ")


def test_ascii_slug():
    assert ascii_slug("Sở Ngoại vụ") == "SO-NGOAI-VU"
    assert ascii_slug("Ủy ban nhân dân tỉnh Đắk Lắk") == "UBND-TINH-DAK-LAK"
    assert len(ascii_slug("Các sở, ban, ngành; các tổ chức đoàn thể; Ủy ban nhân dân các huyện", max_length=40)) <= 40


# --------------------------------------------------------------------------------------------------
# Properties


def _is_real(deadline) -> bool:
    if deadline.kind == "once":
        return isinstance(deadline.due, date) and 1900 <= deadline.due.year <= 2099
    if deadline.kind == "recurring":
        validate_rrule(deadline.rrule)
        first = rrulestr(deadline.rrule, dtstart=datetime(2000, 1, 1)).after(datetime(2000, 1, 1), inc=True)
        return first is not None and first < datetime(2010, 1, 1)
    if deadline.kind == "cycle":
        return deadline.cycle == BUDGET_CYCLE
    return deadline.kind == "continuous"


VOCABULARY = (
    "trước ngày tháng năm quý hàng hằng định kỳ 6 chậm nhất trong vào của cuối đầu sau thường xuyên "
    "tổng kết và , ; . / - 15 12 2025 31 02 29 30 0 1 10 25 III II IV I tuần thứ Sáu đến hết lần "
    "xây dựng dự toán thời điểm 2017-2020 ngày06 15/12/2025 32/13/2025"
).split()
phrase_like = st.lists(st.sampled_from(VOCABULARY), max_size=30).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=300), phrase_like), cell=st.booleans())
def test_never_raises_and_every_deadline_is_a_real_date(text, cell):
    found = find_deadlines(text, table_cell=cell, period_end=date(2020, 12, 31))
    for deadline in found:
        assert _is_real(deadline), deadline
        assert deadline.phrase and deadline.phrase in normalize(text)
        json.dumps(deadline.to_dict())


@settings(max_examples=100, deadline=None)
@given(day=st.integers(1, 31), month=st.integers(1, 12), year=st.integers(1990, 2090))
def test_a_stated_date_is_read_exactly_or_not_at_all(day, month, year):
    found = read(f"chậm nhất ngày {day}/{month}/{year}")
    try:
        expected = date(year, month, day)
    except ValueError:
        assert found == []
    else:
        assert found == [once(expected.isoformat(), True, f"chậm nhất ngày {day}/{month}/{year}")]
