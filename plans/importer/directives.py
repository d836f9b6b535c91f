"""Tasks of a directive or an official letter (chỉ thị, công văn, thông báo kết luận, quyết định): a document
with no "Tổ chức thực hiện" section and no task table, whose numbered paragraphs assign tasks in their sentences
(docs/plan-import.md, "Tasks in directives"; the sentences are read by
:mod:`~obligations.plans.importer.assignments`).

A paragraph that assigns is a task for each lead it names. A paragraph that assigns and ends with ":" ("UBND tỉnh
yêu cầu Thủ trưởng các Sở, ban, ngành ... tập trung chỉ đạo:") gives its leads to the items under it. Refs are
the document's numbering: "2" (paragraph 2), "I.2" (under section I), "2.3" (the third item under paragraph 2),
"D2" (Điều 2 of a decision), "P1", "P2" for paragraphs that are not numbered.

A document is read this way only if it looks like an official one: it has a number ("Số: 123/UBND-KT") or
numbered paragraphs. An article that reports what was assigned is not read.
"""

from __future__ import annotations

import re

from obligations.plans.importer.assignments import Assignment, assignments_in
from obligations.plans.importer.documents import Block
from obligations.plans.importer.parsed import Collector, ParsedProvision
from obligations.plans.importer.sections import TaskWriter, read_item, section_heading
from obligations.plans.importer.text import fold, normalize

__all__ = ["read_directive"]

_ARTICLE = re.compile(r"^dieu\s+(?P<label>\d{1,3})\s*[.:]\s*")
_END_OF_TEXT = re.compile(r"^(?:noi\s+nhan|tm\.?\s|kt\.?\s|tl\.?\s|tm\s*\.|kt\s*\.)")


def read_directive(out: Collector, blocks: list[Block], aliases: dict[str, str]) -> None:
    """Append the tasks the directive's paragraphs assign (module docstring)."""
    paragraphs = [b for b in blocks if not b.is_row]
    numbered = any(read_item(b).kind == "number" or _ARTICLE.match(fold(normalize(b.text))) for b in paragraphs)
    if not (numbered or out.plan.number):
        return
    reader = _DirectiveReader(out, aliases)
    for block in paragraphs:
        if _END_OF_TEXT.match(fold(normalize(block.text))):
            break
        reader.read(block)


class _DirectiveReader(TaskWriter):
    def __init__(self, out: Collector, aliases: dict[str, str]) -> None:
        super().__init__(out)
        self.aliases = aliases
        self.section = ""  # "I." under a Roman-numbered section
        self.number: str | None = None  # the numbered paragraph or article the items are under
        self.items = 0
        self.loose = 0
        self.context: list[tuple[str, bool]] = []  # leads an introduction ending with ":" gave the items after it
        self.outer: list[tuple[str, bool]] = []  # the same, of an introduction before the numbered paragraphs

    def read(self, block: Block) -> None:
        norm = normalize(block.text)
        roman = section_heading(norm)
        if not norm or (roman is None and read_item(block).kind == "bullet" and not self.number and not self.context
                        and not assignments_in(norm, self.aliases)):
            return
        if roman is not None:
            self.section, self.number, self.context, self.outer = f"{roman[0]}.", None, [], []
            self._paragraph(roman[1], block.line, self.section.rstrip("."), "")
            return
        article = _ARTICLE.match(fold(norm))
        if article:
            self._numbered(f"D{article.group('label')}", norm[article.end() :], block.line)
            return
        item = read_item(block)
        if item.kind == "number":
            self._numbered(f"{self.section}{item.label}", item.text, block.line)
        elif self.number is not None:
            if self._paragraph(item.text, block.line, f"{self.number}.{self.items + 1}", self.number):
                self.items += 1
        elif self._paragraph(item.text, block.line, f"{self.section}P{self.loose + 1}", self.section.rstrip(".")):
            self.loose += 1

    def _numbered(self, ref: str, text: str, line: int) -> None:
        self.number, self.items, self.context = ref, 0, self.outer
        found = assignments_in(text, self.aliases)
        if text.rstrip().endswith(":"):
            self.out.plan.provisions.append(ParsedProvision(ref=ref, title=text.rstrip(" :")[:300], text=text))
            if found:
                self.context = found[-1].leads
            return
        if not found and self.outer:  # "UBND tỉnh yêu cầu ... tập trung chỉ đạo:" then "1. Tiếp tục ..."
            found = [Assignment(leads=self.outer, supporting=[], text=normalize(text))]
        self._write(found, ref, "", line)

    def _paragraph(self, text: str, line: int, ref: str, provision: str) -> bool:
        """Write the paragraph's tasks under ``ref``; whether it had any."""
        found = assignments_in(text, self.aliases)
        if text.rstrip().endswith(":"):  # an introduction to the items after it, or a sub-heading
            if found:
                self.context = found[-1].leads
                if self.number is None:
                    self.outer = self.context
            return False
        if not found and self.context:
            found = [Assignment(leads=self.context, supporting=[], text=normalize(text))]
        self._write(found, ref, provision, line)
        return bool(found)

    def _write(self, found: list[Assignment], ref: str, provision: str, line: int) -> None:
        for assignment in found:
            for lead, group in assignment.leads:
                self.add(ref, provision, assignment.text, line, lead, group, assignment.supporting)
