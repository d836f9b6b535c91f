"""Plan documents (.txt, .docx, .pdf) read into blocks: paragraphs and table rows, in document order.

Text files must be Unicode: UTF-8 (with or without a byte-order mark) or UTF-16 with its byte-order
mark, which is what Word's "Unicode" text export writes. Legacy Vietnamese encodings (Windows-1258,
TCVN3/ABC, VNI) are refused with a message saying to save the file as UTF-8: guessing among them gives
wrong letters silently, and a wrong letter in an agency's name makes a new agency.

In a .docx, Word's automatic numbering and bullets are not part of a paragraph's text; they are worked
out from the numbering definitions and put back in front of the text ("III. ", "1. ", "- "), so that
the parser sees what the reader sees.

A PDF with a text layer is read by :mod:`pdf` into paragraphs, as a .txt would hold them; a scanned
PDF, a locked one and an old binary .doc are refused with a message saying what to do.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Block", "DocumentError", "blocks_from_text", "decode_text", "read_blocks", "read_document"]

MAX_BYTES = 50 * 1024 * 1024  # a plan is a few hundred kilobytes; anything this big is something else


class DocumentError(ValueError):
    """The file cannot be read as a plan document; the message says why and what to do, in Vietnamese."""


@dataclass(frozen=True)
class Block:
    """A paragraph (``cells`` empty) or a table row (``cells`` its cells' texts, one a grid column; a cell
    merged across columns has its text in the first of them).

    ``table`` numbers the tables of the document from 1 (0 for a paragraph); ``line`` is the paragraph's
    line in a text file, or its position among the document's blocks."""

    text: str
    cells: tuple[str, ...] = field(default=())
    table: int = 0
    line: int = 0

    @property
    def is_row(self) -> bool:
        return bool(self.cells)


def read_document(path: Path) -> list[Block]:
    """The blocks of a .txt, .docx or .pdf file; DocumentError if it cannot be read as one."""
    path = Path(path)
    try:
        if path.is_dir():
            raise DocumentError(f"{path}: là một thư mục, không phải tệp (a directory, not a file)")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DocumentError(f"{path}: tệp quá lớn ({size // (1024 * 1024)} MB) cho một kế hoạch")
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"{path}: không tìm thấy tệp (file not found)") from None
    except OSError as exc:
        raise DocumentError(f"{path}: không đọc được tệp: {exc.strerror or exc}") from None
    return read_blocks(data, name=str(path))


def read_blocks(data: bytes, *, name: str = "<document>") -> list[Block]:
    """As :func:`read_document`, from the file's bytes; the kind is told by the content, not the name."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise DocumentError(f"{name}: tệp rỗng (the file is empty)")
    if data.startswith(b"PK\x03\x04"):
        return _docx_blocks(data, name)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise DocumentError(_ole2_message(data, name))
    if b"%PDF-" in data[:1024]:  # readers accept a little junk before the marker; so do we
        from obligations.plans.importer.pdf import pdf_blocks

        return pdf_blocks(data, name)
    if name.lower().endswith(".docx"):
        raise DocumentError(f"{name}: tệp .docx bị hỏng hoặc không phải tệp Word (not a .docx file)")
    return blocks_from_text(decode_text(data, name=name))


def _ole2_message(data: bytes, name: str) -> str:
    """An OLE2 compound file: an old binary Word .doc, or a .docx locked with a password (Word stores
    those encrypted inside an OLE2 file)."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return (
            f"{name}: tệp Word được đặt mật khẩu; hãy mở bằng Word, bỏ mật khẩu rồi lưu lại dưới dạng .docx "
            "(a password-protected Word file: remove the password and save it as .docx)"
        )
    return (
        f"{name}: đây là tệp Word cũ (.doc), không đọc được; hãy mở bằng Word, chọn Tệp > \"Lưu thành\" "
        "(\"Lưu như\", Save As), chọn kiểu Word Document (.docx) rồi dùng tệp .docx đó "
        "(an old binary Word .doc: open it in Word, Save As .docx)"
    )


# --------------------------------------------------------------------------------------------------
# Text files


_VIETNAMESE_WORDS = re.compile(
    r"(?<!\w)(của|và|các|được|những|trong|thực hiện|nhân dân|tỉnh|ngày|tháng|năm|kế hoạch|cơ quan|với|có|đơn vị)(?!\w)"
)
# Letters Vietnamese has and Latin-1 has not (ă đ ĩ ũ ơ ư, and the tone-marked vowels of U+1EA0-U+1EF9):
# text holding them is Vietnamese Unicode, not legacy bytes shown as Latin-1.
_VIETNAMESE_LETTERS = re.compile(
    "[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]"
)


