"""Deadline phrases of Vietnamese plans, read into deadlines. Pure: text in, deadlines out.

Readings (docs/plan-import.md has the full table; DESIGN.md has the rules):

- "trước ngày 15/12/2025" ends at the *start* of that day (``inclusive: false``); "trước tháng 10/2025"
  at the start of the month.
- "chậm nhất ngày D", "đến hết ngày D", "trong tháng M", "trong quý Q", "trong năm Y", and a bare date in
  a deadline column end at the *end* of that day, month, quarter or year (``inclusive: true``).
- A date with no year ("trước ngày 15 tháng 12 hàng năm", "trong tháng 10") repeats every year; a day
  with no month repeats on the rhythm around it ("hàng tháng, trước ngày 25"; "hằng quý, trước ngày 10
  của tháng cuối quý").
- A rhythm with no day ("hằng tháng", "hàng quý", "định kỳ 6 tháng", "hàng năm") falls due on the last day
  of each period; "định kỳ" with no rhythm is read as yearly.
- "thường xuyên" is continuous (no deadline); "vào thời điểm xây dựng dự toán hàng năm" follows the
  budget cycle of config/defaults.yaml.
- "tổng kết" (the final review) with no date is due on the plan's last day, when that is known.

Dates in a plan that are not deadlines ("Chỉ thị số 04-CT/TW ngày 06 tháng 7 năm 2011") carry no
deadline word before them and are ignored; in a table's deadline column every date counts.

Matching is done on the folded text (:func:`plans.text.fold`: no diacritics, lower case), so composed
and decomposed accents, "hàng" and "hằng", and text typed without accents read the same; the phrase
reported is sliced from the normalised text, in the plan's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from obligations.plans.importer.deadline import Deadline, DeadlineKind
from obligations.plans.importer.deadline_roles import own_deadlines
from obligations.plans.importer.not_deadlines import (
    counts_reports,
    cuts_off,
    dates_data,
    is_not_deadline,
    negated_spans,
    states_as_of,
)
from obligations.plans.importer.relative_deadlines import (
    RECEIPT,
    RECEIPT_ASSUMED,
    RELATIVE,
    counted_from,
    find_unanchored,
    relative_of,
    this_or_next_year,
    unanchored,
)
from obligations.plans.importer.text import fold, normalize
from obligations.plans.importer.time_words import (
    AS_OF,
    CLAUSE_END,
    CONNECTOR,
    CONTINUOUS,
    CONTINUOUS_PROSE,
    CYCLE,
    EXPRESSION,
    FINAL_REVIEW,
    LEADING,
    MARKER,
    REPORT_KIND,
    RHYTHM,
    Expression,
    Rhythm,
    expression_of,
    meaning,
    rhythm_of,
    share_years,
)
from obligations.rules.schedule import ScheduleError, validate_rrule

__all__ = ["BUDGET_CYCLE", "Deadline", "find_deadlines"]

BUDGET_CYCLE = "budget"  # the cycle name in config/defaults.yaml

def find_deadlines(
    text: str,
    *,
    table_cell: bool = False,
    period_end: date | None = None,
    document_date: date | None = None,
    lead: str | None = None,
) -> list[Deadline]:
    """Every deadline stated in ``text``, in the order they appear; never raises.

    ``table_cell``: the text is a table's deadline column ("Thời gian hoàn thành"), where a date needs no
    deadline word before it. ``period_end``: the plan's last day, the deadline of a "tổng kết" with no
    date of its own. ``document_date``: the date under the document's header; a date with no year and no
    rhythm around it ("trước ngày 15/01") then falls due once, in that year or the next (``inferred`` says
    which), and "trong vòng 30 ngày kể từ ngày ký" counts from it. Without it such a date repeats yearly.
    ``lead``: the agency the task belongs to; in "gửi báo cáo về Sở X trước ngày 05/5 để Sở X tổng hợp, báo cáo
    UBND tỉnh trước ngày 10/5" only Sở X's task keeps 10/5, every other agency's keeps 05/5
    (:mod:`~obligations.plans.importer.deadline_roles`; without it, the sentence's opening tells).
    """
    if not isinstance(text, str) or not text.strip():
        return []
    norm = normalize(text)
    folded = fold(norm)
    found = _Reader(norm, folded, table_cell=table_cell, period_end=period_end, document_date=document_date).read()
    return found if table_cell else own_deadlines(found, norm, folded, lead)


class _Reader:
    def __init__(
        self, norm: str, folded: str, *, table_cell: bool, period_end: date | None, document_date: date | None
    ) -> None:
        self.norm = norm
        self.folded = folded
        self.table_cell = table_cell
        self.period_end = period_end
        self.document_date = document_date
        self.clause_ends = [m.start() for m in CLAUSE_END.finditer(folded)]
        self.claimed: list[tuple[int, int]] = negated_spans(folded, self.clause_ends)
        self.found: list[Deadline] = []

    # ---------------------------------------------------------------------------------- helpers

    def _clause(self, position: int) -> tuple[int, int]:
        start, end = 0, len(self.folded)
        for boundary in self.clause_ends:
            if boundary < position:
                start = boundary + 1
            else:
                end = boundary
                break
        return start, end

    def _is_claimed(self, start: int, end: int) -> bool:
        return any(start < b and a < end for a, b in self.claimed)

    def _add(self, kind: DeadlineKind, start: int, end: int, **values: Any) -> None:
        phrase = self.norm[start:end].strip(" ,;:")
        self.found.append(Deadline(kind=kind, phrase=phrase, start=start, end=end, **values))

    def _recurring(self, rule: str, inclusive: bool, start: int, end: int) -> None:
        try:
            validate_rrule(rule)
        except ScheduleError:
            return  # "ngày 30 tháng 2 hàng năm": no such day; not a deadline
        self._add("recurring", start, end, rrule=rule, inclusive=inclusive)

    def _once(self, year: int, month: int, day: int, inclusive: bool, start: int, end: int) -> None:
        try:
            due = date(year, month, day)
        except ValueError:
            return  # "31/02/2025"
        self._add("once", start, end, due=due, inclusive=inclusive)

    def _once_this_year(self, month: int, day: int, inclusive: bool, start: int, end: int) -> None:
        assert self.document_date is not None
        inferred = this_or_next_year(month, day, self.document_date)
        if inferred is not None:
            self._add("once", start, end, due=inferred[0], inclusive=inclusive, inferred=inferred[1])

    # ------------------------------------------------------------------------------------- read

    def read(self) -> list[Deadline]:
        for match in CYCLE.finditer(self.folded):
            self.claimed.append(match.span())
            self._add("cycle", match.start(), match.end(), cycle=BUDGET_CYCLE)

        self._relative()
        rhythms = [rhythm_of(m) for m in RHYTHM.finditer(self.folded)]
        # "hàng năm chỉ thực hiện 02 kỳ báo cáo" says how many reports, not when.
        rhythms = [r for r in rhythms if not (self._is_claimed(r.start, r.end) or counts_reports(self.folded, r.end))]
        expressions = self._expressions()
        for group in self._groups(expressions):
            self._read_group(group, rhythms)
        self._bare_rhythms(rhythms)
        self._bare_reports()
        self._continuous()
        self._final_review()

        unique: dict[tuple, Deadline] = {}
        for deadline in sorted(self.found, key=lambda d: (d.start, d.end)):
            unique.setdefault(deadline.reading, deadline)
        return list(unique.values())

    def _expressions(self) -> list[Expression]:
        """Time expressions that are deadlines: after a deadline word, continuing a list of them, leading
        the text, or anywhere in a deadline column."""
        accepted: list[Expression] = []
        for match in EXPRESSION.finditer(self.folded):
            if self._is_claimed(*match.span()):
                continue
            expression = expression_of(match, self.folded)
            if expression is None:
                continue
            marker = MARKER.search(self.folded, max(0, match.start() - 60), match.start())
            if marker is not None and marker.group("den") and AS_OF.search(self.folded, 0, marker.end("den")):
                marker = None  # "tính đến ngày": as of that day, not by it
            if not self.table_cell and self._not_deadline(match.start(), marker, expression):
                self.claimed.append((match.start(), expression.end))  # its rhythm words go with it
                continue
            previous = accepted[-1] if accepted else None
            if marker is not None:
                expression.exclusive = "truoc" in marker.group(0) and not marker.group("hour")
                expression.phrase_start = marker.start()
            elif previous is not None and CONNECTOR.fullmatch(self.folded[previous.end : match.start()]):
                expression.exclusive = previous.exclusive  # "trước ngày 15/6 và ngày 15/12"
                expression.phrase_start = match.start()
            elif (
                self.table_cell
                or self._leads(match)
                or expression.suffix is not None  # "ngày 05 hàng tháng": a rhythm is never a reference
                or (expression.kind == "quarter" and expression.year)  # "Quý II/2026": always a time frame
            ):
                expression.phrase_start = match.start()
            else:
                continue
            if expression.kind == "range" and not self.table_cell:
                continue
            accepted.append(expression)
            self.claimed.append((expression.phrase_start, expression.end))
        return accepted

    def _not_deadline(self, start: int, marker: re.Match | None, expression: Expression) -> bool:
        word = " ".join(marker.group("marker").split()) if marker is not None else None
        before = marker.start() if marker is not None else start
        if word == "den" and states_as_of(self.folded, expression.end):  # "đến ngày 02/01/2019 vẫn còn ..."
            return True
        return is_not_deadline(self.folded, self._clause(start)[0], before, word, expression.kind)

    def _leads(self, match: re.Match) -> bool:
        """A date that opens the text and is followed by a colon, a dash or nothing: "Tháng 01/2026: ...".
        Not one followed by a comma: "Tháng 2/2016, đồng chí ... dẫn đầu đoàn" tells what happened then."""
        if not LEADING.match(self.folded[: match.start()]):
            return False
        rest = self.folded[match.end() :].lstrip()
        return not rest or rest[0] in ":-\u2013"

    def _groups(self, expressions: list[Expression]) -> Iterable[list[Expression]]:
        """Expressions joined by "và" or commas read together: they share the rhythm words around them and
        yearly days that differ only by month merge into one rule ("trước ngày 15 tháng 6 và trước ngày
        15 tháng 12 hàng năm")."""
        group: list[Expression] = []
        for expression in expressions:
            if group and CONNECTOR.fullmatch(self.folded[group[-1].end : expression.phrase_start]):
                group.append(expression)
                continue
            if group:
                yield group
            group = [expression]
        if group:
            yield group

    def _read_group(self, group: list[Expression], rhythms: list[Rhythm]) -> None:
        share_years(group)
        start = group[0].phrase_start
        clause_start, _ = self._clause(start)
        # The rhythm of the group: words right after its last expression, else the nearest rhythm word
        # before it in the same clause.
        suffix = next((e.suffix for e in reversed(group) if e.suffix), None)
        before = [r for r in rhythms if clause_start <= r.start and r.end <= start and not r.used]
        prefix = before[-1] if before else None
        needs_rhythm = any(e.kind == "donly" and not e.suffix for e in group)
        if prefix is not None:
            prefix.used = True
            # "định kỳ 6 tháng và hằng năm, trước ngày ...": rhythms chained before the prefix go with it.
            chain_start = prefix.start
            for earlier in reversed(before[:-1]):
                if not CONNECTOR.fullmatch(self.folded[earlier.end : chain_start]):
                    break
                earlier.used = True
                chain_start = earlier.start
            adjacent = not self.folded[prefix.end : start].strip(" ,:-")
            if adjacent or (needs_rhythm and not suffix):
                start = chain_start
        rhythm = suffix or (prefix.kind if prefix else None)
        end = group[-1].end
        # A day with no year recurs when a rhythm or a periodic report is named around it, or when the
        # document's date is not known; else it falls due once, in the document's year.
        recurs = (
            rhythm is not None
            or self.document_date is None
            or REPORT_KIND.search(self.folded, *self._clause(start)) is not None
        )

        rules: dict[tuple, list[int]] = {}  # (freq, inclusive, day) -> months, merged
        for expression in group:
            own = expression.suffix or rhythm
            inclusive = not expression.exclusive
            for deadline in meaning(expression, own, inclusive):
                if deadline[0] == "yearly" and not recurs and len(deadline[1]) == 1:
                    one = len(group) == 1
                    self._once_this_year(deadline[1][0], deadline[2], inclusive, start if one else
                                         expression.phrase_start, end if one else expression.end)
                elif deadline[0] == "yearly":
                    _, months, day = deadline
                    rules.setdefault(("YEARLY", inclusive, day), []).extend(months)
                elif deadline[0] == "monthly":
                    rules.setdefault(("MONTHLY", inclusive, None), []).append(deadline[1])
                elif deadline[0] == "once":
                    self._once(*deadline[1], inclusive, start if len(group) == 1 else expression.phrase_start,
                               end if len(group) == 1 else expression.end)
                elif deadline[0] == "continuous":
                    self._add("continuous", expression.phrase_start, expression.end)
        for (freq, inclusive, day), values in rules.items():
            values = sorted(set(values))
            if freq == "YEARLY":
                rule = f"FREQ=YEARLY;BYMONTH={','.join(map(str, values))};BYMONTHDAY={day}"
            else:
                rule = f"FREQ=MONTHLY;BYMONTHDAY={','.join(map(str, values))}"
            self._recurring(rule, inclusive, start, end)

    def _relative(self) -> None:
        """"trong vòng 30 ngày kể từ ngày ký": a date when counted from the document's known date, else relative to
        its event; "trong 30 ngày làm việc" with no "kể từ": from the letter's receipt, for review; "chậm nhất 05 ngày
        làm việc sau khi ...": from that event."""
        found = [relative_of(m, self.folded) for m in RELATIVE.finditer(self.folded)]
        found += [unanchored(self.folded, self._clause(m.start())[0], m) for m in find_unanchored(self.folded)]
        for relative in found:
            if relative is None or self._is_claimed(relative.start, relative.end):
                continue
            self.claimed.append((relative.start, relative.end))
            span, amount = (relative.start, relative.end), {"count": relative.count, "unit": relative.unit}
            if relative.own_date and self.document_date is not None:
                due, reason = counted_from(self.document_date, relative.count, relative.unit)
                self._add("once", *span, due=due, inclusive=True, inferred=reason)
            elif relative.assumed:
                self._add("relative", *span, **amount, event=RECEIPT, inferred=RECEIPT_ASSUMED)
            else:
                event = self.norm[relative.event_start : relative.event_end].strip()
                self._add("relative", *span, **amount, event=event)

    def _bare_reports(self) -> None:
        """"báo cáo tháng" with no day and no other deadline in the text: due at the end of each period."""
        if any(d.kind != "continuous" for d in self.found):
            return
        rules = {
            "monthly": "FREQ=MONTHLY;BYMONTHDAY=-1",
            "quarterly": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
            "semi": "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1",
            "yearly": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1",
        }
        for match in REPORT_KIND.finditer(self.folded):
            kind = match.lastgroup
            if kind not in rules or self._is_claimed(*match.span()):
                continue
            if not cuts_off(self.folded, *self._clause(match.start())):  # "Số liệu báo cáo 6 tháng tính từ ..."
                self.claimed.append(match.span())
                self._recurring(rules[kind], True, match.start(), match.end())

    def _bare_rhythms(self, rhythms: list[Rhythm]) -> None:
        """Rhythm words no date used: due on the last day of each period. "6 tháng và hằng năm" is one
        rhythm (June and December): the year's end is already the second half's end."""
        bare = [r for r in rhythms if not r.used and not self._is_claimed(r.start, r.end)
                and not dates_data(self.folded, *self._clause(r.start))]  # "hằng năm: tính từ ngày 15 tháng 12 ..."
        merged: list[Rhythm] = []
        for rhythm in bare:
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and {previous.kind, rhythm.kind} == {"semi", "yearly"}
                and CONNECTOR.fullmatch(self.folded[previous.end : rhythm.start])
            ):
                merged[-1] = Rhythm(kind="semi", start=previous.start, end=rhythm.end)
                continue
            merged.append(rhythm)
        for rhythm in merged:
            rule = {
                "weekly": f"FREQ=WEEKLY;BYDAY={rhythm.byday}",
                "semi": "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1",
                "quarterly": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
                "monthly": "FREQ=MONTHLY;BYMONTHDAY=-1",
                "yearly": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1",
                "periodic": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1",
            }[rhythm.kind]
            self.claimed.append((rhythm.start, rhythm.end))
            self._recurring(rule, True, rhythm.start, rhythm.end)

    def _continuous(self) -> None:
        pattern = CONTINUOUS if self.table_cell else CONTINUOUS_PROSE
        for match in pattern.finditer(self.folded):
            if not self._is_claimed(*match.span()):
                self._add("continuous", *match.span())
                return  # one is enough: a task is continuous or not

    def _final_review(self) -> None:
        if self.period_end is None:
            return
        dated = [d for d in self.found if d.kind in ("once", "recurring")]
        for match in FINAL_REVIEW.finditer(self.folded):
            clause = self._clause(match.start())
            if any(clause[0] <= d.start < clause[1] and d.kind == "once" for d in dated):
                continue  # "tổng kết trước ngày 15/12/2020": its own date was read
            if self._is_claimed(*match.span()):
                continue
            self._add("once", match.start(), match.end(), due=self.period_end, inclusive=True)
            return

