"""The web app's exports, read back with the libraries a reader's tools use: openpyxl, icalendar, csv."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import openpyxl
import pytest
from icalendar import Calendar

from obligations.flows.report import OccurrenceView
from obligations.rules.status import LABELS_VI, Status
from obligations.web.exports import (
    OCCURRENCES_CSV_HEADERS,
    csv_table,
    deadline_calendar,
    occurrences_csv,
    overdue_workbook,
    valid_sheet_name,
)

ZONE = "Asia/Ho_Chi_Minh"
AGENCY_NAMES = {
    "SNGV": "Sở Ngoại vụ",
    "STTTT": "Sở Thông tin và Truyền thông",
    "UBND/NHA-TRANG": "Ủy ban nhân dân thành phố Nha Trang",
}
_next_id = iter(range(100, 10_000))


def view(agency: str, status: Status, deadline_day: str = "2019-12-13", *, id: int | None = None,
         ref: str = "NV-1", title: str = "Báo cáo kết quả công tác đối ngoại nhân dân", period: str = "2019",
         overdue_days: int = 0, zone: str = ZONE, agency_name: str | None = None) -> OccurrenceView:
    day = date.fromisoformat(deadline_day)
    return OccurrenceView(
        id=next(_next_id) if id is None else id, plan="khanh-hoa-dnnd-2017-2020", ref=ref, title=title,
        agency_code=agency, agency_name=agency_name or AGENCY_NAMES[agency], period=period, checkin=False,
        deadline_day=deadline_day, status=status, working_days_overdue=overdue_days,
        # 17:00 in Vietnam, as the database holds it: naive UTC
        deadline_at=datetime(day.year, day.month, day.day, 10, 0), zone=zone,
    )


def report_views() -> list[OccurrenceView]:
    """Counts that differ in every column, so a swapped column shows; agencies given out of order."""
    views = [
        view("UBND/NHA-TRANG", Status.OVERDUE, "2019-03-15", id=31, ref="NV-7", overdue_days=190),
        view("STTTT", Status.DONE_LATE, "2018-12-14"),
        view("STTTT", Status.DONE_LATE, "2017-12-15"),
        view("STTTT", Status.OVERDUE, "2019-06-14", id=21, ref="NV-2", overdue_days=120),
        view("STTTT", Status.ON_TRACK, "2020-12-15"),
        view("SNGV", Status.OVERDUE, "2019-12-13", id=12, ref="NV-3", period="2019", overdue_days=5),
        view("SNGV", Status.OVERDUE, "2019-06-14", id=11, ref="NV-4", period="2019-Q2", overdue_days=130),
        view("SNGV", Status.ON_TRACK, "2020-12-15"),
        view("SNGV", Status.DUE_SOON, "2020-01-15"),
        view("SNGV", Status.SUBMITTED, "2020-01-15"),
        view("SNGV", Status.DONE_LATE, "2018-12-14"),
        view("SNGV", Status.WAIVED, "2018-06-15"),
    ]
    views += [view("SNGV", Status.DONE_ON_TIME, f"201{year}-12-15") for year in (5, 6, 7, 8)]
    return views


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def rows(sheet, min_row: int = 1) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=min_row, values_only=True)]


# --- The overdue report (.xlsx) ------------------------------------------------------------------


def test_workbook_has_the_summary_then_one_sheet_per_agency_with_overdue_items():
    workbook = load(overdue_workbook(report_views(), title="Báo cáo nhiệm vụ quá hạn", as_of_day=date(2019, 12, 20)))
    # "/" is not allowed in a sheet name
    assert workbook.sheetnames == ["Tổng hợp", "SNGV", "STTTT", "UBND-NHA-TRANG"]


def test_summary_counts_each_agency_by_status_and_leaves_waived_out():
    workbook = load(overdue_workbook(report_views(), title="Báo cáo nhiệm vụ quá hạn", as_of_day=date(2019, 12, 20)))
    summary = workbook["Tổng hợp"]
    assert summary["A1"].value == "Báo cáo nhiệm vụ quá hạn"
    assert summary["A2"].value == "Tính đến ngày 20/12/2019"
    assert rows(summary, 3) == [
        ["Mã cơ quan", "Cơ quan", "Đang thực hiện trong hạn", "Quá hạn", "Hoàn thành đúng hạn",
         "Hoàn thành quá hạn", "Tổng"],
        ["SNGV", "Sở Ngoại vụ", 3, 2, 4, 1, 10],
        ["STTTT", "Sở Thông tin và Truyền thông", 1, 1, 0, 2, 4],
        ["UBND/NHA-TRANG", "Ủy ban nhân dân thành phố Nha Trang", 0, 1, 0, 0, 1],
        ["Cộng", None, 4, 4, 4, 3, 15],
    ]
    assert all(cell.font.bold for cell in summary[3])
    assert summary.freeze_panes == "A4"


def test_agency_sheet_lists_its_overdue_occurrences_oldest_deadline_first():
    workbook = load(overdue_workbook(report_views(), title="Quá hạn", as_of_day=date(2019, 12, 20)))
    sheet = workbook["SNGV"]
    assert rows(sheet) == [
        ["Số kỳ", "Mã nhiệm vụ", "Nhiệm vụ", "Kỳ", "Hạn hoàn thành", "Số ngày làm việc quá hạn"],
        [11, "NV-4", "Báo cáo kết quả công tác đối ngoại nhân dân", "2019-Q2", datetime(2019, 6, 14), 130],
        [12, "NV-3", "Báo cáo kết quả công tác đối ngoại nhân dân", "2019", datetime(2019, 12, 13), 5],
    ]
    deadline = sheet["E2"]
    assert deadline.is_date and deadline.number_format == "dd/mm/yyyy"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["A"].width
    assert [row[0] for row in rows(workbook["UBND-NHA-TRANG"], 2)] == [31]


def test_workbook_in_english():
    workbook = load(overdue_workbook(report_views(), title="Overdue", as_of_day=date(2019, 12, 20), language="en"))
    assert workbook.sheetnames[0] == "Summary"
    assert workbook["Summary"]["A2"].value == "As of 20/12/2019"
    assert rows(workbook["Summary"], 3)[0] == [
        "Agency code", "Agency", "On track", "Overdue", "Done on time", "Done late", "Total"]
    assert rows(workbook["SNGV"])[0][4] == "Deadline"


def test_workbook_keeps_formula_like_text_as_text_and_drops_control_characters():
    views = [view("SNGV", Status.OVERDUE, title="=HYPERLINK(\"http://evil\")\x0b", agency_name="=1+2")]
    workbook = load(overdue_workbook(views, title="=SUM(1)", as_of_day=date(2019, 12, 20)))
    summary = workbook["Tổng hợp"]
    assert (summary["A1"].value, summary["A1"].data_type) == ("=SUM(1)", "s")
    assert (summary["B4"].value, summary["B4"].data_type) == ("=1+2", "s")
    assert workbook["SNGV"]["C2"].value == "=HYPERLINK(\"http://evil\")"
    assert workbook["SNGV"]["C2"].data_type == "s"


def test_workbook_without_views_has_the_summary_and_a_zero_total():
    workbook = load(overdue_workbook([], title="Quá hạn", as_of_day=date(2019, 12, 20)))
    assert workbook.sheetnames == ["Tổng hợp"]
    assert rows(workbook["Tổng hợp"], 4) == [["Cộng", None, 0, 0, 0, 0, 0]]


def test_valid_sheet_name_replaces_forbidden_characters_shortens_and_keeps_names_unique():
    taken = {"tổng hợp", "a-b"}
    assert valid_sheet_name("A/B", set()) == "A-B"
    assert valid_sheet_name("A/B", taken) == "A-B (2)"
    assert valid_sheet_name("x[1]:*?\\", set()) == "x-1-----"
    long = valid_sheet_name("SỞ-" * 20, set())
    assert len(long) == 31
    assert len(valid_sheet_name("SỞ-" * 20, {long.casefold()})) == 31
    assert valid_sheet_name("History", set()) == "History (2)"
    assert valid_sheet_name("''", set()) == "-"


def test_workbook_sheet_names_stay_unique_when_codes_collide_once_made_valid():
    views = [view("A/B", Status.OVERDUE, agency_name="Một"), view("A:B", Status.OVERDUE, agency_name="Hai")]
    workbook = load(overdue_workbook(views, title="Quá hạn", as_of_day=date(2019, 12, 20)))
    assert workbook.sheetnames == ["Tổng hợp", "A-B", "A-B (2)"]


# --- Deadline feeds (.ics) -----------------------------------------------------------------------


def feed(views, **options) -> Calendar:
    data = deadline_calendar(views, name="Hạn nhiệm vụ — Sở Ngoại vụ", office_start=time(8), office_end=time(17),
                             **options)
    return Calendar.from_ical(data)


def test_calendar_has_one_event_per_open_or_submitted_occurrence():
    views = report_views()
    views.append(views[0])  # the same occurrence twice still makes one event
    calendar = feed(views)
    uids = [str(event["UID"]) for event in calendar.walk("VEVENT")]
    shown = {v.id for v in views if v.status in (Status.ON_TRACK, Status.DUE_SOON, Status.OVERDUE, Status.SUBMITTED)}
    assert sorted(uids) == sorted(f"occurrence-{id}@obligations" for id in shown)
    settled = [v for v in views if v.status in (Status.DONE_ON_TIME, Status.DONE_LATE, Status.WAIVED)]
    assert settled and not {f"occurrence-{v.id}@obligations" for v in settled} & set(uids)


def test_calendar_header_names_the_feed_and_its_zone():
    calendar = feed(report_views())
    assert str(calendar["PRODID"]) == "-//obligations//vi"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Hạn nhiệm vụ — Sở Ngoại vụ"
    assert str(calendar["X-WR-TIMEZONE"]) == ZONE
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == [ZONE]


def test_calendar_event_in_office_hours_on_the_last_day_in_the_plan_zone():
    occurrence = view("SNGV", Status.OVERDUE, "2019-06-14", id=11, ref="NV-4", period="2019-Q2", overdue_days=3)
    (event,) = feed([occurrence], link=lambda id: f"http://127.0.0.1:8000/occurrences/{id}").walk("VEVENT")
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert start.tzinfo.key == ZONE and end.tzinfo.key == ZONE
    assert start.date() == date(2019, 6, 14) and (start.time(), end.time()) == (time(8), time(17))
    assert event["DTSTAMP"].dt == datetime(2019, 6, 14, 10, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Hạn: NV-4 — Báo cáo kết quả công tác đối ngoại nhân dân (Sở Ngoại vụ)"
    description = str(event["DESCRIPTION"])
    assert "Kỳ: 2019-Q2" in description and "Trạng thái: Quá hạn" in description
    assert "http://127.0.0.1:8000/occurrences/11" in description
    assert str(event["URL"]) == "http://127.0.0.1:8000/occurrences/11"
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == timedelta(days=-1)


def test_calendar_event_without_a_link_has_no_url():
    occurrences = [view("SNGV", Status.SUBMITTED, id=5), view("SNGV", Status.ON_TRACK, id=6)]
    events = {str(e["UID"]): e for e in feed(occurrences, link=lambda id: None if id == 5 else "http://x/6")
              .walk("VEVENT")}
    assert "URL" not in events["occurrence-5@obligations"]
    assert "Đã nộp, chờ duyệt" in str(events["occurrence-5@obligations"]["DESCRIPTION"])
    assert str(events["occurrence-6@obligations"]["URL"]) == "http://x/6"


def test_calendar_gives_each_event_its_own_plan_zone():
    views = [view("SNGV", Status.ON_TRACK, "2020-03-16", id=1),
             view("SNGV", Status.ON_TRACK, "2020-03-16", id=2, zone="Europe/Berlin")]
    calendar = feed(views)
    starts = {str(e["UID"]): e["DTSTART"].dt for e in calendar.walk("VEVENT")}
    assert starts["occurrence-1@obligations"].tzinfo.key == ZONE
    assert starts["occurrence-2@obligations"].tzinfo.key == "Europe/Berlin"
    assert str(calendar["X-WR-TIMEZONE"]) == ZONE
    assert sorted(str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")) == ["Asia/Ho_Chi_Minh", "Europe/Berlin"]


def test_calendar_is_the_same_bytes_for_the_same_data():
    views = report_views()

    def make():
        return deadline_calendar(views, name="Hạn", office_start=time(8), office_end=time(17))

    assert make() == make()


def test_calendar_without_open_occurrences_has_no_events():
    calendar = feed([view("SNGV", Status.DONE_ON_TIME), view("SNGV", Status.WAIVED)])
    assert calendar.walk("VEVENT") == [] and "X-WR-TIMEZONE" not in calendar


# --- Tables (.csv) -------------------------------------------------------------------------------


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_table_writes_dates_empty_cells_and_quoted_text():
    tricky = 'Báo cáo "quý", tháng 3\nvà tháng 4'
    table = read_csv(csv_table(["Nhiệm vụ", "Hạn", "Ghi chú", "Số"],
                               [[tricky, date(2019, 6, 14), None, 3], ["<script>alert(1)</script>", None, "", -2]]))
    assert table == [
        ["Nhiệm vụ", "Hạn", "Ghi chú", "Số"],
        [tricky, "14/06/2019", "", "3"],
        ["<script>alert(1)</script>", "", "", "-2"],
    ]


@pytest.mark.parametrize("text", ["=1+2", "+1+2", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)"])
def test_csv_table_keeps_excel_from_running_a_cell_as_a_formula(text):
    (_, row) = read_csv(csv_table(["x"], [[text]]))
    assert row == ["'" + text]


def test_occurrences_csv_has_vietnamese_headers_and_one_row_per_occurrence():
    occurrence = view("UBND/NHA-TRANG", Status.OVERDUE, "2019-03-15", id=31, ref="NV-7", overdue_days=190,
                      agency_name='Ủy ban "<script>alert(1)</script>", Nha Trang')
    table = read_csv(occurrences_csv([occurrence, view("SNGV", Status.WAIVED, id=32)]))
    assert table[0] == OCCURRENCES_CSV_HEADERS == [
        "Số kỳ", "Kế hoạch", "Mã nhiệm vụ", "Nhiệm vụ", "Mã cơ quan", "Cơ quan", "Kỳ", "Hạn hoàn thành",
        "Trạng thái", "Số ngày làm việc quá hạn"]
    assert table[1] == [
        "31", "khanh-hoa-dnnd-2017-2020", "NV-7", "Báo cáo kết quả công tác đối ngoại nhân dân", "UBND/NHA-TRANG",
        'Ủy ban "<script>alert(1)</script>", Nha Trang', "2019", "15/03/2019", "Quá hạn", "190"]
    assert table[2][8] == LABELS_VI[Status.WAIVED] == "Miễn thực hiện"
    assert len(table) == 3
