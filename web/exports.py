"""What the web app hands out as files: the overdue report (.xlsx), deadline feeds (.ics), tables (.csv).

Pure functions from report views to bytes; the routes decide who may read what.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from obligations.flows.report import OccurrenceView
from obligations.rules.status import LABELS_VI, Status

DATE_FORMAT = "dd/mm/yyyy"  # Excel's number format; the same order as _day_text
SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Excel's own sheet name, which a workbook may not use for one of its sheets.
RESERVED_SHEET_NAMES = frozenset({"history"})

# The summary's four columns, each the statuses it counts; waived and withdrawn occurrences count in none (nothing
# is owed for them), so the total is the sum of the four.
SUMMARY_COLUMNS: tuple[tuple[str, frozenset[Status]], ...] = (
    ("on_track", frozenset({Status.ON_TRACK, Status.DUE_SOON, Status.SUBMITTED})),
    ("overdue", frozenset({Status.OVERDUE})),
    ("done_on_time", frozenset({Status.DONE_ON_TIME})),
    ("done_late", frozenset({Status.DONE_LATE})),
)

# Occurrences that still ask something of someone: the ones a calendar shows.
CALENDAR_STATUSES = frozenset({Status.ON_TRACK, Status.DUE_SOON, Status.OVERDUE, Status.SUBMITTED})

WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "summary": "Tổng hợp",
        "as_of": "Tính đến ngày {day}",
        "agency_code": "Mã cơ quan",
        "agency": "Cơ quan",
        "on_track": "Đang thực hiện trong hạn",
        "overdue": "Quá hạn",
        "done_on_time": "Hoàn thành đúng hạn",
        "done_late": "Hoàn thành quá hạn",
        "total": "Tổng",
        "sum": "Cộng",
        "occurrence": "Số kỳ",
        "ref": "Mã nhiệm vụ",
        "task": "Nhiệm vụ",
        "period": "Kỳ",
        "deadline": "Hạn hoàn thành",
        "working_days_overdue": "Số ngày làm việc quá hạn",
    },
    "en": {
        "summary": "Summary",
        "as_of": "As of {day}",
        "agency_code": "Agency code",
        "agency": "Agency",
        "on_track": "On track",
        "overdue": "Overdue",
        "done_on_time": "Done on time",
        "done_late": "Done late",
        "total": "Total",
        "sum": "Total",
        "occurrence": "Occurrence",
        "ref": "Task code",
        "task": "Task",
        "period": "Period",
        "deadline": "Deadline",
        "working_days_overdue": "Working days overdue",
    },
}

SUMMARY_HEADER_ROW = 3  # below the title and the as-of line
OCCURRENCES_CSV_HEADERS = [
    "Số kỳ", "Kế hoạch", "Mã nhiệm vụ", "Nhiệm vụ", "Mã cơ quan", "Cơ quan", "Kỳ", "Hạn hoàn thành",
    "Trạng thái", "Số ngày làm việc quá hạn",
]


# --- The overdue report (.xlsx) ------------------------------------------------------------------


def overdue_workbook(views: list[OccurrenceView], *, title: str, as_of_day: date, language: str = "vi") -> bytes:
    """The overdue report: a summary by agency, then one sheet of overdue occurrences per agency that has any."""
    words = WORDS.get(language, WORDS["vi"])
    workbook = Workbook()
    summary = workbook.active
    summary.title = words["summary"]
    _write_summary(summary, views, words, title=title, as_of_day=as_of_day)

    overdue_by_agency: dict[str, list[OccurrenceView]] = defaultdict(list)
    for view in views:
        if view.status == Status.OVERDUE:
            overdue_by_agency[view.agency_code].append(view)
    taken = {summary.title.casefold()}
    for agency_code in sorted(overdue_by_agency):
        sheet = workbook.create_sheet(valid_sheet_name(agency_code, taken))
        taken.add(sheet.title.casefold())
        _write_overdue_sheet(sheet, overdue_by_agency[agency_code], words)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_summary(sheet: Worksheet, views: list[OccurrenceView], words: dict[str, str], *,
                   title: str, as_of_day: date) -> None:
    _append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([words["as_of"].format(day=_day_text(as_of_day))])
    sheet["A2"].font = Font(italic=True)
    headers = [words["agency_code"], words["agency"], *(words[key] for key, _ in SUMMARY_COLUMNS), words["total"]]
    _append_header(sheet, headers)

    names: dict[str, str] = {}
    counts: dict[str, list[int]] = {}
    for view in views:
        names.setdefault(view.agency_code, view.agency_name)
        row = counts.setdefault(view.agency_code, [0] * len(SUMMARY_COLUMNS))
        for index, (_, statuses) in enumerate(SUMMARY_COLUMNS):
            if view.status in statuses:
                row[index] += 1
    totals = [0] * len(SUMMARY_COLUMNS)
    for agency_code in sorted(counts):
        row = counts[agency_code]
        _append_row(sheet, [agency_code, names[agency_code], *row, sum(row)])
        totals = [total + count for total, count in zip(totals, row, strict=True)]
    _append_row(sheet, [words["sum"], None, *totals, sum(totals)])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(row=SUMMARY_HEADER_ROW + 1, column=1)
    _fit_columns(sheet, first_row=SUMMARY_HEADER_ROW)


def _write_overdue_sheet(sheet: Worksheet, views: list[OccurrenceView], words: dict[str, str]) -> None:
    keys = ("occurrence", "ref", "task", "period", "deadline", "working_days_overdue")
    _append_header(sheet, [words[key] for key in keys])
    for view in sorted(views, key=_oldest_first):
        _append_row(sheet, [view.id, view.ref, view.title, view.period, date.fromisoformat(view.deadline_day),
                            view.working_days_overdue])
        sheet.cell(row=sheet.max_row, column=keys.index("deadline") + 1).number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    _fit_columns(sheet, first_row=1)


def _oldest_first(view: OccurrenceView) -> tuple:
    instant = _as_utc(view.deadline_at) if view.deadline_at else datetime.max.replace(tzinfo=UTC)
    return view.deadline_day, instant, view.ref, view.id


def valid_sheet_name(name: str, taken: set[str]) -> str:
    """``name`` as Excel accepts it for a sheet: ≤31 characters, none of []:*?/\\, not taken (case-blind)."""
    base = SHEET_NAME_FORBIDDEN.sub("-", _cell_text(name)).strip("'").strip() or "-"
    candidate = base[:SHEET_NAME_LIMIT]
    number = 1
    while candidate.casefold() in taken or candidate.casefold() in RESERVED_SHEET_NAMES:
        number += 1
        suffix = f" ({number})"
        candidate = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
    return candidate


def _append_header(sheet: Worksheet, headers: list[str]) -> None:
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _append_row(sheet: Worksheet, values: list[object]) -> None:
    """A row of data: texts stay texts, even one starting with "=" that openpyxl would take for a formula."""
    sheet.append([_cell_text(value) if isinstance(value, str) else value for value in values])
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        if isinstance(value, str) and cell.data_type != "s":
            cell.data_type = "s"


def _cell_text(text: str) -> str:
    # Control characters (pasted from Word) make openpyxl refuse the whole workbook.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _fit_columns(sheet: Worksheet, *, first_row: int) -> None:
    """Widths from the longest text in each column, from the header row down, within bounds."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is None:
                continue
            length = 10 if isinstance(cell.value, date) else len(str(cell.value))
            widths[cell.column] = max(widths.get(cell.column, 0), length)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)


