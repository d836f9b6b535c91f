"""The demo: a fresh SQLite database, a plan loaded, a period replayed, and what came of it.

It runs with settings of its own (its database, its maildir) chosen for the block, never written to
``os.environ``, so the caller's own settings are as they were afterwards.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.parser import BytesParser
from email.policy import default as email_policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlmodel import Session

from obligations.config.settings import get_settings, settings_in_force
from obligations.flows.entry import load_plan_file, migrated, opened
from obligations.flows.report import OccurrenceView, counts_by_agency, counts_by_year, messages_by_year, occurrences_at
from obligations.flows.runtime import Runtime
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationStatus
from obligations.models.tables import Contact, Notification, Plan
from obligations.rules.calendar import WorkCalendar
from obligations.rules.ladder import chain_end
from obligations.rules.status import Status

# The kinds a reminder message may carry (one row, or several rows for one person in one message).
REMINDER_KINDS = frozenset({"reminder", "due_today", "escalation", "bundle"})


@dataclass
class Inbox:
    """What people received, read back from the maildir as a mail client would: one entry per message,
    by recipient (the To address) and the local day of its Date header."""

    per_day: Counter = field(default_factory=Counter)  # (address, day) -> messages
    reminders_per_day: Counter = field(default_factory=Counter)  # (address, day) -> reminder messages
    names: dict[str, str] = field(default_factory=dict)  # address -> the contact's name

    @classmethod
    def read(cls, maildir: Path, calendar: WorkCalendar, names: dict[str, str]) -> Inbox:
        inbox = cls(names=names)
        new = maildir / "new"
        for path in sorted(new.iterdir()) if new.exists() else []:
            with path.open("rb") as handle:
                headers = BytesParser(policy=email_policy).parse(handle, headersonly=True)
            day = calendar.local_date(parsedate_to_datetime(str(headers["Date"])))
            key = (str(headers["To"]), day)
            inbox.per_day[key] += 1
            if str(headers.get("X-Obligations-Kind", "")) in REMINDER_KINDS:
                inbox.reminders_per_day[key] += 1
        return inbox

    def busiest(self, count: int = 5) -> list[tuple[str, date, int]]:
        """The person-days with the most messages: (name, day, messages)."""
        return [(self.names.get(address, address), day, n) for (address, day), n in self.per_day.most_common(count)]

    def spread(self) -> dict[int, int]:
        """How many person-days received 1, 2, 3 ... messages."""
        return dict(sorted(Counter(self.per_day.values()).items()))


def _addresses(session: Session) -> dict[str, str]:
    names = {}
    for contact in session.scalars(select(Contact)):
        for address in (contact.email, contact.zalo_user_id, contact.phone):
            if address:
                names[address] = contact.name
    return names


@dataclass(frozen=True)
class ChainChecks:
    """What the chain of command promises, counted in the outbox after a replay."""

    leadership_items: int  # per-item messages sent to anyone of the plans' manager agencies
    after_the_end: int  # messages about a plan sent after its end plus its chains' grace


def chain_checks(session: Session, rt: Runtime, plan_code: str) -> ChainChecks:
    """Counted over the whole outbox: the demo's database is new and holds its one plan alone."""
    plan = session.scalars(select(Plan).where(Plan.code == plan_code)).one()
    sent = select(func.count()).select_from(Notification).where(Notification.status == NotificationStatus.SENT)
    leadership = session.scalar(
        sent.join(Contact, Contact.id == Notification.recipient_id)
        .where(Notification.occurrence_id.is_not(None), Contact.agency_id == plan.manager_id)
    ) if plan.manager_id else 0
    ends: datetime = chain_end(plan.end, rt.default_policy, rt.calendar(plan.zone))
    return ChainChecks(leadership, session.scalar(sent.where(Notification.sent_at > ends)))


@dataclass
class DemoResult:
    loaded: str  # the load's summary
    replay: dict  # the replay flow's totals
    by_year: dict[int, Counter]  # occurrences by the year of their deadline, by status
    sent_by_year: dict[int, Counter]  # messages sent by year, by kind
    overdue: list[OccurrenceView] = field(default_factory=list)  # still overdue at the end
    mails: int = 0  # .eml files in the maildir
    database: Path = Path()
    maildir: Path = Path()
    inbox: Inbox = field(default_factory=Inbox)
    checks: ChainChecks = ChainChecks(0, 0)

    def overdue_by_agency(self) -> list[tuple[str, int, int]]:
        """(agency name, overdue occurrences, longest in working days), most overdue first."""
        names = {v.agency_code: v.agency_name for v in self.overdue}
        rows = []
        for code, counts in sorted(counts_by_agency(self.overdue).items(), key=lambda kv: -kv[1]["overdue"]):
            longest = max(v.working_days_overdue for v in self.overdue if v.agency_code == code)
            rows.append((names[code], counts["overdue"], longest))
        return rows


DATABASE_NAME = "obligations.db"
# Left beside a database the demo made, so that the next demo may replace it: a database without it
# holds a coordinator's own data, which no demo may erase.
DEMO_MARKER = "demo-database"


class NotADemoDatabase(Exception):
    """The data directory holds a database the demo did not make."""


def _fresh(directory: Path) -> tuple[Path, Path]:
    database, maildir = directory / DATABASE_NAME, directory / "maildir"
    marker = directory / DEMO_MARKER
    if database.exists() and not marker.exists():
        raise NotADemoDatabase(
            f"{database} đã có dữ liệu không phải của bản demo; bản demo không xoá nó. Đặt OBLIGATIONS_HOME "
            "sang một thư mục khác để chạy demo"
        )
    for path in (database, database.with_name(f"{DATABASE_NAME}-wal"), database.with_name(f"{DATABASE_NAME}-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(maildir, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    marker.write_text("This database was made by `obligations demo`; the next demo replaces it.\n")
    return database, maildir


def run_demo(
    example: Path,
    first: date,
    last: date,
    *,
    directory: Path | None = None,
    replay: Callable[[date, date], dict],
    on_loaded: Callable[[str], None] = lambda summary: None,
) -> DemoResult:
    """Load ``example`` into a new database in ``directory`` (the data directory) and replay ``first`` to ``last``.

    The database is the one every command reads by default, so ``obligations status`` afterwards shows
    the demo. ``replay`` runs the days (the caller chooses how: a flow run with a progress bar, or directly).
    """
    database, maildir = _fresh(directory or get_settings().home)
    sink = SecretStr(f"maildir://{maildir}")
    settings = get_settings().model_copy(
        update={"database_url": f"sqlite:///{database}", "email_url": sink, "zalo_url": sink}
    )
    with settings_in_force(settings), migrated(), opened() as (engine, rt):
        calendar = rt.calendar()
        loaded = load_plan_file(example, as_of=calendar.start_of_day(first), actor="demo", defaults=rt.defaults)
        on_loaded(str(loaded))
        totals = replay(first, last)
        with session_scope(engine) as session:
            views = occurrences_at(session, rt, calendar.at_local(last, rt.settings.office_end))
            sent = messages_by_year(session)
            checks = chain_checks(session, rt, loaded.plan)
            inbox = Inbox.read(maildir, calendar, _addresses(session))
    return DemoResult(
        loaded=str(loaded),
        replay=totals,
        by_year=counts_by_year(views),
        sent_by_year=sent,
        overdue=[v for v in views if v.status == Status.OVERDUE],
        mails=sum(inbox.per_day.values()),
        database=database,
        maildir=maildir,
        inbox=inbox,
        checks=checks,
    )
