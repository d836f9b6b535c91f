"""PDF plans with a text layer, read into the same blocks as a .txt: one paragraph a block.

A PDF holds positioned lines, not paragraphs. They are put back the way a reader sees them: lines in
reading order (top to bottom; side-by-side boxes such as the national header left column first), the
running header and footer of each page dropped ("Trang 2/5", "- 2 -", a line repeated at the top of
every page), words hyphenated at a line end joined, and the lines of a paragraph joined into one block.
A line starts a new block when it opens an item ("1.", "a)", "-", "III."), when the line before it
stopped short of the right margin (its last line), when it is indented like a first line, or after a
gap wider than the spacing of lines.

The positions come from pypdf's layout reader (its text operations grouped by line, with where each
starts and ends). That part of pypdf is not public; when it fails, its layout text is used instead,
where positions are character columns: coarser, but still in reading order.
"""

from __future__ import annotations

import io
import re
import statistics
import unicodedata
from dataclasses import dataclass

from obligations.plans.importer.documents import Block, DocumentError
from obligations.plans.importer.text import fold, normalize

__all__ = ["pdf_blocks"]

MIN_TEXT_CHARS = 40  # a page with fewer letters than this has no text layer worth the name (a stamp, a number)
COLUMN_GAP = 4.0  # a gap of this many font sizes inside a line separates two boxes side by side
BOX_MAX_LINES = 8  # side-by-side boxes at most this tall are one row (the header); taller ones, a row a line


@dataclass(frozen=True)
class _Line:
    """One line of a page: its baseline ``y`` (growing downwards), where it starts and ends, its text;
    ``parts`` the boxes of a line with wide gaps (x0, x1, text), else empty; ``rough`` when positions are
    character columns of pypdf's layout text, which stretch and shrink by a tenth from line to line."""

    page: int
    y: float
    x0: float
    x1: float
    size: float
    text: str
    parts: tuple[tuple[float, float, str], ...] = ()
    rough: bool = False

    @property
    def char_width(self) -> float:
        return (self.x1 - self.x0) / max(len(self.text), 1) or 1.0


def pdf_blocks(data: bytes, name: str) -> list[Block]:
    """The blocks of a PDF with a text layer; DocumentError for a scanned, locked or damaged one."""
    pages = [_page_lines(page, number) for number, page in enumerate(_open(data, name).pages, start=1)]
    _refuse_scans(pages, name)
    pages = _drop_running_lines(pages)
    return _Paragraphs(pages).blocks()


def _open(data: bytes, name: str):
    try:
        from pypdf import PasswordType, PdfReader
        from pypdf.errors import DependencyError, PdfReadError
    except ImportError as exc:  # pragma: no cover - pypdf is a dependency
        raise DocumentError(f"{name}: cần thư viện pypdf để đọc PDF ({exc})") from None
    locked = (
        f"{name}: tệp PDF được đặt mật khẩu; hãy xin bản không đặt mật khẩu (hoặc bản .docx), hay mở bằng "
        "mật khẩu rồi lưu lại thành PDF không mật khẩu (a password-protected PDF)"
    )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise DocumentError(locked)
        if not len(reader.pages):
            raise DocumentError(f"{name}: tệp PDF không có trang nào")
        return reader
    except DocumentError:
        raise
    except DependencyError:
        raise DocumentError(locked) from None
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(f"{name}: tệp PDF bị hỏng, không đọc được ({exc.__class__.__name__})") from None
    except Exception as exc:  # noqa: BLE001 - a damaged PDF fails in pypdf in many ways
        raise DocumentError(f"{name}: tệp PDF bị hỏng, không đọc được ({exc.__class__.__name__})") from None


