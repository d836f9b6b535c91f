"""Who is looking: sign-in by a one-time link, sessions, roles and what each role sees, CSRF.

No passwords. A contact asks for a sign-in link at their email or Zalo address; the link is signed
(notifications.links), expires within minutes and signs in once. The session is Starlette's signed
cookie, holding only the contact's id, when they signed in and the form token; it expires on the
server's clock (``session_max_age_hours``) whatever the browser keeps.

Roles come from the contact's role and agency, as the chain of command has them:
- coordinator: every item of the plans their agency coordinates;
- manager: their agency's items and those of the agencies under it;
- focal point: their agency's items.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from sqlalchemy import select
from sqlmodel import Session

from obligations.models.tables import Agency, Contact, Plan

SESSION_CONTACT, SESSION_SINCE, SESSION_CSRF = "contact", "since", "csrf"
CSRF_FIELD = "csrf_token"


class NotSignedIn(Exception):
    """The page needs a signed-in contact; the app answers with the sign-in page."""


class Forbidden(Exception):
    """The viewer may not see or do this; the app answers 403 with a page saying so."""


class BadForm(Exception):
    """A form without its CSRF token, or with another session's: refused with 403."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in contact, or the contact a link from a message was sent to, and what they may reach."""

    contact_id: int
    name: str
    role: str
    agency_id: int
    agency_code: str
    language: str
    plan_ids: frozenset[int]  # the plans they coordinate: every item of these
    agency_ids: frozenset[int]  # the agencies whose items they see and act on

    @property
    def actor(self) -> str:
        """How the audit log names them."""
        return f"{self.name} ({self.agency_code})"

    @property
    def is_coordinator(self) -> bool:
        return bool(self.plan_ids)

    def sees(self, plan_id: int | None, agency_id: int | None) -> bool:
        return plan_id in self.plan_ids or agency_id in self.agency_ids

    def reviews(self, plan_id: int | None) -> bool:
        """Decides on the plan's submissions, extensions, blockers and messages: its coordinator."""
        return plan_id in self.plan_ids

    def answers_for(self, agency_id: int | None) -> bool:
        """Submits, asks for time and raises blockers for the agency's items."""
        return agency_id in self.agency_ids


def subtree(session: Session, agency_id: int) -> set[int]:
    """The agency and every agency under it, however deep."""
    children: dict[int | None, list[int]] = {}
    for child, parent in session.execute(select(Agency.id, Agency.parent_id)):
        children.setdefault(parent, []).append(child)
    found, stack = set(), [agency_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def viewer_for(session: Session, contact: Contact) -> Viewer:
    agency = session.get(Agency, contact.agency_id)
    plan_ids: set[int] = set()
    if contact.role == "coordinator":
        plan_ids = set(session.scalars(select(Plan.id).where(Plan.coordinator_id == contact.agency_id)))
    agencies = subtree(session, contact.agency_id) if contact.role == "manager" else {contact.agency_id}
    return Viewer(
        contact_id=contact.id, name=contact.name, role=contact.role, agency_id=contact.agency_id,
        agency_code=agency.code, language=contact.language if contact.language in ("vi", "en") else "vi",
        plan_ids=frozenset(plan_ids), agency_ids=frozenset(agencies),
    )


def active_contact(session: Session, contact_id) -> Contact | None:
    contact = session.get(Contact, contact_id) if isinstance(contact_id, int) else None
    return contact if contact is not None and contact.active else None


def contacts_at(session: Session, address: str) -> list[Contact]:
    """The active contacts reached at ``address``: an email (any case), a Zalo user id or a phone number."""
    address = address.strip()
    if not address or len(address) > 320:
        return []
    from sqlalchemy import func, or_

    statement = select(Contact).where(
        Contact.active,
        or_(func.lower(Contact.email) == address.lower(), Contact.zalo_user_id == address, Contact.phone == address),
    ).order_by(Contact.id)
    return list(session.scalars(statement))


# ------------------------------------------------------------------------------ the session


def sign_in(request: Request, contact: Contact, now: datetime) -> None:
    request.session.clear()
    request.session.update({SESSION_CONTACT: contact.id, SESSION_SINCE: now.timestamp(),
                            SESSION_CSRF: secrets.token_urlsafe(24)})


def sign_out(request: Request) -> None:
    request.session.clear()


def session_contact_id(request: Request, now: datetime, max_age_seconds: float) -> int | None:
    """The signed-in contact's id, None when nobody is signed in or the session is too old."""
    contact_id, since = request.session.get(SESSION_CONTACT), request.session.get(SESSION_SINCE)
    if not isinstance(contact_id, int) or not isinstance(since, int | float):
        return None
    if now.timestamp() - since > max_age_seconds:
        request.session.clear()
        return None
    return contact_id


def csrf_token(request: Request) -> str:
    """The form token of this browser's session, made on first use (a link's visitor has one too)."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(24)
        request.session[SESSION_CSRF] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get(SESSION_CSRF)
    if not expected or not submitted or not secrets.compare_digest(str(submitted), str(expected)):
        raise BadForm()
