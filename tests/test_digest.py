"""The weekly digest and the monthly report: who reads which rows, once, about a running plan only."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from obligations.flows.digest import LATE_ITEMS_SHOWN, digest, undeliverable_count
from obligations.flows.dispatch import dispatch
from obligations.flows.simulate import SWEEP_AT, first_working_day_of_week, replay
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationStatus, outbox_row
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import Blocker, Contact, Notification, Obligation, Occurrence, Plan
from obligations.notifications.send import send_with_apprise
from obligations.rules.ladder import chain_end
from tests.world import EPOCH, build, vn

# People of tests.world: contact ids in the order it adds them.
COORDINATOR, STTTT_MANAGER, PLAN_MANAGER = 1, 4, 6
PAYLOAD_KEYS = {"plan_id", "audience", "rows", "totals", "total_overdue", "undeliverable", "link", "blockers"}
ROW_KEYS = {"code", "agency", "overdue", "due_soon", "submitted", "done_on_time", "done_late", "blocked",
            "late", "more"}
LATE_KEYS = {"ref", "title", "deadline", "overdue", "occurrence_id", "blocker"}
COUNT_KEYS = {"overdue", "due_soon", "submitted", "done_on_time", "done_late", "blocked"}
BLOCKER_KEYS = {"id", "ref", "agency", "text", "raised_on"}


def _world(engine, *, director: bool = True) -> dict[str, int]:
    """tests.world's plan, with a director at the coordinating agency (contact 7) when asked."""
    ids = build(engine)
    if director:
        with session_scope(engine) as session:
            session.add(Contact(name="Đặng Văn Giám", agency_id=ids["SNGV"], role="manager",
                                email="director@example.org", channels=["email"]))
    return ids


def _messages(engine, kind: str) -> list[Notification]:
    with Session(engine) as session:
        return session.scalars(select(Notification).where(Notification.kind == kind)
                               .order_by(Notification.id)).all()


def _by_recipient(engine, kind: str) -> dict[int, Notification]:
    notes = _messages(engine, kind)
    assert len({n.recipient_id for n in notes}) == len(notes), "someone got two"
    return {n.recipient_id: n for n in notes}


def test_each_reader_gets_the_rows_of_their_place_in_the_chain(engine, rt):
    _world(engine)
    sweep(engine, rt, vn(2017, 12, 18, 7))  # the 2017 report overdue for both members, III.1.8 for SNGV
    digest(engine, rt, vn(2017, 12, 18, 7))
    digests = _by_recipient(engine, "digest")
    # The coordinator and SNGV's director read every agency; STTTT's manager reads STTTT; Nha Trang has
    # no manager contact (its row is the coordinator's to follow); the plan's manager reads no digest.
    assert set(digests) == {COORDINATOR, 7, STTTT_MANAGER}
    every = {"SNGV", "STTTT", "UBND-NHA-TRANG"}
    assert {r["code"] for r in digests[COORDINATOR].payload["rows"]} == every
    assert digests[COORDINATOR].payload["audience"] == "coordinator"
    # The director is also the manager of an agency with items (SNGV): one message, the wider one.
    assert {r["code"] for r in digests[7].payload["rows"]} == every
    assert digests[7].payload["audience"] == "manager"
    own = digests[STTTT_MANAGER].payload
    assert own["audience"] == "manager" and [r["code"] for r in own["rows"]] == ["STTTT"]
    assert own["total_overdue"] == own["totals"]["overdue"] == 1
    assert digests[COORDINATOR].payload["total_overdue"] == 3
    assert all(n.channel == "email" and n.status == NotificationStatus.PENDING for n in digests.values())
    assert all(n.step == "digest-2017-W51" for n in digests.values())


def test_the_leadership_gets_one_report_a_month_and_never_the_digest(engine, rt):
    _world(engine)
    sweep(engine, rt, vn(2017, 12, 18, 7))
    assert digest(engine, rt, vn(2017, 12, 18, 7)) == 4  # three digests and November's report
    assert digest(engine, rt, vn(2017, 12, 20, 7)) == 0  # same week, same month: nothing new
    assert digest(engine, rt, vn(2017, 12, 25, 7)) == 3  # a new week's digests, no second report
    sweep(engine, rt, vn(2018, 1, 2, 7))
    digest(engine, rt, vn(2018, 1, 2, 7))  # the first run in January closes December
    reports = _messages(engine, "report")
    assert [(n.recipient_id, n.step) for n in reports] == [(PLAN_MANAGER, "report-2017-11"),
                                                           (PLAN_MANAGER, "report-2017-12")]
    assert PLAN_MANAGER not in {n.recipient_id for n in _messages(engine, "digest")}
    november, december = (n.payload for n in reports)
    assert november["audience"] == "leadership" and november["month"] == "2017-11"
    assert set(november) == PAYLOAD_KEYS | {"month"}
    assert {r["code"] for r in november["rows"]} == {"SNGV", "STTTT", "UBND-NHA-TRANG"}
    assert november["undeliverable"] == 0  # the coordinator's business, not the leadership's
    # Written in January, December's report counts what was done against 2017's deadlines.
    assert december["month"] == "2017-12"


