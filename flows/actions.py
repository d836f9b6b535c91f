"""What people do to an occurrence: submit, accept, return, extend, waive; ask for or refuse more time;
raise and resolve a blocker.

Each action checks the occurrence's state, writes its row, stops or restarts the ladder and appends to
the audit log, all in the caller's transaction. A coordinator's decision is also told to the
agency's focal point: one ``decision`` row in the outbox per focal point (:func:`_tell_focal_point`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

# ActionError and the argument checks are imported from here by the command line and the terminal helpers.
from obligations.flows.arguments import ActionError, check_actor, check_arguments  # noqa: F401
from obligations.flows.runtime import Runtime
from obligations.models.contacts import Recipients, rows_for_role
from obligations.models.outbox import LADDER, NotificationKind, NotificationStatus, event_step
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import (
    AuditLog,
    Blocker,
    Extension,
    ExtensionRequest,
    Notification,
    Obligation,
    Occurrence,
    Plan,
    Submission,
)
from obligations.rules.calendar import WorkCalendar, require_aware
from obligations.rules.ladder import reminder_window_opens
from obligations.rules.limits import EXTENSION_YEARS, LAST_YEAR
from obligations.rules.status import OPEN, SETTLED, Status, done_status, open_status

# ------------------------------------------------------------------------------ shared steps


def _occurrence(session: Session, occurrence_id: int) -> Occurrence:
    occurrence = session.get(Occurrence, occurrence_id)
    if occurrence is None:
        raise ActionError(f"không có kỳ thực hiện số {occurrence_id} (occurrence {occurrence_id} not found)")
    return occurrence


def _plan_and_calendar(session: Session, rt: Runtime, occurrence: Occurrence) -> tuple[Obligation, Plan, WorkCalendar]:
    obligation = session.get(Obligation, occurrence.obligation_id)
    plan = session.get(Plan, obligation.plan_id)
    return obligation, plan, rt.calendar(plan.zone)


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
    """Cancel the reminders and escalations not yet sent; notices (a blocker, a decision) still go."""
    session.execute(
        update(Notification)
        .where(Notification.occurrence_id == occurrence.id, Notification.status == NotificationStatus.PENDING,
               Notification.kind.in_(LADDER))
        .values(status=NotificationStatus.CANCELLED)
    )


def _audit(session: Session, as_of: datetime, actor: str, action: str, occurrence: Occurrence, **details) -> AuditLog:
    """Append to the audit log; flushed, so its id can key the notice about it."""
    row = AuditLog(at=as_of, actor=actor, action=action, entity="occurrence", entity_id=occurrence.id, details=details)
    session.add(row)
    session.flush()
    return row


def _refuse_if_withdrawn(occurrence: Occurrence, verb: str) -> None:
    # Plain words, not a status code: the one acting often comes from the link of a message sent before.
    if occurrence.status == Status.WITHDRAWN:
        raise ActionError(
            f"không thể {verb}: kỳ {occurrence.id} đã được rút, nhiệm vụ đã ngừng theo dõi, không cần làm gì thêm "
            "(the task was withdrawn: nothing more is asked)"
        )


def _require_open(occurrence: Occurrence, verb: str) -> None:
    _refuse_if_withdrawn(occurrence, verb)
    if Status(occurrence.status) not in OPEN:
        raise ActionError(f"không thể {verb}: kỳ {occurrence.id} đang ở trạng thái {occurrence.status}")


def _require_active(obligation: Obligation, occurrence: Occurrence, verb: str) -> None:
    # Reopening an occurrence of a retired obligation would start its reminders again.
    if not obligation.active:
        raise ActionError(
            f"không thể {verb}: nhiệm vụ {obligation.ref} (kỳ {occurrence.id}) đã ngừng theo dõi; chấp nhận báo cáo, "
            "hoặc theo dõi lại nhiệm vụ (`active: true` rồi `obligations load`) trước khi trả lại (the task was "
            "retired: accept the submission, or bring the task back first)"
        )


def _required(text: str | None, what: str) -> str:
    if text is None or not text.strip():
        raise ActionError(what)
    return text.strip()


def _tell_focal_point(
    session: Session, rt: Runtime, occurrence: Occurrence, decided: AuditLog, event: str, note: str | None,
    **facts: Any,
) -> None:
    """One ``decision`` message per focal point of the occurrence's agency, about the audited event ``decided``.

    The payload holds facts only (the templates phrase them); the audit row's id keys the message, so each
    event is told once however often the action's transaction is retried.
    """
    _, plan, calendar = _plan_and_calendar(session, rt, occurrence)
    focal_points = Recipients(session, {occurrence.agency_id}).for_role("focal_point", occurrence, plan)
    payload = {"notify": "focal_point", "event": event, "note": note, "actor": decided.actor,
               "on": calendar.local_date(decided.at).isoformat(), **facts}
    rows = rows_for_role(
        "focal_point", focal_points, calendar.next_office_moment(decided.at), kind=NotificationKind.DECISION,
        step=event_step(NotificationKind.DECISION, decided.id), due_at=decided.at, occurrence_id=occurrence.id,
        created_at=decided.at, payload=payload,
    )
    insert_ignoring_duplicates(session, Notification, list(rows))


# ------------------------------------------------------------------------------ submissions


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


def accept(
    session: Session, rt: Runtime, occurrence_id: int, *, as_of: datetime, actor: str, note: str | None = None
) -> Status:
    """Done, on time or late: judged by when it was submitted, against the deadline missed if one was."""
    require_aware(as_of)
    occurrence = _occurrence(session, occurrence_id)
    submission = _pending_submission(session, occurrence)
    submission.state, submission.decided_at, submission.decided_by = "accepted", as_of, actor
    submission.decision_note = note
    status = done_status(submission.submitted_at, occurrence.effective_deadline, occurrence.missed_deadline)
    occurrence.status = status.value
    occurrence.completed_at = as_of
    occurrence.next_action_at = None
    session.add_all([submission, occurrence])
    missed = occurrence.missed_deadline.isoformat() if occurrence.missed_deadline else None
    decided = _audit(session, as_of, actor, "accept", occurrence, status=status.value,
                     submitted_at=submission.submitted_at.isoformat(),
                     deadline=occurrence.effective_deadline.isoformat(), missed_deadline=missed)
    _tell_focal_point(session, rt, occurrence, decided, "accepted", note, status=status.value)
    return status


def _reopen(session: Session, rt: Runtime, occurrence: Occurrence, as_of: datetime) -> None:
    """Back to an open status; the next sweep picks the ladder up where it stands now."""
    obligation, _, calendar = _plan_and_calendar(session, rt, occurrence)
    window = reminder_window_opens(occurrence.effective_deadline, rt.policy(session, obligation.policy_id), calendar)
    occurrence.status = open_status(as_of, occurrence.effective_deadline, window).value
    occurrence.next_action_at = as_of


def return_submission(
    session: Session, rt: Runtime, occurrence_id: int, *, as_of: datetime, actor: str, note: str | None = None
) -> Status:
    require_aware(as_of)
    occurrence = _occurrence(session, occurrence_id)
    submission = _pending_submission(session, occurrence)
    _require_active(session.get(Obligation, occurrence.obligation_id), occurrence, "trả lại báo cáo")
    submission.state, submission.decided_at, submission.decided_by = "returned", as_of, actor
    submission.decision_note = note
    occurrence.submitted_at = None
    _reopen(session, rt, occurrence, as_of)
    session.add_all([submission, occurrence])
    decided = _audit(session, as_of, actor, "return", occurrence, note=note)
    _tell_focal_point(session, rt, occurrence, decided, "returned", note)
    return Status(occurrence.status)


def waive(session: Session, rt: Runtime, occurrence_id: int, *, as_of: datetime, actor: str, reason: str) -> None:
    require_aware(as_of)
    reason = _required(reason, "cần ghi lý do miễn thực hiện (a reason is required)")
    occurrence = _occurrence(session, occurrence_id)
    _refuse_if_withdrawn(occurrence, "miễn thực hiện")
    if Status(occurrence.status) in SETTLED:
        raise ActionError(f"kỳ {occurrence.id} đã kết thúc ({occurrence.status})")
    occurrence.status = Status.WAIVED.value
    occurrence.completed_at = as_of
    occurrence.next_action_at = None
    _stop_ladder(session, occurrence)
    session.add(occurrence)
    decided = _audit(session, as_of, actor, "waive", occurrence, reason=reason)
    _tell_focal_point(session, rt, occurrence, decided, "waived", reason)


# ------------------------------------------------------------------------------ extensions


def _new_deadline(occurrence: Occurrence, plan: Plan, calendar: WorkCalendar, until: date) -> datetime:
    """The deadline "until the end of ``until``" means (off a day off), refused unless later than the current one
    and within EXTENSION_YEARS of the plan's last year."""
    latest = date(min(plan.end.year + EXTENSION_YEARS, LAST_YEAR), 12, 31)
    if until > latest:
        raise ActionError(
            f"hạn mới {until:%d/%m/%Y} quá xa: muộn nhất là {latest:%d/%m/%Y}, {EXTENSION_YEARS} năm sau năm "
            f"kết thúc kế hoạch (an extension ends at most {EXTENSION_YEARS} years after the plan's last year)"
        )
    new_deadline = calendar.effective_deadline(calendar.deadline_for(until, inclusive=True))
    if new_deadline <= occurrence.effective_deadline:
        current = calendar.last_day(occurrence.effective_deadline)
        raise ActionError(f"hạn mới {until:%d/%m/%Y} phải sau hạn hiện tại {current:%d/%m/%Y}")
    return new_deadline


