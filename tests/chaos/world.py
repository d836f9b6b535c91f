"""A crowd of pending emails, one recipient each, so that what a recipient gets counts one message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from obligations.config.settings import Settings
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationKind, NotificationStatus, outbox_row
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import Agency, Contact, Notification, Occurrence
from tests.world import build, vn

# A Friday in office hours, two weeks before the yearly report's deadline: every reminder is sendable.
AS_OF = vn(2017, 12, 1, 10, 0)


def recipient(n: int) -> str:
    return f"chaos{n:05d}@example.org"


def crowd(engine, count: int) -> list[str]:
    """``count`` pending reminders due at AS_OF, each to its own contact; returns their addresses."""
    build(engine)
    sweep(engine, Runtime(Settings()), AS_OF)
    with session_scope(engine) as session:
        occurrence = session.scalars(select(Occurrence).order_by(Occurrence.id)).first()
        agency = session.scalars(select(Agency).where(Agency.code == "STTTT")).one()
        contacts = [
            Contact(name=f"Cán bộ {n:05d}", agency_id=agency.id, role="focal_point", email=recipient(n),
                    channels=["email"])
            for n in range(count)
        ]
        session.add_all(contacts)
        session.flush()
        rows = [
            outbox_row(kind=NotificationKind.REMINDER, step=f"chaos-{n:05d}", status=NotificationStatus.PENDING,
                       due_at=AS_OF, created_at=AS_OF, occurrence_id=occurrence.id, recipient_id=contact.id,
                       channel="email", next_attempt_at=AS_OF, payload={"notify": "focal_point"})
            for n, contact in enumerate(contacts)
        ]
        session.execute(Notification.__table__.delete())  # only the crowd: the sweep's own reminders go
        insert_ignoring_duplicates(session, Notification, rows)
    return [recipient(n) for n in range(count)]


def as_of_for_run(run: int) -> datetime:
    """Each restart a minute later, still inside office hours, so an expired lease is visibly expired."""
    from datetime import timedelta

    return AS_OF + timedelta(minutes=run)
