"""SQLModel tables, the engine and session, and the Alembic migrations."""

from obligations.models.db import create_db_engine, session_scope, upgrade
from obligations.models.tables import (
    Agency,
    AgencyGroup,
    AgencyGroupMember,
    AuditLog,
    Blocker,
    Contact,
    Extension,
    Notification,
    Obligation,
    ObligationSupport,
    Occurrence,
    Plan,
    PolicyRow,
    Provision,
    Submission,
)

__all__ = [
    "Agency",
    "AgencyGroup",
    "AgencyGroupMember",
    "AuditLog",
    "Blocker",
    "Contact",
    "Extension",
    "Notification",
    "Obligation",
    "ObligationSupport",
    "Occurrence",
    "Plan",
    "PolicyRow",
    "Provision",
    "Submission",
    "create_db_engine",
    "session_scope",
    "upgrade",
]
