"""Which of the deadlines read in a task's text are the task's own. On folded text; pure.

:mod:`~obligations.plans.importer.phrases` reads every dated phrase; some of them are dates of something else once
the sentence around them is read whole:

- **A cut-off before the sending date.** "báo cáo kết quả (tính) đến hết tháng 4/2018, gửi Sở Nội vụ trước ngày
  05/5/2018": when a deadline with a due word ("trước", "chậm nhất", "thời hạn", ...) follows in the same sentence,
  an "đến (hết) D" before it ends the period reported on.
- **The periods a report covers.** "báo cáo quý I, quý II/2018 và hàng tháng": a list of two or more periods right
  after "báo cáo (kết quả thực hiện)" names the reports. With a sending deadline elsewhere in the text they are no
  deadlines; without one, each falls due at its period's end (the rule of "báo cáo quý" in docs/plan-import.md).
- **The compiler's deadline.** "các đơn vị gửi báo cáo về Sở X trước ngày 05/5 để Sở X tổng hợp, báo cáo UBND tỉnh
  trước ngày 10/5": the dates after "để ... tổng hợp" are the compiling agency's (Sở X), the ones before are the
  reporting agencies'. A task keeps the second only when its lead is the compiler (``lead``, else the sentence
  opening with the compiler's name), and then not the first.
"""

from __future__ import annotations

import re

from obligations.plans.importer.deadline import Deadline
from obligations.plans.importer.text import fold

__all__ = ["own_deadlines"]

_B = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_CUT_OFF = re.compile(r"den(?:\s+het)?\s")
_DUE = re.compile(r"(?:truoc|(?:cham|muon)\s+nhat|han\s+(?:chot|cuoi)|thoi\s+han|khong\s+(?:qua|muon\s+hon))\s")
_PERIOD = (
    r"(?:quy\s+(?:iv|iii|ii|i|[1-4])|thang\s+(?:0?[1-9]|1[0-2])|(?:0?6|sau)\s+thang(?:\s+(?:dau|cuoi)\s+nam)?"
    r"|nam|(?:hang|moi)\s+(?:thang|quy|nam))"
    r"(?:\s*[/\-]\s*(?:19|20)[0-9]{2}|\s+nam\s+(?:19|20)[0-9]{2})?"
)
# "báo cáo (định kỳ) (kết quả / tình hình) (thực hiện) (trong) <period>, <period> và <period>".
_REPORT_PERIODS = re.compile(
    rf"""{_B}bao\s+cao(?:\s+(?:dinh\s+ky|ket\s+qua|tinh\s+hinh|cong\s+tac))*(?:\s+thuc\s+hien)?(?:\s+cua)?\s+
    (?P<list>(?:trong\s+)?{_PERIOD}(?:\s*(?:,|;|va|hoac)\s*(?:va\s+)?(?:trong\s+)?{_PERIOD})+){_E}""",
    re.VERBOSE,
)
# "để (Sở X) (kịp thời) tổng hợp": what follows is the compiler's own duty.
_RELAY = re.compile(rf"{_B}de\s+(?P<who>[^,;.]{{0,60}}?)\s*(?:kip\s+thoi\s+)?tong\s+hop{_E}")
# Where the reports go before "để tổng hợp": "về Sở X", "cho Sở X", "(qua Sở X)".
_DESTINATION = re.compile(
    rf"{_B}(?:ve|cho|qua)\s+(?P<name>(?:so|ban|van\s+phong|uy\s+ban|ubnd|bo|cuc)\s[^,;.()]{{2,60}}?)"
    rf"\s*(?:\)|,|$|\s(?:truoc|cham|de|bang|theo|trong|dong\s+thoi){_E})"
)
_OPENING = re.compile(
    r"^[\s\-\u2013+*•0-9a-z.)]{0,4}?(?:(?:giao|de\s+nghi|yeu\s+cau|giao\s+cho)\s+)?(?:giam\s+doc\s+)?"
)


def own_deadlines(deadlines: list[Deadline], norm: str, folded: str, lead: str | None = None) -> list[Deadline]:
    """``deadlines`` (read from ``norm``/``folded``, in text order) less the ones that belong to something else."""
    drop: set[int] = set()
    drop |= _cut_offs(deadlines, folded)
    drop |= _report_periods(deadlines, folded)
    drop |= _relayed(deadlines, folded, lead)
    return [d for i, d in enumerate(deadlines) if i not in drop]


def _sentence(folded: str, position: int) -> tuple[int, int]:
    start = 0
    for match in _SENTENCE_END.finditer(folded):
        if match.start() < position:
            start = match.end()
        else:
            return start, match.start()
    return start, len(folded)


def _cut_offs(deadlines: list[Deadline], folded: str) -> set[int]:
    dropped = set()
    for i, deadline in enumerate(deadlines):
        if deadline.kind != "once" or not _CUT_OFF.match(folded, deadline.start):
            continue
        _, end = _sentence(folded, deadline.start)
        if any(later.start > deadline.end and later.start < end and _DUE.match(folded, later.start)
               for later in deadlines[i + 1 :]):
            dropped.add(i)
    return dropped


def _report_periods(deadlines: list[Deadline], folded: str) -> set[int]:
    spans = [m.span("list") for m in _REPORT_PERIODS.finditer(folded)]
    if not spans:
        return set()
    inside = {i for i, d in enumerate(deadlines)
              if any(a <= d.start and d.end <= b + 1 for a, b in spans) and d.kind in ("once", "recurring")}
    others = [d for i, d in enumerate(deadlines) if i not in inside and d.kind in ("once", "recurring", "relative")]
    return inside if others else set()


def _relayed(deadlines: list[Deadline], folded: str, lead: str | None) -> set[int]:
    dropped: set[int] = set()
    for relay in _RELAY.finditer(folded):
        start, end = _sentence(folded, relay.start())
        before = [i for i, d in enumerate(deadlines) if start <= d.start < relay.start()]
        after = [i for i, d in enumerate(deadlines) if relay.end() <= d.start < end]
        if not after:
            continue
        compiler = relay.group("who").strip() or _destination(folded[start : relay.start()])
        if compiler and _leads(compiler, folded[start:], lead):
            dropped.update(before)
        else:
            dropped.update(after)
    return dropped


def _destination(before: str) -> str:
    names = [m.group("name") for m in _DESTINATION.finditer(before)]
    return names[-1].strip() if names else ""


def _leads(compiler: str, sentence: str, lead: str | None) -> bool:
    """Whether the task's lead is the compiling agency: ``lead`` names it, or the sentence opens with its name."""
    if lead:
        mine = fold(lead)
        return compiler in mine or mine in compiler
    opening = _OPENING.match(sentence)
    return sentence[opening.end() if opening else 0 :].startswith(compiler)
