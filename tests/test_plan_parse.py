"""Plan documents read into tasks (plans.importer: documents, parse, header, sections, tables): the seed
plan, Word files, bad input."""

from __future__ import annotations

import codecs
import io
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obligations.plans.importer.agency_names import is_group_name, split_agencies
from obligations.plans.importer.documents import Block, DocumentError, read_blocks, read_document
from obligations.plans.importer.parse import PlanError, check_plan, parse_blocks, parse_text, read_plan
from tests.plan_documents import (
    APPENDIX_ROWS,
    ARTICLES,
    SEED_PLAN,
    SEED_SECTION_III,
    cp1258,
    prose_plan_docx,
    roman_numbered_plan_docx,
    save,
    table_plan_docx,
)

SEED_TEXT = SEED_PLAN.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed():
    return read_plan(SEED_PLAN)


def tasks_by_ref(plan) -> dict:
    return {t.ref: t for t in plan.tasks}


# --------------------------------------------------------------------------------------------------
# The seed plan


def test_seed_header(seed):
    assert seed.title == (
        "Kế hoạch triển khai công tác đối ngoại nhân dân trên địa bàn tỉnh Khánh Hòa giai đoạn 2017-2020"
    )
    assert seed.number is None  # the text carries no "Số: .../KH-UBND"; 377/SNgV-... is Sở Ngoại vụ's letter
    assert seed.issuer == "Ủy ban nhân dân tỉnh Khánh Hòa"
    assert seed.period == (date(2017, 1, 1), date(2020, 12, 31))
    assert seed.coordinator == "Sở Ngoại vụ"  # "báo cáo Ủy ban nhân dân tỉnh Khánh Hòa thông qua Sở Ngoại vụ"


def test_every_task_of_section_iii_is_found_with_its_agency(seed):
    expected_refs = [f"III.{h}.{k}" for h, (_, n) in SEED_SECTION_III.items() for k in range(1, n + 1)]
    assert [t.ref for t in seed.tasks] == expected_refs  # 24 tasks, in the plan's order, nothing else
    for task in seed.tasks:
        heading = task.ref.split(".")[1]
        assert task.agency == SEED_SECTION_III[heading][0], task.ref
        assert task.group == (heading == "6"), task.ref
        assert task.provision == f"III.{heading}"


def test_task_texts_are_the_plans_words(seed):
    lines = {unicodedata.normalize("NFC", line).replace("\u00a0", " ").lstrip("- ").strip()
             for line in SEED_TEXT.splitlines()}
    for task in seed.tasks:
        assert task.text in lines, task.ref
    assert tasks_by_ref(seed)["III.6.4"].text.startswith("Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo báo")


def test_the_closing_paragraph_is_a_note_not_a_task(seed):
    assert len(seed.notes) == 1 and seed.notes[0].startswith("Trên cơ sở nhiệm vụ được phân công")
    assert not any("vướng mắc" in t.text for t in seed.tasks)


def test_the_heading_introduction_is_kept_with_its_provision(seed):
    provision = next(p for p in seed.provisions if p.ref == "III.5")
    assert provision.text.endswith("triển khai công tác đối ngoại nhân dân trên địa bàn tỉnh, trong đó:")
    assert [p.ref for p in seed.provisions] == [f"III.{h}" for h in SEED_SECTION_III]


def test_seed_deadlines(seed):
    tasks = tasks_by_ref(seed)
    deadlines = {ref: [d.to_dict() for d in t.deadlines] for ref, t in tasks.items()}
    # The yearly report to Sở Ngoại vụ, before 15 December.
    assert deadlines["III.6.4"] == [{
        "kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", "inclusive": False,
        "phrase": "Định kỳ trước ngày 15 tháng 12 hàng năm",
    }]
    # The budget cycle.
    for ref in ("III.5.8", "III.6.3"):
        assert deadlines[ref] == [
            {"kind": "cycle", "cycle": "budget", "phrase": "vào thời điểm xây dựng dự toán hàng năm"}
        ]
    # The periodic reviews: "Định kỳ tổ chức sơ kết, tổng kết": yearly, and the final one at the plan's end.
    assert deadlines["III.5.2"] == [
        {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1", "inclusive": True,
         "phrase": "Định kỳ"},
        {"kind": "once", "due": "2020-12-31", "inclusive": True, "phrase": "tổng kết"},
    ]
    assert [d["kind"] for d in deadlines["III.1.9"]] == ["recurring"]  # "... đột xuất hay định kỳ theo quy định"
    # Continuous tasks.
    assert deadlines["III.1.7"] == [{"kind": "continuous", "phrase": "thường xuyên"}]
    # III.6.1 cites "Chỉ thị số 04-CT/TW ngày 06 tháng 7 năm 2011" twice: references, not deadlines.
    assert deadlines["III.6.1"] == [{"kind": "continuous", "phrase": "Thường xuyên"}]
    assert deadlines["III.1.8"] == []  # "Quyết định số 295-QĐ/TW ngày 23 tháng 3 năm 2010": a reference
    assert sum(1 for d in deadlines.values() if not d) == 16


