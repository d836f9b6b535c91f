"""Claim, send, record: dispatchers at once send each message once, a crash repeats only what was in flight,
and each result is written as soon as it is known. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from obligations.config.settings import Settings
from obligations.flows.dispatch import LOST, dispatch
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.claim import CONDITIONAL, SKIP_LOCKED, RunClock, claim, settle
from obligations.models.db import create_db_engine, session_scope
from obligations.models.outbox import NotificationKind, NotificationStatus, outbox_row
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import Agency, Contact, Notification, Occurrence
from obligations.notifications.send import SendResult
from tests.world import build, vn

AS_OF = vn(2017, 12, 1, 10)  # a Friday morning, two weeks before the yearly report's deadline
LEASE = 60


def crowd(engine, count: int) -> None:
    """``count`` pending reminders due at AS_OF, each to its own contact (``to=crowd00007%40...``)."""
    build(engine)
    sweep(engine, Runtime(Settings()), AS_OF)
    with session_scope(engine) as session:
        occurrence = session.scalars(select(Occurrence).order_by(Occurrence.id)).first()
        agency = session.scalars(select(Agency).where(Agency.code == "STTTT")).one()
        contacts = [Contact(name=f"Cán bộ {n:05d}", agency_id=agency.id, role="focal_point",
                            email=f"crowd{n:05d}@example.org", channels=["email"]) for n in range(count)]
        session.add_all(contacts)
        session.flush()
        session.execute(Notification.__table__.delete())  # only the crowd
        insert_ignoring_duplicates(session, Notification, [
            outbox_row(kind=NotificationKind.REMINDER, step=f"crowd-{n:05d}", status=NotificationStatus.PENDING,
                       due_at=AS_OF, created_at=AS_OF, occurrence_id=occurrence.id, recipient_id=contact.id,
                       channel="email", next_attempt_at=AS_OF, payload={"notify": "focal_point"})
            for n, contact in enumerate(contacts)
        ])


def runtime(tmp_path, **overrides) -> Runtime:
    settings = {"email_url": f"maildir://{tmp_path}/maildir", "dispatch_lease_seconds": LEASE} | overrides
    return Runtime(Settings(**settings))


class Recorder:
    """A sender that delivers nothing and counts each recipient (thread-safe); ``fail_after`` stops the
    process the way a kill would, after that many sends."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.copies: Counter = Counter()
        self.lock = threading.Lock()
        self.fail_after = fail_after

    def __call__(self, message) -> SendResult:
        recipient = message.url.partition("to=")[2].partition("&")[0]
        with self.lock:
            if self.fail_after is not None and sum(self.copies.values()) >= self.fail_after:
                raise Killed
            self.copies[recipient] += 1
        return SendResult(True)


class Killed(BaseException):
    """Not an ``Exception``: the dispatcher must not mistake it for a failed send."""


def statuses(engine) -> Counter:
    with Session(engine) as session:
        return Counter(session.scalars(select(Notification.status)))