def test_done_counts_are_the_years_and_the_january_report_keeps_the_year_it_closes(engine, rt):
    ids = _world(engine)
    sweep(engine, rt, vn(2017, 12, 18, 7))
    with session_scope(engine) as session:
        for occurrence in session.scalars(select(Occurrence).where(
                Occurrence.agency_id.in_([ids["STTTT"], ids["UBND-NHA-TRANG"]]),
                Occurrence.effective_deadline < vn(2018, 1, 1))):
            occurrence.status = "done_on_time" if occurrence.agency_id == ids["STTTT"] else "done_late"
    digest(engine, rt, vn(2017, 12, 25, 7))
    rows = {r["code"]: r for r in _by_recipient(engine, "digest")[COORDINATOR].payload["rows"]}
    assert (rows["STTTT"]["done_on_time"], rows["STTTT"]["done_late"]) == (1, 0)
    assert (rows["UBND-NHA-TRANG"]["done_on_time"], rows["UBND-NHA-TRANG"]["done_late"]) == (0, 1)
    digest(engine, rt, vn(2018, 1, 8, 7))
    january = [n for n in _messages(engine, "digest") if n.step == "digest-2018-W02"]
    coordinator = next(n for n in january if n.recipient_id == COORDINATOR).payload
    # 2018 so far: nothing done yet, so the members have no row; December's report still shows 2017's.
    assert {r["code"] for r in coordinator["rows"]} == {"SNGV"}
    assert STTTT_MANAGER not in {n.recipient_id for n in january}  # nothing outstanding at STTTT
    report = next(n for n in _messages(engine, "report") if n.step == "report-2017-12").payload
    assert {r["code"]: r["done_on_time"] for r in report["rows"]}["STTTT"] == 1
    assert report["totals"]["done_late"] == 1


def test_no_report_when_the_plan_manager_is_the_coordinating_agency(engine, rt):
    ids = _world(engine, director=False)
    with session_scope(engine) as session:
        session.get(Plan, ids["plan"]).manager_id = ids["SNGV"]
    sweep(engine, rt, vn(2017, 12, 18, 7))
    digest(engine, rt, vn(2017, 12, 18, 7))
    assert _messages(engine, "report") == []
    # UBND-TINH is then an agency above the plan with nothing to do in it: no digest either.
    assert set(_by_recipient(engine, "digest")) == {COORDINATOR, STTTT_MANAGER}


def test_a_report_nobody_can_receive_is_dead_and_shown(engine, rt):
    ids = _world(engine)
    with session_scope(engine) as session:
        session.get(Contact, PLAN_MANAGER).active = False
    sweep(engine, rt, vn(2017, 12, 18, 7))
    digest(engine, rt, vn(2017, 12, 18, 7))
    [report] = _messages(engine, "report")
    assert report.status == NotificationStatus.DEAD and report.recipient_id is None
    assert report.payload["plan_id"] == ids["plan"]
    digest(engine, rt, vn(2017, 12, 25, 7))
    coordinator = next(n for n in _messages(engine, "digest")
                       if n.recipient_id == COORDINATOR and n.step == "digest-2017-W52")
    assert coordinator.payload["undeliverable"] == 1


def test_no_report_about_the_month_before_the_plan_began_and_no_digest_of_a_quiet_week(engine, rt):
    _world(engine)
    sweep(engine, rt, vn(2017, 4, 3, 7))
    # The plan starts on 1 April 2017 and nothing is due before September: nothing to say.
    assert digest(engine, rt, vn(2017, 4, 3, 7)) == 0
    sweep(engine, rt, vn(2017, 5, 1, 7))
    assert digest(engine, rt, vn(2017, 5, 1, 7)) == 1  # April's report, still no digest
    assert [n.step for n in _messages(engine, "report")] == ["report-2017-04"]
    sweep(engine, rt, vn(2017, 9, 18, 7))  # III.1.8 due on 30 September: due soon
    digest(engine, rt, vn(2017, 9, 18, 7))
    assert set(_by_recipient(engine, "digest")) == {COORDINATOR, 7}