def test_seed_supporting_agencies_and_recipients(seed):
    tasks = tasks_by_ref(seed)
    assert tasks["III.1.9"].supporting == ["Liên hiệp các tổ chức hữu nghị tỉnh"]
    assert tasks["III.5.4"].supporting == ["Ban Điều Phối Viện Trợ Nhân Dân (PACCOM)"]
    # "Phối hợp với Liên hiệp các tổ chức hữu nghị Việt Nam và các cơ quan, đơn vị liên quan": the named one.
    assert tasks["III.5.5"].supporting == ["Liên hiệp các tổ chức hữu nghị Việt Nam"]
    assert tasks["III.5.1"].supporting == []  # "phối hợp với các ngành, các cấp": no agency named
    assert tasks["III.5.2"].supporting == []  # "cơ chế phối hợp giữa ...": a mechanism, not a partner
    assert tasks["III.6.4"].report_to == "Sở Ngoại vụ"
    assert tasks["III.5.8"].report_to == tasks["III.6.3"].report_to == "Sở Tài chính"


@pytest.mark.parametrize(
    "variant",
    ["nfd", "crlf", "utf-8-bom", "utf-16-bom", "no-break-spaces"],
)
def test_the_seed_typed_or_saved_differently_reads_the_same(variant, seed, tmp_path):
    text = SEED_TEXT
    if variant == "nfd":
        data = unicodedata.normalize("NFD", text).encode("utf-8")
    elif variant == "crlf":
        data = text.replace("\n", "\r\n").encode("utf-8")
    elif variant == "utf-8-bom":
        data = codecs.BOM_UTF8 + text.encode("utf-8")
    elif variant == "utf-16-bom":
        data = text.encode("utf-16")  # Word's "Unicode" text: UTF-16 with its byte-order mark
    else:
        data = text.replace("- ", "-\u00a0").replace(" ", "  ").encode("utf-8")
    path = tmp_path / "plan.txt"
    path.write_bytes(data)
    again = read_plan(path)
    assert again.to_dict() == seed.to_dict()


def test_the_seed_as_a_word_document_reads_the_same(seed):
    plan = parse_blocks(read_blocks(prose_plan_docx(), name="plan.docx"))
    assert plan.to_dict() == seed.to_dict()


def test_other_seeds_are_articles_not_plans():
    for article in ARTICLES:
        assert parse_blocks(read_document(article)).tasks == [], article.name
        with pytest.raises(PlanError, match="không giống một kế hoạch"):
            read_plan(article)


def test_en_dash_bullets_of_an_article_read_as_tasks():
    # khanh-hoa-coordination-2019 lists its goals with "–" bullets; under a heading they are tasks.
    bullets = [line for line in (ARTICLES[-1]).read_text(encoding="utf-8").splitlines() if line.startswith("–")]
    assert len(bullets) == 3
    plan = parse_text("III. Tổ chức thực hiện\n1. Sở Ngoại vụ\n" + "\n".join(bullets))
    assert [(t.ref, t.agency) for t in plan.tasks] == [(f"III.1.{k}", "Sở Ngoại vụ") for k in (1, 2, 3)]
    assert plan.tasks[0].text.startswith("Tăng cường phối hợp giữa hoạt động đối ngoại nhân dân")


# --------------------------------------------------------------------------------------------------
# Layouts