def _pending_request(session: Session, occurrence: Occurrence) -> ExtensionRequest | None:
    return session.scalars(
        select(ExtensionRequest)
        .where(ExtensionRequest.occurrence_id == occurrence.id, ExtensionRequest.state == "pending")
        .order_by(ExtensionRequest.id)
    ).first()


def extend(
    session: Session, rt: Runtime, occurrence_id: int, *, until: date, as_of: datetime, actor: str,
    reason: str | None = None, after_deadline: bool = False,
) -> Extension:
    """Grant time until the end of ``until`` (moved off a day off like any deadline).

    Once the deadline has passed, only with ``after_deadline`` and a reason; the deadline missed is kept
    (``missed_deadline``), so the work stays late however it is extended.
    """
    require_aware(as_of)
    occurrence = _occurrence(session, occurrence_id)
    _require_open(occurrence, "gia hạn")
    _, plan, calendar = _plan_and_calendar(session, rt, occurrence)
    new_deadline = _new_deadline(occurrence, plan, calendar, until)
    reason = reason.strip() if reason and reason.strip() else None
    late = as_of >= occurrence.effective_deadline
    if late and not (after_deadline and reason):
        passed = calendar.last_day(occurrence.effective_deadline)
        raise ActionError(
            f"kỳ {occurrence.id} đã quá hạn {passed:%d/%m/%Y}: chỉ gia hạn sau hạn khi ghi rõ --after-deadline "
            "--reason \"lý do\" (an extension after the deadline needs --after-deadline and a reason)"
        )
    extension = Extension(
        occurrence_id=occurrence.id, previous_deadline=occurrence.effective_deadline, new_deadline=new_deadline,
        reason=reason, granted_at=as_of, granted_by=actor,
    )
    session.add(extension)
    session.flush()
    if late and occurrence.missed_deadline is None:
        occurrence.missed_deadline = occurrence.effective_deadline
    occurrence.effective_deadline = new_deadline
    _stop_ladder(session, occurrence)
    _reopen(session, rt, occurrence, as_of)
    session.add(occurrence)
    request = _pending_request(session, occurrence)
    if request is not None:
        request.state, request.decided_at, request.decided_by = "granted", as_of, actor
        request.decision_note, request.extension_id = reason, extension.id
        session.add(request)
    decided = _audit(
        session, as_of, actor, "extend", occurrence, previous=extension.previous_deadline.isoformat(),
        new=new_deadline.isoformat(), reason=reason, after_deadline=late,
        missed_deadline=occurrence.missed_deadline.isoformat() if occurrence.missed_deadline else None,
        request=request.id if request is not None else None,
    )
    _tell_focal_point(
        session, rt, occurrence, decided, "extension_granted", reason,
        until=calendar.last_day(new_deadline).isoformat(),
        previous=calendar.last_day(extension.previous_deadline).isoformat(), after_deadline=late,
    )
    return extension