def _dead(occurrence_id, plan_id, step, at):
    return outbox_row(kind="digest" if occurrence_id is None else "reminder", step=step,
                      occurrence_id=occurrence_id, plan_id=plan_id, recipient_id=None, unreached_role="manager",
                      status=NotificationStatus.DEAD, due_at=at, created_at=at, last_error="nobody")


def test_undeliverable_counts_this_plans_dead_messages_of_the_past_week(engine, rt):
    ids = _world(engine)
    sweep(engine, rt, vn(2017, 12, 18, 7))
    monday = vn(2017, 12, 18, 7)
    with session_scope(engine) as session:
        other = Plan(code="kh-khac", title="Kế hoạch khác", start=date(2017, 1, 1), end=date(2020, 12, 31),
                     coordinator_id=ids["SNGV"], manager_id=ids["UBND-TINH"], created_at=EPOCH)
        session.add(other)
        session.flush()
        occurrence = session.scalars(select(Occurrence).where(Occurrence.agency_id == ids["STTTT"])).first()
        insert_ignoring_duplicates(session, Notification, [
            _dead(occurrence.id, None, "a", monday - timedelta(days=2)),  # this plan, this week
            _dead(None, ids["plan"], "b", monday - timedelta(days=6)),  # this plan's digest, this week
            _dead(occurrence.id, None, "c", monday - timedelta(days=8)),  # this plan, the week before
            _dead(None, other.id, "d", monday - timedelta(days=1)),  # another plan
        ])
        plan = session.get(Plan, ids["plan"])
        assert undeliverable_count(session, plan, monday) == 2
        assert undeliverable_count(session, other, monday) == 1
    digest(engine, rt, monday)
    read = {(n.payload["plan_id"], n.recipient_id): n.payload["undeliverable"]
            for n in _messages(engine, "digest") if n.status == NotificationStatus.PENDING}
    assert read[(ids["plan"], COORDINATOR)] == 2 and read[(other.id, COORDINATOR)] == 1
    assert read[(ids["plan"], 7)] == 0  # the director reads the figures, not the outbox


def test_nothing_about_a_plan_past_its_end_and_grace(engine, rt):
    _world(engine)
    calendar = rt.calendar()
    ends = calendar.local_date(chain_end(date(2020, 12, 31), rt.default_policy, calendar))
    monday_before = ends - timedelta(days=ends.weekday())
    if calendar.office_opening(monday_before) > chain_end(date(2020, 12, 31), rt.default_policy, calendar):
        monday_before -= timedelta(days=7)
    sweep(engine, rt, calendar.at_local(monday_before, calendar.office_start))
    assert digest(engine, rt, calendar.start_of_day(monday_before)) > 0
    after = ends + timedelta(days=7 - ends.weekday())
    assert digest(engine, rt, calendar.start_of_day(after)) == 0
    assert digest(engine, rt, calendar.start_of_day(date(2021, 6, 7))) == 0
    assert digest(engine, rt, calendar.start_of_day(date(2022, 2, 7))) == 0


def test_an_agency_lists_ten_late_items_and_counts_the_rest(engine, rt):
    ids = _world(engine)
    with session_scope(engine) as session:
        session.add_all([
            Obligation(plan_id=ids["plan"], ref=f"IV.{n}", title=f"Nhiệm vụ {n}", text="...",
                       lead_agency_id=ids["STTTT"], schedule_kind="once", due=date(2017, 6, n), inclusive=True,
                       policy_id=ids["policy"], next_expand_at=EPOCH)
            for n in range(1, 13)
        ])
    sweep(engine, rt, vn(2017, 12, 18, 7))
    digest(engine, rt, vn(2017, 12, 18, 7))
    [row] = _by_recipient(engine, "digest")[STTTT_MANAGER].payload["rows"]
    assert row["overdue"] == 13 and len(row["late"]) == LATE_ITEMS_SHOWN and row["more"] == 3
    assert [item["ref"] for item in row["late"][:2]] == ["IV.1", "IV.2"]  # the longest overdue first
    days = [item["overdue"] for item in row["late"]]
    assert days == sorted(days, reverse=True)