def decode_text(data: bytes, *, name: str = "<document>") -> str:
    """The text of a UTF-8 or BOM-marked UTF-16 file; DocumentError naming the likely encoding otherwise."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise DocumentError(f"{name}: tệp UTF-32 chưa được hỗ trợ; hãy lưu lại dưới dạng UTF-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError(f"{name}: tệp UTF-16 bị hỏng; hãy lưu lại dưới dạng UTF-8") from None
    if b"\x00" in data[:4096]:
        # No text encoding but UTF-16/32 puts NUL bytes in Vietnamese or ASCII text.
        raise DocumentError(
            f"{name}: tệp có ký tự NUL: có thể là UTF-16 không có BOM hoặc không phải văn bản; "
            "hãy lưu lại dưới dạng UTF-8"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DocumentError(f"{name}:{line}: {_legacy_encoding(data)}") from None
    if "\x00" in text:
        raise DocumentError(
            f"{name}: tệp có ký tự NUL: có thể là UTF-16 không có BOM hoặc không phải văn bản; "
            "hãy lưu lại dưới dạng UTF-8"
        )
    if _looks_like_legacy_font_text(text):
        raise DocumentError(
            f"{name}: văn bản có vẻ được gõ bằng bảng mã cũ (TCVN3/ABC hoặc VNI, phông .VnTime/VNI-Times) rồi lưu "
            "thành UTF-8, nên chữ tiếng Việt bị sai; hãy chuyển mã sang Unicode (ví dụ bằng công cụ chuyển mã của "
            "Unikey) rồi lưu lại dưới dạng UTF-8"
        )
    return text


def _legacy_encoding(data: bytes) -> str:
    """Say which legacy encoding the bytes look like, and what to do."""
    advice = "hãy mở tệp và lưu lại dưới dạng UTF-8 (Unicode) rồi thử lại (save the file as UTF-8)"
    try:
        as_1258 = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        as_1258 = ""
    words = len(_VIETNAMESE_WORDS.findall(as_1258.lower()))
    if as_1258 and words >= 3 and words * 40 >= len(as_1258.split()):
        return f"tệp không phải UTF-8 mà có vẻ là bảng mã Windows-1258 (cp1258); {advice}"
    return f"tệp không phải UTF-8 (có thể là bảng mã cũ TCVN3/ABC, VNI hoặc Windows-1258); {advice}"


def _looks_like_legacy_font_text(text: str) -> bool:
    """TCVN3 or VNI bytes shown as Latin-1 and saved as UTF-8 ("KÕ ho¹ch", "Keá hoaïch"): many Latin-1
    letters and symbols inside words, and none of the letters only Vietnamese Unicode has."""
    sample = text[:20000]
    if _VIETNAMESE_LETTERS.search(unicodedata.normalize("NFC", sample)):
        return False
    odd = sum(1 for ch in sample if "\u00a1" <= ch <= "\u00ff" and ch not in "\u00ab\u00bb\u00b0\u00b7")
    letters = sum(1 for ch in sample if ch.isalpha())
    return odd >= 5 and odd * 20 >= letters


def blocks_from_text(text: str) -> list[Block]:
    """One block a non-empty line."""
    blocks = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            blocks.append(Block(text=line, line=number))
    return blocks


# --------------------------------------------------------------------------------------------------
# Word documents


def _docx_blocks(data: bytes, name: str) -> list[Block]:
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover - python-docx is a dependency
        raise DocumentError(f"{name}: cần thư viện python-docx để đọc .docx ({exc})") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(
            f"{name}: tệp .docx bị hỏng hoặc không phải tệp Word (.docx): {exc.__class__.__name__}"
        ) from None
    except Exception as exc:  # noqa: BLE001 - lxml and zip errors of a damaged file come in many kinds
        raise DocumentError(
            f"{name}: tệp .docx bị hỏng, không đọc được ({exc.__class__.__name__}); hãy mở bằng Word và lưu lại"
        ) from None
    try:
        return _DocxReader(document).blocks()
    except Exception as exc:  # noqa: BLE001 - a damaged part found while walking the body
        raise DocumentError(
            f"{name}: tệp .docx bị hỏng, không đọc được ({exc.__class__.__name__}); hãy mở bằng Word và lưu lại"
        ) from None


_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out += letters
            n -= value
    return out


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerLetter":
        return _letters(n)
    return str(n)


class _DocxReader:
    """Walks the body in order; keeps the counters of Word's automatic numbering."""

    def __init__(self, document) -> None:
        from docx.oxml.ns import qn

        self.qn = qn
        self.document = document
        self.counters: dict[tuple[str, int], int] = {}
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # numId -> ilvl -> (fmt, text, start)
        self.tables = 0
        self.position = 0
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            numbering = None
        if numbering is not None:
            self._read_numbering(numbering)

    def _read_numbering(self, numbering) -> None:
        qn = self.qn
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for node in numbering.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in node.findall(qn("w:lvl")):
                ilvl = int(lvl.get(qn("w:ilvl"), "0"))
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                levels[ilvl] = (
                    fmt.get(qn("w:val")) if fmt is not None else "decimal",
                    text.get(qn("w:val")) if text is not None else "%1.",
                    int(start.get(qn("w:val"), "1")) if start is not None else 1,
                )
            abstract[node.get(qn("w:abstractNumId"))] = levels
        for node in numbering.findall(qn("w:num")):
            ref = node.find(qn("w:abstractNumId"))
            if ref is not None:
                self.levels[node.get(qn("w:numId"))] = abstract.get(ref.get(qn("w:val")), {})

    def _num_pr(self, paragraph):
        """The paragraph's numbering (numId, ilvl): its own, else its style's (e.g. "List Number")."""
        qn = self.qn
        for element in (paragraph._p, getattr(paragraph.style, "element", None) if paragraph.style else None):
            if element is None:
                continue
            ppr = element.find(qn("w:pPr"))
            num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
            if num_pr is None:
                continue
            num_id = num_pr.find(qn("w:numId"))
            ilvl = num_pr.find(qn("w:ilvl"))
            if num_id is None:
                continue
            return num_id.get(qn("w:val")), int(ilvl.get(qn("w:val"), "0")) if ilvl is not None else 0
        return None

    def _label(self, paragraph) -> str:
        found = self._num_pr(paragraph)
        if found is None:
            return ""
        num_id, ilvl = found
        levels = self.levels.get(num_id)
        if not levels or num_id == "0":
            return ""
        fmt, text, start = levels.get(ilvl, ("decimal", "%1.", 1))
        if fmt == "bullet":
            return "- "
        if fmt == "none":
            return ""
        # A counter starts at its level's start, and restarts whenever a higher level moves on.
        key = (num_id, ilvl)
        self.counters[key] = self.counters.get(key, start - 1) + 1
        for deeper in [k for k in self.counters if k[0] == num_id and k[1] > ilvl]:
            del self.counters[deeper]

        def number(match: re.Match) -> str:
            level = int(match.group(1)) - 1
            level_fmt, _, level_start = levels.get(level, ("decimal", "", 1))
            value = self.counters.get((num_id, level), level_start)
            return _format_number(value, fmt if level == ilvl else level_fmt)

        label = re.sub(r"%([1-9])", number, text).strip()
        return f"{label} " if label else ""

    def blocks(self) -> list[Block]:
        out: list[Block] = []
        for item in self.document.iter_inner_content():
            if item.__class__.__name__ == "Table":
                self.tables += 1
                self._table(item, out)
            else:
                self._paragraph(item, out)
        return out

    def _paragraph(self, paragraph, out: list[Block]) -> None:
        text = paragraph.text
        if not text.strip():
            return
        label = self._label(paragraph)
        # A line break inside a paragraph (Shift+Enter) separates lines as a paragraph mark would.
        for index, line in enumerate(text.split("\n")):
            if line.strip():
                self.position += 1
                out.append(Block(text=(label if index == 0 else "") + line, line=self.position))

    def _table(self, table, out: list[Block]) -> None:
        number = self.tables
        for row in table.rows:
            cells: list[str] = []
            previous = None
            for cell in row.cells:
                # A cell merged across columns is listed once per grid column it spans: keep its text in
                # the first, leave the others empty, so that columns stay under their headers.
                if previous is not None and cell._tc is previous:
                    cells.append("")
                    continue
                previous = cell._tc
                lines = [self._label(p) + p.text for p in cell.paragraphs if p.text.strip()]
                cells.append("\n".join(lines).strip())
            if not any(cells):
                continue
            self.position += 1
            out.append(Block(text=" | ".join(c for c in cells if c), cells=tuple(cells), table=number,
                             line=self.position))
