"""Tasks in a plan's section "Tổ chức thực hiện" (docs/plan-import.md, "What is found").

Each numbered heading names the lead agency or a group of agencies ("1. Sở Ngoại vụ", "6. Các sở, ban,
ngành; ..."); each "-" bullet, lettered item ("a)") or paragraph of prose under it is one task. A
heading may carry its task itself ("2. Sở Tài chính: bố trí kinh phí ...", "2. Sở Tài chính chủ trì
..."), and an item may name its own lead the same way. A paragraph ending with ":" before the items is
the heading's introduction; the closing paragraph of the section ("Trên cơ sở nhiệm vụ được phân công
... vướng mắc ... báo cáo ... ./.") is a note, not a task. A task under heading 6 of section III is
``III.6.k`` (k counts the tasks under the heading).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from obligations.plans.importer.agency_names import (
    is_group_name,
    is_specific,
    lead_of,
    report_to_in,
    split_agencies,
    supporting_in,
)
from obligations.plans.importer.assignments import assignments_in
from obligations.plans.importer.documents import Block
from obligations.plans.importer.parsed import Collector, ParsedProvision, ParsedTask
from obligations.plans.importer.phrases import find_deadlines
from obligations.plans.importer.text import fold, normalize

__all__ = ["TaskWriter", "opens_section", "read_item", "read_section", "section_heading"]


_SECTION = re.compile(r"^(?:(?:phan|muc|chuong)\s+)?(?P<roman>[ivxl]{1,6})\s*[.\-:/)]\s*(?P<title>\S.*)$")
_NUMBERED = re.compile(r"^(?P<label>\d{1,2})\s*[.)/]\s*(?P<rest>\S.*)$")
_SUBNUMBERED = re.compile(r"^(?P<label>\d{1,2}(?:\.\d{1,2})+)\.?\)?\s+(?P<rest>\S.*)$")
_LETTERED = re.compile(r"^(?P<label>[a-zđ])\s*[).]\s+(?P<rest>\S.*)$")
_BULLET = re.compile(r"^[-\u2010-\u2015\u2022\u2023\u25cf\u25e6\u2043\u2219+*\u00b7\uf0b7\uf0a7]\s*(?P<rest>\S.*)$")
_TCTH = "to chuc thuc hien"
_CLOSING = re.compile(
    r"(?:\./\.\s*$|/\.\s*$|^tren\s+co\s+so\s+(?:nhiem\s+vu|noi\s+dung)|^trong\s+qua\s+trinh\s+(?:to\s+chuc\s+)?"
    r"thuc\s+hien|vuong\s+mac)"
)


def section_heading(norm: str) -> tuple[str, str] | None:
    """("III", "Tổ chức thực hiện") for a heading numbered with a Roman numeral, in capitals."""
    match = _SECTION.match(fold(norm))
    if not match or len(norm) > 250 or fold(norm).startswith("v/v"):  # "V/v: ..." is a letter's subject line
        return None
    roman = norm[match.start("roman") : match.end("roman")]
    if not roman.isupper():
        return None  # "i) ..." is an item, not a section
    return roman, norm[match.start("title") :].strip()


def opens_section(norm: str) -> tuple[str | None, bool]:
    """Whether a block opens the "Tổ chức thực hiện" section, and the label it is numbered with."""
    section = section_heading(norm)
    if section is not None:
        return section[0], fold(section[1]).strip(" .:").startswith(_TCTH)
    key = fold(norm).strip(" .:")
    numbered = re.match(r"^(?P<label>\d{1,2})\s*[.)]\s*(?P<rest>.*)$", key)
    if numbered and numbered.group("rest").strip(" .:").startswith(_TCTH) and len(key) < 60:
        return numbered.group("label"), True
    return None, key == _TCTH


@dataclass
class _Item:
    kind: str  # number, sub, letter, bullet, prose
    label: str
    text: str
    line: int


def read_item(block: Block) -> _Item:
    """A block as an item: its kind (number, sub, letter, bullet, prose), label ("2", "a", "1.1") and text."""
    norm = normalize(block.text)
    for kind, pattern in (("sub", _SUBNUMBERED), ("number", _NUMBERED), ("letter", _LETTERED), ("bullet", _BULLET)):
        match = pattern.match(norm)
        if match:
            label = match.groupdict().get("label") or ""
            return _Item(kind, label, match.group("rest").strip(), block.line)
    return _Item("prose", "", norm, block.line)


@dataclass
class _Heading:
    label: str
    agency: str | None
    title: str
    group: bool = False
    count: int = 0
    has_items: bool = False


class TaskWriter:
    """Appends tasks to the plan being read: supporting agencies ("phối hợp với ..."), the joint leads of
    "Sở A, Sở B chủ trì", the agency results are sent to, and the deadlines the text states."""

    def __init__(self, out: Collector) -> None:
        self.out = out

    def add(
        self, ref: str, provision: str, text: str, line: int, lead: str | None, group: bool, more: Iterable[str] = ()
    ) -> None:
        supporting = [s for s in dict.fromkeys([*more, *supporting_in(text)]) if s != lead]
        if lead and not group:
            names = split_agencies(lead)
            if len(names) > 1:  # "Sở Tài chính, Sở Nội vụ": the first leads, the others support
                lead = names[0]
                joint = [n for n in names[1:] if n not in supporting and is_specific(n)]
                supporting = joint + supporting
        report_to = report_to_in(text)
        if report_to == lead:
            report_to = None
        self.out.plan.tasks.append(
            ParsedTask(
                ref=self.out.unique(ref),
                agency=lead,
                supporting=supporting,
                text=text,
                deadlines=find_deadlines(text, period_end=self.out.period_end, document_date=self.out.document_date,
                                         lead=lead),
                provision=provision,
                group=group,
                report_to=report_to,
                line=line,
            )
        )


def read_section(out: Collector, section: str, blocks: list[Block]) -> None:
    """The tasks and provisions of the section whose ref is ``section`` ("III"), from its blocks."""
    _SectionReader(out, section).read(blocks)


class _SectionReader(TaskWriter):
    def __init__(self, out: Collector, section: str) -> None:
        super().__init__(out)
        self.section = section
        self.heading: _Heading | None = None
        self.sub_agency: tuple[str, bool] | None = None  # a lettered sub-heading naming an agency
        self.loose = 0  # tasks before the first heading

    def read(self, blocks: list[Block]) -> None:
        readers = {"number": self._numbered, "sub": self._lettered, "letter": self._lettered, "bullet": self._bullet}
        for item in (read_item(b) for b in blocks if not b.is_row):
            readers.get(item.kind, self._prose)(item)

    def _lead(self) -> tuple[str | None, bool]:
        """The lead of an item that names none: the sub-heading's, else the heading's."""
        if self.sub_agency:
            return self.sub_agency
        if self.heading is None:
            return None, False
        return self.heading.agency, self.heading.group

    def _numbered(self, item: _Item) -> None:
        agency, task, _ = lead_of(item.text)
        heading = self.heading = _Heading(
            label=item.label,
            agency=agency,
            title=agency or item.text.rstrip(" :"),
            group=bool(agency) and is_group_name(agency),
        )
        self.sub_agency = None
        provision = ParsedProvision(ref=f"{self.section}.{item.label}", title=heading.title, text=item.text)
        self.out.plan.provisions.append(provision)
        if task:
            self._task(task, item.line, agency, heading.group)
        elif agency is None and (len(item.text) > 80 or item.text.rstrip().endswith(".")):
            # A sentence, not a title like "Nhiệm vụ chung": a task whose lead the plan does not name.
            self._task(item.text, item.line, None, False)

    def _lettered(self, item: _Item) -> None:
        agency, task, heading_only = lead_of(item.text)
        if agency is None and self._assigns(item):
            return
        if agency and heading_only:
            self.sub_agency = (agency, is_group_name(agency))
            return
        lead, group = (agency, is_group_name(agency)) if agency else self._lead()
        self._item_task(task or item.text, item.line, lead, group)

    def _assigns(self, item: _Item) -> bool:
        """Whether the item opens with a sentence that names its own lead ("Chủ tịch UBND tỉnh giao ...")."""
        found = assignments_in(item.text)
        if found and normalize(item.text).startswith(found[0].text[:40]):
            self._item_task(item.text, item.line, None, False)
            return True
        return False

    def _bullet(self, item: _Item) -> None:
        agency, task, heading_only = lead_of(item.text)
        if agency is None and self._assigns(item):
            return
        if agency and heading_only and item.text.rstrip().endswith(":"):
            self.sub_agency = (agency, is_group_name(agency))  # "- Sở Y tế:" over "+ ..." items
            return
        if agency and task:
            self._item_task(task, item.line, agency, is_group_name(agency))
        else:
            self._item_task(item.text, item.line, *self._lead())

    def _item_task(self, text: str, line: int, lead: str | None, group: bool) -> None:
        if self.heading is None:
            self.loose += 1
        self._task(text, line, lead, group)
        if self.heading is not None:
            self.heading.has_items = True

    def _prose(self, item: _Item) -> None:
        heading = self.heading
        if _CLOSING.search(fold(item.text)) and (heading is None or heading.count > 0):
            self.out.plan.notes.append(item.text)
            return
        if item.text.rstrip().endswith(":") and (heading is None or not heading.has_items):
            if heading is not None:  # the heading's introduction: part of its provision
                self.out.plan.provisions[-1].text += "\n" + item.text
            return
        if heading is None:
            agency, task, heading_only = lead_of(item.text)
            if agency is None and assignments_in(item.text):
                self.loose += 1
                self._task(item.text, item.line, None, False)
                return
            if agency is None or heading_only:
                return  # an introduction to the section
            self.loose += 1
            self._task(task or item.text, item.line, agency, is_group_name(agency))
            return
        self._task(item.text, item.line, *self._lead())

    def _task(self, text: str, line: int, lead: str | None, group: bool) -> None:
        text = normalize(text)
        if not text:
            return
        heading = self.heading
        if heading is not None:
            heading.count += 1
            ref = f"{self.section}.{heading.label}.{heading.count}"
            provision = f"{self.section}.{heading.label}"
        else:
            ref = f"{self.section}.{self.loose}"
            provision = self.section
        if lead is None:  # "Chủ tịch UBND tỉnh giao Giám đốc các Sở: ...": the sentence names who leads
            assigned = [(name, is_group, a.supporting) for a in assignments_in(text) for name, is_group in a.leads]
            for name, is_group, supporting in assigned:
                self.add(ref, provision, text, line, name, is_group, supporting)
            if assigned:
                return
        self.add(ref, provision, text, line, lead, group)