def test_payload_shape_with_a_blocker_and_a_link(engine, rt):
    ids = _world(engine)
    rt.settings = rt.settings.model_copy(update={"public_base_url": "https://nhacviec.example.org/"})
    sweep(engine, rt, vn(2017, 12, 18, 7))
    with session_scope(engine) as session:
        occurrence = session.scalars(select(Occurrence).where(Occurrence.agency_id == ids["STTTT"])).one()
        session.add(Blocker(occurrence_id=occurrence.id, raised_at=vn(2017, 12, 15, 9), raised_by="Lê Văn Cường",
                            text="Chưa nhận được số liệu"))
        session.add(Blocker(occurrence_id=occurrence.id, raised_at=vn(2017, 12, 1, 9), text="Đã xử lý",
                            resolved_at=vn(2017, 12, 4, 9)))
        occurrence_id = occurrence.id
    digest(engine, rt, vn(2017, 12, 18, 7))
    payload = _by_recipient(engine, "digest")[STTTT_MANAGER].payload
    assert set(payload) == PAYLOAD_KEYS
    assert payload["link"] == "https://nhacviec.example.org/plans/kh-test"
    [row] = payload["rows"]
    assert set(row) == ROW_KEYS and set(payload["totals"]) == COUNT_KEYS
    assert row["blocked"] == payload["totals"]["blocked"] == 1
    [item] = row["late"]
    assert set(item) == LATE_KEYS
    assert item == {"ref": "III.6.4", "title": "Báo cáo kết quả hằng năm", "deadline": "2017-12-14",
                    "overdue": 2, "occurrence_id": occurrence_id, "blocker": "Chưa nhận được số liệu"}
    [blocker] = payload["blockers"]
    assert set(blocker) == BLOCKER_KEYS
    assert (blocker["ref"], blocker["agency"], blocker["raised_on"]) == (
        "III.6.4", "Sở Thông tin và Truyền thông", "2017-12-15")
    # The coordinator sees the blocker too; the manager of an agency without one is not told of it.
    assert len(_by_recipient(engine, "digest")[COORDINATOR].payload["blockers"]) == 1


def test_digest_and_report_are_sent_and_rendered(engine, rt, inbox):
    _world(engine)
    sweep(engine, rt, vn(2017, 12, 18, 7))
    digest(engine, rt, vn(2017, 12, 18, 7))
    outcome = dispatch(engine, rt, vn(2017, 12, 18, 8))
    assert outcome["sent"] >= 4
    statuses = {(n.kind, n.status) for n in _messages(engine, "digest") + _messages(engine, "report")}
    assert statuses == {("digest", NotificationStatus.SENT), ("report", NotificationStatus.SENT)}
    recipients = {str(m["To"]) for m in inbox()}
    assert {"user0@example.org", "director@example.org", "user3@example.org", "user5@example.org"} <= recipients
    to_leader = [m for m in inbox() if str(m["To"]) == "user5@example.org"]
    assert len(to_leader) == 1  # the report only


def test_the_replay_queues_the_digest_on_the_first_working_day_of_each_week(engine, rt, inbox):
    calendar = rt.calendar()
    assert first_working_day_of_week(calendar, date(2017, 12, 18))  # a Monday
    assert not first_working_day_of_week(calendar, date(2018, 1, 1))  # New Year's Day, a Monday off
    assert first_working_day_of_week(calendar, date(2018, 1, 2))
    tet = [d for d in (date(2018, 2, 19) + timedelta(days=n) for n in range(7))
           if first_working_day_of_week(calendar, d)]
    assert tet == [date(2018, 2, 21)]  # Tết 2018 ends on Tuesday the 20th
    _world(engine)
    replay(engine, rt, date(2017, 12, 11), date(2018, 1, 7), sender=send_with_apprise)
    digests = _messages(engine, "digest")
    written_on = {calendar.local_date(n.created_at) for n in digests}
    assert written_on == {date(2017, 12, 11), date(2017, 12, 18), date(2017, 12, 25), date(2018, 1, 2)}
    assert {calendar.local(n.created_at).time() for n in digests} == {SWEEP_AT}
    assert len({(n.recipient_id, n.step) for n in digests}) == len(digests)
    assert [(n.recipient_id, n.step) for n in _messages(engine, "report")] == [
        (PLAN_MANAGER, "report-2017-11"), (PLAN_MANAGER, "report-2017-12")]
    assert all(n.status == NotificationStatus.SENT for n in digests + _messages(engine, "report"))
