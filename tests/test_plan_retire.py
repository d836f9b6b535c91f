"""Retiring what was loaded by mistake: `active: false` in the file (a plan, an obligation) or
`obligations plan retire` withdraws the open occurrences, cancels what was not sent, and the sweep sends and
creates nothing more for it; `active: true` brings it back through the normal sweep. The audit log keeps it.

The plan is the Khánh Hòa example (config/examples/khanh-hoa-2017-2020.yaml, from the plan of Ủy ban nhân
dân tỉnh Khánh Hòa, 2017-2020): III.6.4, "Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo báo tổng hợp ...",
is owed by every member of the group CQ-DV-DP; III.5.2b (LHHN) falls due the same day.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from obligations.config.settings import CONFIG_DIR, get_settings
from obligations.flows.actions import submit
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationStatus
from obligations.models.tables import AuditLog, Notification, Obligation, Occurrence, Plan
from obligations.plans.file.apply import load_file
from obligations.plans.file.read import read_defaults
from obligations.rules.status import OPEN, Status
from tests.test_load import dump, write
from tests.world import vn

EXAMPLE_TEXT = (CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml").read_text(encoding="utf-8")
CODE = "khanh-hoa-dnnd-2017-2020"
OPEN_VALUES = [s.value for s in OPEN]


def plan_active(value: str) -> str:
    return EXAMPLE_TEXT.replace("  manager: UBND-TINH\n", f"  manager: UBND-TINH\n  active: {value}\n", 1)


def obligation_active(ref: str, value: str) -> str:
    marker = f"  - ref: {ref}\n"
    assert EXAMPLE_TEXT.count(marker) == 1
    return EXAMPLE_TEXT.replace(marker, f"{marker}    active: {value}\n")


@pytest.fixture(scope="module")
def defaults() -> dict:
    return read_defaults(get_settings().defaults_file)


@pytest.fixture
def season(engine, rt, tmp_path, defaults):
    """The example loaded in April 2017 and swept on 4 December: the yearly reports due on 15 December are
    in their reminder window, their reminders waiting in the outbox; one agency has already submitted."""
    load_file(engine, write(tmp_path, EXAMPLE_TEXT), defaults=defaults, as_of=vn(2017, 4, 1, 8))
    sweep(engine, rt, vn(2017, 12, 4, 8))
    with session_scope(engine) as session:
        first = session.scalars(_of("III.6.4").order_by(Occurrence.id)).first()
        submit(session, first.id, as_of=vn(2017, 12, 4, 9), actor="focal point")
    return first.id


def _of(*refs: str):
    statement = select(Occurrence).join(Obligation, Obligation.id == Occurrence.obligation_id)
    return statement.where(Obligation.ref.in_(refs)) if refs else statement


def _statuses(engine, *refs: str) -> Counter:
    with Session(engine) as session:
        return Counter(o.status for o in session.scalars(_of(*refs)))


def _pending(engine, *refs: str) -> int:
    with Session(engine) as session:
        occurrence_ids = select(Occurrence.id).join(Obligation, Obligation.id == Occurrence.obligation_id)
        if refs:
            occurrence_ids = occurrence_ids.where(Obligation.ref.in_(refs))
        return session.scalar(select(func.count()).select_from(Notification).where(
            Notification.occurrence_id.in_(occurrence_ids), Notification.status == NotificationStatus.PENDING))


def _rows(engine, model, *refs: str) -> int:
    with Session(engine) as session:
        if model is Occurrence:
            return len(session.scalars(_of(*refs)).all())
        occurrence_ids = select(Occurrence.id).join(Obligation, Obligation.id == Occurrence.obligation_id)
        if refs:
            occurrence_ids = occurrence_ids.where(Obligation.ref.in_(refs))
        return session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.occurrence_id.in_(occurrence_ids)))


def _retirements(engine) -> list[AuditLog]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == "retire").order_by(AuditLog.id)))


def test_a_plan_retired_in_the_file_withdraws_its_open_occurrences_and_sends_nothing_more(
    engine, rt, tmp_path, defaults, season
):
    opened = sum(n for status, n in _statuses(engine).items() if status in OPEN_VALUES)
    waiting = _pending(engine)
    assert opened > 10 and waiting > 10  # reminders of the 15 December reports, not yet sent
    at = vn(2017, 12, 5, 8)
    summary = load_file(engine, write(tmp_path, plan_active("false"), "retired.yaml"), defaults=defaults,
                        as_of=at, actor="sngv")
    assert (len(summary.activity.retired), summary.activity.withdrawn, summary.activity.cancelled) == (
        26, opened, waiting)
    assert f"Kế hoạch {CODE}: Ngừng theo dõi 26 nhiệm vụ: rút {opened} kỳ đang mở, hủy {waiting} tin nhắn" in str(
        summary)

    statuses = _statuses(engine)
    assert statuses[Status.WITHDRAWN] == opened and not set(statuses) & set(OPEN_VALUES)
    assert statuses[Status.SUBMITTED] == 1  # work already handed in is kept
    assert _pending(engine) == 0
    with Session(engine) as session:
        assert not any(session.scalars(select(Obligation.active)))
        cancelled = session.scalars(select(Notification.last_error).where(
            Notification.status == NotificationStatus.CANCELLED))
        assert Counter(cancelled)["cancelled: its task or plan was retired"] == waiting
    [audit] = _retirements(engine)
    assert (audit.actor, audit.at, audit.entity, audit.details["plan"]) == ("sngv", at, "plan", CODE)
    assert audit.details | {"source": None} == {"plan": CODE, "source": None, "obligations": 26,
                                                "occurrences_withdrawn": opened, "notifications_cancelled": waiting}

    rows = (_rows(engine, Occurrence), _rows(engine, Notification))
    for moment in (vn(2017, 12, 14, 9), vn(2017, 12, 18, 9), vn(2018, 11, 20, 9)):  # up to the next year's reports
        stats = sweep(engine, rt, moment)
        assert (stats.occurrences_created, stats.notifications) == (0, 0)
    assert (_rows(engine, Occurrence), _rows(engine, Notification)) == rows

    # The same file again changes nothing; the file without `active:` does not bring the plan back.
    again = load_file(engine, write(tmp_path, plan_active("false"), "retired.yaml"), defaults=defaults,
                      as_of=vn(2017, 12, 6, 8))
    assert not again.activity and "không có gì thay đổi" in str(again)
    load_file(engine, write(tmp_path, EXAMPLE_TEXT), defaults=defaults, as_of=vn(2017, 12, 6, 9))
    with Session(engine) as session:
        assert not any(session.scalars(select(Obligation.active)))
    assert len(_retirements(engine)) == 1


def test_an_obligation_retired_in_the_file_stops_alone(engine, rt, tmp_path, defaults, season):
    withdrawn = sum(n for status, n in _statuses(engine, "III.6.4").items() if status in OPEN_VALUES)
    cancelled = _pending(engine, "III.6.4")
    assert _pending(engine, "III.5.2b") > 0
    summary = load_file(engine, write(tmp_path, obligation_active("III.6.4", "false"), "one.yaml"),
                        defaults=defaults, as_of=vn(2017, 12, 5, 8), actor="sngv")
    assert (summary.activity.retired, summary.activity.withdrawn) == (["III.6.4"], withdrawn)
    assert not set(_statuses(engine, "III.6.4")) & set(OPEN_VALUES) and _pending(engine, "III.6.4") == 0
    assert set(_statuses(engine, "III.5.2b")) <= set(OPEN_VALUES)  # the rest of the plan goes on

    before = _rows(engine, Notification, "III.6.4")
    sweep(engine, rt, vn(2017, 12, 14, 9))  # the day before: LHHN is reminded, the retired task's agencies are not
    assert _rows(engine, Notification, "III.6.4") == before
    assert _pending(engine, "III.5.2b") > 0
    [audit] = _retirements(engine)
    assert (audit.entity, audit.details["ref"], audit.details["occurrences_withdrawn"]) == (
        "obligation", "III.6.4", withdrawn)
    assert audit.details["notifications_cancelled"] == cancelled and audit.details["source"] == "one.yaml"


def test_reactivated_the_future_comes_back_through_the_sweep_and_the_missed_periods_do_not(
    engine, rt, tmp_path, defaults, season
):
    load_file(engine, write(tmp_path, obligation_active("III.6.4", "false"), "one.yaml"), defaults=defaults,
              as_of=vn(2017, 12, 5, 8))
    withdrawn = _statuses(engine, "III.6.4")[Status.WITHDRAWN]
    # Back before the deadline: the withdrawn occurrences reopen and the next sweep reminds them again.
    back = load_file(engine, write(tmp_path, obligation_active("III.6.4", "true"), "one.yaml"), defaults=defaults,
                     as_of=vn(2017, 12, 11, 8), actor="sngv")
    assert (back.activity.reactivated, back.activity.reopened) == (["III.6.4"], withdrawn)
    before = _rows(engine, Notification, "III.6.4")
    stats = sweep(engine, rt, vn(2017, 12, 11, 8))
    assert stats.occurrences_processed >= withdrawn
    assert _statuses(engine, "III.6.4")[Status.DUE_SOON] == withdrawn
    assert _rows(engine, Notification, "III.6.4") > before and _pending(engine, "III.6.4") > 0
    with Session(engine) as session:
        actions = list(session.scalars(select(AuditLog.action).where(AuditLog.entity == "obligation",
                                                                     AuditLog.action != "submit")))
    assert actions == ["retire", "reactivate"]


def test_reactivated_after_its_deadline_the_missed_period_stays_withdrawn(engine, rt, tmp_path, defaults, season):
    load_file(engine, write(tmp_path, plan_active("false"), "plan.yaml"), defaults=defaults, as_of=vn(2017, 12, 5, 8))
    missed = _statuses(engine, "III.6.4")[Status.WITHDRAWN]
    back = load_file(engine, write(tmp_path, plan_active("true"), "plan.yaml"), defaults=defaults,
                     as_of=vn(2018, 1, 10, 8))
    assert len(back.activity.reactivated) == 26 and back.activity.reopened == 0
    sweep(engine, rt, vn(2018, 1, 10, 8))
    assert _statuses(engine, "III.6.4")[Status.WITHDRAWN] == missed  # 15 December 2017 passed while retired
    sweep(engine, rt, vn(2018, 12, 3, 8))  # the 2018 reports enter the horizon and their reminder window
    with Session(engine) as session:
        periods = Counter(o.period_key for o in session.scalars(_of("III.6.4")))
    assert periods["2018-12-15"] == missed + 1  # every member owes 2018's report (one had submitted 2017's)
    assert _pending(engine, "III.6.4") > 0


# ------------------------------------------------------------------------------ obligations plan retire


@pytest.fixture
def swept(cli, sqlite_engine, tmp_path):
    example = write(tmp_path, EXAMPLE_TEXT, "example.yaml")
    assert cli("load", str(example), "--as-of", "2017-04-01T08:00+07:00").exit_code == 0
    assert cli("sweep", "--direct", "--as-of", "2017-12-04T08:00+07:00").exit_code == 0
    return sqlite_engine


def test_the_command_asks_first_and_a_no_changes_nothing(cli, swept):
    before = dump(swept)
    result = cli("plan", "retire", CODE, "--as-of", "2017-12-05T08:00+07:00", input="n\n")
    assert result.exit_code == 1
    assert f"Sẽ ngừng theo dõi kế hoạch {CODE}: 26 nhiệm vụ, rút" in " ".join(result.stdout.split())
    assert "Ngừng theo dõi?" in result.stdout and "không thay đổi" in result.stderr
    assert dump(swept) == before


def test_the_command_with_yes_retires_one_obligation(cli, swept, rt):
    withdrawn = sum(n for status, n in _statuses(swept, "III.6.4").items() if status in OPEN_VALUES)
    result = cli("plan", "retire", CODE, "--obligation", "III.6.4", "--yes", "--by", "Phạm Thị Ngọc Trâm",
                 "--as-of", "2017-12-05T08:00+07:00")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert f"Đã ngừng theo dõi nhiệm vụ III.6.4 của kế hoạch {CODE}: 1 nhiệm vụ, rút {withdrawn} kỳ đang mở" in said
    assert _statuses(swept, "III.6.4")[Status.WITHDRAWN] == withdrawn and _pending(swept, "III.6.4") == 0
    assert set(_statuses(swept, "III.5.2b")) <= set(OPEN_VALUES)
    [audit] = _retirements(swept)
    assert (audit.actor, audit.entity, audit.details["ref"]) == ("Phạm Thị Ngọc Trâm", "obligation", "III.6.4")
    assert "source" not in audit.details
    again = cli("plan", "retire", CODE, "--obligation", "III.6.4", "--yes", "--as-of", "2017-12-06T08:00+07:00")
    assert again.exit_code == 0 and "đã ngừng theo dõi từ trước" in again.stdout
    assert len(_retirements(swept)) == 1


def test_the_command_refuses_an_unknown_plan_or_task(cli, swept):
    before = dump(swept)
    unknown = cli("plan", "retire", "khanh-hoa", "--yes")
    assert unknown.exit_code == 2 and "không có kế hoạch nào mang mã 'khanh-hoa'" in unknown.stderr
    assert CODE in unknown.stderr  # the codes there are
    no_task = cli("plan", "retire", CODE, "--obligation", "III.9.9", "--yes")
    assert no_task.exit_code == 2 and "không có nhiệm vụ III.9.9" in no_task.stderr
    assert dump(swept) == before
    assert cli("plan", "retire", "--help").exit_code == 0
    with Session(swept) as session:
        assert session.scalars(select(Plan.code)).all() == [CODE]
