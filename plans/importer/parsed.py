"""What the importer finds in a plan document: the plan's header fields, its provisions (the headings
tasks are listed under), its tasks, and the notes that are not tasks. :class:`Collector` is where the
section and table readers put them, with refs made unique.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from obligations.plans.importer.phrases import Deadline

__all__ = ["Collector", "ParsedPlan", "ParsedProvision", "ParsedTask"]


@dataclass
class ParsedTask:
    ref: str
    agency: str | None  # the lead, as written; None when the plan names none
    supporting: list[str]
    text: str
    deadlines: list[Deadline]
    provision: str
    group: bool = False  # the lead is a group of agencies ("Các sở, ban, ngành; ...")
    report_to: str | None = None  # "gửi ... cho Sở Ngoại vụ"
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "agency": self.agency,
            "supporting": list(self.supporting),
            "text": self.text,
            "deadlines": [d.to_dict() for d in self.deadlines],
        }


@dataclass
class ParsedProvision:
    ref: str
    title: str
    text: str = ""


@dataclass
class ParsedPlan:
    title: str | None = None
    number: str | None = None
    issuer: str | None = None
    period: tuple[date, date] | None = None
    signed: date | None = None  # the date under the header ("Khánh Hòa, ngày 31 tháng 3 năm 2017")
    tasks: list[ParsedTask] = field(default_factory=list)
    provisions: list[ParsedProvision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # closing paragraphs: not tasks, kept for the reader
    coordinator: str | None = None  # the agency matters go "thông qua" (through), else the first lead
    has_section: bool = False  # a "Tổ chức thực hiện" section was found
    task_tables: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``obligations plan parse --json``."""
        period = None
        if self.period is not None:
            period = {"start": self.period[0].isoformat(), "end": self.period[1].isoformat()}
        return {
            "title": self.title,
            "number": self.number,
            "issuer": self.issuer,
            "period": period,
            "tasks": [t.to_dict() for t in self.tasks],
        }

class Collector:
    """The plan being read, for the readers of its sections and tables: tasks and provisions are appended
    to it, each task's ref made unique ("III.1.2", then "III.1.2-2")."""

    def __init__(self, plan: ParsedPlan) -> None:
        self.plan = plan
        self.period_end = plan.period[1] if plan.period else None  # the deadline of a "tổng kết" with no date
        self.document_date = plan.signed  # the year of a date written without one; read before the body
        self.refs: set[str] = set()

    def unique(self, ref: str) -> str:
        ref = re.sub(r"\s+", "", ref)
        candidate, n = ref, 1
        while candidate in self.refs:
            n += 1
            candidate = f"{ref}-{n}"
        self.refs.add(candidate)
        return candidate