def request_extension(
    session: Session, rt: Runtime, occurrence_id: int, *, until: date, as_of: datetime, actor: str, reason: str
) -> ExtensionRequest:
    """A focal point asks for time until the end of ``until``; one request waits at a time. No message: the
    coordinator sees it in the audit log and answers with ``extend`` or ``refuse_extension``."""
    require_aware(as_of)
    reason = _required(reason, "cần ghi lý do đề nghị gia hạn (a reason is required)")
    occurrence = _occurrence(session, occurrence_id)
    _require_open(occurrence, "đề nghị gia hạn")
    _, plan, calendar = _plan_and_calendar(session, rt, occurrence)
    _new_deadline(occurrence, plan, calendar, until)
    waiting = _pending_request(session, occurrence)
    if waiting is not None:
        raise ActionError(
            f"kỳ {occurrence.id} đã có đề nghị gia hạn số {waiting.id} (đến {waiting.until:%d/%m/%Y}) đang chờ "
            "quyết định (an extension request is already pending)"
        )
    request = ExtensionRequest(occurrence_id=occurrence.id, requested_at=as_of, requested_by=actor, until=until,
                               reason=reason)
    session.add(request)
    session.flush()
    _audit(session, as_of, actor, "request_extension", occurrence, request=request.id, until=until.isoformat(),
           reason=reason)
    return request