# --- Deadline feeds (.ics) -----------------------------------------------------------------------


def deadline_calendar(views: list[OccurrenceView], *, name: str, office_start: time, office_end: time,
                      link: Callable[[int], str | None] | None = None) -> bytes:
    """An iCalendar feed: one event per open or submitted occurrence, in office hours on its last day."""
    calendar = Calendar()
    calendar.add("prodid", "-//obligations//vi")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    shown: dict[int, OccurrenceView] = {}
    for view in views:
        if view.status in CALENDAR_STATUSES:
            shown.setdefault(view.id, view)
    if shown:
        calendar.add("x-wr-timezone", next(iter(shown.values())).zone)
    events = sorted(shown.values(), key=lambda view: (view.deadline_day, view.id))
    for view in events:
        calendar.add_component(_deadline_event(view, office_start, office_end, link(view.id) if link else None))
    if events:
        # Zone definitions only over the span of the events keep the feed short.
        first = date.fromisoformat(events[0].deadline_day) - timedelta(days=366)
        last = date.fromisoformat(events[-1].deadline_day) + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def _deadline_event(view: OccurrenceView, office_start: time, office_end: time, url: str | None) -> Event:
    zone = ZoneInfo(view.zone)
    day = date.fromisoformat(view.deadline_day)
    start = datetime.combine(day, office_start, tzinfo=zone)
    summary = f"Hạn: {view.ref} — {view.title} ({view.agency_name})"
    lines = [f"Kế hoạch: {view.plan}", f"Kỳ: {view.period}", f"Trạng thái: {LABELS_VI[view.status]}"]
    if view.status == Status.OVERDUE and view.working_days_overdue:
        lines.append(f"Quá hạn {view.working_days_overdue} ngày làm việc")
    if url:
        lines.append(url)

    event = Event()
    event.add("uid", f"occurrence-{view.id}@obligations")
    # The deadline stands for the moment the event was last meaningfully set, so the feed is the same
    # bytes for the same data, whenever it is read.
    event.add("dtstamp", _as_utc(view.deadline_at) if view.deadline_at else start.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", datetime.combine(day, office_end, tzinfo=zone))
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    if url:
        event.add("url", url)

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(days=-1))
    alarm.add("description", summary)
    event.add_component(alarm)
    return event


def _as_utc(moment: datetime) -> datetime:
    # The database hands back naive datetimes that are UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- Tables (.csv) -------------------------------------------------------------------------------


def csv_table(headers: list[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A table as CSV for Excel: UTF-8 with a byte order mark, dates as dd/mm/yyyy, None as empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(header) for header in headers])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return _day_text(value)
    if isinstance(value, bool):
        return "có" if value else "không"
    text = str(value)
    # Excel runs a cell starting with one of these as a formula (CSV injection); a leading
    # apostrophe makes it show the text as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def occurrences_csv(views: list[OccurrenceView]) -> bytes:
    """Occurrences as a CSV table with Vietnamese headers, one row each, in the order given."""
    rows = (
        [view.id, view.plan, view.ref, view.title, view.agency_code, view.agency_name, view.period,
         date.fromisoformat(view.deadline_day), LABELS_VI[view.status], view.working_days_overdue]
        for view in views
    )
    return csv_table(OCCURRENCES_CSV_HEADERS, rows)


def _day_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")
