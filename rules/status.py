"""Statuses of an occurrence at a given moment."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    SUBMITTED = "submitted"
    OVERDUE = "overdue"
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    WAIVED = "waived"
    # Taken out of the tracker with its task or plan (`active: false`, `obligations plan retire`), not
    # exempted by the coordinator: a re-activation reopens the withdrawn ones still ahead of their deadline.
    WITHDRAWN = "withdrawn"


LABELS_VI: dict[Status, str] = {
    Status.ON_TRACK: "Đang thực hiện trong hạn",
    Status.DUE_SOON: "Sắp đến hạn",
    Status.SUBMITTED: "Đã nộp, chờ duyệt",
    Status.OVERDUE: "Quá hạn",
    Status.DONE_ON_TIME: "Hoàn thành đúng hạn",
    Status.DONE_LATE: "Hoàn thành quá hạn",
    Status.WAIVED: "Miễn thực hiện",
    Status.WITHDRAWN: "Đã rút, ngừng theo dõi",
}

# Narrow enough for a column header in an 80-column terminal.
SHORT_LABELS_VI: dict[Status, str] = {
    Status.ON_TRACK: "Trong hạn",
    Status.DUE_SOON: "Sắp hạn",
    Status.SUBMITTED: "Chờ duyệt",
    Status.OVERDUE: "Quá hạn",
    Status.DONE_ON_TIME: "Xong đúng hạn",
    Status.DONE_LATE: "Xong trễ hạn",
    Status.WAIVED: "Miễn",
    Status.WITHDRAWN: "Đã rút",
}

SETTLED = frozenset({Status.DONE_ON_TIME, Status.DONE_LATE, Status.WAIVED, Status.WITHDRAWN})
OPEN = frozenset({Status.ON_TRACK, Status.DUE_SOON, Status.OVERDUE})


def done_status(
    submitted_at: datetime, effective_deadline: datetime, missed_deadline: datetime | None = None
) -> Status:
    """On time or late is judged by when the accepted work was submitted, against the deadline in force;
    an extension granted after a deadline had passed does not make the work on time, so then against
    the deadline that was missed (``missed_deadline``)."""
    deadline = effective_deadline if missed_deadline is None else min(missed_deadline, effective_deadline)
    return Status.DONE_ON_TIME if submitted_at < deadline else Status.DONE_LATE


def open_status(as_of: datetime, effective_deadline: datetime, window_opens: datetime) -> Status:
    if as_of >= effective_deadline:
        return Status.OVERDUE
    if as_of >= window_opens:
        return Status.DUE_SOON
    return Status.ON_TRACK


def next_status_change(as_of: datetime, effective_deadline: datetime, window_opens: datetime) -> datetime | None:
    """When an open occurrence's status changes next by the passing of time alone."""
    for moment in sorted((window_opens, effective_deadline)):
        if moment > as_of:
            return moment
    return None
