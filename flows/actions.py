"""What people do to an occurrence: submit, accept, return, extend, waive, raise a blocker.

Each action checks the occurrence's state, writes its row, stops or restarts the ladder and
appends to the audit log, all in the caller's transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from obligations.flows.runtime import Runtime
from obligations.models.contacts import Recipients, rows_for_role
from obligations.models.outbox import NotificationKind, NotificationStatus, event_step
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import (
    AuditLog,
    Blocker,
    Extension,
    Notification,
    Obligation,
    Occurrence,
    Plan,
    Submission,
)
from obligations.rules.calendar import require_aware
from obligations.rules.ladder import reminder_window_opens
from obligations.rules.limits import (
    CLOCK_FIRST_YEAR,
    EXTENSION_YEARS,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ACTOR_LENGTH,
    MAX_LONG_TEXT,
    MAX_ROW_ID,
    character_name,
    forbidden_character,
    year_in_range,
)
from obligations.rules.status import OPEN, Status, done_status, open_status


class ActionError(ValueError):
    """An action that the occurrence's state, or its arguments, do not allow; the message is for the user."""


# ------------------------------------------------------------------------------ arguments
# Checked before the database is opened, whoever calls (the command line, a web app): what the columns
# cannot hold, and dates the deadline arithmetic cannot reach, are refused in the user's words.

_FIELD_NAMES = {"note": "ghi chú", "reason": "lý do", "text": "mô tả vướng mắc"}  # the fields of entry.ACTIONS


def check_arguments(occurrence_id: Any, *, as_of: datetime, actor: str, **fields: Any) -> None:
    """Raise ActionError for an argument out of bounds; nothing is read or written."""
    if isinstance(occurrence_id, bool) or not isinstance(occurrence_id, int) or not 1 <= occurrence_id <= MAX_ROW_ID:
        raise ActionError(
            f"số kỳ thực hiện phải là số nguyên từ 1 đến {MAX_ROW_ID}, không phải {occurrence_id} "
            "(occurrence id out of range)"
        )
    require_aware(as_of)
    if not year_in_range(as_of, CLOCK_FIRST_YEAR, LAST_YEAR):
        raise ActionError(
            f"thời điểm {as_of.isoformat()} nằm ngoài khoảng từ năm {CLOCK_FIRST_YEAR} đến năm {LAST_YEAR} "
            "(as-of out of range)"
        )
    check_actor(actor)
    for name, value in fields.items():
        if isinstance(value, str):
            _check_text(_FIELD_NAMES.get(name, name), value, MAX_LONG_TEXT, multiline=True)
        elif isinstance(value, date) and not year_in_range(value):
            raise ActionError(
                f"ngày {value:%d/%m/%Y} nằm ngoài khoảng từ năm {FIRST_YEAR} đến năm {LAST_YEAR} (date out of range)"
            )


def check_actor(actor: str) -> str:
    """Who acts, as the audit log's ``actor`` column holds it: one line, at most MAX_ACTOR_LENGTH characters."""
    if not isinstance(actor, str) or not actor.strip():
        raise ActionError("cần ghi tên người thực hiện (who acts is required)")
    return _check_text("tên người thực hiện", actor, MAX_ACTOR_LENGTH, multiline=False)


def _check_text(label: str, text: str, limit: int, *, multiline: bool) -> str:
    if len(text) > limit:
        raise ActionError(f"{label} dài {len(text)} ký tự, quá giới hạn {limit} ký tự (at most {limit} characters)")
    character = forbidden_character(text, multiline=multiline)
    if character is not None:  # named in English in the parentheses: U+0000 (NUL), U+000A (line break)
        raise ActionError(f"{label} chứa ký tự không được phép {character_name(character)}")
    return text


# ------------------------------------------------------------------------------ the actions


def _occurrence(session: Session, occurrence_id: int) -> Occurrence:
    occurrence = session.get(Occurrence, occurrence_id)
    if occurrence is None:
        raise ActionError(f"không có kỳ thực hiện số {occurrence_id} (occurrence {occurrence_id} not found)")
    return occurrence


