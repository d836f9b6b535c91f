"""Deadlines counted from an event: "trong vòng 30 ngày kể từ ngày ký", "trong thời hạn 05 (năm) ngày làm việc
kể từ ngày nhận được văn bản", "chậm nhất 03 tháng kể từ khi ...". On folded text; pure.

When the event is the document's own date (its signing, its issue, its taking effect) and that date is
known, the deadline is a date: calendar days and months by date arithmetic, working days on the Vietnamese
calendar of :mod:`obligations.rules.calendar` (public holidays; a province's swapped days are not known
here, so the reading says so). Otherwise it stays relative, for the coordinator to anchor.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

__all__ = [
    "RECEIPT",
    "RECEIPT_ASSUMED",
    "RELATIVE",
    "Relative",
    "counted_from",
    "find_unanchored",
    "relative_of",
    "this_or_next_year",
    "unanchored",
]

_B = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"

RELATIVE = re.compile(
    rf"""{_B}(?:trong\s+(?:vong|thoi\s+han|thoi\s+gian|khoang)?\s*(?:khong\s+qua\s+)?|khong\s+qua\s+
         |(?:cham|muon)\s+nhat(?:\s+la)?\s+(?:sau\s+)?|sau\s+)
    (?P<count>[0-9]{{1,3}})\s*(?:\([a-z\s]+\)\s*)?
    (?P<unit>ngay\s+lam\s+viec|ngay|tuan|thang){_E}
    \s*,?\s*(?:ke\s+tu|tinh\s+tu)\s+
    (?P<event>(?:ngay|khi|thoi\s+diem|luc){_E}[^,;.()]{{0,90}})""",
    re.VERBOSE,
)
# "Quyết định này có hiệu lực sau 10 ngày kể từ ngày ký": when the document takes effect, not a duty.
_IN_FORCE = re.compile(rf"{_B}hieu\s+luc(?:\s+thi\s+hanh)?\s*$")
_DOCUMENT = r"(?:van\s+ban|cong\s+van|quyet\s+dinh|chi\s+thi|ke\s+hoach|thong\s+bao(?:\s+ket\s+luan)?|ket\s+luan)"
# The document's own date as the event.
_OWN_DATE = re.compile(
    rf"""^(?:(?:ngay|khi)\s+)?(?:
        (?:ky|ky\s+ban\s+hanh|ban\s+hanh)(?:\s+{_DOCUMENT}(?:\s+nay)?)?
      | {_DOCUMENT}\s+(?:nay\s+)?(?:duoc\s+)?(?:ky|ban\s+hanh|co\s+hieu\s+luc(?:\s+thi\s+hanh)?)
    )\s*$""",
    re.VERBOSE,
)

# A count with no "kể từ": "báo cáo UBND tỉnh trong 30 ngày làm việc", "trong vòng 15 ngày"; or counted after an
# event named with "sau": "Chậm nhất 05 ngày làm việc sau khi được Hội đồng nhân dân cấp tỉnh phê chuẩn quyết toán",
# "Chậm nhất 7 ngày sau buổi thi cuối cùng của kỳ thi".
_UNANCHORED = re.compile(
    rf"""{_B}(?:trong\s+(?:vong|thoi\s+han|thoi\s+gian)?\s*(?:khong\s+qua\s+)?|(?:cham|muon)\s+nhat(?:\s+la)?\s+
         |khong\s+qua\s+)
    (?P<count>[0-9]{{1,3}})\s*(?:\([a-z\s]+\)\s*)?(?P<unit>ngay\s+lam\s+viec|ngay|tuan|thang){_E}
    (?:\s*,?\s*sau\s+(?P<event>(?:khi\s+)?[^,;.()]{{3,90}}))?""",
    re.VERBOSE,
)
# Words after the count that make it a span of time, not a time allowed: "trong 30 ngày qua", "trong 6 tháng đầu năm".
_SPAN = re.compile(rf"\s*(?:qua|gan\s+day|vua\s+qua|truoc|lien\s+(?:tuc|tiep)|dau|cuoi|,?\s*(?:ke|tinh)\s+tu){_E}")
# A duty before the count in its clause: what has to be done within it.
_DUTY = re.compile(
    rf"{_B}(?:bao\s+cao|gui|goi|nop|hoan\s+thanh|hoan\s+thien|tra\s+loi|giai\s+quyet|xu\s+ly|khac\s+phuc"
    rf"|ban\s+hanh|trinh|tham\s+muu|de\s+xuat|cung\s+cap|phan\s+hoi|co\s+y\s+kien|kiem\s+tra|ra\s+soat){_E}"
)
# ... and not an event lasting that long: "Hội nghị diễn ra trong 02 ngày", "tập huấn trong 3 ngày".
_DURATION = re.compile(
    rf"{_B}(?:dien\s+ra|keo\s+dai|to\s+chuc|tap\s+huan|hoi\s+nghi|nghi|cach\s+ly|dot|thoi\s+gian)[^,;.]{{0,30}}$"
)
# When a count names no event, it runs from the letter's receipt (the usual "kể từ ngày nhận được văn bản" left
# out); the reading says so, for review.
RECEIPT = "ngày nhận được văn bản"
RECEIPT_ASSUMED = "văn bản không nói tính từ khi nào: đọc là từ ngày nhận được văn bản"

Unit = Literal["days", "working_days", "months"]
_UNIT_WORDS = {"days": "ngày", "working_days": "ngày làm việc", "months": "tháng"}


@dataclass(frozen=True)
class Relative:
    start: int
    end: int
    count: int
    unit: Unit
    event_start: int
    event_end: int
    own_date: bool  # counted from the document's own date
    assumed: bool = False  # no event named: counted from the document's receipt


def relative_of(match: re.Match, folded: str) -> Relative | None:
    """A relative deadline found by RELATIVE; None for a document's entry into force."""
    if _IN_FORCE.search(folded, max(0, match.start() - 40), match.start()):
        return None
    unit_word = match.group("unit")
    count = int(match.group("count"))
    unit: Unit = "months" if unit_word == "thang" else "working_days" if "lam" in unit_word else "days"
    if unit_word == "tuan":
        count *= 7
    if count == 0:
        return None
    event_start, event_end = match.span("event")
    words = folded[event_start:event_end].rstrip()
    event_end = event_start + len(words)
    return Relative(match.start(), event_end, count, unit, event_start, event_end, bool(_OWN_DATE.match(words)))


