"""Plans in PDF: a PDF written here from the seed plan reads back to the tasks the .txt gives; a scanned
PDF, a locked PDF and an old .doc are refused with a message saying what to do, and exit 2.

The seed is the Khánh Hòa People's Committee's plan for people-to-people diplomacy 2017-2020
(tests/data/seeds/khanh-hoa-plan-2017-2020.txt). The PDFs are laid out as Word exports them: a national
header in two boxes side by side, justified paragraphs with a first-line indent, words hyphenated at
line ends, a running header and a page number on every page.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import pytest
from fpdf import FPDF
from fpdf.enums import Align
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner

from obligations.cli import app
from obligations.plans.importer.documents import DocumentError, read_blocks
from obligations.plans.importer.parse import parse_blocks, read_plan
from tests.plan_documents import SEED_PLAN
from tests.test_load import dump

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core; .ci/run installs it
RUNNING_HEADER = "Kế hoạch triển khai công tác đối ngoại nhân dân tỉnh Khánh Hòa giai đoạn 2017-2020"
runner = CliRunner()


def font() -> str:
    assert FONT.exists(), f"{FONT} is missing: apt-get install fonts-dejavu-core (.ci/run installs it)"
    return str(FONT)


def _soft_hyphens(line: str) -> str:
    """Break points in every long lower-case word, so that some lines end in a hyphenated word."""
    return re.sub(r"\b([a-zà-ỹđ]{3})([a-zà-ỹđ]{3,})\b", "\\1\u00ad\\2", unicodedata.normalize("NFC", line))


class _PlanPdf(FPDF):
    def __init__(self, *, page_numbers: str) -> None:
        super().__init__(format="A4")
        self.page_numbers = page_numbers
        self.add_font("dejavu", fname=font())
        self.set_margins(25, 20, 20)
        self.set_auto_page_break(True, margin=22)

    def header(self) -> None:
        self.set_font("dejavu", size=8)
        if self.page_numbers == "top" and self.page_no() > 1:
            self.cell(0, 5, f"- {self.page_no()} -", align="C", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 5, RUNNING_HEADER, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        if self.page_numbers == "bottom":
            self.set_y(-15)
            self.set_font("dejavu", size=8)
            self.cell(0, 8, f"Trang {self.page_no()}/{{nb}}", align="C")


def plan_pdf(text: str, *, word_like: bool = True, national_header: bool = True, word_by_word: bool = False) -> bytes:
    """The plan's lines as a PDF: ``word_like`` justified with indents, spacing and hyphenation; else
    left-aligned lines with nothing between paragraphs (a plain export), or ``word_by_word`` each word
    drawn on its own, with no space character between, as some writers do."""
    pdf = _PlanPdf(page_numbers="top" if word_like else "bottom")
    pdf.add_page()
    pdf.set_font("dejavu", size=12)
    if national_header:
        top = pdf.get_y()
        for column, (x, lines) in enumerate(((25, ("ỦY BAN NHÂN DÂN", "TỈNH KHÁNH HÒA")),
                                             (95, ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                                   "Độc lập - Tự do - Hạnh phúc")))):
            pdf.set_xy(x, top)
            for line in lines:
                pdf.cell(70 if column == 0 else 95, 6, line, align="C", new_x="LEFT", new_y="NEXT")
        pdf.ln(8)
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    if word_like:
        with pdf.text_columns(text_align=Align.J, line_height=1.15) as columns:
            for line in paragraphs:
                centred = line.isupper()
                with columns.paragraph(text_align=Align.C if centred else Align.J, bottom_margin=2,
                                       first_line_indent=0 if centred else 10) as paragraph:
                    paragraph.write(_soft_hyphens(line))
    elif word_by_word:
        for line in paragraphs:
            _words(pdf, line)
    else:
        for line in paragraphs:
            pdf.multi_cell(0, 6, line, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _words(pdf: FPDF, paragraph: str) -> None:
    """A paragraph wrapped by hand, each word drawn where it goes."""
    space, right = pdf.get_string_width(" "), pdf.w - pdf.r_margin
    x = pdf.l_margin
    for word in paragraph.split():
        width = pdf.get_string_width(word)
        if x > pdf.l_margin and x + width > right:
            x = pdf.l_margin
            pdf.ln(6)
        if pdf.get_y() > pdf.h - 30:
            pdf.add_page()
        pdf.text(x, pdf.get_y() + 4, word)
        x += width + space
    pdf.ln(6)


def seed_text() -> str:
    return SEED_PLAN.read_text(encoding="utf-8")


def tasks(plan) -> list[tuple]:
    return [(t.ref, t.agency, tuple(t.supporting), t.text, tuple(map(repr, t.deadlines))) for t in plan.tasks]


@pytest.fixture(scope="module")
def word_pdf() -> bytes:
    return plan_pdf(seed_text())


def test_the_pdf_is_what_the_test_means(word_pdf):
    """The fixture holds what the reader must undo: several pages, each with the running header and a
    page number, and words broken across lines with a hyphen."""
    reader = PdfReader(io.BytesIO(word_pdf))
    assert len(reader.pages) >= 3
    texts = [page.extract_text() for page in reader.pages]
    assert all(RUNNING_HEADER in text for text in texts)
    assert all(f"- {n} -" in text for n, text in enumerate(texts[1:], start=2))
    broken = [m.group() for text in texts for m in re.finditer(r"[a-zà-ỹđ]-\n[a-zà-ỹđ]+", text)]
    assert len(broken) >= 3, broken


@pytest.mark.parametrize("layout", ["justified-hyphenated", "plain", "word-by-word"])
def test_a_pdf_reads_back_to_the_tasks_of_the_text(layout, word_pdf, tmp_path):
    data = word_pdf if layout == "justified-hyphenated" else plan_pdf(
        seed_text(), word_like=False, national_header=False, word_by_word=layout == "word-by-word")
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(data)
    from_text = read_plan(SEED_PLAN)
    from_pdf = read_plan(path)
    assert len(from_pdf.tasks) == len(from_text.tasks) == 24
    assert tasks(from_pdf) == tasks(from_text)  # refs, leads, partners, whole texts and deadlines
    assert (from_pdf.title, from_pdf.period, from_pdf.issuer) == (from_text.title, from_text.period, from_text.issuer)
    deadlines = {t.ref: t.deadlines for t in from_pdf.tasks}
    assert deadlines["III.6.4"][0].rrule == "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"


def test_the_pdf_blocks_are_the_paragraphs_of_the_text(word_pdf):
    """One block a paragraph, as the .txt has one a line; headers, page numbers and hyphens gone."""
    blocks = read_blocks(word_pdf, name="ke-hoach.pdf")
    header, *paragraphs = blocks
    assert header.cells == ("ỦY BAN NHÂN DÂN\nTỈNH KHÁNH HÒA",
                            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc")
    expected = [unicodedata.normalize("NFC", " ".join(line.split())) for line in seed_text().splitlines()
                if line.strip()]
    assert [b.text for b in paragraphs] == expected
    assert all(not b.is_row for b in paragraphs)


def test_decomposed_letters_and_odd_spaces_come_out_nfc():
    """Some PDF writers give "ệ" as "e" + two combining marks, and a tone mark after a space."""
    decomposed = unicodedata.normalize("NFD", seed_text())
    blocks = read_blocks(plan_pdf(decomposed, word_like=False), name="nfd.pdf")
    assert all(b.text == unicodedata.normalize("NFC", b.text) for b in blocks)
    assert any(b.text.startswith("1. Sở Ngoại vụ") for b in blocks)


def test_a_pdf_locked_with_an_empty_password_is_read_and_a_real_password_is_refused(tmp_path):
    def locked(user_password: str) -> bytes:
        pdf = FPDF()
        pdf.add_font("dejavu", fname=font())
        pdf.set_encryption(owner_password="chu-so-huu", user_password=user_password)
        pdf.add_page()
        pdf.set_font("dejavu", size=11)
        for line in seed_text().splitlines():
            if line.strip():
                pdf.multi_cell(0, 6, line.strip(), new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())

    open_path = tmp_path / "chi-cam-in.pdf"
    open_path.write_bytes(locked(""))
    assert PdfReader(open_path).is_encrypted
    assert len(read_plan(open_path).tasks) == 24
    shut = tmp_path / "co-mat-khau.pdf"
    shut.write_bytes(locked("mat-khau"))
    with pytest.raises(DocumentError, match="đặt mật khẩu") as raised:
        read_plan(shut)
    assert str(shut) in str(raised.value)


# --------------------------------------------------------------------------------------------------
# Refused: scans, old Word files


def scanned_pdf(pages: int = 2) -> bytes:
    """A PDF of page images and no text, as a scanner makes."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        page = Image.new("L", (420, 594), 255)
        for row in range(60, 560, 14):  # grey bars where the lines of text would be
            page.paste(90, (40, row, 380, row + 6))
        pdf.image(page, x=0, y=0, w=210)
    return bytes(pdf.output())