def refuse_extension(
    session: Session, rt: Runtime, occurrence_id: int, *, as_of: datetime, actor: str, reason: str
) -> ExtensionRequest:
    """The coordinator refuses the pending request, saying why; the focal point is told."""
    require_aware(as_of)
    reason = _required(reason, "cần ghi lý do không đồng ý gia hạn (a reason is required)")
    occurrence = _occurrence(session, occurrence_id)
    request = _pending_request(session, occurrence)
    if request is None:
        raise ActionError(f"kỳ {occurrence.id} không có đề nghị gia hạn nào đang chờ (no pending extension request)")
    request.state, request.decided_at, request.decided_by, request.decision_note = "refused", as_of, actor, reason
    session.add(request)
    decided = _audit(session, as_of, actor, "refuse_extension", occurrence, request=request.id,
                     until=request.until.isoformat(), reason=reason)
    _tell_focal_point(session, rt, occurrence, decided, "extension_refused", reason)
    return request


# ------------------------------------------------------------------------------ blockers


def raise_blocker(
    session: Session, rt: Runtime, occurrence_id: int, *, as_of: datetime, actor: str, text: str
) -> Blocker:
    """Record a blocker and tell the plan's coordinator, who may advise or grant an extension."""
    require_aware(as_of)
    text = _required(text, "cần mô tả vướng mắc (the blocker needs a description)")
    occurrence = _occurrence(session, occurrence_id)
    _refuse_if_withdrawn(occurrence, "báo vướng mắc")  # else the coordinator is told of a task nobody tracks
    blocker = Blocker(occurrence_id=occurrence.id, raised_at=as_of, raised_by=actor, text=text)
    session.add(blocker)
    session.flush()
    _, plan, calendar = _plan_and_calendar(session, rt, occurrence)
    coordinators = Recipients(session, {plan.coordinator_id} if plan.coordinator_id else set()).for_role(
        "coordinator", occurrence, plan
    )
    payload = {"notify": "coordinator", "blocker_id": blocker.id, "text": blocker.text, "raised_by": actor,
               "raised_on": f"{calendar.local_date(as_of):%d/%m/%Y}"}
    rows = rows_for_role(
        "coordinator", coordinators, calendar.next_office_moment(as_of), kind=NotificationKind.BLOCKER,
        step=event_step(NotificationKind.BLOCKER, blocker.id), due_at=as_of, occurrence_id=occurrence.id,
        created_at=as_of, payload=payload,
    )
    insert_ignoring_duplicates(session, Notification, list(rows))
    _audit(session, as_of, actor, "blocker", occurrence, text=blocker.text, blocker=blocker.id)
    return blocker


def resolve_blocker(
    session: Session, rt: Runtime, blocker_id: int, *, as_of: datetime, actor: str, note: str
) -> Blocker:
    """The coordinator resolves a blocker, saying how; the focal point is told and, if the occurrence is still
    open, the next sweep recomputes its ladder, resuming the escalation from where it stood."""
    require_aware(as_of)
    note = _required(note, "cần ghi cách giải quyết vướng mắc (a note is required)")
    blocker = session.get(Blocker, blocker_id)
    if blocker is None:
        raise ActionError(f"không có vướng mắc số {blocker_id} (blocker {blocker_id} not found)")
    if blocker.resolved_at is not None:
        raise ActionError(
            f"vướng mắc số {blocker.id} đã được giải quyết lúc {blocker.resolved_at.isoformat()} "
            f"bởi {blocker.resolved_by} (already resolved)"
        )
    if as_of < blocker.raised_at:
        raise ActionError(
            f"vướng mắc số {blocker.id} được nêu lúc {blocker.raised_at.isoformat()}, sau thời điểm giải quyết "
            f"{as_of.isoformat()} (resolved before it was raised)"
        )
    blocker.resolved_at, blocker.resolved_by, blocker.resolution_note = as_of, actor, note
    session.add(blocker)
    occurrence = _occurrence(session, blocker.occurrence_id)
    if Status(occurrence.status) in OPEN:
        due = occurrence.next_action_at
        occurrence.next_action_at = as_of if due is None or due > as_of else due
        session.add(occurrence)
    decided = _audit(session, as_of, actor, "resolve_blocker", occurrence, blocker=blocker.id, note=note)
    _tell_focal_point(session, rt, occurrence, decided, "blocker_resolved", note, blocker_text=blocker.text)
    return blocker
