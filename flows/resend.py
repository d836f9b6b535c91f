"""Actions on the outbox: a coordinator sends a message again after fixing why it failed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from obligations.flows.arguments import ActionError
from obligations.flows.runtime import Runtime
from obligations.models.outbox import NONE, NotificationStatus
from obligations.models.tables import AuditLog, Notification
from obligations.rules.calendar import require_aware


def send_again(session: Session, rt: Runtime, notification_id: int, *, as_of: datetime, actor: str) -> Notification:
    """A dead message, or one waiting to be retried, goes out at the next dispatch with its attempts counted
    afresh (after the coordinator fixed the address or the channel); the audit log keeps who asked."""
    require_aware(as_of)
    note = session.get(Notification, notification_id)
    if note is None:
        raise ActionError(f"không có tin nhắn số {notification_id} (message {notification_id} not found)")
    retrying = note.status == NotificationStatus.PENDING and note.attempts > 0
    if note.status != NotificationStatus.DEAD and not retrying:
        raise ActionError(f"tin nhắn số {note.id} đang ở trạng thái {note.status}: chỉ gửi lại tin không gửi được "
                          "hoặc đang chờ gửi lại (only a dead or retrying message is sent again)")
    if note.recipient_id is None or note.channel == NONE:
        raise ActionError(f"tin nhắn số {note.id} không có người nhận: thêm người liên hệ cho vai trò này rồi chạy "
                          "lại (no recipient: add a contact for the role)")
    previous = str(note.status)
    note.status, note.attempts, note.next_attempt_at, note.lease_until = NotificationStatus.PENDING, 0, as_of, None
    session.add(note)
    session.add(AuditLog(at=as_of, actor=actor, action="send_again", entity="notification", entity_id=note.id,
                         details={"previous": previous, "last_error": note.last_error,
                                  "occurrence": note.occurrence_id}))
    return note
