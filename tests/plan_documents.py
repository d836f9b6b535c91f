"""Plan documents for the importer's tests: the seed plan, and Word files built with python-docx."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import docx

SEEDS = Path(__file__).resolve().parent / "data" / "seeds"
SEED_PLAN = SEEDS / "khanh-hoa-plan-2017-2020.txt"
ARTICLES = sorted(p for p in SEEDS.glob("*.txt") if p != SEED_PLAN)

# Section III of the seed plan: heading number -> (lead as written, number of tasks under it).
SEED_SECTION_III = {
    "1": ("Sở Ngoại vụ", 9),
    "2": ("Sở Thông tin và Truyền thông", 1),
    "3": ("Sở Kế hoạch và Đầu tư", 1),
    "4": ("Sở Tài chính", 1),
    "5": ("Liên hiệp các tổ chức hữu nghị tỉnh", 8),
    "6": (
        "Các sở, ban, ngành; các tổ chức đoàn thể; Ủy ban nhân dân các huyện, thị xã, thành phố; "
        "các trường đại học, cao đẳng, doanh nghiệp thuộc tỉnh",
        4,
    ),
}

APPENDIX_ROWS = [
    ("I", "Nhiệm vụ chung", "", "", ""),
    ("1", "Xây dựng kế hoạch tuyên truyền đối ngoại", "Sở Thông tin và Truyền thông",
     "Sở Ngoại vụ; Báo Đồng Nai", "Quý II/2026"),
    ("2", "Báo cáo sơ kết 6 tháng", "Sở Ngoại vụ", "Các sở, ngành liên quan", "Tháng 01/2026"),
    ("II", "Nhiệm vụ cụ thể", "", "", ""),
    ("1", "Tổ chức hội nghị giao ban công tác đối ngoại", "Sở Văn hóa, Thể thao và Du lịch",
     "Sở Ngoại vụ, Sở Tài chính", "hằng quý, trước ngày 10 của tháng cuối quý"),
    ("2", "Rà soát các thỏa thuận quốc tế", "Sở Tư pháp", "", "chậm nhất ngày 15.12.2025"),
    ("3", "Cập nhật cơ sở dữ liệu người nước ngoài", "Công an tỉnh", "Sở Ngoại vụ", "Thường xuyên"),
]


def table_plan_docx() -> bytes:
    """A plan in the common Word layout: the header in a two-cell table, Word's own numbering and bullets in
    "Tổ chức thực hiện", and the tasks in an appendix table whose header spans two rows."""
    document = docx.Document()
    header = document.add_table(rows=1, cols=2)
    header.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nTỈNH ĐỒNG NAI\n-------\nSố: 3935/KH-UBND"
    header.cell(0, 1).text = (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nĐồng Nai, ngày 08 tháng 4 năm 2025"
    )
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Thực hiện công tác đối ngoại nhân dân năm 2025 - 2026")
    document.add_paragraph(
        "Căn cứ Chỉ thị số 38-CT/TW ngày 19-9-2019 của Ban Bí thư, Ủy ban nhân dân tỉnh Đồng Nai ban hành Kế "
        "hoạch thực hiện công tác đối ngoại nhân dân năm 2025 - 2026 như sau:"
    )
    document.add_paragraph("I. MỤC ĐÍCH, YÊU CẦU")
    document.add_paragraph("Nâng cao hiệu quả công tác đối ngoại nhân dân trước ngày 01/01/2026.")
    document.add_paragraph("II. TỔ CHỨC THỰC HIỆN")
    document.add_paragraph("Sở Ngoại vụ", style="List Number")  # Word writes the "1." itself
    document.add_paragraph(
        "Hằng tháng, trước ngày 25 tổng hợp tình hình, báo cáo Ủy ban nhân dân tỉnh.", style="List Bullet"
    )
    document.add_paragraph("Các sở, ban, ngành; Ủy ban nhân dân các huyện, thành phố", style="List Number")
    document.add_paragraph("Thực hiện các nhiệm vụ tại Phụ lục kèm theo.", style="List Bullet")
    document.add_paragraph("PHỤ LỤC I")
    document.add_paragraph("DANH MỤC NHIỆM VỤ")
    table = document.add_table(rows=2, cols=5)
    for column, text in enumerate(["STT", "Nội dung nhiệm vụ", "Cơ quan thực hiện", "", "Thời gian hoàn thành"]):
        table.cell(0, column).text = text
    table.cell(1, 2).text = "Chủ trì"
    table.cell(1, 3).text = "Phối hợp"
    table.cell(0, 2).merge(table.cell(0, 3))  # "Cơ quan thực hiện" over "Chủ trì" | "Phối hợp"
    for column in (0, 1, 4):
        table.cell(0, column).merge(table.cell(1, column))
    for row in APPENDIX_ROWS:
        cells = table.add_row().cells
        for column, text in enumerate(row):
            cells[column].text = text
    document.add_paragraph("Nơi nhận:")
    return save(document)


def prose_plan_docx() -> bytes:
    """The seed plan's layout typed into Word, paragraph by paragraph, with a line break inside one."""
    document = docx.Document()
    for line in SEED_PLAN.read_text(encoding="utf-8").splitlines():
        if line.strip():
            document.add_paragraph(line)
    document.add_paragraph("Nơi nhận:\n- Như trên;\n- Lưu: VT.")
    return save(document)


def save(document) -> bytes:
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def cp1258(text: str) -> bytes:
    """``text`` in Windows-1258: base letters (with â, ă, ê, ô, ơ, ư, đ) and separate tone marks."""
    out = bytearray()
    tones = "\u0300\u0301\u0303\u0309\u0323"
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out += base.encode("cp1258") + "".join(c for c in parts if c in tones).encode("cp1258")
    return bytes(out)


def roman_numbered_plan_docx() -> bytes:
    """A plan whose "III.", "1." and "a)" are Word's own multilevel numbering, not typed."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>'
        "</w:abstractNum>"
    ))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Hợp tác quốc tế năm 2026")
    for text, level in [
        ("Mục đích, yêu cầu", 0),
        ("Nội dung", 0),
        ("Tổ chức thực hiện", 0),
        ("Sở Ngoại vụ", 1),
        ("Tổng hợp, báo cáo kết quả chậm nhất ngày 10/12/2026.", 2),
        ("Sở Y tế", 1),
        ("Báo cáo hằng quý.", 2),
        ("Kinh phí", 0),
        ("Sở Tài chính bố trí kinh phí.", 1),
    ]:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'
        ))
    return save(document)