def test_a_table_plan_built_with_python_docx():
    plan = parse_blocks(read_blocks(table_plan_docx(), name="plan.docx"))
    data = plan.to_dict()
    assert data["number"] == "3935/KH-UBND"
    assert data["title"] == "Kế hoạch thực hiện công tác đối ngoại nhân dân năm 2025 - 2026"
    assert data["issuer"] == "Ủy ban nhân dân tỉnh Đồng Nai"  # the header's capitals, in the intro's casing
    assert data["period"] == {"start": "2025-01-01", "end": "2026-12-31"}
    assert plan.signed == date(2025, 4, 8)
    tasks = tasks_by_ref(plan)
    # Word's automatic numbering ("List Number") and bullets ("List Bullet") are read like typed ones.
    assert tasks["II.1.1"].agency == "Sở Ngoại vụ"
    assert [d.rrule for d in tasks["II.1.1"].deadlines] == ["FREQ=MONTHLY;BYMONTHDAY=25"]
    assert tasks["II.2.1"].group is True
    # The appendix: a row per task under its group row; "Chủ trì" and "Phối hợp" under "Cơ quan thực hiện".
    table = [t for t in plan.tasks if t.ref.startswith("PLI.")]
    assert [t.ref for t in table] == ["PLI.I.1", "PLI.I.2", "PLI.II.1", "PLI.II.2", "PLI.II.3"]
    assert [t.agency for t in table] == [row[2] for row in APPENDIX_ROWS if row[2]]
    assert [t.text for t in table] == [row[1] for row in APPENDIX_ROWS if row[2]]
    assert tasks["PLI.I.1"].supporting == ["Sở Ngoại vụ", "Báo Đồng Nai"]
    assert tasks["PLI.I.2"].supporting == []  # "Các sở, ngành liên quan": no agency named
    assert tasks["PLI.I.2"].report_to is None  # "Báo cáo sơ kết": "sơ kết" folds like "Sở ..." but is no agency
    assert tasks["II.1.1"].report_to == "Ủy ban nhân dân tỉnh"
    # "Sở Văn hóa, Thể thao và Du lịch" is one agency; "Sở Ngoại vụ, Sở Tài chính" are two.
    assert tasks["PLI.II.1"].supporting == ["Sở Ngoại vụ", "Sở Tài chính"]
    assert [d.to_dict() for d in tasks["PLI.I.1"].deadlines] == [
        {"kind": "once", "due": "2026-06-30", "inclusive": True, "phrase": "Quý II/2026"}
    ]
    assert [d.to_dict() for d in tasks["PLI.I.2"].deadlines] == [
        {"kind": "once", "due": "2026-01-31", "inclusive": True, "phrase": "Tháng 01/2026"}
    ]
    assert tasks["PLI.II.1"].deadlines[0].rrule == "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=10"
    assert tasks["PLI.II.2"].deadlines[0].due == date(2025, 12, 15)
    assert tasks["PLI.II.3"].deadlines[0].kind == "continuous"
    assert [(p.ref, p.title) for p in plan.provisions if p.ref.startswith("PL")] == [
        ("PLI.I", "Nhiệm vụ chung"), ("PLI.II", "Nhiệm vụ cụ thể")
    ]
    # "I. MỤC ĐÍCH, YÊU CẦU" holds a date but no task.
    assert not any(t.text.startswith("Nâng cao hiệu quả") for t in plan.tasks)


def test_words_own_multilevel_numbering_is_read_like_typed_numbers():
    plan = parse_blocks(read_blocks(roman_numbered_plan_docx(), name="plan.docx"))
    found = [(t.ref, t.agency, [d.to_dict()["kind"] for d in t.deadlines]) for t in plan.tasks]
    # "III." is the third Roman item; "IV. Kinh phí" ends the section, so its "1." is no task.
    assert found == [("III.1.1", "Sở Ngoại vụ", ["once"]), ("III.2.1", "Sở Y tế", ["recurring"])]
    assert plan.period == (date(2026, 1, 1), date(2026, 12, 31))


