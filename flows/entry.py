"""Entry points that own their transaction: what the command line and the web app call.

Each function here opens what it needs from the settings in force, does one piece of work in one
transaction (all or nothing) and returns a result for the caller to show; none prints. The actions
on an occurrence are one table, :data:`ACTIONS`, so that every front end offers the same ones with
the same fields and the same confirmation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from obligations.config.settings import get_settings
from obligations.flows import actions, resend
from obligations.flows.runtime import Runtime
from obligations.models.db import create_db_engine, require_existing, session_scope, upgrade
from obligations.rules.status import LABELS_VI


@contextmanager
def opened() -> Iterator[tuple[Engine, Runtime]]:
    """The database and runtime of the settings in force, for one piece of work; the database must exist."""
    settings = get_settings()
    require_existing(settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        yield engine, Runtime(settings)
    finally:
        engine.dispose()


@contextmanager
def migrated() -> Iterator[Engine]:
    """The database of the settings in force, its schema brought to the latest revision first."""
    engine = create_db_engine(get_settings().database_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------ actions on an occurrence


@dataclass(frozen=True)
class ActionField:
    """One input of an action: a short text, a day or a yes/no flag (``kind``); ``argument`` is given
    without an option name."""

    name: str
    help: str
    kind: type = str  # str, date or bool
    required: bool = False
    argument: bool = False


@dataclass(frozen=True)
class Action:
    """One thing a person does; ``command`` is its place on the command line (``blocker resolve``), and
    ``target`` what its number names: an occurrence or a blocker (``flows.arguments.TARGETS``)."""

    name: str
    help: str
    fields: tuple[ActionField, ...]
    perform: Callable[..., Any]  # (session, rt, target_id, *, as_of, actor, **fields) -> outcome
    confirmation: Callable[..., str]  # (target_id, outcome, **fields) -> what to tell the user
    command: tuple[str, ...] = ()
    target: str = "occurrence"

    def field(self, name: str) -> ActionField:
        return next(f for f in self.fields if f.name == name)

    @property
    def words(self) -> tuple[str, ...]:
        return self.command or (self.name,)


def _submit(session: Session, rt: Runtime, occurrence_id: int, **kw: Any) -> Any:
    return actions.submit(session, occurrence_id, **kw)


def _extended(occurrence_id: int, outcome: Any, *, until: date, **_: Any) -> str:
    told = f"Đã gia hạn kỳ {occurrence_id} đến hết ngày làm việc {until:%d/%m/%Y} (hoặc ngày làm việc kế tiếp)."
    if outcome.granted_at >= outcome.previous_deadline:
        told += " Gia hạn sau khi đã quá hạn: đúng hạn hay quá hạn vẫn xét theo hạn đã qua."
    return told


def _requested(occurrence_id: int, outcome: Any, *, until: date, **_: Any) -> str:
    return (f"Đã ghi nhận đề nghị gia hạn số {outcome.id} của kỳ {occurrence_id} đến ngày {until:%d/%m/%Y}, "
            "chờ cơ quan điều phối quyết định.")


def _resolved(blocker_id: int, outcome: Any, **_: Any) -> str:
    return f"Đã giải quyết vướng mắc số {blocker_id} của kỳ {outcome.occurrence_id}."


_NOTE = ActionField("note", "A note, told to the focal point.")
_REASON = ActionField("reason", "Why (required); told to the focal point.", required=True)
_UNTIL = ActionField("until", "New last day (YYYY-MM-DD), inclusive.", kind=date, required=True)

ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "submit",
            "Record a submission (the report, or the progress note of a check-in); stops the reminders.",
            (ActionField("note", "A short note."),),
            _submit,
            lambda occurrence_id, outcome, **_: f"Đã ghi nhận báo cáo của kỳ {occurrence_id}, chờ duyệt.",
        ),
        Action(
            "accept",
            "Accept the pending submission: the occurrence is done, on time or late; the focal point is told.",
            (_NOTE,),
            actions.accept,
            lambda occurrence_id, outcome, **_: f"Kỳ {occurrence_id}: {LABELS_VI[outcome]}.",
        ),
        Action(
            "return",
            "Return the pending submission: the occurrence reopens, the ladder resumes, the focal point gets the note.",
            (ActionField("note", "What is missing (told to the focal point).", required=True),),
            actions.return_submission,
            lambda occurrence_id, outcome, **_: f"Đã trả lại kỳ {occurrence_id}; trạng thái: {LABELS_VI[outcome]}.",
        ),
        Action(
            "extend",
            "Grant an extension: the deadline moves, the ladder restarts from the new one, the focal point is "
            "told. After the deadline only with --after-deadline and --reason; lateness is still judged against "
            "the deadline that passed.",
            (_UNTIL, ActionField("reason", "Why (required after the deadline); told to the focal point."),
             ActionField("after_deadline", "Grant although the deadline has passed (needs --reason).", kind=bool)),
            actions.extend,
            _extended,
        ),
        Action(
            "waive",
            "Waive an occurrence: nothing more is asked or sent for it; the focal point is told.",
            (_REASON,),
            actions.waive,
            lambda occurrence_id, outcome, **_: f"Đã miễn thực hiện kỳ {occurrence_id}.",
        ),
        Action(
            "request_extension",
            "Ask for an extension (focal point): one request at a time, for the coordinator to grant or refuse.",
            (ActionField("until", "Last day asked for (YYYY-MM-DD), inclusive.", kind=date, required=True),
             ActionField("reason", "Why (required).", required=True)),
            actions.request_extension,
            _requested,
            command=("extension", "request"),
        ),
        Action(
            "refuse_extension",
            "Refuse the pending extension request; the focal point is told why.",
            (_REASON,),
            actions.refuse_extension,
            lambda occurrence_id, outcome, **_: f"Đã từ chối đề nghị gia hạn số {outcome.id} của kỳ {occurrence_id}.",
            command=("extension", "refuse"),
        ),
        Action(
            "raise_blocker",
            "Raise a blocker on an occurrence: the coordinator is told at once; escalation waits until it is "
            "resolved (reminders go on).",
            (ActionField("text", "The difficulty (vướng mắc).", required=True, argument=True),),
            actions.raise_blocker,
            lambda occurrence_id, outcome, **_: f"Đã ghi nhận vướng mắc số {outcome.id} của kỳ {occurrence_id}.",
            command=("blocker", "raise"),
        ),
        Action(
            "send_again",
            "Send a dead message again, or a retrying one now (its number, from `status`), after fixing the "
            "address or the channel; its attempts count afresh.",
            (),
            resend.send_again,
            lambda notification_id, outcome, **_: f"Tin nhắn số {notification_id} sẽ được gửi lại ở lần gửi tới.",
            command=("message", "resend"),
            target="notification",
        ),
        Action(
            "resolve_blocker",
            "Resolve a blocker (its number, from `obligations blockers`): escalation resumes from where it stood; "
            "the focal point gets the note.",
            (ActionField("note", "How it was resolved (required); told to the focal point.", required=True),),
            actions.resolve_blocker,
            _resolved,
            command=("blocker", "resolve"),
            target="blocker",
        ),
    )
}


def act(name: str, target_id: int, *, as_of: datetime, actor: str, **fields: Any) -> str:
    """Perform one action in its own transaction; returns the confirmation, raises ``ActionError`` (for an
    argument out of bounds before the database is opened). ``target_id``: an occurrence's number, or for
    an action whose target is a blocker, the blocker's."""
    actions.check_arguments(target_id, as_of=as_of, actor=actor, target=ACTIONS[name].target, **fields)
    with opened() as (engine, rt), session_scope(engine) as session:
        return perform(session, rt, name, target_id, as_of=as_of, actor=actor, **fields)