def twin(engine):
    """Another engine on the same database (the same PostgreSQL schema), as another process would have."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "postgresql":
        return create_db_engine(url)
    with engine.connect() as connection:
        schema = connection.execute(text("show search_path")).scalar()
    return create_db_engine(url, schema=schema.strip('"'))


def together(engine, workers: int, work) -> None:
    """``work(own_engine)`` in ``workers`` threads released at once, each with an engine of its own."""
    engines = [twin(engine) for _ in range(workers)]
    start = threading.Barrier(workers)

    def run(own) -> None:
        start.wait()
        work(own)

    threads = [threading.Thread(target=run, args=(own,)) for own in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for own in engines:
        own.dispose()


@pytest.mark.parametrize("workers", [2, 4])
def test_dispatchers_at_once_send_each_message_once(engine, tmp_path, workers):
    crowd(engine, 160)
    rt = runtime(tmp_path)
    sender = Recorder()
    outcomes: list[Counter] = []
    together(engine, workers, lambda own: outcomes.append(dispatch(own, rt, AS_OF, sender=sender)))
    assert len(outcomes) == workers
    assert len(sender.copies) == 160 and set(sender.copies.values()) == {1}
    assert sum(o["sent"] for o in outcomes) == 160 and not any(o.get(LOST) for o in outcomes)
    assert statuses(engine) == {NotificationStatus.SENT: 160}


# Row locks are PostgreSQL's only: SQLite is tested with the conditional claim, and refusing
# SKIP LOCKED there has a test of its own below.
@pytest.mark.parametrize(
    ("engine", "method"),
    [
        ("sqlite", CONDITIONAL),
        pytest.param("postgres", CONDITIONAL, marks=pytest.mark.postgres),
        pytest.param("postgres", SKIP_LOCKED, marks=pytest.mark.postgres),
    ],
    indirect=["engine"],
)
def test_claims_at_once_take_disjoint_rows(engine, method):
    crowd(engine, 120)
    taken: list[list[int]] = []

    def work(own) -> None:
        while claimed := claim(own, AS_OF, AS_OF, timedelta(seconds=LEASE), 7, method=method):
            taken.append(claimed.ids)

    together(engine, 4, work)
    ids = [i for chunk in taken for i in chunk]
    assert len(ids) == len(set(ids)) == 120
    assert all(len(chunk) <= 7 for chunk in taken)
    assert statuses(engine) == {NotificationStatus.SENDING: 120}


def test_skip_locked_needs_postgresql(sqlite_engine):
    with pytest.raises(ValueError, match="PostgreSQL"):
        claim(sqlite_engine, AS_OF, AS_OF, timedelta(seconds=LEASE), 5, method=SKIP_LOCKED)


def test_a_crash_between_claim_and_record_sends_the_row_again_once_its_lease_passed(engine, tmp_path):
    crowd(engine, 10)
    rt = runtime(tmp_path)
    died = claim(engine, AS_OF, AS_OF, timedelta(seconds=LEASE), 4)  # a worker claims four, then dies
    assert died is not None and len(died.ids) == 4
    sender = Recorder()
    # Restarted at once: the dead worker's rows are still leased to it; everything else goes.
    assert dispatch(engine, rt, AS_OF, sender=sender)["sent"] == 6
    assert statuses(engine) == {NotificationStatus.SENT: 6, NotificationStatus.SENDING: 4}
    # A minute and a second later the lease has passed: the four go out, once each.
    later = AS_OF + timedelta(seconds=LEASE + 1)
    assert dispatch(engine, rt, later, sender=sender)["sent"] == 4
    assert dispatch(engine, rt, later + timedelta(hours=1), sender=sender).get("sent", 0) == 0
    assert len(sender.copies) == 10 and set(sender.copies.values()) == {1}
    assert statuses(engine) == {NotificationStatus.SENT: 10}


def test_leases_run_on_the_clock_of_the_run_that_took_them(engine, tmp_path):
    """A run going for ten minutes leases ahead of the wall clock: a run started now does not take its rows;
    a real restart (as_of = now) takes the rows of a dead run once their lease has passed."""
    crowd(engine, 6)
    ticks = iter([0.0, 600.0])
    long_run = RunClock(AS_OF, monotonic=lambda: next(ticks))  # started at AS_OF, now ten minutes in
    held = claim(engine, AS_OF, long_run.now(), timedelta(seconds=LEASE), 6)
    assert held is not None and held.lease_until == AS_OF + timedelta(seconds=600 + LEASE)
    sender = Recorder()
    rt = runtime(tmp_path)
    assert dispatch(engine, rt, AS_OF + timedelta(seconds=600), sender=sender).get("sent", 0) == 0
    assert dispatch(engine, rt, AS_OF + timedelta(seconds=600 + LEASE), sender=sender)["sent"] == 6


def test_a_result_is_written_only_under_the_lease_that_claimed_the_row(engine):
    crowd(engine, 1)
    first = claim(engine, AS_OF, AS_OF, timedelta(seconds=LEASE), 1)
    later = AS_OF + timedelta(seconds=LEASE)
    second = claim(engine, later, later, timedelta(seconds=LEASE), 1)  # the first worker's lease passed
    assert first is not None and second is not None and first.ids == second.ids
    with session_scope(engine) as session:
        assert not settle(session, first.ids[0], first.lease_until, {"status": NotificationStatus.SENT})
        assert settle(session, second.ids[0], second.lease_until, {"status": NotificationStatus.SENT})
    assert statuses(engine) == {NotificationStatus.SENT: 1}


@pytest.mark.parametrize("concurrency", [1, 4])
def test_results_are_recorded_one_by_one(engine, tmp_path, concurrency):
    crowd(engine, 30)
    rt = runtime(tmp_path, dispatch_concurrency=concurrency)
    killed = Recorder(fail_after=11)
    with pytest.raises(Killed):
        dispatch(engine, rt, AS_OF, sender=killed)
    sent = sum(killed.copies.values())
    recorded = statuses(engine)[NotificationStatus.SENT]
    # Every send is recorded before another begins on its seat: what was sent and not recorded is at
    # most what was in flight, one per concurrent send (the kill itself took one seat and sent nothing).
    assert sent == 11 and sent - (concurrency - 1) <= recorded <= sent
    if concurrency == 1:
        assert recorded == 11
    after = Recorder()
    # The killed run leased its later claims on its own clock, seconds after AS_OF: wait past those too.
    restart = AS_OF + timedelta(seconds=LEASE + 30)
    assert dispatch(engine, rt, restart, sender=after)["sent"] == 30 - recorded
    copies = killed.copies + after.copies
    assert len(copies) == 30 and sum(copies.values()) - 30 == sent - recorded  # the only repeats