def _pending_submission(session: Session, occurrence: Occurrence) -> Submission:
    submission = session.scalars(
        select(Submission)
        .where(Submission.occurrence_id == occurrence.id, Submission.state == "pending")
        .order_by(Submission.id.desc())
    ).first()
    if submission is None:
        raise ActionError(f"kỳ {occurrence.id} chưa có báo cáo chờ duyệt (no pending submission)")
    return submission


def _stop_ladder(session: Session, occurrence: Occurrence) -> None:
    session.execute(
        update(Notification)
        .where(Notification.occurrence_id == occurrence.id, Notification.status == NotificationStatus.PENDING)
        .values(status=NotificationStatus.CANCELLED)
    )


def _audit(session: Session, as_of: datetime, actor: str, action: str, occurrence: Occurrence, **details) -> None:
    session.add(
        AuditLog(at=as_of, actor=actor, action=action, entity="occurrence", entity_id=occurrence.id, details=details)
    )


def _require_open(occurrence: Occurrence, verb: str) -> None:
    if Status(occurrence.status) not in OPEN:
        raise ActionError(f"không thể {verb}: kỳ {occurrence.id} đang ở trạng thái {occurrence.status}")


def submit(session: Session, occurrence_id: int, *, as_of: datetime, actor: str, note: str | None = None) -> Submission:
    require_aware(as_of)
    occurrence = _occurrence(session, occurrence_id)
    _require_open(occurrence, "nộp báo cáo")
    submission = Submission(occurrence_id=occurrence.id, submitted_at=as_of, submitted_by=actor, note=note)
    session.add(submission)
    occurrence.submitted_at = as_of
    occurrence.status = Status.SUBMITTED.value
    occurrence.next_action_at = None
    _stop_ladder(session, occurrence)
    session.add(occurrence)
    _audit(session, as_of, actor, "submit", occurrence, note=note)
    return submission


def accept(session: Session, occurrence_id: int, *, as_of: datetime, actor: str, note: str | None = None) -> Status:
    require_aware(as_of)
    occurrence = _occurrence(session, occurrence_id)
    submission = _pending_submission(session, occurrence)
    submission.state, submission.decided_at, submission.decided_by = "accepted", as_of, actor
    submission.decision_note = note
    status = done_status(submission.submitted_at, occurrence.effective_deadline)
    occurrence.status = status.value
    occurrence.completed_at = as_of
    occurrence.next_action_at = None
    session.add_all([submission, occurrence])
    _audit(session, as_of, actor, "accept", occurrence, status=status.value,
           submitted_at=submission.submitted_at.isoformat(), deadline=occurrence.effective_deadline.isoformat())
    return status


def _reopen(session: Session, rt: Runtime, occurrence: Occurrence, as_of: datetime) -> None:
    """Back to an open status; the next sweep picks the ladder up where it stands now."""
    obligation = session.get(Obligation, occurrence.obligation_id)
    calendar = rt.calendar(session.get(Plan, obligation.plan_id).zone)
    window = reminder_window_opens(occurrence.effective_deadline, rt.policy(session, obligation.policy_id), calendar)
    occurrence.status = open_status(as_of, occurrence.effective_deadline, window).value
    occurrence.next_action_at = as_of


def return_submission(
    session: Session, rt: Runtime, occurrence_id: int, *, as_of: datetime, actor: str, note: str | None = None
) -> Status:
    require_aware(as_of)
    occurrence = _occurrence(session, occurrence_id)
    submission = _pending_submission(session, occurrence)
    submission.state, submission.decided_at, submission.decided_by = "returned", as_of, actor
    submission.decision_note = note
    occurrence.submitted_at = None
    _reopen(session, rt, occurrence, as_of)
    session.add_all([submission, occurrence])
    _audit(session, as_of, actor, "return", occurrence, note=note)
    return Status(occurrence.status)