def perform(session: Session, rt: Runtime, name: str, target_id: int, *, as_of: datetime, actor: str,
            **fields: Any) -> str:
    """Perform one action in the caller's transaction (the web app's request); returns the confirmation."""
    action = ACTIONS[name]
    actions.check_arguments(target_id, as_of=as_of, actor=actor, target=action.target, **fields)
    outcome = action.perform(session, rt, target_id, as_of=as_of, actor=actor, **fields)
    return action.confirmation(target_id, outcome, **fields)


def list_blockers(*, open_only: bool, plan: str | None = None) -> list:
    """The blockers (``report.BlockerView``), the unresolved ones only with ``open_only``."""
    from obligations.flows.report import list_blockers as query

    with opened() as (engine, _), session_scope(engine) as session:
        return query(session, open_only=open_only, plan=plan)


# ------------------------------------------------------------------------------ the coordinator's file


def load_plan_file(path: Path, *, as_of: datetime, actor: str, defaults: dict | None = None, update: bool = False):
    """Migrate the database if needed, then load the coordinator's file in one transaction; ``update``: onto
    the stored plan that has the file's number or title under another code (else that is refused)."""
    from obligations.plans.file.apply import load_file
    from obligations.plans.file.read import read_defaults

    if defaults is None:
        defaults = read_defaults(get_settings().defaults_file)
    with migrated() as engine:
        return load_file(engine, path, defaults=defaults, actor=actor, as_of=as_of, update=update)


@dataclass
class RetirePreview:
    """What retiring would touch, for the confirmation: nothing is changed yet."""

    code: str
    number: str | None
    title: str
    refs: list[str]  # the obligations still active among those named
    open_occurrences: int
    pending_messages: int


