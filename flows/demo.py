"""The demo: a fresh SQLite database, a plan loaded, a period replayed, and what came of it.

It runs with settings of its own (its database, its maildir) chosen for the block, never written to
``os.environ``, so the caller's own settings are as they were afterwards.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydantic import SecretStr

from obligations.config.settings import get_settings, settings_in_force
from obligations.flows.entry import load_plan_file, opened
from obligations.flows.report import OccurrenceView, counts_by_agency, counts_by_year, messages_by_year, occurrences_at
from obligations.models.db import session_scope
from obligations.rules.status import Status


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

    def overdue_by_agency(self) -> list[tuple[str, int, int]]:
        """(agency name, overdue occurrences, longest in working days), most overdue first."""
        names = {v.agency_code: v.agency_name for v in self.overdue}
        rows = []
        for code, counts in sorted(counts_by_agency(self.overdue).items(), key=lambda kv: -kv[1]["overdue"]):
            longest = max(v.working_days_overdue for v in self.overdue if v.agency_code == code)
            rows.append((names[code], counts["overdue"], longest))
        return rows


def _fresh(directory: Path) -> tuple[Path, Path]:
    database, maildir = directory / "demo.db", directory / "maildir"
    for path in (database, database.with_name("demo.db-wal"), database.with_name("demo.db-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(maildir, ignore_errors=True)
    return database, maildir


def run_demo(
    example: Path,
    first: date,
    last: date,
    *,
    directory: Path = Path("var"),
    replay: Callable[[date, date], dict],
    on_loaded: Callable[[str], None] = lambda summary: None,
) -> DemoResult:
    """Load ``example`` into a new database under ``directory`` and replay ``first`` to ``last``.

    ``replay`` runs the days (the caller chooses how: a flow run with a progress bar, or directly).
    """
    database, maildir = _fresh(directory)
    sink = SecretStr(f"maildir://{maildir}")
    settings = get_settings().model_copy(
        update={"database_url": f"sqlite:///{database}", "email_url": sink, "zalo_url": sink}
    )
    with settings_in_force(settings), opened() as (engine, rt):
        calendar = rt.calendar()
        loaded = load_plan_file(example, as_of=calendar.start_of_day(first), actor="demo", defaults=rt.defaults)
        on_loaded(str(loaded))
        totals = replay(first, last)
        with session_scope(engine) as session:
            views = occurrences_at(session, rt, calendar.at_local(last, rt.settings.office_end))
            sent = messages_by_year(session)
    new = maildir / "new"
    return DemoResult(
        loaded=str(loaded),
        replay=totals,
        by_year=counts_by_year(views),
        sent_by_year=sent,
        overdue=[v for v in views if v.status == Status.OVERDUE],
        mails=sum(1 for _ in new.iterdir()) if new.exists() else 0,
        database=database,
        maildir=maildir,
    )
