"""The chain of command, worked by hand: who receives what, and when, for one occurrence.

STTTT owes its 2017 yearly report "trước ngày 15 tháng 12": the last day is Thursday 14/12/2017. The
default chain (tests/world.py): reminders 10 and 3 working days before and on the last day, then
escalation 1 to the focal point (+1 working day), 2 to the agency's own manager (+3), 3 to the
coordinating agency (+7), repeated twice every 10 working days; then the chain ends. 1/1/2018 is off.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import CONFIG_DIR, Settings
from obligations.flows import actions
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.tables import Contact, Notification, Obligation, Occurrence
from obligations.plans.file.apply import load_file
from obligations.plans.file.errors import FileError
from obligations.plans.file.read import parse_plan_file, read_defaults
from obligations.rules.schedule import CHECKINS
from tests.world import build, vn

WITHOUT_BLOCKER = [
    # (day the step falls due, step, who, number, last)
    (date(2017, 11, 30), "reminder-10", "Lê Văn Cường", None, None),
    (date(2017, 12, 11), "reminder-3", "Lê Văn Cường", None, None),
    (date(2017, 12, 14), "reminder-0", "Lê Văn Cường", None, None),
    (date(2017, 12, 15), "escalation-1", "Lê Văn Cường", 1, False),
    (date(2017, 12, 19), "escalation-2", "Phạm Thị Dung", 2, False),  # STTTT's own manager
    (date(2017, 12, 25), "escalation-3", "Nguyễn Văn An", 3, False),  # the coordinator, SNGV
    (date(2018, 1, 9), "escalation-3.1", "Nguyễn Văn An", 4, False),
    (date(2018, 1, 23), "escalation-3.2", "Nguyễn Văn An", 5, True),
]


def _season(engine, rt, ids, *, on_day=None) -> list[tuple]:
    """Sweep every morning from 20/11/2017 to 28/2/2018; the STTTT report's messages, by due day."""
    day = date(2017, 11, 20)
    while day <= date(2018, 2, 28):
        sweep(engine, rt, rt.calendar().at_local(day, rt.settings.office_start) - timedelta(minutes=30))
        if on_day:
            on_day(day)
        day += timedelta(days=1)
    with Session(engine) as session:
        occurrence = session.scalars(select(Occurrence).where(
            Occurrence.agency_id == ids["STTTT"], Occurrence.obligation_id == ids["report"],
            Occurrence.period_key == "2017-12-15")).one()
        rows = session.scalars(select(Notification).where(Notification.occurrence_id == occurrence.id)
                               .order_by(Notification.due_at)).all()
        names = {c.id: c.name for c in session.scalars(select(Contact))}
        calendar = rt.calendar()
        return [(calendar.local_date(n.due_at), n.step.split("/")[1], names.get(n.recipient_id),
                 (n.payload or {}).get("number"), (n.payload or {}).get("last"))
                for n in rows if n.kind in ("reminder", "due_today", "escalation")]


def test_day_by_day_the_agency_then_its_manager_then_the_coordinator_and_the_chain_ends(engine, rt):
    ids = build(engine)
    assert _season(engine, rt, ids) == WITHOUT_BLOCKER


def test_a_blocker_pauses_the_escalation_and_its_resolution_resumes_it_from_where_it_stood(engine, rt):
    """Raised Monday 18/12 (after escalation 1, a working day before escalation 2), resolved Monday 8/1:
    fourteen working days. Escalation 2, due a working day after the raising, comes a working day after
    the resolution; the later ones keep their spacing."""
    ids = build(engine)
    blocker_ids = []

    def act(day):
        with Session(engine) as session, session.begin():
            occurrence = session.scalars(select(Occurrence).where(
                Occurrence.agency_id == ids["STTTT"], Occurrence.obligation_id == ids["report"],
                Occurrence.period_key == "2017-12-15")).first()
            if day == date(2017, 12, 18):
                blocker = actions.raise_blocker(session, rt, occurrence.id, as_of=vn(2017, 12, 18, 10),
                                                actor="Lê Văn Cường", text="Chưa có số liệu của các phòng")
                blocker_ids.append(blocker.id)
            if day == date(2018, 1, 8):
                actions.resolve_blocker(session, rt, blocker_ids[0], as_of=vn(2018, 1, 8, 15), actor="Nguyễn Văn An",
                                        note="Dùng số liệu đến 30/11")

    got = _season(engine, rt, ids, on_day=act)
    assert got == WITHOUT_BLOCKER[:4] + [
        (date(2018, 1, 9), "escalation-2", "Phạm Thị Dung", 2, False),
        (date(2018, 1, 15), "escalation-3", "Nguyễn Văn An", 3, False),
        (date(2018, 1, 29), "escalation-3.1", "Nguyễn Văn An", 4, False),
        (date(2018, 2, 12), "escalation-3.2", "Nguyễn Văn An", 5, True),
    ]
    with Session(engine) as session:
        told = session.scalars(select(Notification.kind).where(Notification.step == f"blocker-{blocker_ids[0]}")).all()
    assert told == ["blocker"]  # the coordinator heard of it at once


