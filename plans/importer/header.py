"""A plan's header: its number ("Số: 377/KH-UBND"), signing date, title, issuer and period.

They are read from the blocks before the first Roman-numbered section: the title from the lines under
"KẾ HOẠCH" (in the casing of the introduction when it repeats it), or for a directive or a letter from its
subject (:mod:`~obligations.plans.importer.subject`: "Công văn số 846/UBND-TH về việc ..."), the issuer from
the block above "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" or from "... ban hành Kế hoạch", the period from "giai đoạn
2017-2020" or "năm 2025". Numbers and dates of other documents the text cites are not taken.
"""

from __future__ import annotations

import re
from datetime import date

from obligations.plans.importer.agency_names import starts_with_agency
from obligations.plans.importer.documents import Block
from obligations.plans.importer.parsed import ParsedPlan
from obligations.plans.importer.sections import section_heading
from obligations.plans.importer.subject import read_subject
from obligations.plans.importer.text import fold, normalize

__all__ = ["read_header"]


def read_header(plan: ParsedPlan, blocks: list[Block]) -> None:
    """Set the header fields of ``plan`` from the first blocks of the document."""
    _Header(plan, blocks).read()


_NUMBER = re.compile(r"^so\s*[:.]?\s*(?P<number>[0-9][^\s,;]*[/\-][^\s,;]*)")
_SIGNED = re.compile(r",?\s*ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
_SIGNED_NUMERIC = re.compile(r",\s*ngay\s+(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_PERIOD = re.compile(
    r"(?:giai\s+doan|thoi\s+ky|tu\s+nam|nam)\s+(?P<a>(?:19|20)\d{2})\s*(?:-|\u2013|\u2014|den(?:\s+nam)?)\s*"
    r"(?P<b>(?:19|20)\d{2})(?![0-9])"
)
_YEAR_ONLY = re.compile(r"(?<!thang\s\d)(?<!thang\s\d\d)(?<![0-9/])\bnam\s+(?P<a>(?:19|20)\d{2})(?![0-9/\-])")
_NATIONAL = re.compile(r"^(?:cong\s+hoa\s+xa\s+hoi|doc\s+lap\s*-)")
_ISSUED = re.compile(r"(?<![a-z])ban\s+hanh\s+(?:ke\s+hoach)")


def _cells(block: Block) -> list[list[str]]:
    """The block's lines, by cell (a paragraph is one cell): a subject wrapped inside a cell is one subject."""
    parts = block.cells if block.is_row else (block.text,)
    return [[normalize(line) for line in cell.split("\n") if normalize(line)] for cell in parts]


class _Header:
    """Reads the lines before the first section into the plan's number, signing date, title, issuer and
    period."""

    def __init__(self, plan: ParsedPlan, blocks: list[Block]) -> None:
        self.plan = plan
        head: list[str] = []
        cells: list[int] = []  # the cell each line is in
        for block in blocks[:40]:
            if section_heading(normalize(block.text)) is not None:
                break
            for cell in _cells(block):
                head.extend(cell)
                cells.extend([cells[-1] + 1 if cells else 0] * len(cell))
        self.lines = head
        self.cells = cells

    def read(self) -> None:
        plan = self.plan
        folded = [fold(line) for line in self.lines]
        for line, key in zip(self.lines, folded, strict=True):
            match = _NUMBER.match(key)
            if match and plan.number is None:
                plan.number = line[match.start("number") : match.end("number")].rstrip(".")
            if plan.signed is None and len(line) <= 120:
                signed = _SIGNED.search(key) or _SIGNED_NUMERIC.search(key)
                if signed and not key.startswith(("can cu", "thuc hien")):
                    day, month, year = (int(g) for g in signed.groups())
                    try:
                        plan.signed = date(year, month, day)
                    except ValueError:
                        pass
        intro = " ".join(line for line in self.lines if len(line) > 60 and not line.isupper())
        plan.title = self._title(folded, intro)
        subject = None
        if plan.title is None:
            subject = plan.title = read_subject(self.lines, self.cells, plan.number)
        plan.issuer = self._issuer(folded, intro)
        # A letter's subject names what it is about ("báo cáo ... năm 2019"), not when its tasks run.
        plan.period = self._period("" if subject else plan.title or "", intro)

    def _title(self, folded: list[str], intro: str) -> str | None:
        for index, key in enumerate(folded):
            if key.strip(" .:") != "ke hoach":
                continue
            parts = []
            for line in self.lines[index + 1 : index + 5]:
                lkey = fold(line)
                if len(line) > 250 or re.fullmatch(r"[-_*=.\s]+", line) or lkey.startswith(("can cu", "kinh gui")):
                    break
                parts.append(line)
            if not parts:
                continue
            subtitle = " ".join(parts)
            title = f"{self.lines[index].strip(' .:')} {subtitle}"
            # The intro usually repeats the title in sentence case ("... ban hành Kế hoạch triển khai ...").
            wanted = fold(f"ke hoach {subtitle}")
            where = fold(intro).find(wanted)
            if where >= 0:
                return intro[where : where + len(wanted)]
            if subtitle.isupper():
                return title
            return f"Kế hoạch {subtitle[0].lower()}{subtitle[1:]}"
        for line, key in zip(self.lines[:12], folded[:12], strict=False):
            if key.startswith("ke hoach ") and len(line) <= 300:
                return line
        return None

    def _issuer(self, folded: list[str], intro: str) -> str | None:
        """The issuing body: the header's "ỦY BAN NHÂN DÂN / TỈNH KHÁNH HÒA" (in the intro's casing when the
        intro repeats it), else the body that "ban hành Kế hoạch" in the intro."""
        header = self._header_issuer(folded)
        key = fold(intro)
        if header:
            where = key.find(fold(header))
            return intro[where : where + len(header)] if where >= 0 else header
        issued = _ISSUED.search(key)
        if issued:
            before = intro[: issued.start()].rstrip()
            cut = max(before.rfind(","), before.rfind(";"), before.rfind("."))
            name = re.sub(r"(?:\s+(?:đã|vừa|sẽ|chính thức))+$", "", before[cut + 1 :].strip())
            if name and starts_with_agency(fold(name)) and len(name.split()) <= 15:
                return name
        return None

    def _header_issuer(self, folded: list[str]) -> str | None:
        """The block above "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM": "ỦY BAN NHÂN DÂN / TỈNH KHÁNH HÒA"."""
        parts: list[str] = []
        for line, lkey in zip(self.lines[:10], folded[:10], strict=False):
            if _NATIONAL.match(lkey) or _NUMBER.match(lkey) or re.fullmatch(r"[-_*=.\s]+", line):
                if parts:
                    break
                continue
            if lkey.strip(" .:") == "ke hoach":
                break
            if line.isupper() and len(line) <= 80:
                parts.append(line)
            elif parts:
                break
        if parts and starts_with_agency(fold(parts[0])):
            return " ".join(parts)
        return None

    @staticmethod
    def _period(title: str, intro: str) -> tuple[date, date] | None:
        for text in (title, intro):
            key = fold(normalize(text))
            match = _PERIOD.search(key)
            if match:
                a, b = int(match.group("a")), int(match.group("b"))
                if a <= b:
                    return date(a, 1, 1), date(b, 12, 31)
        single = _YEAR_ONLY.search(fold(normalize(title)))
        if single:
            year = int(single.group("a"))
            return date(year, 1, 1), date(year, 12, 31)
        return None