OLD_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "WordDocument".encode("utf-16-le") + b"\0" * 900

REFUSED = {
    "ban-quet.pdf": (scanned_pdf, "không có lớp chữ", "OCR"),
    "ke-hoach.doc": (lambda: OLD_WORD, "Word cũ (.doc)", ".docx"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_scan_and_an_old_word_file_are_refused_saying_what_to_do(name, tmp_path):
    make, reason, advice = REFUSED[name]
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(DocumentError) as raised:
        read_plan(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and reason in message and advice in message


def test_a_pdf_with_text_on_one_page_of_three_is_a_scan(tmp_path):
    """A scan with a typed cover page still has most of its pages as images: refused, naming them."""
    scan = PdfReader(io.BytesIO(scanned_pdf(2)))
    typed = PdfReader(io.BytesIO(plan_pdf("\n".join(seed_text().splitlines()[:4]), national_header=False)))
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_page(typed.pages[0])
    for page in scan.pages:
        writer.add_page(page)
    stream = io.BytesIO()
    writer.write(stream)
    with pytest.raises(DocumentError, match="các trang 2, 3"):
        read_blocks(stream.getvalue(), name="bia-danh-may.pdf")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_plan_parse_exits_2_with_the_message(name, tmp_path, sqlite_url, sqlite_engine):
    make, reason, advice = REFUSED[name]
    path = tmp_path / name
    path.write_bytes(make())
    before = dump(sqlite_engine)
    output = tmp_path / "draft.yaml"
    for args in (["parse", str(path)], ["draft", str(path), "-o", str(output)]):
        result = runner.invoke(app, ["--database-url", sqlite_url, "plan", *args])
        assert result.exit_code == 2, result.output
        flat = " ".join(result.output.split())
        assert reason in flat and advice in flat and "Lỗi" in flat
        assert result.stdout == ""
    assert not output.exists()
    assert dump(sqlite_engine) == before


def test_plan_parse_reads_a_pdf(word_pdf, tmp_path, sqlite_url):
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(word_pdf)
    result = runner.invoke(app, ["--database-url", sqlite_url, "plan", "parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert '"ref": "III.6.4"' in result.output
    assert len(parse_blocks(read_blocks(word_pdf)).tasks) == 24


@pytest.mark.parametrize("word_like", [True, False], ids=["justified-hyphenated", "plain"])
def test_without_pypdf_positions_the_layout_text_gives_the_same_tasks(word_like, word_pdf, monkeypatch):
    """The positions come from a part of pypdf that is not public; should it change, its layout text
    (positions in character columns) still reads the plan the same way."""
    from obligations.plans.importer import pdf

    def changed(page):
        raise AttributeError("'PageObject' object has no attribute '_layout_mode_fonts'")

    monkeypatch.setattr(pdf, "_positioned_groups", changed)
    data = word_pdf if word_like else plan_pdf(seed_text(), word_like=False, national_header=False)
    assert tasks(parse_blocks(read_blocks(data, name="ke-hoach.pdf"))) == tasks(read_plan(SEED_PLAN))


@pytest.mark.parametrize(("left", "right", "joined"), [
    ("vấn đề quốc tế và đối ngo-", "ại; đặc biệt", "vấn đề quốc tế và đối ngoại; đặc biệt"),  # a word broken
    ("giai đoạn 2017-", "2020 như sau", "giai đoạn 2017-2020 như sau"),  # a hyphen of the text
    ("Kế hoạch số 12-", "KH/TU ngày 26", "Kế hoạch số 12-KH/TU ngày 26"),
    ("Sở Lao động -", "Thương binh và Xã hội", "Sở Lao động - Thương binh và Xã hội"),
    ("các nước láng giềng (Cam\u00ad", "puchia, Lào,...)", "các nước láng giềng (Campuchia, Lào,...)"),
])
def test_lines_of_a_paragraph_are_joined_undoing_hyphenation(left, right, joined):
    from obligations.plans.importer.pdf import _join

    assert _join(left, right) == joined
