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

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from obligations.plans.importer.text import fold, normalize
from obligations.rules.schedule import ScheduleError, validate_rrule

__all__ = ["BUDGET_CYCLE", "Deadline", "find_deadlines"]

BUDGET_CYCLE = "budget"  # the cycle name in config/defaults.yaml

DeadlineKind = Literal["once", "recurring", "continuous", "cycle"]


@dataclass(frozen=True)
class Deadline:
    """One deadline read from a phrase. ``start``/``end`` locate the phrase in the normalised text."""

    kind: DeadlineKind
    phrase: str
    due: date | None = None
    rrule: str | None = None
    inclusive: bool | None = None
    cycle: str | None = None
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``obligations plan parse --json``."""
        if self.kind == "once":
            assert self.due is not None
            return {"kind": "once", "due": self.due.isoformat(), "inclusive": bool(self.inclusive),
                    "phrase": self.phrase}
        if self.kind == "recurring":
            return {"kind": "recurring", "rrule": self.rrule, "inclusive": bool(self.inclusive),
                    "phrase": self.phrase}
        if self.kind == "cycle":
            return {"kind": "cycle", "cycle": self.cycle, "phrase": self.phrase}
        return {"kind": "continuous", "phrase": self.phrase}

    @property
    def reading(self) -> tuple:
        """What the deadline means, without its words: equal readings are the same deadline."""
        return (self.kind, self.due, self.rrule, self.inclusive, self.cycle)


# --------------------------------------------------------------------------------------------------
# Patterns, on folded text

_B = r"(?<![a-z0-9])"  # word start
_E = r"(?![a-z0-9])"  # word end
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)[0-9]{2}"
_QUARTER = r"(?:iv|iii|ii|i|[1-4])"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

# A time expression: a day (with or without month and year), a month, a quarter, a half-year, a year,
# or a range of years. Alternatives that start earlier win (finditer scans left to right), so
# "ngày 15 tháng 12" is one day, never a day and then a month.
_EXPRESSION = re.compile(
    rf"""
    (?P<dnum>(?:ngay\s*)?(?<![0-9/.\-])(?P<dnum_d>{_DAY})(?P<sep>[/.\-])(?P<dnum_m>{_MONTH})
        (?:(?P=sep)(?P<dnum_y>{_YEAR}))?(?![0-9])(?![/.\-][0-9]))
  | (?P<dword>(?:ngay\s+)?(?<![0-9])(?P<dword_d>{_DAY})\s+thang\s+(?P<dword_m>{_MONTH})(?![0-9])
        (?:\s*,?\s*nam\s+(?P<dword_y>{_YEAR})(?![0-9]))?(?!\s*lan{_E}))
  | (?P<donly>{_B}ngay\s+(?P<donly_d>{_DAY})(?![0-9])(?!\s*(?:thang\s*[0-9]|[/.\-]\s*[0-9])))
  | (?P<month>{_B}thang\s+(?P<month_m>{_MONTH})(?![0-9])
        (?:\s*(?:[/.\-]|,?\s*nam)\s*(?P<month_y>{_YEAR})(?![0-9]))?(?!\s*lan{_E}))
  | (?P<quarter>{_B}quy\s+(?P<quarter_q>{_QUARTER}){_E}(?:\s*(?:[/\-]|,?\s*nam)\s*(?P<quarter_y>{_YEAR})(?![0-9]))?)
  | (?P<half>{_B}(?:0?6|sau)\s+thang\s+(?P<half_h>dau|cuoi)\s+nam(?:\s+(?P<half_y>{_YEAR})(?![0-9]))?)
  | (?P<range>(?:{_B}(?:giai\s+doan|nam)\s+)?(?<![0-9])(?P<range_a>{_YEAR})\s*[-\u2013\u2014]\s*
        (?P<range_b>{_YEAR})(?![0-9]))
  | (?P<year>{_B}nam\s+(?P<year_y>{_YEAR})(?![0-9]))
    """,
    re.VERBOSE,
)

# Words right before a time expression that make it a deadline. "trước" anywhere in them makes it
# exclusive ("chậm nhất trước ngày" is still "before the day").
_MARKER = re.compile(
    rf"""{_B}(?P<marker>
        (?:cham|muon)\s+nhat | han\s+(?:chot|cuoi) | thoi\s+han(?:\s+hoan\s+thanh)? | den\s+het
      | khong\s+(?:qua|muon\s+hon) | hoan\s+thanh | xong | truoc | trong | vao | (?P<den>den)
    )(?:\s*[:,]?\s*(?:la|vao|truoc|trong|den\s+het|den|ke\s+ca){_E})*\s*[:,]?\s*$""",
    re.VERBOSE,
)

# Rhythms. "định kỳ" on its own is a rhythm too (read as yearly), unless a date follows it.
_RHYTHM = re.compile(
    rf"""{_B}(?:
        (?P<weekly>(?:(?:vao\s+)?(?:thu\s+(?P<weekday>hai|ba|tu|nam|sau|bay|[2-7])|(?P<sunday>chu\s+nhat))\s+)?(?:hang|moi)\s+tuan)
      | (?P<semi>(?:dinh\s+ky\s+)?(?:(?:0?6|sau)\s+thang\s*(?:mot\s+lan|1\s+lan|/\s*lan)
                                      |(?:moi|hang)\s+(?:0?6|sau)\s+thang|nua\s+nam\s+mot\s+lan)
              | dinh\s+ky\s+(?:0?6|sau)\s+thang)
      | (?P<quarterly>(?:dinh\s+ky\s+)?(?:hang|moi)\s+quy|quy\s+mot\s+lan)
      | (?P<monthly>(?:dinh\s+ky\s+)?(?:hang|moi)\s+thang|thang\s+mot\s+lan)
      | (?P<yearly>(?:dinh\s+ky\s+)?(?:hang|moi)\s+nam|nam\s+mot\s+lan)
      | (?P<periodic>dinh\s+ky)
    ){_E}""",
    re.VERBOSE,
)

# Rhythm words right after a time expression ("ngày 25 hàng tháng", "ngày 10 của tháng cuối quý").
_SUFFIX = re.compile(
    rf"""\s*,?\s*(?:
        (?P<yearly>(?:hang|moi)\s+nam)
      | (?P<monthly>(?:hang|moi)\s+thang|(?:cua\s+)?thang\s+(?:sau|tiep\s+theo|ke\s+tiep))
      | (?P<quarter_first>(?:cua\s+)?thang\s+dau(?:\s+tien)?(?:\s+cua)?\s+(?:moi\s+)?quy
                          (?:\s+(?:sau|tiep\s+theo|ke\s+tiep))?)
      | (?P<quarter_last>(?:cua\s+)?thang\s+cuoi(?:\s+cua)?\s+(?:moi\s+)?quy)
      | (?P<quarterly>(?:hang|moi)\s+quy)
    ){_E}""",
    re.VERBOSE,
)

_CYCLE = re.compile(
    rf"""{_B}(?:(?:vao|trong|cung|theo)\s+)?(?:cung\s+)?(?:thoi\s+(?:diem|gian|ky)|dot|khi)\s+
        (?:xay\s+dung|lap|chuan\s+bi)\s+(?:ke\s+hoach\s+va\s+)?du\s+toan(?:\s+ngan\s+sach)?(?:\s+nha\s+nuoc)?
        (?:\s+(?:hang|moi)\s+nam)?{_E}""",
    re.VERBOSE,
)
_CONTINUOUS = re.compile(rf"{_B}(?:thuong\s+xuyen|hang\s+ngay|lien\s+tuc){_E}")
_CONTINUOUS_PROSE = re.compile(rf"{_B}(?:thuong\s+xuyen|hang\s+ngay){_E}")
_FINAL_REVIEW = re.compile(rf"{_B}tong\s+ket{_E}")
_AS_OF = re.compile(r"tinh\s+den\s*$")
_CONNECTOR = re.compile(r"\s*(?:,|;)?\s*(?:(?:va|hoac)\s+)?$")
_LEADING = re.compile(r"^[\s\-\u2013\u2014\u2022+*:.)(0-9a-z]{0,6}$")
_CLAUSE_END = re.compile(r";|[.!?](?=\s|$)")

_WEEKDAYS = {"hai": "MO", "ba": "TU", "tu": "WE", "nam": "TH", "sau": "FR", "bay": "SA",
             "2": "MO", "3": "TU", "4": "WE", "5": "TH", "6": "FR", "7": "SA"}
_QUARTER_LAST = (3, 6, 9, 12)
_QUARTER_FIRST = (1, 4, 7, 10)
_HALF_LAST = (6, 12)


# --------------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Rhythm:
    kind: str  # weekly, semi, quarterly, monthly, yearly, periodic
    start: int
    end: int
    byday: str = "FR"
    used: bool = False


@dataclass
class _Expression:
    kind: str  # dnum, dword, donly, month, quarter, half, range, year
    start: int
    end: int  # including rhythm words after it
    day: int | None = None
    month: int | None = None
    year: int | None = None
    quarter: int | None = None
    half: str | None = None
    suffix: str | None = None  # yearly, monthly, quarter_first, quarter_last, quarterly
    exclusive: bool = False
    phrase_start: int = 0


def find_deadlines(text: str, *, table_cell: bool = False, period_end: date | None = None) -> list[Deadline]:
    """Every deadline stated in ``text``, in the order they appear; never raises.

    ``table_cell``: the text is a table's deadline column ("Thời gian hoàn thành"), where a date needs no
    deadline word before it. ``period_end``: the plan's last day, the deadline of a "tổng kết" with no
    date of its own.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    norm = normalize(text)
    folded = fold(norm)
    return _Reader(norm, folded, table_cell=table_cell, period_end=period_end).read()


