"""A plan's blocks read into its header (number, title, issuer, period) and its tasks.

Where the tasks are: in section "Tổ chức thực hiện", however it is numbered ("III. Tổ chức thực hiện",
"4. TỔ CHỨC THỰC HIỆN"; :mod:`~obligations.plans.importer.sections`), and in task tables wherever they
are (the appendix, "Phụ lục"; :mod:`~obligations.plans.importer.tables`). The header is read by
:mod:`~obligations.plans.importer.header`, agency names by :mod:`~obligations.plans.importer.agency_names`,
deadlines by :mod:`~obligations.plans.importer.phrases`.

:func:`parse_blocks` never raises: it reads what it can. :func:`read_plan` also refuses a file with no
task (DocumentError). A document with neither, whose numbered paragraphs assign tasks in their sentences (a
directive, an official letter), is read by :mod:`~obligations.plans.importer.directives`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from obligations.plans.importer.agency_names import agencies_at, is_named
from obligations.plans.importer.assignments import short_forms
from obligations.plans.importer.directives import read_directive
from obligations.plans.importer.documents import Block, DocumentError, blocks_from_text, read_document
from obligations.plans.importer.header import read_header
from obligations.plans.importer.parsed import Collector, ParsedPlan
from obligations.plans.importer.sections import opens_section, read_section, section_heading
from obligations.plans.importer.spelling import canonical_name
from obligations.plans.importer.tables import read_table
from obligations.plans.importer.text import fold, match_key, normalize

__all__ = ["PlanError", "check_plan", "parse_blocks", "parse_text", "read_plan"]

_APPENDIX = re.compile(r"^phu\s+luc(?:\s+(?:so\s+)?(?P<label>[ivx]+|\d+|[a-z]))?(?![a-z0-9])")
_END_OF_TEXT = re.compile(r"^(?:noi\s+nhan|tm\.?\s|kt\.?\s|chu\s+tich$|tm\s*\.|kt\s*\.)")


class PlanError(DocumentError):
    """The document was read but holds no task to import."""


def read_plan(path: Path) -> ParsedPlan:
    """Read and parse a plan document; DocumentError (or PlanError) with a message for the user."""
    path = Path(path)
    plan = parse_blocks(read_document(path))
    check_plan(plan, str(path))
    return plan


def check_plan(plan: ParsedPlan, name: str) -> None:
    if plan.tasks:
        return
    if plan.has_section:
        raise PlanError(
            f"{name}: có mục \"Tổ chức thực hiện\" nhưng không tìm thấy nhiệm vụ nào trong đó "
            "(cần các đề mục đánh số tên cơ quan, với các gạch đầu dòng \"-\" hoặc đoạn văn bên dưới)"
        )
    raise PlanError(
        f"{name}: không giống một kế hoạch: không có mục \"Tổ chức thực hiện\", không có bảng nhiệm vụ "
        "(Phụ lục: STT / Nội dung nhiệm vụ / Cơ quan chủ trì / Cơ quan phối hợp / Thời gian hoàn thành) và không "
        "có đoạn đánh số nào giao nhiệm vụ (\"Giao Sở ... chủ trì\", \"Yêu cầu Thủ trưởng các ...\"); "
        "không có nhiệm vụ nào để nhập"
    )


def parse_text(text: str) -> ParsedPlan:
    return parse_blocks(blocks_from_text(text))


def parse_blocks(blocks: Iterable[Block]) -> ParsedPlan:
    """Everything the blocks say about the plan; never raises."""
    blocks = [b for b in blocks if normalize(b.text)]
    plan = ParsedPlan()
    read_header(plan, blocks)
    out = Collector(plan)
    _read_body(out, blocks)
    aliases = short_forms(b.text for b in blocks if not b.is_row)
    if not plan.tasks and not plan.has_section:
        read_directive(out, blocks, aliases)
    _spell_agencies(plan, aliases)
    plan.coordinator = _coordinator(plan)
    return plan


def _spell_agencies(plan: ParsedPlan, aliases: dict[str, str]) -> None:
    """Every agency name of the tasks in one spelling (:func:`canonical_name`), a short form the document
    defined read as its full name: "Sở VHTT" and "sở văn hóa và thể thao" are both "Sở Văn hóa và Thể thao"."""
    full = {match_key(alias): name for alias, name in aliases.items()}

    def spell(name: str | None) -> str | None:
        if not name:
            return name
        return canonical_name(full.get(match_key(name), name)) or None

    for task in plan.tasks:
        task.agency = spell(task.agency)
        task.supporting = [s for s in dict.fromkeys(map(spell, task.supporting)) if s and s != task.agency]
        task.report_to = spell(task.report_to)
        if task.report_to == task.agency:
            task.report_to = None


def _coordinator(plan: ParsedPlan) -> str | None:
    """The agency that follows the plan for the issuer: the one reports go "thông qua" (through), as in
    the closing formula "báo cáo Ủy ban nhân dân tỉnh thông qua Sở Ngoại vụ"; else the first lead."""
    for text in [*plan.notes, *(t.text for t in plan.tasks)]:
        norm = normalize(text)
        folded = fold(norm)
        for match in re.finditer(r"(?<![a-z])thong\s+qua\s+", folded):
            names = agencies_at(norm, folded, match.end())
            if names and is_named(names[0]):
                return names[0]
    for task in plan.tasks:
        if task.agency and not task.group:
            return task.agency
    return None


def _read_body(out: Collector, blocks: list[Block]) -> None:
    """The section "Tổ chức thực hiện" (read when it ends) and every task table (read where it stands; its
    refs under the appendix it follows, else the section it is in, else its own number)."""
    section: str | None = None  # the ref of the "Tổ chức thực hiện" section while inside it
    section_blocks: list[Block] = []
    appendix: str | None = None
    appendices = 0
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if block.is_row:
            table = [block]
            while index + 1 < len(blocks) and blocks[index + 1].is_row and blocks[index + 1].table == block.table:
                index += 1
                table.append(blocks[index])
            read_table(out, table, appendix or (section if section else f"B{block.table}"))
            index += 1
            continue
        norm = normalize(block.text)
        key = fold(norm)
        label, opens = opens_section(norm)
        appendix_match = _APPENDIX.match(key)
        if opens:
            if section is not None:
                read_section(out, section, section_blocks)
            section, section_blocks = (label.upper() if label else "TCTH"), []
            out.plan.has_section = True
        elif section is not None and (section_heading(norm) is not None or appendix_match or _END_OF_TEXT.match(key)):
            read_section(out, section, section_blocks)
            section, section_blocks = None, []
        elif section is not None:
            section_blocks.append(block)
        if appendix_match and len(norm) < 200:
            appendices += 1
            found = appendix_match.group("label")
            appendix = f"PL{(found.upper().lstrip('0') or '0') if found else appendices}"
        index += 1
    if section is not None:
        read_section(out, section, section_blocks)