def retire_preview(code: str, refs: list[str] | None = None) -> RetirePreview:
    """The plan ``code`` (or its obligations ``refs``) as ``retire`` would find it; raises ``RetireError``."""
    from sqlalchemy import func, select

    from obligations.models.outbox import NotificationStatus
    from obligations.models.tables import Notification, Occurrence
    from obligations.plans.file.retire import retire_target
    from obligations.rules.status import OPEN

    with opened() as (engine, _), session_scope(engine) as session:
        plan, obligations = retire_target(session, code, refs)
        active = [o for o in obligations if o.active]
        opened_rows = (Occurrence.obligation_id.in_([o.id for o in active] or [-1]),
                       Occurrence.status.in_([s.value for s in OPEN]))
        occurrences = session.scalar(select(func.count()).select_from(Occurrence).where(*opened_rows))
        messages = session.scalar(
            select(func.count()).select_from(Notification).join(Occurrence, Occurrence.id == Notification.occurrence_id)
            .where(*opened_rows, Notification.status == NotificationStatus.PENDING)
        )
        return RetirePreview(plan.code, plan.number, plan.title, [o.ref for o in active], occurrences or 0,
                             messages or 0)


def retire_plan(code: str, refs: list[str] | None = None, *, as_of: datetime, actor: str):
    """Retire the plan ``code``, or its obligations ``refs``, in one transaction (``plans.file.retire.Activity``)."""
    from obligations.plans.file.retire import retire, retire_target

    with opened() as (engine, _), session_scope(engine) as session:
        plan, obligations = retire_target(session, code, refs)
        return retire(session, plan, obligations, as_of=as_of, actor=actor, whole_plan=not refs)


def known_agencies():
    """The stored agencies and groups, to match a plan's names against; none if there is no database yet.

    Returns the agencies and a warning to show (or None) when the database could not be read.
    """
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from obligations.plans.importer.agency_codes import KnownAgencies, known_from_db

    url = get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        return KnownAgencies(), None  # drafting never creates a database
    try:
        engine = create_db_engine(url)
        try:
            known = known_from_db(engine) if inspect(engine).has_table("agency") else KnownAgencies()
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        return KnownAgencies(), (
            f"Cảnh báo: không đọc được danh sách cơ quan trong cơ sở dữ liệu ({exc.__class__.__name__}); "
            "mọi cơ quan được coi là mới."
        )
    return known, None


def draft_plan(file: Path, *, today: date, code: str | None, known, contacts: Path | None = None) -> Any:
    """The coordinator's file drafted from a plan document, with the people of the contact list ``contacts``
    (raises ``DocumentError`` for a bad document, ``FileError`` naming the line of a bad contact row)."""
    from obligations.plans.file.contact_list import read_contact_list
    from obligations.plans.importer.draft import build_draft
    from obligations.plans.importer.parse import read_plan

    contact_list = read_contact_list(contacts) if contacts is not None else None
    return build_draft(read_plan(file), source=file.name, today=today, known=known, code=code, contacts=contact_list)


def load_draft(draft_text: str, *, source: str, as_of: datetime, actor: str, update: bool = False):
    """Check a drafted file and write it in one transaction (raises ``FileError``, nothing written); ``update``
    as for :func:`load_plan_file`."""
    from obligations.plans.file.apply import apply_file
    from obligations.plans.file.read import parse_plan_file, read_defaults

    defaults = read_defaults(get_settings().defaults_file)
    checked = parse_plan_file(draft_text, source=f"{source} (bản nháp)", defaults=defaults)
    with migrated() as engine, session_scope(engine) as session:
        return apply_file(session, checked, source=source, actor=actor, as_of=as_of, update=update)


# ------------------------------------------------------------------------------ what managers read


@dataclass
class StatusReport:
    views: list  # OccurrenceView of every occurrence, with its status at the moment asked
    outbox: dict[str, int]  # messages by outbox status
    dead: list[dict]  # messages that could not be delivered
    motion: Any  # report.OutboxMotion: pending, retrying, sending and dead messages


def status_report(as_of: datetime, *, agency: str | None = None, plan: str | None = None) -> StatusReport:
    from obligations.flows.report import dead_messages, occurrences_at, outbox_counts, outbox_motion

    with opened() as (engine, rt), session_scope(engine) as session:
        return StatusReport(
            views=occurrences_at(session, rt, as_of, agency=agency, plan=plan),
            outbox=outbox_counts(session),
            dead=dead_messages(session, agency=agency),
            motion=outbox_motion(session, agency=agency),
        )


# ------------------------------------------------------------------------------ the scheduled work


def run_sweep(as_of: datetime, plans: list[str] | None = None) -> dict:
    """The sweep of the plans whose codes are ``plans`` (a partition), or of every plan."""
    from obligations.flows.sweep import sweep

    with opened() as (engine, rt):
        return sweep(engine, rt, as_of, plans=plans).as_dict()


def run_dispatch(as_of: datetime, dead: list | None = None) -> dict:
    """The dispatch; ``dead``, when given, receives the rows that went dead in this run (see flows.dispatch)."""
    from obligations.flows.dispatch import dispatch

    with opened() as (engine, rt):
        return dict(dispatch(engine, rt, as_of, dead=dead))


def run_digest(as_of: datetime) -> int:
    from obligations.flows.digest import digest

    with opened() as (engine, rt):
        return digest(engine, rt, as_of)