def test_headings_that_carry_their_task_and_items_that_name_their_own_lead():
    plan = parse_text(
        "III. TỔ CHỨC THỰC HIỆN\n"
        "1. Sở Tài chính: bố trí kinh phí thực hiện Kế hoạch, chậm nhất ngày 30/6/2025.\n"
        "2. Sở Ngoại vụ chủ trì, phối hợp với Sở Nội vụ tổ chức tập huấn trong quý III năm 2025.\n"
        "3. Các sở, ngành\n"
        "a) Sở Giáo dục và Đào tạo: đưa nội dung đối ngoại vào chương trình ngoại khóa.\n"
        "b) Sở Y tế\n"
        "- Báo cáo tình hình khám chữa bệnh cho người nước ngoài hằng quý.\n"
        "- Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh phối hợp tuyên truyền.\n"
        "IV. KINH PHÍ\n"
        "1. Sở Tài chính bố trí kinh phí.\n"
    )
    found = [(t.ref, t.agency, t.supporting, t.group) for t in plan.tasks]
    assert found == [
        ("III.1.1", "Sở Tài chính", [], False),
        ("III.2.1", "Sở Ngoại vụ", ["Sở Nội vụ"], False),
        ("III.3.1", "Sở Giáo dục và Đào tạo", [], False),
        ("III.3.2", "Sở Y tế", [], False),  # under the lettered sub-heading "b) Sở Y tế"
        ("III.3.3", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", [], False),
    ]
    assert plan.tasks[0].text == "bố trí kinh phí thực hiện Kế hoạch, chậm nhất ngày 30/6/2025."
    assert plan.tasks[0].deadlines[0].due == date(2025, 6, 30)
    assert plan.tasks[1].deadlines[0].due == date(2025, 9, 30)


def test_joint_leads_sub_headings_and_names_with_dashes():
    plan = parse_text(
        "IV. TỔ CHỨC THỰC HIỆN\n"
        "1. Sở Ngoại vụ có trách nhiệm:\n"
        "- Theo dõi, đôn đốc; tổng hợp, báo cáo Ủy ban nhân dân tỉnh trước ngày 20/12/2026.\n"
        "2. Các sở, ngành, địa phương\n"
        "- Sở Y tế:\n"
        "+ Báo cáo hằng quý.\n"
        "+ Khám sức khỏe cho người nước ngoài trong tháng 6/2026.\n"
        "3. Sở Lao động - Thương binh và Xã hội, Sở Nội vụ chủ trì rà soát chậm nhất ngày 30/6/2026.\n"
        "4. Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức chính trị - xã hội tỉnh phối hợp "
        "tuyên truyền.\n"
    )
    found = [(t.ref, t.agency, t.supporting, t.report_to) for t in plan.tasks]
    assert found == [
        ("IV.1.1", "Sở Ngoại vụ", [], "Ủy ban nhân dân tỉnh"),  # "có trách nhiệm:" opens a heading
        ("IV.2.1", "Sở Y tế", [], None),  # "- Sở Y tế:" heads the "+" items under it
        ("IV.2.2", "Sở Y tế", [], None),
        ("IV.3.1", "Sở Lao động - Thương binh và Xã hội", ["Sở Nội vụ"], None),  # joint leads: the first leads
        ("IV.4.1", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", [], None),  # "các tổ chức ...": no agency named
    ]


def test_agency_names():
    assert split_agencies("Sở Ngoại vụ, Sở Tài chính") == ["Sở Ngoại vụ", "Sở Tài chính"]
    assert split_agencies("Sở Văn hóa, Thể thao và Du lịch") == ["Sở Văn hóa, Thể thao và Du lịch"]
    assert split_agencies("Sở Kế hoạch và Đầu tư và Sở Tư pháp") == ["Sở Kế hoạch và Đầu tư", "Sở Tư pháp"]
    assert split_agencies("Công an tỉnh\nBộ Chỉ huy Quân sự tỉnh") == ["Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh"]
    assert is_group_name("Các sở, ban, ngành; Ủy ban nhân dân các huyện, thị xã, thành phố")
    assert is_group_name("UBND các huyện, thị xã, thành phố")
    assert not is_group_name("Ủy ban nhân dân thành phố Nha Trang")


# --------------------------------------------------------------------------------------------------
# Bad input: a clear message, in Vietnamese


def zip_bytes(files: dict[str, str]) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return stream.getvalue()


BAD_INPUTS = {
    "empty.txt": (b"", "tệp rỗng"),
    "blank.txt": (b"  \r\n\t\n", "tệp rỗng"),
    "article.txt": (ARTICLES[0].read_bytes(), "không giống một kế hoạch"),
    "truncated.docx": (table_plan_docx()[:2000], ".docx bị hỏng"),
    "not-a-zip.docx": (b"Hello, this is not a Word file", ".docx bị hỏng"),
    "other-zip.docx": (zip_bytes({"readme.txt": "hi"}), ".docx bị hỏng"),
    "old-word.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Word cũ (.doc)"),
    "windows-1258.txt": (cp1258(SEED_TEXT), "Windows-1258"),
    "tcvn3.txt": ("KÕ ho¹ch triÓn khai c«ng t¸c ®èi ngo¹i nh©n d©n".encode("latin-1"), "TCVN3"),
    "tcvn3-as-utf8.txt": (("KÕ ho¹ch triÓn khai c«ng t¸c ®èi ngo¹i nh©n d©n\n" * 3).encode("utf-8"), "TCVN3"),
    "utf-16-no-bom.txt": (SEED_TEXT.encode("utf-16-le"), "NUL"),
    "empty.docx": (None, "không giống một kế hoạch"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_with_a_clear_message(name, tmp_path):
    data, needle = BAD_INPUTS[name]
    if data is None:
        data = save(docx.Document())  # a valid Word file with nothing in it
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError) as raised:
        read_plan(path)
    assert needle in str(raised.value)
    assert str(path) in str(raised.value)


def test_a_missing_file_and_a_directory_are_refused(tmp_path):
    with pytest.raises(DocumentError, match="không tìm thấy"):
        read_plan(tmp_path / "missing.txt")
    with pytest.raises(DocumentError, match="thư mục"):
        read_plan(tmp_path)


def test_a_section_without_tasks_says_so():
    plan = parse_text("III. Tổ chức thực hiện\nKế hoạch này được phổ biến rộng rãi.")
    assert plan.has_section and plan.tasks == []
    with pytest.raises(PlanError, match="Tổ chức thực hiện"):
        check_plan(plan, "x.txt")


# --------------------------------------------------------------------------------------------------
# Properties

LINES = [
    "III. Tổ chức thực hiện", "II. TỔ CHỨC THỰC HIỆN", "1. Sở Ngoại vụ", "2. Các sở, ban, ngành;",
    "a) Sở Y tế:", "- trước ngày 15/12 hàng năm báo cáo", "– Thường xuyên theo dõi", "Phụ lục 1",
    "Sở Tài chính chủ trì, phối hợp với Sở Nội vụ", "./.", "KẾ HOẠCH", "Số: 12/KH-UBND", "", ":", "-",
    "Trên cơ sở nhiệm vụ được phân công, nếu có vướng mắc báo cáo UBND tỉnh thông qua Sở Ngoại vụ./.",
]
block = st.one_of(
    st.builds(Block, text=st.one_of(st.sampled_from(LINES), st.text(max_size=80))),
    st.builds(
        lambda cells, table: Block(text=" | ".join(cells), cells=tuple(cells), table=table),
        st.lists(st.one_of(st.sampled_from(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Phối hợp",
                                            "Thời gian hoàn thành", "I", "1", "Quý II/2026"]),
                           st.text(max_size=20)), min_size=1, max_size=6),
        st.integers(1, 2),
    ),
)


@settings(max_examples=200, deadline=None)
@given(blocks=st.lists(block, max_size=30))
def test_the_parser_never_raises(blocks):
    plan = parse_blocks(blocks)
    data = plan.to_dict()
    refs = [t["ref"] for t in data["tasks"]]
    assert len(refs) == len(set(refs))  # refs are unique
    assert all(ref and " " not in ref for ref in refs)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=2000))
def test_reading_any_text_never_raises(text):
    try:
        plan = parse_blocks(read_blocks(text.encode("utf-8"), name="x.txt"))
    except DocumentError:
        return  # refused with a message (empty, NUL, legacy-looking): allowed
    plan.to_dict()


def test_read_document_takes_a_path(tmp_path):
    path = Path(tmp_path / "p.txt")
    path.write_text("KẾ HOẠCH\nA\n", encoding="utf-8")
    assert [b.text for b in read_document(path)] == ["KẾ HOẠCH", "A"]
