"""Benchmark of the two ways to claim outbox rows (models/claim.py), with several dispatchers at once.

Claim measured (DESIGN.md, "Dispatch claims, then sends, then records"): claims are short, workers
running at once take disjoint rows, and the claim method kept as PostgreSQL's default is the faster.

    .venv/bin/python -m bench.claim [--database-url URL] [--rows N] [--workers W] [--repeat K]

1. Setup (untimed): a fresh database (PostgreSQL at 127.0.0.1:5432/test by default, in a schema
   ``bench_<random>`` dropped at the end; or a SQLite file) gets one plan, one open occurrence and N
   pending reminders due at the same moment, each to its own contact.
2. For each claim method (``skip_locked`` and ``conditional`` on PostgreSQL, ``conditional`` only on
   SQLite), each repetition starts from every row pending and runs W processes at once, each with its
   own engine, released together by a barrier:
   - ``claim_only``: claim (``dispatch_concurrency`` x 2 rows, as dispatch does), then write each row
     sent in a transaction of its own under the lease: the protocol alone;
   - ``dispatch``: ``flows.dispatch.dispatch`` with a sender that returns at once: the protocol plus
     loading, rendering and recording, everything but the network.
   Measured: the wall time from the barrier to the last process done (median of K), rows a second,
   SQL statements a row (a conditional claim that loses a race costs a statement), and whether every
   row went out exactly once.

One JSON object goes to stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, text, update
from sqlalchemy.engine import Engine

from bench.database import fresh_database, log
from obligations.config.settings import Settings
from obligations.flows.runtime import Runtime
from obligations.models import claim as claims
from obligations.models.db import create_db_engine, session_scope
from obligations.models.outbox import NotificationKind, NotificationStatus, outbox_row
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import Agency, Contact, Notification, Obligation, Occurrence, Plan

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
AS_OF = datetime(2019, 7, 2, 3, 0, tzinfo=UTC)  # Tuesday 2 July 2019, 10:00 in Hanoi: office hours
DEADLINE = datetime(2019, 12, 14, 17, 0, tzinfo=UTC)
MODES = ("claim_only", "dispatch")


def settings(concurrency: int) -> Settings:
    # The sender does nothing; the maildir URL only gives the messages an address and a Message-ID.
    return Settings(_env_file=None, email_url="maildir:///nonexistent/bench", dispatch_concurrency=concurrency,
                    rate_limits={"email": 10**9}, dispatch_lease_seconds=300)


def build(engine: Engine, rows: int) -> None:
    with session_scope(engine) as session:
        agency = Agency(code="SNGV", name="Sở Ngoại vụ")
        members = Agency(code="STTTT", name="Sở Thông tin và Truyền thông")
        session.add_all([agency, members])
        session.flush()
        plan = Plan(code="bench", title="Kế hoạch đo", start=date(2019, 1, 1), end=date(2020, 12, 31),
                    coordinator_id=agency.id, manager_id=agency.id, created_at=AS_OF)
        session.add(plan)
        session.flush()
        obligation = Obligation(plan_id=plan.id, ref="III.6.4", title="Báo cáo hằng năm", text="Báo cáo",
                                lead_agency_id=agency.id, report_to_id=agency.id, schedule_kind="once",
                                due=DEADLINE.date())
        session.add(obligation)
        session.flush()
        occurrence = Occurrence(obligation_id=obligation.id, agency_id=agency.id, period_key="2019",
                                nominal_deadline=DEADLINE, effective_deadline=DEADLINE, created_at=AS_OF)
        # In an agency of their own: the coordinator's agency keeps its few contacts, as in a real plan.
        contacts = [Contact(agency_id=members.id, name=f"Cán bộ {n:05d}", role="focal_point",
                            email=f"bench{n:05d}@example.org", channels=["email"]) for n in range(rows)]
        session.add_all([occurrence, *contacts])
        session.flush()
        insert_ignoring_duplicates(session, Notification, [
            outbox_row(kind=NotificationKind.REMINDER, step=f"bench-{n:05d}", status=NotificationStatus.PENDING,
                       due_at=AS_OF, created_at=AS_OF, occurrence_id=occurrence.id, recipient_id=contact.id,
                       channel="email", next_attempt_at=AS_OF, payload={"notify": "focal_point"})
            for n, contact in enumerate(contacts)
        ])


def reset(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(update(Notification).values(
            status=NotificationStatus.PENDING, lease_until=None, attempts=0, sent_at=None, next_attempt_at=AS_OF,
            last_error=None, subject=None,
        ))
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE notification"))  # the planner sees the rows pending again


def claim_only(engine: Engine, concurrency: int) -> list[int]:
    """Claim as dispatch does, and write each row sent at once: the claim protocol without the rest."""
    done: list[int] = []
    lease = timedelta(seconds=300)
    size = concurrency * 2
    clock = claims.RunClock(AS_OF)
    while claimed := claims.claim(engine, AS_OF, clock.now(), lease, size):
        for notification_id in claimed.ids:
            with session_scope(engine) as session:
                if claims.settle(session, notification_id, claimed.lease_until,
                                 {"status": NotificationStatus.SENT, "sent_at": AS_OF}):
                    done.append(notification_id)
    return done


def worker(url: str, schema: str | None, method: str, mode: str, concurrency: int, barrier, results) -> None:
    """One dispatcher process: its own engine, released with the others, reporting what it sent."""
    from obligations.flows.dispatch import dispatch
    from obligations.notifications.send import SendResult

    claims.POSTGRESQL_METHOD = method  # the method under test, for dispatch's own claims too
    engine = create_db_engine(url, schema=schema)
    statements = Counter()
    event.listen(engine, "before_cursor_execute", lambda *_: statements.update(["sql"]))
    rt = Runtime(settings(concurrency))
    sent: list[str] = []

    def noop(message) -> SendResult:
        sent.append(message.url.partition("to=")[2].partition("&")[0])
        return SendResult(True)

    with engine.connect():
        pass  # connect before the start, as a running worker would be
    statements.clear()
    barrier.wait()
    if mode == "claim_only":
        sent = [str(i) for i in claim_only(engine, concurrency)]
    else:
        dispatch(engine, rt, AS_OF, sender=noop)
    results.put((time.monotonic(), sent, statements["sql"]))
    engine.dispose()


def run_once(url: str, schema: str | None, method: str, mode: str, workers: int, concurrency: int) -> dict:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter each, as separate dispatchers are
    barrier, results = context.Barrier(workers + 1), context.Queue()
    processes = [context.Process(target=worker, args=(url, schema, method, mode, concurrency, barrier, results))
                 for _ in range(workers)]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.monotonic()
    reports = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    sent = Counter(item for _, items, _ in reports for item in items)
    return {
        "seconds": max(end for end, _, _ in reports) - started,
        "sent": sum(sent.values()),
        "distinct": len(sent),
        "statements": sum(n for _, _, n in reports),
        "per_worker": sorted(len(items) for _, items, _ in reports),
    }


def measure(engine: Engine, url: str, schema: str | None, methods: list[str], args) -> dict:
    figures: dict = {}
    for mode in MODES:
        for method in methods:
            runs = []
            for k in range(args.repeat):
                reset(engine)
                runs.append(run_once(url, schema, method, mode, args.workers, args.concurrency))
                log(f"{mode} {method} #{k + 1}: {runs[-1]['seconds']:.2f}s, per worker {runs[-1]['per_worker']}")
            seconds = statistics.median(r["seconds"] for r in runs)
            figures.setdefault(mode, {})[method] = {
                "seconds": round(seconds, 3),
                "rows_per_s": round(args.rows / seconds),
                "statements_per_row": round(statistics.median(r["statements"] for r in runs) / args.rows, 2),
                "exactly_once": all(r["sent"] == r["distinct"] == args.rows for r in runs),
                "runs_s": [round(r["seconds"], 3) for r in runs],
            }
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.claim", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help=f"SQLAlchemy URL (default {DEFAULT_URL}); a fresh schema bench_<random> is created "
                             "and dropped at the end. A SQLite file URL measures the conditional claim only.")
    parser.add_argument("--rows", type=int, default=3000, help="pending reminders, all due at once (default 3000)")
    parser.add_argument("--workers", type=int, default=4, help="dispatch processes at once (default 4)")
    parser.add_argument("--concurrency", type=int, default=4, help="each one's dispatch_concurrency (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="measured repetitions, the median is kept (default 3)")
    args = parser.parse_args(argv)
    if min(args.rows, args.workers, args.concurrency, args.repeat) < 1:
        parser.error("--rows, --workers, --concurrency and --repeat must be at least 1")

    with fresh_database(args.database_url) as (engine, dialect):
        schema = None
        if dialect == "postgresql":
            with engine.connect() as connection:
                schema = connection.execute(text("show search_path")).scalar().strip('"')
        methods = list(claims.METHODS) if dialect == "postgresql" else [claims.CONDITIONAL]
        log(f"setup: {args.rows} reminders")
        build(engine, args.rows)
        url = engine.url.render_as_string(hide_password=False)
        figures = measure(engine, url, schema, methods, args)

    faster = {mode: min(figures[mode], key=lambda m: figures[mode][m]["seconds"]) for mode in MODES}
    result = {
        "database": dialect,
        "rows": args.rows,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "claim_size": args.concurrency * 2,
        **figures,
        "faster": faster,
        "default": claims.POSTGRESQL_METHOD if dialect == "postgresql" else claims.CONDITIONAL,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