class _Reader:
    def __init__(self, norm: str, folded: str, *, table_cell: bool, period_end: date | None) -> None:
        self.norm = norm
        self.folded = folded
        self.table_cell = table_cell
        self.period_end = period_end
        self.claimed: list[tuple[int, int]] = []
        self.found: list[Deadline] = []
        self.clause_ends = [m.start() for m in _CLAUSE_END.finditer(folded)]

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

    # ------------------------------------------------------------------------------------- read

    def read(self) -> list[Deadline]:
        for match in _CYCLE.finditer(self.folded):
            self.claimed.append(match.span())
            self._add("cycle", match.start(), match.end(), cycle=BUDGET_CYCLE)

        rhythms = [self._rhythm(m) for m in _RHYTHM.finditer(self.folded)]
        rhythms = [r for r in rhythms if not self._is_claimed(r.start, r.end)]
        expressions = self._expressions()
        for group in self._groups(expressions):
            self._read_group(group, rhythms)
        self._bare_rhythms(rhythms)
        self._continuous()
        self._final_review()

        unique: dict[tuple, Deadline] = {}
        for deadline in sorted(self.found, key=lambda d: (d.start, d.end)):
            unique.setdefault(deadline.reading, deadline)
        return list(unique.values())

    def _rhythm(self, match: re.Match) -> _Rhythm:
        kind = next(k for k in ("weekly", "semi", "quarterly", "monthly", "yearly", "periodic") if match.group(k))
        byday = "FR"  # "hàng tuần" with no day: the end of the working week
        if match.group("weekday"):
            byday = _WEEKDAYS[match.group("weekday")]
        elif match.group("sunday"):
            byday = "SU"
        return _Rhythm(kind=kind, start=match.start(), end=match.end(), byday=byday)

    def _expressions(self) -> list[_Expression]:
        """Time expressions that are deadlines: after a deadline word, continuing a list of them, leading
        the text, or anywhere in a deadline column."""
        accepted: list[_Expression] = []
        for match in _EXPRESSION.finditer(self.folded):
            if self._is_claimed(*match.span()):
                continue
            expression = self._expression(match)
            if expression is None:
                continue
            marker = _MARKER.search(self.folded, max(0, match.start() - 60), match.start())
            if marker is not None and marker.group("den") and _AS_OF.search(self.folded, 0, match.start()):
                marker = None  # "tính đến ngày": as of that day, not by it
            previous = accepted[-1] if accepted else None
            if marker is not None:
                expression.exclusive = "truoc" in marker.group(0)
                expression.phrase_start = marker.start()
            elif previous is not None and _CONNECTOR.fullmatch(self.folded[previous.end : match.start()]):
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

    def _leads(self, match: re.Match) -> bool:
        """A date that opens the text and is followed by a colon, a dash or nothing: "Tháng 01/2026: ...".
        Not one followed by a comma: "Tháng 2/2016, đồng chí ... dẫn đầu đoàn" tells what happened then."""
        if not _LEADING.match(self.folded[: match.start()]):
            return False
        rest = self.folded[match.end() :].lstrip()
        return not rest or rest[0] in ":-\u2013"

    def _expression(self, match: re.Match) -> _Expression | None:
        kind = match.lastgroup
        if kind is None:
            return None

        def number(name: str) -> int | None:
            value = match.group(f"{kind}_{name}")
            return int(value) if value else None

        expression = _Expression(kind=kind, start=match.start(), end=match.end())
        if kind in ("dnum", "dword", "donly"):
            expression.day = number("d")
            if kind != "donly":
                expression.month, expression.year = number("m"), number("y")
        elif kind == "month":
            expression.month, expression.year = number("m"), number("y")
        elif kind == "quarter":
            q = match.group("quarter_q")
            expression.quarter = _ROMAN.get(q) or int(q)
            expression.year = number("y")
        elif kind == "half":
            expression.half, expression.year = match.group("half_h"), number("y")
        elif kind == "year":
            expression.year = number("y")
        elif kind == "range":
            a, b = number("a"), number("b")
            if a is None or b is None or b < a:
                return None
            expression.year = b
        suffix = _SUFFIX.match(self.folded, expression.end)
        if suffix is not None and expression.year is None and kind != "range":
            expression.suffix = suffix.lastgroup
            expression.end = suffix.end()
        return expression

    def _groups(self, expressions: list[_Expression]) -> Iterable[list[_Expression]]:
        """Expressions joined by "và" or commas read together: they share the rhythm words around them and
        yearly days that differ only by month merge into one rule ("trước ngày 15 tháng 6 và trước ngày
        15 tháng 12 hàng năm")."""
        group: list[_Expression] = []
        for expression in expressions:
            if group and _CONNECTOR.fullmatch(self.folded[group[-1].end : expression.phrase_start]):
                group.append(expression)
                continue
            if group:
                yield group
            group = [expression]
        if group:
            yield group

    def _read_group(self, group: list[_Expression], rhythms: list[_Rhythm]) -> None:
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
                if not _CONNECTOR.fullmatch(self.folded[earlier.end : chain_start]):
                    break
                earlier.used = True
                chain_start = earlier.start
            adjacent = not self.folded[prefix.end : start].strip(" ,:-")
            if adjacent or (needs_rhythm and not suffix):
                start = chain_start
        rhythm = suffix or (prefix.kind if prefix else None)
        end = group[-1].end

        rules: dict[tuple, list[int]] = {}  # (freq, inclusive, day) -> months, merged
        for expression in group:
            own = expression.suffix or rhythm
            inclusive = not expression.exclusive
            for deadline in self._read(expression, own, inclusive):
                if deadline[0] == "yearly":
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

    @staticmethod
    def _read(expression: _Expression, rhythm: str | None, inclusive: bool) -> list[tuple]:
        """What one expression means: ("once", (y, m, d)), ("yearly", months, day), ("monthly", day) or
        ("continuous",); empty when it cannot be dated."""
        e, exclusive = expression, not inclusive
        if e.kind in ("dnum", "dword", "donly"):
            assert e.day is not None
            if e.month and e.year:
                return [("once", (e.year, e.month, e.day))]
            if e.month:
                return [("yearly", [e.month], e.day)]
            if rhythm == "monthly":
                return [("monthly", e.day)]
            if rhythm in ("quarter_last", "quarterly"):
                return [("yearly", list(_QUARTER_LAST), e.day)]
            if rhythm == "quarter_first":
                return [("yearly", list(_QUARTER_FIRST), e.day)]
            if rhythm == "semi":
                return [("yearly", list(_HALF_LAST), e.day)]
            return []  # a day of no known month
        if e.kind == "month":
            assert e.month is not None
            if e.year:
                day = 1 if exclusive else calendar.monthrange(e.year, e.month)[1]
                return [("once", (e.year, e.month, day))]
            return [("yearly", [e.month], 1 if exclusive else -1)]
        if e.kind == "quarter":
            assert e.quarter is not None
            month = 3 * e.quarter - 2 if exclusive else 3 * e.quarter
            if e.year:
                day = 1 if exclusive else calendar.monthrange(e.year, month)[1]
                return [("once", (e.year, month, day))]
            return [("yearly", [month], 1 if exclusive else -1)]
        if e.kind == "half":
            month = (1 if e.half == "dau" else 7) if exclusive else (6 if e.half == "dau" else 12)
            if e.year:
                day = 1 if exclusive else calendar.monthrange(e.year, month)[1]
                return [("once", (e.year, month, day))]
            return [("yearly", [month], 1 if exclusive else -1)]
        if e.kind == "year":
            assert e.year is not None
            return [("once", (e.year, 1, 1) if exclusive else (e.year, 12, 31))]
        if e.kind == "range":
            return [("continuous",)]  # "2026-2030" in a deadline column: all through the period
        return []

    def _bare_rhythms(self, rhythms: list[_Rhythm]) -> None:
        """Rhythm words no date used: due on the last day of each period. "6 tháng và hằng năm" is one
        rhythm (June and December): the year's end is already the second half's end."""
        bare = [r for r in rhythms if not r.used and not self._is_claimed(r.start, r.end)]
        merged: list[_Rhythm] = []
        for rhythm in bare:
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and {previous.kind, rhythm.kind} == {"semi", "yearly"}
                and _CONNECTOR.fullmatch(self.folded[previous.end : rhythm.start])
            ):
                merged[-1] = _Rhythm(kind="semi", start=previous.start, end=rhythm.end)
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
        pattern = _CONTINUOUS if self.table_cell else _CONTINUOUS_PROSE
        for match in pattern.finditer(self.folded):
            if not self._is_claimed(*match.span()):
                self._add("continuous", *match.span())
                return  # one is enough: a task is continuous or not

    def _final_review(self) -> None:
        if self.period_end is None:
            return
        dated = [d for d in self.found if d.kind in ("once", "recurring")]
        for match in _FINAL_REVIEW.finditer(self.folded):
            clause = self._clause(match.start())
            if any(clause[0] <= d.start < clause[1] and d.kind == "once" for d in dated):
                continue  # "tổng kết trước ngày 15/12/2020": its own date was read
            if self._is_claimed(*match.span()):
                continue
            self._add("once", match.start(), match.end(), due=self.period_end, inclusive=True)
            return

