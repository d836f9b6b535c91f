"""Task tables, wherever they are in a plan (the appendix, "Phụ lục"): a table whose header has a task
column and a lead or deadline column (STT / Nội dung nhiệm vụ / Cơ quan chủ trì / Cơ quan phối hợp /
Thời gian hoàn thành / Sản phẩm). A row spanning the table ("I | Nhiệm vụ chung") heads a group of
rows; a row is ``PL1.<group>.<STT>`` after "Phụ lục 1" (or ``B<table>.<STT>``). In a deadline column
every date counts, with or without a deadline word before it.
"""

from __future__ import annotations

import re

from obligations.plans.importer.agency_names import is_group_name, is_specific, report_to_in, split_agencies
from obligations.plans.importer.documents import Block
from obligations.plans.importer.parsed import Collector, ParsedProvision, ParsedTask
from obligations.plans.importer.phrases import find_deadlines
from obligations.plans.importer.text import fold, normalize

__all__ = ["read_table"]


def read_table(out: Collector, rows: list[Block], prefix: str) -> None:
    """The tasks of one table (its rows, in order), refs under ``prefix``; nothing for other tables."""
    columns, first = _table_columns(rows)
    if columns is None:
        return
    out.plan.task_tables += 1
    _TableReader(out, columns, prefix).read(rows[first:])


class _TableReader:
    def __init__(self, out: Collector, columns: dict[str, int], prefix: str) -> None:
        self.out = out
        self.columns = columns
        self.prefix = prefix
        self.group_label: str | None = None
        self.last_lead: str | None = None  # a merged lead cell covers the rows below it
        self.counter = 0

    def read(self, rows: list[Block]) -> None:
        for row in rows:
            cells = [normalize(c) for c in row.cells]
            filled = [c for c in cells if c]
            if not filled:
                continue
            ref_cell = self._cell(cells, "ref").rstrip(".")
            if _column_of(ref_cell) == "ref" or all(re.fullmatch(r"\(?\d{1,2}\)?", c) for c in filled):
                continue  # the header again (on a new page), or the row that numbers the columns "(1) (2) ..."
            text, lead = self._cell(cells, "text"), self._cell(cells, "lead")
            if not lead and not self._cell(cells, "deadline") and (
                not text or len(set(filled)) == 1 or _is_section_label(ref_cell)
            ):
                self._group_row(text or filled[-1], ref_cell)  # "I | Nhiệm vụ chung", or a repeated header
            elif text:
                self._task_row(cells, ref_cell, row.line)

    def _cell(self, cells: list[str], name: str) -> str:
        position = self.columns.get(name)
        return cells[position] if position is not None and position < len(cells) else ""

    def _group_row(self, title: str, ref_cell: str) -> None:
        """A row spanning the table: it heads the rows below, as a provision."""
        label = ref_cell if _is_section_label(ref_cell) else (_label_in(title) or str(len(self.out.refs) + 1))
        self.group_label = re.sub(r"\s+", "", label).upper()
        self.out.plan.provisions.append(
            ParsedProvision(ref=f"{self.prefix}.{self.group_label}", title=title[:300], text=title)
        )

    def _task_row(self, cells: list[str], ref_cell: str, line: int) -> None:
        text, lead = self._cell(cells, "text"), self._cell(cells, "lead")
        self.counter += 1
        lead_names = split_agencies(lead) if lead else ([self.last_lead] if self.last_lead else [])
        self.last_lead = lead_names[0] if lead_names else self.last_lead
        supporting = [s for s in split_agencies(self._cell(cells, "supporting")) if is_specific(s)]
        for extra in lead_names[1:]:
            if extra not in supporting:
                supporting.append(extra)
        supporting = [s for s in supporting if s != (lead_names[0] if lead_names else None)]
        number = re.sub(r"\s+", "", ref_cell) or str(self.counter)
        base = f"{self.prefix}.{self.group_label}" if self.group_label else self.prefix
        period_end = self.out.period_end
        deadlines = find_deadlines(self._cell(cells, "deadline"), table_cell=True, period_end=period_end,
                                   document_date=self.out.document_date)
        seen = {d.reading for d in deadlines}
        agency = lead_names[0] if lead_names else None
        deadlines += [d for d in find_deadlines(text, period_end=period_end, document_date=self.out.document_date,
                                                lead=agency)
                      if d.reading not in seen]
        product = self._cell(cells, "product")
        self.out.plan.tasks.append(
            ParsedTask(
                ref=self.out.unique(f"{base}.{number}"),
                agency=agency,
                supporting=supporting,
                text=text + (f" (Sản phẩm: {product})" if product else ""),
                deadlines=deadlines,
                provision=base,
                group=bool(agency) and is_group_name(agency),
                report_to=report_to_in(text),
                line=line,
            )
        )


def _is_section_label(label: str) -> bool:
    return bool(re.fullmatch(r"[IVXL]{1,6}|[A-Z]", label.strip().rstrip(".")))


def _label_in(title: str) -> str | None:
    match = re.match(r"^([IVXL]{1,6}|[A-Z])\s*[.)]\s", title)
    return match.group(1) if match else None


def _column_of(header: str) -> str | None:
    key = fold(normalize(header))
    if not key:
        return None
    if "phoi hop" in key:
        return "supporting"
    if "chu tri" in key:
        return "lead"
    if re.fullmatch(r"(?:so\s*)?(?:stt|tt)\.?", key):
        return "ref"
    if re.search(r"thoi\s+(?:gian|han|diem)|tien\s+do|han\s+hoan\s+thanh", key):
        return "deadline"
    if re.search(r"noi\s+dung|nhiem\s+vu|cong\s+viec|hoat\s+dong|^ten\s", key):
        return "text"
    if re.search(r"(?:co\s+quan|don\s+vi)(?:\s+thuc\s+hien)?|trach\s+nhiem", key):
        return "lead"
    if re.search(r"san\s+pham|ket\s+qua", key):
        return "product"
    return None


def _table_columns(rows: list[Block]) -> tuple[dict[str, int] | None, int]:
    """The columns of a task table (name -> position) and the first data row; (None, 0) for other tables."""
    for index, row in enumerate(rows[:3]):
        headers = list(row.cells)
        following = rows[index + 1].cells if index + 1 < len(rows) else ()
        # A header on two rows: "Cơ quan thực hiện" over "Chủ trì" | "Phối hợp".
        second = [fold(normalize(c)) for c in following]
        two_rows = any(("chu tri" in c or "phoi hop" in c) for c in second) and not re.fullmatch(
            r"\d+\.?", second[0] if second else ""
        )
        if two_rows:
            headers = [
                normalize(f"{a} {b}") if normalize(a) != normalize(b) else normalize(a)
                for a, b in zip(headers, list(following) + [""] * (len(headers) - len(following)), strict=False)
            ]
        columns: dict[str, int] = {}
        for position, header in enumerate(headers):
            name = _column_of(header)
            if name and name not in columns:
                columns[name] = position
        if "text" in columns and ("lead" in columns or "deadline" in columns):
            return columns, index + (2 if two_rows else 1)
    return None, 0
