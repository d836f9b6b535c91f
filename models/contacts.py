"""Who a message reaches and how: a role's contacts for an occurrence, their channels, the rows to them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from obligations.models.outbox import NotificationStatus, outbox_row
from obligations.models.tables import Contact, Occurrence, Plan

# The contact's column that holds their address on each channel.
ADDRESS_FIELD = {"email": "email", "zalo": "zalo_user_id", "zns": "phone"}


class Recipients:
    """Who a role means for one occurrence, inside the chain of command.

    Per-item messages stay with the responsible agency and the plan's coordinating agency: an agency
    without a manager contact falls to the coordinator, never up to a parent agency or the plan's
    manager (a subordinate does not "đôn đốc" its superior; the leadership gets the periodic report).
    """

    def __init__(self, session: Session, agency_ids: set[int]) -> None:
        self.contacts: dict[tuple[int, str], list[Contact]] = defaultdict(list)
        self._read: set[int] = set()
        self.include(session, agency_ids)

    def include(self, session: Session, agency_ids: set[int]) -> None:
        """Read the contacts of ``agency_ids`` not read yet: a sweep's batches meet the same agencies."""
        if not (unread := agency_ids - self._read):
            return
        self._read |= unread
        # The contacts' columns, read-only rows with the same attribute names: a sweep reads hundreds of
        # contacts a batch, and building ORM objects for them cost more than the rest of their use.
        columns = Contact.__table__.c
        statement = select(*columns).where(columns.active, columns.agency_id.in_(unread)).order_by(columns.id)
        for contact in session.execute(statement):
            self.contacts[(contact.agency_id, contact.role)].append(contact)

    def _first(self, *candidates: tuple[int | None, str]) -> list[Contact]:
        for agency_id, role in candidates:
            if agency_id is not None and self.contacts.get((agency_id, role)):
                return self.contacts[(agency_id, role)]
        return []

    def for_role(self, role: str, occurrence: Occurrence, plan: Plan) -> list[Contact]:
        return self.reach(role, occurrence, plan)[1]

    def reach(self, role: str, occurrence: Occurrence, plan: Plan) -> tuple[str, list[Contact]]:
        """The role that is told, and its contacts: a manager's step goes to the coordinator when the
        agency has no manager, so the message is worded for the coordinator who receives it."""
        if role == "focal_point":
            return role, self._first((occurrence.agency_id, "focal_point"))
        if role == "manager":
            managers = self._first((occurrence.agency_id, "manager"))
            return ("manager", managers) if managers else self.reach("coordinator", occurrence, plan)
        if role == "coordinator":
            return role, self._first((plan.coordinator_id, "coordinator"), (plan.coordinator_id, "focal_point"))
        raise ValueError(f"unknown role {role!r}")


def address(contact: Contact, channel: str) -> str | None:
    return getattr(contact, ADDRESS_FIELD.get(channel, ""), None)


def reachable_channels(contact: Contact) -> list[str]:
    """The contact's channels in their order of preference, those with an address only."""
    return [c for c in contact.channels or [] if address(contact, c)]


def preferred_channel(contact: Contact) -> str | None:
    channels = reachable_channels(contact)
    return channels[0] if channels else None


def rows_for_role(role: str, contacts: Sequence[Contact], send_at: datetime, **message: Any) -> Iterator[dict]:
    """One pending row per contact of ``role`` on their preferred channel; a dead row where nobody can be reached.

    ``message`` is what ``models.outbox.outbox_row`` takes besides the recipient, channel and status.
    """
    if not contacts:
        yield outbox_row(**message, status=NotificationStatus.DEAD, unreached_role=role,
                         last_error=f"no contact with role {role} for this occurrence")
        return
    for contact in contacts:
        channel = preferred_channel(contact)
        if channel is None:
            yield outbox_row(**message, status=NotificationStatus.DEAD, recipient_id=contact.id,
                             last_error=f"contact {contact.name} has no address for any of {contact.channels}")
        else:
            yield outbox_row(**message, status=NotificationStatus.PENDING, recipient_id=contact.id, channel=channel,
                             next_attempt_at=send_at)