def test_an_agency_without_a_manager_reaches_the_coordinator_never_the_leadership(engine, rt):
    ids = build(engine)
    sweep(engine, rt, vn(2017, 12, 19, 7, 30))
    with Session(engine) as session:
        rows = session.execute(
            select(Notification.step, Contact.name, Notification.payload)
            .join(Occurrence, Occurrence.id == Notification.occurrence_id)
            .join(Contact, Contact.id == Notification.recipient_id)
            .where(Occurrence.agency_id == ids["UBND-NHA-TRANG"], Notification.status == "pending")
        ).all()
    assert [(r.step.split("/")[1], r.name, r.payload["notify"]) for r in rows] == [
        ("escalation-2", "Nguyễn Văn An", "coordinator")
    ]


# ------------------------------------------------------------------------------ what `load` says and keeps

EXAMPLE = CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml"
LOADED_AT = vn(2017, 4, 1, 8)


def _load(engine, tmp_path, text: str):
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return load_file(engine, path, defaults=read_defaults(CONFIG_DIR / "defaults.yaml"), as_of=LOADED_AT)


def test_load_warns_of_agencies_whose_manager_step_falls_to_the_coordinator(engine, tmp_path):
    summary = _load(engine, tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    assert len(summary.warnings) == 1
    warning = summary.warnings[0]
    assert warning.startswith("Cảnh báo: 17 cơ quan chưa có lãnh đạo (role: manager)")
    assert "SVHTT" in warning and "STTTT" not in warning and "người điều phối của SNGV" in warning
    assert str(summary).splitlines()[-1] == warning


def test_load_warns_of_continuous_tasks_no_report_covers(engine, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        'kind: recurring, rrule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31", inclusive: true',
        "kind: once, due: 2020-12-31, inclusive: true",
    )
    summary = _load(engine, tmp_path, text)
    uncovered = [w for w in summary.warnings if "nhiệm vụ thường xuyên" in w]
    # SNGV's own yearly report (III.1.9) became a single deadline: its continuous tasks are covered by nothing.
    assert len(uncovered) == 1 and uncovered[0].startswith("Cảnh báo: 8 nhiệm vụ thường xuyên")
    assert "III.1.1" in uncovered[0] and "checkin: quarterly" in uncovered[0]


def test_the_leadership_in_a_chain_is_refused_with_the_reason(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "{after: 7, notify: coordinator, repeat: 10, max: 2}", "{after: 15, notify: plan_manager}", 1
    )
    with pytest.raises(FileError) as caught:
        parse_plan_file(text, source="plan.yaml", defaults=read_defaults(CONFIG_DIR / "defaults.yaml"))
    assert "plan_manager is no longer a step: the plan's manager receives the monthly report" in str(caught.value)


def test_check_ins_are_asked_by_the_plan_or_the_task_and_titles_are_kept(engine, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "  manager: UBND-TINH\n", "  manager: UBND-TINH\n  checkin: semiannual\n", 1
    ).replace('"Tăng cường công tác thông tin"}', '"Tăng cường công tác thông tin", checkin: quarterly}')
    _load(engine, tmp_path, text)
    with Session(engine) as session:
        rules = {o.ref: o.checkin_rrule for o in session.scalars(select(Obligation))}
        titles = {c.name: c.title for c in session.scalars(select(Contact))}
    assert rules["III.1.1"] == CHECKINS["quarterly"]  # the task's own
    assert rules["III.1.2"] == CHECKINS["semiannual"]  # the plan's
    assert rules["III.6.4"] is None  # not continuous
    assert titles["Võ Minh Khôi"] == "Giám đốc" and titles["Nguyễn Hoàng Anh Thư"] is None


def test_without_check_ins_the_example_asks_only_for_the_reports_the_plan_names(engine, tmp_path):
    _load(engine, tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    sweep(engine, Runtime(Settings()), vn(2018, 1, 1, 7, 30))
    with Session(engine) as session:
        kinds = set(session.scalars(
            select(Obligation.schedule_kind).join(Occurrence, Occurrence.obligation_id == Obligation.id)))
        checkins = session.scalars(select(Occurrence).where(Occurrence.checkin)).all()
    assert kinds == {"recurring", "cycle"} and checkins == []  # III.5.2c, once, falls due in 2020