def extend(
    session: Session, rt: Runtime, occurrence_id: int, *, until: date, as_of: datetime, actor: str,
    reason: str | None = None,
) -> Extension:
    """Grant time until the end of ``until`` (moved off a day off like any deadline)."""
    require_aware(as_of)
    occurrence = _occurrence(session, occurrence_id)
    _require_open(occurrence, "gia hạn")
    obligation = session.get(Obligation, occurrence.obligation_id)
    plan = session.get(Plan, obligation.plan_id)
    latest = date(min(plan.end.year + EXTENSION_YEARS, LAST_YEAR), 12, 31)
    if until > latest:
        raise ActionError(
            f"hạn mới {until:%d/%m/%Y} quá xa: muộn nhất là {latest:%d/%m/%Y}, {EXTENSION_YEARS} năm sau năm "
            f"kết thúc kế hoạch (an extension ends at most {EXTENSION_YEARS} years after the plan's last year)"
        )
    calendar = rt.calendar(plan.zone)
    new_deadline = calendar.effective_deadline(calendar.deadline_for(until, inclusive=True))
    if new_deadline <= occurrence.effective_deadline:
        current = calendar.last_day(occurrence.effective_deadline)
        raise ActionError(f"hạn mới {until:%d/%m/%Y} phải sau hạn hiện tại {current:%d/%m/%Y}")
    extension = Extension(
        occurrence_id=occurrence.id, previous_deadline=occurrence.effective_deadline, new_deadline=new_deadline,
        reason=reason, granted_at=as_of, granted_by=actor,
    )
    session.add(extension)
    occurrence.effective_deadline = new_deadline
    _stop_ladder(session, occurrence)
    _reopen(session, rt, occurrence, as_of)
    session.add(occurrence)
    _audit(session, as_of, actor, "extend", occurrence, previous=extension.previous_deadline.isoformat(),
           new=new_deadline.isoformat(), reason=reason)
    return extension


def waive(session: Session, occurrence_id: int, *, as_of: datetime, actor: str, reason: str) -> None:
    require_aware(as_of)
    if not reason.strip():
        raise ActionError("cần ghi lý do miễn thực hiện (a reason is required)")
    occurrence = _occurrence(session, occurrence_id)
    if Status(occurrence.status) in {Status.DONE_ON_TIME, Status.DONE_LATE, Status.WAIVED}:
        raise ActionError(f"kỳ {occurrence.id} đã kết thúc ({occurrence.status})")
    occurrence.status = Status.WAIVED.value
    occurrence.completed_at = as_of
    occurrence.next_action_at = None
    _stop_ladder(session, occurrence)
    session.add(occurrence)
    _audit(session, as_of, actor, "waive", occurrence, reason=reason)


def raise_blocker(
    session: Session, rt: Runtime, occurrence_id: int, *, as_of: datetime, actor: str, text: str
) -> Blocker:
    """Record a blocker and tell the plan's coordinator, who may advise or grant an extension."""
    require_aware(as_of)
    if not text.strip():
        raise ActionError("cần mô tả vướng mắc (the blocker needs a description)")
    occurrence = _occurrence(session, occurrence_id)
    blocker = Blocker(occurrence_id=occurrence.id, raised_at=as_of, raised_by=actor, text=text.strip())
    session.add(blocker)
    session.flush()
    obligation = session.get(Obligation, occurrence.obligation_id)
    plan = session.get(Plan, obligation.plan_id)
    calendar = rt.calendar(plan.zone)
    coordinators = Recipients(session, {plan.coordinator_id} if plan.coordinator_id else set()).for_role(
        "coordinator", occurrence, plan
    )
    payload = {"notify": "coordinator", "text": blocker.text, "raised_by": actor,
               "raised_on": f"{calendar.local_date(as_of):%d/%m/%Y}"}
    rows = rows_for_role(
        "coordinator", coordinators, calendar.next_office_moment(as_of), kind=NotificationKind.BLOCKER,
        step=event_step(NotificationKind.BLOCKER, blocker.id), due_at=as_of, occurrence_id=occurrence.id,
        created_at=as_of, payload=payload,
    )
    insert_ignoring_duplicates(session, Notification, list(rows))
    _audit(session, as_of, actor, "blocker", occurrence, text=blocker.text)
    return blocker