def _refuse_scans(pages: list[list[_Line]], name: str) -> None:
    """A PDF whose pages are images (a scan) has no text to read: say so rather than find no task."""
    empty = [n for n, lines in enumerate(pages, start=1) if _letters(lines) < MIN_TEXT_CHARS]
    if len(empty) * 2 < len(pages) or not pages:
        return
    which = "mọi trang" if len(empty) == len(pages) else "các trang " + ", ".join(map(str, empty))
    raise DocumentError(
        f"{name}: tệp PDF không có lớp chữ ({which} chỉ là ảnh, có lẽ là bản quét); không đọc được nội dung. "
        "Hãy chạy nhận dạng chữ (OCR) để có PDF có lớp chữ, hoặc xin bản .docx hay bản văn bản (.txt) của "
        "kế hoạch (a scanned PDF with no text layer: run OCR, or ask for the .docx or the text)"
    )


def _letters(lines: list[_Line]) -> int:
    return sum(1 for line in lines for ch in line.text if ch.isalnum())


# --------------------------------------------------------------------------------------------------
# Lines of a page


def _page_lines(page, number: int) -> list[_Line]:
    try:
        groups = _positioned_groups(page)
    except Exception:  # noqa: BLE001 - pypdf's private layout reader changed or choked: use its text
        return _column_lines(page, number)
    lines = [_line(number, ty, run) for ty, run in groups]
    return [line for line in lines if line is not None]


def _positioned_groups(page) -> list[tuple[float, list[dict]]]:
    """pypdf's text operations grouped by line (its layout mode's first steps), top line first."""
    from pypdf._text_extraction import _layout_mode
    from pypdf.generic import ContentStream

    contents = page.get("/Contents")
    if contents is None:
        return []
    ops = iter(ContentStream(contents.get_object(), page.pdf, "bytes").operations)
    bt_groups = _layout_mode.text_show_operations(ops, page._layout_mode_fonts(), True, None)
    if not bt_groups:
        return []
    groups = _layout_mode.y_coordinate_groups(bt_groups, None)
    return sorted(((-ty, run) for ty, run in groups.items()), key=lambda item: item[0])


def _line(page: int, y: float, run: list[dict]) -> _Line | None:
    """One line from its text operations, left to right; a small gap is a space, a wide one a new box."""
    parts: list[list] = []
    size = max((op.get("font_height") or op.get("font_size") or 0.0) for op in run) or 10.0
    for op in sorted(run, key=lambda op: op["tx"]):
        text = _clean(op["text"])
        if not text.strip():
            continue
        if parts:
            gap = op["tx"] - parts[-1][1]
            if gap > COLUMN_GAP * size:
                parts.append([op["tx"], op["displaced_tx"], text])
                continue
            last = parts[-1]
            space = " " if gap > 0.15 * size and not last[2].endswith(" ") and not text.startswith(" ") else ""
            last[2] += space + text
            last[1] = max(last[1], op["displaced_tx"])
            continue
        parts.append([op["tx"], op["displaced_tx"], text])
    parts = [[x0, x1, _squeeze(text)] for x0, x1, text in parts if text.strip()]
    if not parts:
        return None
    text = " ".join(text for _, _, text in parts)
    boxes = tuple((x0, x1, text) for x0, x1, text in parts) if len(parts) > 1 else ()
    return _Line(page, y, parts[0][0], parts[-1][1], size, text, boxes)


def _column_lines(page, number: int) -> list[_Line]:
    """Lines of pypdf's layout text, positions in character columns; a blank line leaves a gap."""
    lines: list[_Line] = []
    y = 0.0
    for raw in _clean(page.extract_text(extraction_mode="layout")).split("\n"):
        y += 1.0
        if not raw.strip():
            y += 1.0
            continue
        x0 = len(raw) - len(raw.lstrip())
        boxes = [(m.start() + x0, m.end() + x0, m.group()) for m in re.finditer(r"\S+(?: {1,3}\S+)*", raw.strip())]
        parts = tuple((float(a), float(b), _squeeze(t)) for a, b, t in boxes) if len(boxes) > 1 else ()
        lines.append(_Line(number, y, float(x0), float(len(raw.rstrip())), 1.0, _squeeze(raw), parts, rough=True))
    return lines


