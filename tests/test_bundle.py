"""One message per person per run: a person's ladder rows due in one dispatch go out as one message
listing them, claimed together, settled together, repeated together after a crash."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import Settings
from obligations.flows.dispatch import dispatch
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.claim import CONDITIONAL, GROUP_MAX, SKIP_LOCKED, claim
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationKind, NotificationStatus, outbox_row
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import Agency, Contact, Notification, Obligation, Occurrence
from obligations.notifications.message_id import group_key, message_id
from obligations.notifications.outcome import Action, Failure
from obligations.notifications.send import SendResult, send_with_apprise
from tests.smtp import LoopbackSMTP
from tests.test_claim import together
from tests.world import EPOCH, build, vn

MORNING = vn(2017, 11, 30, 8)  # reminder-10 of everything whose last day is Thursday 14/12/2017
STTTT_FOCAL, NHA_TRANG_FOCAL = "user2@example.org", "user4@example.org"
EXTRA = {"III.2.1": "Tổ chức hội nghị đối ngoại nhân dân", "III.3.2": "Rà soát quy chế phối hợp"}


def more_tasks(engine, ids: dict[str, int], *, lead: str = "STTTT") -> None:
    """Two more tasks whose last day is 14/12/2017, like the yearly report: led by ``lead`` (an agency
    code, or ``group`` for both members)."""
    by_group = lead == "group"
    with session_scope(engine) as session:
        session.add_all([
            Obligation(plan_id=ids["plan"], ref=ref, title=title, text=title, report_to_id=ids["SNGV"],
                       lead_agency_id=None if by_group else ids[lead], lead_group_id=ids["group"] if by_group else None,
                       schedule_kind="once", due=date(2017, 12, 14), inclusive=True, policy_id=ids["policy"],
                       next_expand_at=EPOCH)
            for ref, title in EXTRA.items()
        ])


def rows_to(engine, email: str, **where) -> list[Notification]:
    with Session(engine) as session:
        contact = session.scalars(select(Contact).where(Contact.email == email)).one()
        query = select(Notification).where(Notification.recipient_id == contact.id,
                                           Notification.kind.in_(["reminder", "due_today", "escalation"]))
        for column, value in where.items():
            query = query.where(getattr(Notification, column) == value)
        return list(session.scalars(query.order_by(Notification.id)))


def smtp_runtime(smtp: LoopbackSMTP, **overrides) -> Runtime:
    return Runtime(Settings(email_url=smtp.url, dispatch_max_attempts=3, retry_base_seconds=60, **overrides))


def received_by(smtp: LoopbackSMTP) -> dict[str, list]:
    mails: dict[str, list] = {}
    for _, rcpts, mail in smtp.received:
        mails.setdefault(rcpts[0], []).append(mail)
    return mails


def test_three_reminders_for_one_focal_point_are_one_email(sqlite_engine, smtp):
    smtp.start()
    more_tasks(sqlite_engine, build(sqlite_engine))
    rt = smtp_runtime(smtp)
    sweep(sqlite_engine, rt, MORNING)
    dispatch(sqlite_engine, rt, MORNING)
    mails = received_by(smtp)
    [bundle] = mails[STTTT_FOCAL]
    subject = str(bundle["Subject"])
    assert "3" in subject and "14/12/2017" in subject
    plain = bundle.get_body(preferencelist=("plain",)).get_content()
    html = bundle.get_body(preferencelist=("html",)).get_content()
    for ref, title in {"III.6.4": "Báo cáo kết quả hằng năm", **EXTRA}.items():
        assert ref in plain and title in plain and title in html
    rows = rows_to(sqlite_engine, STTTT_FOCAL)
    assert len(rows) == 3 and {(r.status, r.subject, r.attempts) for r in rows} == {("sent", subject, 1)}
    # Nha Trang owes only the yearly report: its own message, with the reminder's own subject.
    [alone] = mails[NHA_TRANG_FOCAL]
    assert str(alone["Subject"]).startswith("[Nhắc việc] Báo cáo kết quả hằng năm")
    assert "nhiệm vụ" not in str(alone["Subject"])  # not a list of one
    assert [r.subject for r in rows_to(sqlite_engine, NHA_TRANG_FOCAL)] == [str(alone["Subject"])]


def test_two_recipients_get_one_message_each(engine, rt, inbox):
    more_tasks(engine, build(engine), lead="group")  # both members now owe three items
    sweep(engine, rt, MORNING)
    dispatch(engine, rt, MORNING)
    copies = Counter(m["To"] for m in inbox())
    assert copies[STTTT_FOCAL] == 1 and copies[NHA_TRANG_FOCAL] == 1
    for email in (STTTT_FOCAL, NHA_TRANG_FOCAL):
        rows = rows_to(engine, email)
        assert len(rows) == 3 and {r.status for r in rows} == {"sent"} and len({r.subject for r in rows}) == 1


def test_a_group_on_a_failing_channel_falls_back_as_a_group(engine, maildir, inbox):
    more_tasks(engine, build(engine, channels=["zalo", "email"]))
    rt = Runtime(Settings(email_url=f"maildir://{maildir}", zalo_url=f"maildir://{maildir}/zalo"))
    sweep(engine, rt, MORNING)
    tried: list[str] = []

    def zalo_unreachable(message):
        tried.append(f"{message.channel} {message.subject}")
        if message.channel == "zalo":
            return SendResult(False, Failure(Action.FALLBACK, "the user does not follow the OA"))
        return send_with_apprise(message)

    dispatch(engine, rt, MORNING, sender=zalo_unreachable)
    failed = rows_to(engine, STTTT_FOCAL, channel="zalo")
    assert len(failed) == 3 and {(r.status, r.last_error) for r in failed} == {
        ("failed", "the user does not follow the OA")}
    fallbacks = rows_to(engine, STTTT_FOCAL, channel="email")
    assert sorted(r.fallback_of for r in fallbacks) == sorted(r.id for r in failed)
    assert {r.status for r in fallbacks} == {"sent"} and len({r.subject for r in fallbacks}) == 1
    subject = fallbacks[0].subject
    assert tried.count(f"zalo {subject}") == 1 and tried.count(f"email {subject}") == 1  # one message a channel
    assert [m["Subject"] for m in inbox() if m["To"] == STTTT_FOCAL] == [subject]


def test_a_dead_group_tells_the_coordinator_once(engine, maildir):
    more_tasks(engine, build(engine))
    rt = Runtime(Settings(email_url=f"maildir://{maildir}", dispatch_max_attempts=1))
    sweep(engine, rt, MORNING)
    dispatch(engine, rt, MORNING, sender=lambda m: SendResult(False, Failure(Action.RETRY, "connection refused")))
    dead = rows_to(engine, STTTT_FOCAL)
    assert len(dead) == 3 and {(r.status, r.attempts) for r in dead} == {("dead", 1)}
    with Session(engine) as session:
        notices = [n for n in session.scalars(select(Notification).where(Notification.kind == "undeliverable"))
                   if n.payload["recipient"] == "Lê Văn Cường"]
    assert len(notices) == 1 and sorted(notices[0].payload["notification_ids"]) == sorted(r.id for r in dead)


class Killed(BaseException):
    """The dispatch process dying: not an ``Exception``, so not mistaken for a failed send."""


def test_a_crash_after_the_send_repeats_the_group_with_the_same_message_id(engine, maildir, inbox):
    more_tasks(engine, build(engine))
    rt = Runtime(Settings(email_url=f"maildir://{maildir}", dispatch_concurrency=1, dispatch_lease_seconds=60))
    sweep(engine, rt, MORNING)

    def send_then_die(message):
        send_with_apprise(message)
        if "to=user2%40" in message.url or "to=user2@" in message.url:
            raise Killed  # the group went out; its result was never written

    with pytest.raises(Killed):
        dispatch(engine, rt, MORNING, sender=send_then_die)
    assert {r.status for r in rows_to(engine, STTTT_FOCAL)} == {NotificationStatus.SENDING}
    dispatch(engine, rt, MORNING + timedelta(seconds=61))  # the lease passed: the group goes again
    rows = rows_to(engine, STTTT_FOCAL)
    assert len(rows) == 3 and {r.status for r in rows} == {"sent"}
    copies = [m for m in inbox() if m["To"] == STTTT_FOCAL]
    expected = message_id(group_key(r.dedup_key for r in rows), "obligations.invalid")
    assert len(copies) == 2 and [m["Message-ID"] for m in copies] == [expected, expected]
    assert copies[0]["Subject"] == copies[1]["Subject"] and "3" in copies[0]["Subject"]


# --- the claim ---------------------------------------------------------------------------------------

def people(engine, counts: dict[str, int], *, kind=NotificationKind.REMINDER, channel: str = "email") -> dict[str, int]:
    """Pending rows due at MORNING: ``counts[name]`` of them for each new contact; returns their ids."""
    with session_scope(engine) as session:
        occurrence = session.scalars(select(Occurrence).order_by(Occurrence.id)).first()
        agency = session.scalars(select(Agency).where(Agency.code == "STTTT")).one()
        contacts = {name: Contact(name=name, agency_id=agency.id, role="focal_point", email=f"{name}@example.org",
                                  phone="84900000000", channels=[channel]) for name in counts}
        session.add_all(contacts.values())
        session.flush()
        insert_ignoring_duplicates(session, Notification, [
            outbox_row(kind=kind, step=f"{kind}-{name}-{n:03d}", status=NotificationStatus.PENDING, due_at=MORNING,
                       created_at=MORNING, occurrence_id=occurrence.id, recipient_id=contacts[name].id,
                       channel=channel, next_attempt_at=MORNING, payload={"notify": "focal_point"})
            for name, count in counts.items() for n in range(count)
        ])
        return {name: contact.id for name, contact in contacts.items()}


def empty_outbox(engine) -> None:
    build(engine)
    sweep(engine, Runtime(Settings()), MORNING)
    with session_scope(engine) as session:
        session.execute(Notification.__table__.delete())


def recipients_of(engine, ids: list[int]) -> Counter:
    with Session(engine) as session:
        return Counter(session.scalars(select(Notification.recipient_id).where(Notification.id.in_(ids))))


METHODS = pytest.mark.parametrize(
    ("engine", "method"),
    [
        ("sqlite", CONDITIONAL),
        pytest.param("postgres", CONDITIONAL, marks=pytest.mark.postgres),
        pytest.param("postgres", SKIP_LOCKED, marks=pytest.mark.postgres),
    ],
    indirect=["engine"],
)


@METHODS
def test_a_claim_takes_a_persons_due_ladder_rows_together_up_to_the_cap(engine, method):
    empty_outbox(engine)
    who = people(engine, {"an": 4, "binh": 2, "chi": GROUP_MAX + 10})
    blocker = people(engine, {"an-blocker": 2}, kind=NotificationKind.BLOCKER)
    zns = people(engine, {"an-zns": 3}, channel="zns")
    lease = timedelta(seconds=60)
    claims = []
    while taken := claim(engine, MORNING, MORNING, lease, 1, method=method):
        claims.append(recipients_of(engine, taken.ids))
    people_ids = {v: k for k, v in (who | blocker | zns).items()}
    seen = [{people_ids[r]: n for r, n in c.items()} for c in claims]
    assert {"an": 4} in seen and {"binh": 2} in seen
    assert sorted(c["chi"] for c in seen if "chi" in c) == [10, GROUP_MAX]  # capped, the rest in the next claim
    # Other kinds, and ZNS (a fixed template), go one row a claim.
    assert seen.count({"an-blocker": 1}) == 2 and seen.count({"an-zns": 1}) == 3
    assert len(seen) == 2 + 2 + 2 + 3


@METHODS
def test_claims_at_once_take_each_row_once_and_each_group_whole(engine, method):
    empty_outbox(engine)
    people(engine, {f"p{n:02d}": 3 for n in range(30)})
    taken: list[list[int]] = []

    def work(own) -> None:
        while claimed := claim(own, MORNING, MORNING, timedelta(seconds=60), 2, method=method):
            taken.append(claimed.ids)

    together(engine, 4, work)
    ids = [i for chunk in taken for i in chunk]
    assert len(ids) == len(set(ids)) == 90
    # Only the first due row of a person heads a claim: a worker that skips a head held by another does
    # not take that person's next row instead, so no person's rows are split between two claims.
    assert sorted(n for chunk in taken for n in recipients_of(engine, chunk).values()) == [3] * 30
