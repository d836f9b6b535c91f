"""A deadline counted from an event: "trong vòng 30 ngày kể từ ngày ký", "trong 15 ngày làm việc kể từ khi
nhận được", "trong 3 tháng". Pure: the event's day (the anchor a coordinator writes), the count and its
unit in, the deadline's day out.

The count starts the day after the event, as Vietnamese law counts a period (Bộ luật Dân sự 2015, Điều
147 and 148): 30 days from 1 March end on 31 March; 15 working days are the fifteenth working day after the
event; 3 months from 31 January end on 30 April (the month's last day when it has no 31st). The
deadline is the end of that day (inclusive); one that falls on a day off moves like any other.
"""

from __future__ import annotations

import calendar as _months
from datetime import date, timedelta
from typing import Literal

from obligations.rules.calendar import WorkCalendar

RelativeUnit = Literal["days", "working_days", "months"]
RELATIVE_UNITS: tuple[str, ...] = ("days", "working_days", "months")
# The longest count of each unit a plan gives a task: about ten years.
MAX_COUNT: dict[str, int] = {"days": 3660, "working_days": 2500, "months": 120}


def relative_due(anchor: date, count: int, unit: str, calendar: WorkCalendar | None = None) -> date:
    """The last day of ``count`` ``unit`` counted from the day after ``anchor``; working days need the
    plan's ``calendar``."""
    if unit not in RELATIVE_UNITS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(RELATIVE_UNITS)}")
    if count < 1:
        raise ValueError(f"the count must be at least 1, got {count}")
    if unit == "days":
        return anchor + timedelta(days=count)
    if unit == "working_days":
        if calendar is None:
            raise ValueError("counting working days needs the plan's calendar")
        return calendar.add_working_days(anchor, count)
    month = anchor.month - 1 + count
    year, month = anchor.year + month // 12, month % 12 + 1
    return date(year, month, min(anchor.day, _months.monthrange(year, month)[1]))