_SPACE_BEFORE_MARK = re.compile(r"\s+(?=[\u0300-\u036f])")
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


def _clean(text: str) -> str:
    """NFC text with ordinary spaces: PDFs give decomposed letters, tone marks split off by a space, and
    every kind of space. Soft hyphens stay: at a line's end they mark a word broken there."""
    text = _SPACE_BEFORE_MARK.sub("", text.translate(_ZERO_WIDTH))
    return unicodedata.normalize("NFC", _ODD_SPACES.sub(" ", text))


def _squeeze(text: str) -> str:
    return re.sub(r" {2,}", " ", text).strip()


# --------------------------------------------------------------------------------------------------
# Running headers and footers


_PAGE_NUMBER = re.compile(
    r"(?:trang|page)?\s*[-\u2013\u2014]?\s*#\s*[-\u2013\u2014]?\s*(?:(?:/|tren|of|trong)\s*#)?\s*\.?"
)


def _running_key(line: _Line) -> str:
    return re.sub(r"\d+", "#", fold(normalize(line.text)))


def _drop_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Pages without the lines at their top or bottom that are page numbers, or that come back at the
    same place on at least half of the pages (two at least): a running header or footer."""
    def ends(lines: list[_Line]) -> list[tuple[str, _Line]]:
        return [("top", line) for line in lines[:2]] + [("bottom", line) for line in lines[-2:]]

    counts: dict[tuple[str, str], int] = {}
    for lines in pages:
        for key in {(where, _running_key(line)) for where, line in ends(lines)}:
            counts[key] = counts.get(key, 0) + 1
    repeated = {key for key, count in counts.items() if count >= 2 and count * 2 >= len(pages)}
    kept = []
    for lines in pages:
        drop = {
            id(line) for where, line in ends(lines)
            if _PAGE_NUMBER.fullmatch(_running_key(line)) or (where, _running_key(line)) in repeated
        }
        kept.append([line for line in lines if id(line) not in drop])
    return kept


# --------------------------------------------------------------------------------------------------
# Paragraphs


_ITEM = re.compile(
    r"^(?:(?:[IVXLC]{1,6}|\d{1,2}(?:\.\d{1,2})*|[a-zđ])[.)]\s"
    r"|\d{1,2}(?:\.\d{1,2})+\s"
    r"|[-\u2010-\u2015\u2022\u2023\u25cf\u25e6\u25aa\u25a0\u2043\u2219+*\u00b7\uf0b7\uf0a7]\s*\S"
    r"|(?:Điều|Phần|Mục|Chương|Phụ lục|PHỤ LỤC|PHẦN|CHƯƠNG)\s+[\dIVXLC]+\b"
    r"|(?:Nơi nhận|TM\.|KT\.|Kính gửi))"
)
_HYPHENS = "-\u00ad\u2010"


def _join(left: str, right: str) -> str:
    """Two lines of one paragraph; a word hyphenated at the line's end is joined ("Cam-" "puchia"), a
    hyphen that belongs to the text stays ("2017-" "2020", "KH-" "UBND")."""
    if left and left[-1] in _HYPHENS and len(left) > 1 and not left[-2].isspace():
        if (left[-2].isalpha() and left[-2].islower() and right[:1].islower()) or left[-1] == "\u00ad":
            return left[:-1] + right
        return left[:-1] + "-" + right
    return f"{left} {right}"


def _right_margin(lines: list[_Line]) -> float:
    """Where full lines end: the rightmost end, or with rough positions the usual end of the long lines."""
    ends = [line.x1 for line in lines]
    if not ends:
        return 0.0
    if not lines[0].rough:
        return max(ends)
    return statistics.median(end for end in ends if end >= 0.6 * max(ends))


class _Paragraphs:
    """Joins the lines of all pages into paragraphs; boxes side by side become table rows."""

    def __init__(self, pages: list[list[_Line]]) -> None:
        self.lines = [line for lines in pages for line in lines]
        self.right = {page: _right_margin([line for line in lines if not line.parts]) for page, lines in
                      enumerate(pages, start=1)}
        steps = [
            b.y - a.y for a, b in zip(self.lines, self.lines[1:], strict=False)
            if a.page == b.page and not a.parts and not b.parts and 0 < b.y - a.y < 3 * a.size
        ]
        self.pitch = statistics.median(steps) if steps else None
        self.out: list[Block] = []
        self.tables = 0

    def blocks(self) -> list[Block]:
        current: list[_Line] = []
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            box = self._box(index)
            if box:
                self._flush(current)
                current = []
                self._rows(box)
                index += len(box)
                continue
            if current and self._starts_paragraph(current, line):
                self._flush(current)
                current = []
            current.append(line)
            index += 1
        self._flush(current)
        return self.out

    def _starts_paragraph(self, current: list[_Line], line: _Line) -> bool:
        before = current[-1]
        if _ITEM.match(line.text):
            return True
        if before.page == line.page and self.pitch and line.y - before.y > 1.45 * self.pitch:
            return True
        width = line.char_width
        first_word = len(line.text.split(" ", 1)[0]) * width
        slack = 0.1 * self.right[before.page] if before.rough else width
        if before.text[-1] not in _HYPHENS and before.x1 + width + first_word < self.right[before.page] - slack:
            return True  # the word would have fitted on the line before: that line ended its paragraph
        return len(current) > 1 and line.x0 > before.x0 + 1.5 * width  # a first-line indent

    def _box(self, index: int) -> list[_Line]:
        """The lines from ``index`` that make side-by-side boxes: lines with wide gaps, and short lines under
        one of their columns (a column longer than the other), on the same page, with no gap between."""
        first = self.lines[index]
        if not first.parts:
            return []
        right = self.right.get(first.page) or first.x1
        centres = [(x0 + x1) / 2 for x0, x1, _ in first.parts]
        end = index + 1
        while end < len(self.lines):
            line, above = self.lines[end], self.lines[end - 1]
            if line.page != first.page or (self.pitch and line.y - above.y > 1.6 * self.pitch):
                break
            under = min(abs(c - (line.x0 + line.x1) / 2) for c in centres) < 0.15 * right
            if not line.parts and not (under and line.x1 - line.x0 < 0.5 * right and not _ITEM.match(line.text)):
                break
            end += 1
        return self.lines[index:end]

    def _rows(self, box: list[_Line]) -> None:
        """Short boxes (a header: "ỦY BAN NHÂN DÂN / TỈNH ..." beside "CỘNG HÒA ...") are one row whose cells
        hold each column's lines, read column by column; taller ones (a table) one row a line."""
        self.tables += 1
        widest = max(box, key=lambda line: len(line.parts))
        centres = [(x0 + x1) / 2 for x0, x1, _ in widest.parts]
        groups = [box] if len(box) <= BOX_MAX_LINES else [[line] for line in box]
        for group in groups:
            columns: list[list[str]] = [[] for _ in centres]
            for line in group:
                for x0, x1, text in line.parts or ((line.x0, line.x1, line.text),):
                    nearest = min(range(len(centres)), key=lambda i: abs(centres[i] - (x0 + x1) / 2))
                    columns[nearest].append(text)
            cells = tuple("\n".join(column) for column in columns)
            self.out.append(Block(text=" | ".join(c for c in cells if c), cells=cells, table=self.tables,
                                  line=len(self.out) + 1))

    def _flush(self, lines: list[_Line]) -> None:
        if not lines:
            return
        text = lines[0].text
        for line in lines[1:]:
            text = _join(text, line.text)
        text = normalize(text)
        if text:
            self.out.append(Block(text=text, line=len(self.out) + 1))
