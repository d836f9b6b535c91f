"""The tables. Times are UTC instants (``UTCDateTime``); calendar dates are plain dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from obligations.models.outbox import EnumString, NotificationKind, NotificationStatus
from obligations.models.types import UTCDateTime


def utcnow() -> datetime:
    # Only used for bookkeeping columns (row creation), never for deadline reasoning.
    return datetime.now(UTC)


def _time(*, index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, index=index, nullable=nullable)


def _fk(target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None) -> Any:
    return Field(
        default=None,
        sa_column_args=[ForeignKey(target, ondelete=ondelete)],
        sa_type=Integer,
        nullable=nullable,
        index=index,
    )


class Agency(SQLModel, table=True):
    __tablename__ = "agency"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(64), unique=True, index=True)
    name: str = Field(sa_type=String(300))
    parent_id: int | None = _fk("agency.id", nullable=True)


class AgencyGroup(SQLModel, table=True):
    __tablename__ = "agency_group"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(64), unique=True, index=True)
    name: str = Field(sa_type=String(500))


class AgencyGroupMember(SQLModel, table=True):
    __tablename__ = "agency_group_member"
    group_id: int = Field(sa_column_args=[ForeignKey("agency_group.id", ondelete="CASCADE")], primary_key=True)
    agency_id: int = Field(sa_column_args=[ForeignKey("agency.id", ondelete="CASCADE")], primary_key=True)


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("agency_id", "name", name="uq_contact_agency_name"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = _fk("agency.id")
    name: str = Field(sa_type=String(200))
    role: str = Field(sa_type=String(32), index=True)  # focal_point | manager | coordinator
    # The position a letter greets them by ("Phó Giám đốc"), when the coordinator gives it.
    title: str | None = Field(default=None, sa_type=String(200))
    email: str | None = Field(default=None, sa_type=String(320))
    zalo_user_id: str | None = Field(default=None, sa_type=String(64))
    phone: str | None = Field(default=None, sa_type=String(32))
    channels: list[str] = Field(default_factory=lambda: ["email"], sa_type=JSON)
    language: str = Field(default="vi", sa_type=String(8))
    active: bool = True


class PolicyRow(SQLModel, table=True):
    __tablename__ = "policy"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(64), unique=True, index=True)
    definition: dict = Field(default_factory=dict, sa_type=JSON)  # rules.ladder.Policy.to_dict()


class Plan(SQLModel, table=True):
    __tablename__ = "plan"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(100), unique=True, index=True)
    title: str = Field(sa_type=Text)
    number: str | None = Field(default=None, sa_type=String(100))
    issuer_id: int | None = _fk("agency.id", nullable=True, index=False)
    zone: str = Field(default="Asia/Ho_Chi_Minh", sa_type=String(64))
    start: date
    end: date
    coordinator_id: int | None = _fk("agency.id", nullable=True, index=False)
    manager_id: int | None = _fk("agency.id", nullable=True, index=False)
    cycles: dict = Field(default_factory=dict, sa_type=JSON)  # plan-specific cycle overrides
    created_at: datetime | None = _time()


class Provision(SQLModel, table=True):
    __tablename__ = "provision"
    __table_args__ = (UniqueConstraint("plan_id", "ref", name="uq_provision_plan_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = _fk("plan.id", ondelete="CASCADE")
    ref: str = Field(sa_type=String(64))
    title: str | None = Field(default=None, sa_type=String(300))
    text: str = Field(default="", sa_type=Text)


class Obligation(SQLModel, table=True):
    __tablename__ = "obligation"
    __table_args__ = (UniqueConstraint("plan_id", "ref", name="uq_obligation_plan_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = _fk("plan.id", ondelete="CASCADE")
    provision_id: int | None = _fk("provision.id", nullable=True)
    ref: str = Field(sa_type=String(64))
    title: str | None = Field(default=None, sa_type=String(300))
    text: str = Field(default="", sa_type=Text)
    lead_agency_id: int | None = _fk("agency.id", nullable=True)
    lead_group_id: int | None = _fk("agency_group.id", nullable=True)
    report_to_id: int | None = _fk("agency.id", nullable=True, index=False)
    schedule_kind: str = Field(sa_type=String(16))  # once | recurring | continuous | cycle
    due: date | None = None
    rrule: str | None = Field(default=None, sa_type=String(300))
    inclusive: bool = False
    phrase: str | None = Field(default=None, sa_type=Text)
    cycle: str | None = Field(default=None, sa_type=String(64))
    checkin_rrule: str | None = Field(default=None, sa_type=String(300))
    policy_id: int | None = _fk("policy.id", nullable=True, index=False)
    active: bool = True
    # Occurrences are created ahead of time up to a horizon; the sweep only reads obligations whose
    # next period is about to enter it (``next_expand_at`` <= as_of), so its cost follows the work due.
    expanded_through: date | None = None
    next_expand_at: datetime | None = _time(index=True)


class ObligationSupport(SQLModel, table=True):
    __tablename__ = "obligation_support"
    obligation_id: int = Field(sa_column_args=[ForeignKey("obligation.id", ondelete="CASCADE")], primary_key=True)
    agency_id: int = Field(sa_column_args=[ForeignKey("agency.id", ondelete="CASCADE")], primary_key=True)


class Occurrence(SQLModel, table=True):
    __tablename__ = "occurrence"
    __table_args__ = (
        UniqueConstraint("obligation_id", "agency_id", "period_key", name="uq_occurrence_period"),
        Index("ix_occurrence_agency_status", "agency_id", "status"),
        # The sweep's order: batches of due rows read in (next_action_at, id) order straight off the index,
        # where next_action_at alone left PostgreSQL sorting every due row for each batch.
        Index("ix_occurrence_due", "next_action_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = _fk("obligation.id", ondelete="CASCADE")
    agency_id: int = _fk("agency.id")
    period_key: str = Field(sa_type=String(32))
    checkin: bool = False
    nominal_deadline: datetime = Field(sa_type=UTCDateTime, nullable=False)
    effective_deadline: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default="on_track", sa_type=String(16))
    submitted_at: datetime | None = _time()
    completed_at: datetime | None = _time()
    # The deadline that had already passed when an extension was granted after it: on time or late is
    # judged against this one, not the extended ``effective_deadline`` (None: no such extension).
    missed_deadline: datetime | None = _time()
    # Steps of the ladder due at or before this instant have been handled.
    ladder_done_until: datetime | None = _time()
    next_action_at: datetime | None = _time()
    created_at: datetime | None = _time()


class Submission(SQLModel, table=True):
    __tablename__ = "submission"
    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = _fk("occurrence.id", ondelete="CASCADE")
    submitted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    submitted_by: str | None = Field(default=None, sa_type=String(200))
    note: str | None = Field(default=None, sa_type=Text)
    state: str = Field(default="pending", sa_type=String(16))  # pending | accepted | returned
    decided_at: datetime | None = _time()
    decided_by: str | None = Field(default=None, sa_type=String(200))
    decision_note: str | None = Field(default=None, sa_type=Text)


class Extension(SQLModel, table=True):
    __tablename__ = "extension"
    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = _fk("occurrence.id", ondelete="CASCADE")
    previous_deadline: datetime = Field(sa_type=UTCDateTime, nullable=False)
    new_deadline: datetime = Field(sa_type=UTCDateTime, nullable=False)
    reason: str | None = Field(default=None, sa_type=Text)
    granted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    granted_by: str | None = Field(default=None, sa_type=String(200))


class Blocker(SQLModel, table=True):
    __tablename__ = "blocker"
    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = _fk("occurrence.id", ondelete="CASCADE")
    raised_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    raised_by: str | None = Field(default=None, sa_type=String(200))
    text: str = Field(sa_type=Text)
    # While unresolved, the occurrence's escalation waits (rules.ladder); resolving resumes it.
    resolved_at: datetime | None = _time()
    resolved_by: str | None = Field(default=None, sa_type=String(200))
    resolution_note: str | None = Field(default=None, sa_type=Text)


class ExtensionRequest(SQLModel, table=True):
    """A focal point asks for more time; the coordinator grants it (an ``Extension``) or refuses it."""

    __tablename__ = "extension_request"
    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = _fk("occurrence.id", ondelete="CASCADE")
    requested_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    requested_by: str | None = Field(default=None, sa_type=String(200))
    until: date
    reason: str | None = Field(default=None, sa_type=Text)
    state: str = Field(default="pending", sa_type=String(16))  # pending | granted | refused
    decided_at: datetime | None = _time()
    decided_by: str | None = Field(default=None, sa_type=String(200))
    decision_note: str | None = Field(default=None, sa_type=Text)
    extension_id: int | None = _fk("extension.id", nullable=True, index=False)


class Attachment(SQLModel, table=True):
    """A file sent with a submission (the report itself), kept in the database so every machine serves it."""

    __tablename__ = "attachment"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = _fk("submission.id", ondelete="CASCADE")
    filename: str = Field(sa_type=String(255))
    content_type: str = Field(sa_type=String(100))
    size: int
    sha256: str = Field(sa_type=String(64))
    content: bytes = Field(sa_type=LargeBinary)
    uploaded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class LinkUse(SQLModel, table=True):
    """A link that has done its one state change (an action from a message, a sign-in): its digest is
    unique, so a link used twice, or by two clicks at once, acts once."""

    __tablename__ = "link_use"
    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(sa_type=String(64), unique=True)
    purpose: str = Field(sa_type=String(32))  # an action's name, or "sign_in"
    contact_id: int | None = _fk("contact.id", nullable=True, index=False)
    occurrence_id: int | None = _fk("occurrence.id", nullable=True, index=False, ondelete="CASCADE")
    used_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class ApiToken(SQLModel, table=True):
    """A token another government system reads the JSON API with; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(200), unique=True)
    sha256: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = _time()


