"""The words of deadlines in Vietnamese plans, on folded text: time expressions ("ngày 15 tháng 12",
"quý II/2026", "6 tháng cuối năm"), the deadline words before them ("trước", "chậm nhất"), rhythm words
("hằng quý", "định kỳ 6 tháng") and the budget cycle; and what one time expression means, given its
rhythm. :mod:`~obligations.plans.importer.phrases` decides which expressions in a text are deadlines
and reads them together.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

__all__ = [
    "AS_OF",
    "CLAUSE_END",
    "CONNECTOR",
    "CONTINUOUS",
    "CONTINUOUS_PROSE",
    "CYCLE",
    "EXPRESSION",
    "FINAL_REVIEW",
    "LEADING",
    "MARKER",
    "REPORT_KIND",
    "RHYTHM",
    "Expression",
    "Rhythm",
    "expression_of",
    "meaning",
    "rhythm_of",
    "share_years",
]

_B = r"(?<![a-z0-9])"  # word start
_E = r"(?![a-z0-9])"  # word end
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)[0-9]{2}"
_QUARTER = r"(?:iv|iii|ii|i|[1-4])"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
# An hour of the day, as letters write it: "14 giờ", "16 giờ 00", "16 giờ 30 phút", "17h", "10h00'", "15h30’",
# "16g00", "16:00", "10 giờ sáng"; then, before the day, maybe its weekday ("thứ Sáu,"). The apostrophe is
# the minutes' sign of typed letters.
_HOUR = (
    r"[0-9]{1,2}\s*(?:gio|h|g(?=[0-9]))(?:\s*[0-9]{1,2}(?:\s*(?:phut|p|'|\u2019|\u2032))?)?"
    r"(?:\s*(?:sang|chieu|toi))?(?![a-z0-9])"
    r"|[0-9]{1,2}:[0-9]{2}(?:\s*(?:'|\u2019))?(?![0-9])"
)
_WEEKDAY = r"(?:thu\s+(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s+nhat)"

# A time expression: a day (with or without month and year), a month, a quarter, a half-year, a year,
# or a range of years. Alternatives that start earlier win (finditer scans left to right), so
# "ngày 15 tháng 12" is one day, never a day and then a month.
EXPRESSION = re.compile(
    rf"""
    (?P<dnum>(?:ngay\s*)?(?<![0-9/.\-])(?P<dnum_d>{_DAY})(?P<sep>[/.\-])(?P<dnum_m>{_MONTH})
        (?:(?P=sep)(?P<dnum_y>{_YEAR}))?(?![0-9])(?![/.\-][0-9]))
  | (?P<dword>(?:ngay\s*)?(?<![0-9])(?P<dword_d>{_DAY})\s+thang\s*(?P<dword_m>{_MONTH})(?![0-9])
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
# exclusive ("chậm nhất trước ngày" is still "before the day"), unless an hour of that day is named
# ("trước 14 giờ, ngày 05/12/2017": due that day).
MARKER = re.compile(
    rf"""{_B}(?P<marker>
        (?:cham|muon)\s+nhat | han\s+(?:chot|cuoi)
      | thoi\s+han(?:\s+(?:hoan\s+thanh|gui|goi|nop)(?:\s+(?:bao\s+cao|ho\s+so|van\s+ban))?)? | den\s+het
      | khong\s+(?:qua|muon\s+hon) | hoan\s+thanh | xong | truoc | trong | vao | (?P<den>den)
    )(?:\s*[:,]?\s*(?:la|vao|luc|truoc|trong|den\s+het|den|ke\s+ca){_E})*
    (?:\s*(?P<hour>{_HOUR})\s*,?)?(?:\s*{_WEEKDAY}\s*,?)?\s*[:,]?\s*$""",
    re.VERBOSE,
)

# Rhythms. "định kỳ" on its own is a rhythm too (read as yearly), unless a date follows it.
RHYTHM = re.compile(
    rf"""{_B}(?:
        (?P<weekly>(?:(?:vao\s+)?(?:thu\s+(?P<weekday>hai|ba|tu|nam|sau|bay|[2-7])|(?P<sunday>chu\s+nhat))\s+)?(?:hang|moi)\s+tuan)
      | (?P<semi>(?:dinh\s+ky\s+)?(?:(?:0?6|sau)\s+thang\s*(?:mot\s+lan|1\s+lan|/\s*lan)
                                      |(?:moi|hang)\s+(?:0?6|sau)\s+thang|nua\s+nam\s+mot\s+lan
                                      |(?:mot|moi|1)\s+nam\s+(?:hai|2)\s+(?:lan|ky)|(?:hai|2)\s+(?:lan|ky)\s*/\s*nam)
              | dinh\s+ky\s+(?:0?6|sau)\s+thang)
      | (?P<quarterly>(?:dinh\s+ky\s+)?(?:hang|moi)\s+quy|quy\s+mot\s+lan)
      | (?P<monthly>(?:dinh\s+ky\s+)?(?:hang|moi)\s+thang|thang\s+mot\s+lan)
      | (?P<yearly>(?:dinh\s+ky\s+)?(?:hang|moi)\s+nam(?!\s+(?:hai|2)\s+(?:lan|ky))|nam\s+mot\s+lan)
      | (?P<periodic>dinh\s+ky)
    ){_E}""",
    re.VERBOSE,
)

# Rhythm words right after a time expression ("ngày 25 hàng tháng", "ngày 10 của tháng cuối quý").
_SUFFIX = re.compile(
    rf"""\s*,?\s*(?:
        (?P<yearly>(?:hang|moi)\s+nam|cua\s+nam\s+(?:bao\s+cao|lien\s+ke(?:\s+nam\s+bao\s+cao)?|tiep\s+theo|sau))
      | (?P<monthly>(?:hang|moi)\s+thang|(?:cua\s+)?thang\s+(?:sau|tiep\s+theo|ke\s+tiep))
      | (?P<quarter_first>(?:cua\s+)?thang\s+dau(?:\s+tien)?(?:\s+cua)?\s+(?:moi\s+)?quy
                          (?:\s+(?:sau|tiep\s+theo|ke\s+tiep))?)
      | (?P<quarter_last>(?:cua\s+)?thang\s+cuoi(?:\s+cua)?\s+(?:moi\s+)?quy)
      | (?P<quarterly>(?:hang|moi)\s+quy)
    ){_E}""",
    re.VERBOSE,
)

CYCLE = re.compile(
    rf"""{_B}(?:(?:vao|trong|cung|theo)\s+)?(?:cung\s+)?(?:thoi\s+(?:diem|gian|ky)|dot|khi)\s+
        (?:xay\s+dung|lap|chuan\s+bi)\s+(?:ke\s+hoach\s+va\s+)?du\s+toan(?:\s+ngan\s+sach)?(?:\s+nha\s+nuoc)?
        (?:\s+(?:hang|moi)\s+nam)?{_E}""",
    re.VERBOSE,
)
# Reports named by their period. They make the dates around them recur ("trước ngày 20/6 đối với báo cáo sơ
# kết"), and "báo cáo tháng" alone falls due at the end of each month. "báo cáo năm 2020" names one report.
REPORT_KIND = re.compile(
    rf"""{_B}bao\s+cao\s+(?:dinh\s+ky\s+)?(?:
        (?P<review>so\s+ket|tong\s+ket\s+(?:nam|cuoi\s+nam))
      | (?:hang\s+)?(?:
            (?P<monthly>thang)(?!\s*(?:[0-9]|dau|cuoi))
          | (?P<quarterly>quy)(?!\s*(?:[0-9]|i|v))
          | (?P<semi>(?:0?6|sau)\s+thang)(?!\s*cuoi)
          | (?P<yearly>(?:ca\s+)?nam)(?!\s*[0-9])))
    {_E}""",
    re.VERBOSE,
)
CONTINUOUS = re.compile(rf"{_B}(?:thuong\s+xuyen|hang\s+ngay|lien\s+tuc){_E}")
CONTINUOUS_PROSE = re.compile(rf"{_B}(?:thuong\s+xuyen|hang\s+ngay){_E}")
FINAL_REVIEW = re.compile(rf"{_B}tong\s+ket{_E}")
AS_OF = re.compile(r"tinh\s+den\s*$")
CONNECTOR = re.compile(r"\s*(?:,|;)?\s*(?:(?:va|hoac)\s+)?$")
LEADING = re.compile(r"^[\s\-\u2013\u2014\u2022+*:.)(0-9a-z]{0,6}$")
CLAUSE_END = re.compile(r";|[.!?](?=\s|$)")

_WEEKDAYS = {"hai": "MO", "ba": "TU", "tu": "WE", "nam": "TH", "sau": "FR", "bay": "SA",
             "2": "MO", "3": "TU", "4": "WE", "5": "TH", "6": "FR", "7": "SA"}
_QUARTER_LAST = (3, 6, 9, 12)
_QUARTER_FIRST = (1, 4, 7, 10)
_HALF_LAST = (6, 12)


@dataclass
class Rhythm:
    kind: str  # weekly, semi, quarterly, monthly, yearly, periodic
    start: int
    end: int
    byday: str = "FR"
    used: bool = False


@dataclass
class Expression:
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


def rhythm_of(match: re.Match) -> Rhythm:
    """A rhythm word found by RHYTHM."""
    kind = next(k for k in ("weekly", "semi", "quarterly", "monthly", "yearly", "periodic") if match.group(k))
    byday = "FR"  # "hàng tuần" with no day: the end of the working week
    if match.group("weekday"):
        byday = _WEEKDAYS[match.group("weekday")]
    elif match.group("sunday"):
        byday = "SU"
    return Rhythm(kind=kind, start=match.start(), end=match.end(), byday=byday)


def expression_of(match: re.Match, folded: str) -> Expression | None:
    """A time expression found by EXPRESSION in ``folded``, with the rhythm words right after it; None
    when it is no time (a range of years that runs backwards)."""
    kind = match.lastgroup
    if kind is None:
        return None

    def number(name: str) -> int | None:
        value = match.group(f"{kind}_{name}")
        return int(value) if value else None

    expression = Expression(kind=kind, start=match.start(), end=match.end())
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
    suffix = _SUFFIX.match(folded, expression.end)
    if suffix is not None and expression.year is None and kind != "range":
        expression.suffix = suffix.lastgroup
        expression.end = suffix.end()
    return expression


def meaning(expression: Expression, rhythm: str | None, inclusive: bool) -> list[tuple]:
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


def share_years(group: list[Expression]) -> None:
    """In a list of quarters or months, a year written once is every member's: "quý I, quý II/2018" is 2018's first
    and second quarter, "tháng 11, tháng 12/2025" the last two months of 2025."""
    year = None
    for expression in reversed(group):
        if expression.kind in ("quarter", "month", "half") and expression.suffix is None:
            if expression.year is None and year is not None:
                expression.year = year
            year = expression.year
        else:
            year = None