def unanchored(folded: str, clause_start: int, match: re.Match) -> Relative | None:
    """A count found by the unanchored pattern (``_UNANCHORED``), or None when it is a span of time, a duration,
    or a count with no duty before it in its clause (``clause_start``)."""
    unit_word = match.group("unit")
    count = int(match.group("count"))
    unit: Unit = "months" if unit_word == "thang" else "working_days" if "lam" in unit_word else "days"
    count *= 7 if unit_word == "tuan" else 1
    if count == 0 or _SPAN.match(folded, match.end("unit")):
        return None
    if match.group("event"):
        words = match.group("event").rstrip()
        start = match.start("event")
        return Relative(match.start(), start + len(words), count, unit, start, start + len(words), False)
    before = folded[clause_start : match.start()]
    if unit == "months" or not _DUTY.search(before) or _DURATION.search(before):
        return None
    return Relative(match.start(), match.end(), count, unit, match.end(), match.end(), False, assumed=True)


def find_unanchored(folded: str) -> list[re.Match]:
    """Every count that names no "kể từ" event (module constants), in text order."""
    return list(_UNANCHORED.finditer(folded))


def counted_from(day: date, count: int, unit: Unit) -> tuple[date, str]:
    """``count`` days, working days or months after the document's date ``day``, and the reading in words."""
    words = f"tính {count} {_UNIT_WORDS[unit]} từ ngày văn bản {day:%d/%m/%Y}"
    if unit == "days":
        return day + timedelta(days=count), words
    if unit == "months":
        month = day.month - 1 + count
        year, month = day.year + month // 12, month % 12 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1])), words
    from obligations.rules.calendar import WorkCalendar  # holidays' tables: loaded only when needed

    words += " (trừ ngày lễ toàn quốc; chưa tính ngày nghỉ bù, làm bù của tỉnh)"
    return WorkCalendar().add_working_days(day, count), words


def this_or_next_year(month: int, day: int, document_date: date) -> tuple[date, str] | None:
    """A day with no year (``day`` -1: the month's last), in a dated document that names no rhythm: in the
    document's year, or the next when it has already passed ("trước ngày 15/01" in a letter of 20/11);
    with the reading in words. None when no such day exists in that year."""

    def on(year: int) -> date | None:
        last = calendar.monthrange(year, month)[1]
        return date(year, month, last if day == -1 else day) if day <= last else None

    year = document_date.year
    due = on(year)
    if due is not None and due >= document_date:
        return due, f"năm {year} lấy theo ngày văn bản {document_date:%d/%m/%Y}"
    due = on(year + 1)
    if due is None:
        return None
    return due, f"năm {year + 1}: ngày này của năm {year} đã qua so với ngày văn bản {document_date:%d/%m/%Y}"