class ZaloToken(SQLModel, table=True):
    """The token pair of one Zalo app (its OA), shared by every worker on every machine.

    The refresh token is single-use, so a refresh happens with this row locked and is saved on condition
    that ``version`` is still the one read (``notifications.zalo_tokens.DbTokenStore``); every save adds 1.
    """

    __tablename__ = "zalo_token"
    app_id: str = Field(sa_type=String(64), primary_key=True)
    access_token: str = Field(sa_type=Text)
    refresh_token: str = Field(sa_type=Text)
    expires_at: datetime | None = _time()  # None: unknown (a pair given without its lifetime)
    version: int = 1
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_by: str = Field(sa_type=String(200))


class Notification(SQLModel, table=True):
    """The outbox. ``dedup_key`` (occurrence, step, recipient, channel) is unique, so a sweep run twice,
    or by two workers at once, writes each message once. Rows are built by ``models.outbox.outbox_row``;
    ``kind`` and ``status`` take only the values of ``models.outbox``'s enums."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(sa_type=String(200), unique=True)
    # None for messages about no single occurrence (the weekly digest).
    occurrence_id: int | None = _fk("occurrence.id", nullable=True, ondelete="CASCADE")
    kind: NotificationKind = Field(sa_type=EnumString(NotificationKind))
    step: str = Field(sa_type=String(64))
    level: int = 0
    recipient_id: int | None = _fk("contact.id", nullable=True)
    channel: str = Field(sa_type=String(16))
    status: NotificationStatus = Field(
        default=NotificationStatus.PENDING, sa_type=EnumString(NotificationStatus), index=True
    )
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    attempts: int = 0
    next_attempt_at: datetime | None = _time()
    # While ``sending``: the claim holds the row until then (on the dispatch's clock, models.claim).
    lease_until: datetime | None = _time()
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime | None = _time()
    sent_at: datetime | None = _time()
    subject: str | None = Field(default=None, sa_type=Text)
    # What a message needs beyond its occurrence: the blocker's text, the digest's figures.
    payload: dict | None = Field(default=None, sa_type=JSON)
    # The row this one replaces after its channel failed (fallback to the contact's next channel).
    fallback_of: int | None = Field(default=None, sa_column_args=[ForeignKey("notification.id")], sa_type=Integer)


class AuditLog(SQLModel, table=True):
    """Append-only: rows are inserted, never updated or deleted (enforced below)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    actor: str = Field(default="system", sa_type=String(200))
    action: str = Field(sa_type=String(64))
    entity: str = Field(sa_type=String(64))
    entity_id: int | None = None
    details: dict = Field(default_factory=dict, sa_type=JSON)


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_audit_change(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly("the audit log is append-only")
