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

__all__ = ["RELATIVE", "Relative", "counted_from", "relative_of", "this_or_next_year"]

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
