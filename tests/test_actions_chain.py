"""What coordinators and focal points do to an occurrence, and what the focal point is told.

Extensions after the deadline keep the work late; every coordinator's decision reaches the agency's
focal point through the outbox (also once the occurrence is settled); blockers are resolved and listed;
the same actions through the command line.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from obligations import terminal
from obligations.cli import app
from obligations.flows import actions
from obligations.flows.actions import ActionError
from obligations.flows.dispatch import dispatch
from obligations.flows.report import list_blockers
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationKind, NotificationStatus
from obligations.models.tables import (
    AuditLog,
    Blocker,
    Contact,
    ExtensionRequest,
    Notification,
    Occurrence,
)
from obligations.rules.status import Status, done_status
from tests.world import build, vn

# The STTTT focal point of tests.world, who is told every decision about STTTT's report.
FOCAL_POINT, FOCAL_POINT_EMAIL = "Lê Văn Cường", "user2@example.org"
# The 2017 report is due before 15/12/2017: its last day is Thursday 14/12/2017.
DEADLINE_2017 = vn(2017, 12, 15)


def test_lateness_is_judged_against_the_missed_deadline_when_there_is_one():
    extended = vn(2017, 12, 30)
    assert done_status(vn(2017, 12, 14, 16), DEADLINE_2017) == Status.DONE_ON_TIME
    assert done_status(vn(2017, 12, 15, 8), DEADLINE_2017) == Status.DONE_LATE
    # Extended before the deadline: judged against the new one.
    assert done_status(vn(2017, 12, 28, 9), extended) == Status.DONE_ON_TIME
    # Extended after 15/12 had passed: late, however much time was granted.
    assert done_status(vn(2017, 12, 28, 9), extended, DEADLINE_2017) == Status.DONE_LATE
    assert done_status(vn(2017, 12, 14, 9), extended, DEADLINE_2017) == Status.DONE_ON_TIME


@pytest.fixture
def world(engine, rt):
    """tests.world swept on 01/12/2017: STTTT's 2017 report is open. Returns (ids, its occurrence id)."""
    ids = build(engine)
    sweep(engine, rt, vn(2017, 12, 1, 7))
    with Session(engine) as session:
        occurrence_id = session.scalars(
            select(Occurrence.id).where(Occurrence.agency_id == ids["STTTT"],
                                        Occurrence.obligation_id == ids["report"])
        ).one()
    return ids, occurrence_id


def _audit(session: Session, action: str) -> list[dict]:
    return [row.details for row in session.scalars(select(AuditLog).where(AuditLog.action == action)
                                                   .order_by(AuditLog.id))]


def _decisions(session: Session, occurrence_id: int) -> list[Notification]:
    return list(session.scalars(
        select(Notification).where(Notification.occurrence_id == occurrence_id,
                                   Notification.kind == NotificationKind.DECISION).order_by(Notification.id)
    ))


def test_an_extension_after_the_deadline_needs_the_flag_and_a_reason_and_stays_late(engine, rt, world):
    _, occurrence_id = world
    after = vn(2017, 12, 19, 9)
    for flag, reason in ((False, "Bổ sung số liệu"), (True, None), (True, "   ")):
        with pytest.raises(ActionError, match="--after-deadline --reason"), session_scope(engine) as session:
            actions.extend(session, rt, occurrence_id, until=date(2017, 12, 29), as_of=after, actor="SNGV",
                           reason=reason, after_deadline=flag)
    with session_scope(engine) as session:
        actions.extend(session, rt, occurrence_id, until=date(2017, 12, 29), as_of=after, actor="SNGV",
                       reason="Bổ sung số liệu", after_deadline=True)
    with session_scope(engine) as session:
        occurrence = session.get(Occurrence, occurrence_id)
        assert occurrence.missed_deadline == DEADLINE_2017
        assert occurrence.effective_deadline == vn(2017, 12, 30)
        assert Status(occurrence.status) == Status.DUE_SOON  # open again, inside the reminder window
        # The new deadline passes too: a second extension keeps the first deadline missed.
        actions.extend(session, rt, occurrence_id, until=date(2018, 1, 10), as_of=vn(2018, 1, 2, 9), actor="SNGV",
                       reason="Chờ số liệu quý IV", after_deadline=True)
    with session_scope(engine) as session:
        assert session.get(Occurrence, occurrence_id).missed_deadline == DEADLINE_2017
        actions.submit(session, occurrence_id, as_of=vn(2018, 1, 8, 10), actor=FOCAL_POINT)
        assert actions.accept(session, rt, occurrence_id, as_of=vn(2018, 1, 9, 9), actor="SNGV") == Status.DONE_LATE
    with Session(engine) as session:
        first, second = _audit(session, "extend")
        [accepted] = _audit(session, "accept")
    assert first["previous"] == DEADLINE_2017.isoformat() and first["new"] == vn(2017, 12, 30).isoformat()
    assert first["after_deadline"] is True and first["missed_deadline"] == DEADLINE_2017.isoformat()
    assert second["previous"] == vn(2017, 12, 30).isoformat() and second["new"] == vn(2018, 1, 11).isoformat()
    assert second["missed_deadline"] == DEADLINE_2017.isoformat()
    assert accepted["status"] == "done_late" and accepted["missed_deadline"] == DEADLINE_2017.isoformat()


def test_an_extension_before_the_deadline_moves_it_and_keeps_on_time(engine, rt, world):
    _, occurrence_id = world
    with session_scope(engine) as session:
        actions.extend(session, rt, occurrence_id, until=date(2017, 12, 29), as_of=vn(2017, 12, 5, 9), actor="SNGV")
        actions.submit(session, occurrence_id, as_of=vn(2017, 12, 27, 10), actor=FOCAL_POINT)
        status = actions.accept(session, rt, occurrence_id, as_of=vn(2017, 12, 28, 9), actor="SNGV")
        assert session.get(Occurrence, occurrence_id).missed_deadline is None
    assert status == Status.DONE_ON_TIME
    with Session(engine) as session:
        [extended] = _audit(session, "extend")
    assert extended["after_deadline"] is False and extended["missed_deadline"] is None


def test_extension_requests_one_at_a_time_granted_or_refused(engine, rt, world):
    _, occurrence_id = world
    at = vn(2017, 12, 5, 9)
    with session_scope(engine) as session:
        with pytest.raises(ActionError, match="cần ghi lý do"):
            actions.request_extension(session, rt, occurrence_id, until=date(2017, 12, 29), as_of=at,
                                      actor=FOCAL_POINT, reason=" ")
        with pytest.raises(ActionError, match="không có đề nghị gia hạn nào đang chờ"):
            actions.refuse_extension(session, rt, occurrence_id, as_of=at, actor="SNGV", reason="Không")
        first = actions.request_extension(session, rt, occurrence_id, until=date(2017, 12, 29), as_of=at,
                                          actor=FOCAL_POINT, reason="Chờ số liệu")
        with pytest.raises(ActionError, match=f"đề nghị gia hạn số {first.id} .* đang chờ"):
            actions.request_extension(session, rt, occurrence_id, until=date(2017, 12, 22), as_of=at,
                                      actor=FOCAL_POINT, reason="Lần nữa")
        with pytest.raises(ActionError, match="phải sau hạn hiện tại 14/12/2017"):
            actions.request_extension(session, rt, occurrence_id, until=date(2017, 12, 10), as_of=at,
                                      actor=FOCAL_POINT, reason="Sớm hơn")
        extension = actions.extend(session, rt, occurrence_id, until=date(2017, 12, 29), as_of=vn(2017, 12, 6, 9),
                                   actor="SNGV", reason="Đồng ý")
        second = actions.request_extension(session, rt, occurrence_id, until=date(2018, 1, 15),
                                           as_of=vn(2017, 12, 20, 9), actor=FOCAL_POINT, reason="Thêm thời gian")
        actions.refuse_extension(session, rt, occurrence_id, as_of=vn(2017, 12, 21, 9), actor="SNGV",
                                 reason="Đã gia hạn một lần")
    with Session(engine) as session:
        granted, refused = session.scalars(select(ExtensionRequest).order_by(ExtensionRequest.id)).all()
        events = [n.payload["event"] for n in _decisions(session, occurrence_id)]
        requested = _audit(session, "request_extension")
    assert (granted.id, granted.state, granted.extension_id, granted.decided_by) == (
        first.id, "granted", extension.id, "SNGV")
    assert (refused.id, refused.state, refused.decision_note) == (second.id, "refused", "Đã gia hạn một lần")
    assert events == ["extension_granted", "extension_refused"]  # asking is not told to anyone
    assert [r["until"] for r in requested] == ["2017-12-29", "2018-01-15"]


def _mail_with(inbox, needle: str):
    """The one message whose plain text holds ``needle``."""
    found = [m for m in inbox() if needle in m.get_body(preferencelist=("plain",)).get_content()]
    assert len(found) == 1, needle
    return found[0]


def test_every_decision_is_told_to_the_focal_point_and_sent_even_once_settled(engine, rt, world, inbox):
    ids, occurrence_id = world
    with session_scope(engine) as session:
        other = session.scalars(select(Occurrence.id).where(Occurrence.agency_id == ids["UBND-NHA-TRANG"],
                                                            Occurrence.obligation_id == ids["report"])).one()
        actions.submit(session, occurrence_id, as_of=vn(2017, 12, 11, 9), actor=FOCAL_POINT)
        actions.return_submission(session, rt, occurrence_id, as_of=vn(2017, 12, 12, 9), actor="SNGV",
                                  note="Thiếu số liệu quý IV")
        # Resubmitted before the notice went out: the notice still goes (only the ladder is stopped).
        actions.submit(session, occurrence_id, as_of=vn(2017, 12, 12, 10), actor=FOCAL_POINT)
    assert dispatch(engine, rt, vn(2017, 12, 12, 11)).get("sent", 0) >= 1
    returned = _mail_with(inbox, "Thiếu số liệu quý IV")
    assert returned["To"] == FOCAL_POINT_EMAIL

    with session_scope(engine) as session:
        actions.accept(session, rt, occurrence_id, as_of=vn(2017, 12, 13, 9), actor="SNGV", note="Tốt")
        blocker = actions.raise_blocker(session, rt, occurrence_id, as_of=vn(2017, 12, 13, 9, 30), actor=FOCAL_POINT,
                                        text="Chưa có kinh phí in ấn")
        actions.resolve_blocker(session, rt, blocker.id, as_of=vn(2017, 12, 13, 10), actor="SNGV",
                                note="Đã bố trí kinh phí từ nguồn dự phòng")
        actions.request_extension(session, rt, other, until=date(2017, 12, 29), as_of=vn(2017, 12, 13, 9),
                                  actor="Hoàng Văn Em", reason="Chờ số liệu")
        actions.refuse_extension(session, rt, other, as_of=vn(2017, 12, 13, 10), actor="SNGV",
                                 reason="Hạn đã được báo từ đầu năm")
        actions.extend(session, rt, other, until=date(2017, 12, 22), as_of=vn(2017, 12, 13, 11), actor="SNGV",
                       reason="Theo chỉ đạo của Giám đốc")
        actions.waive(session, rt, other, as_of=vn(2017, 12, 13, 14), actor="SNGV", reason="Sáp nhập đơn vị")
    with Session(engine) as session:
        told = _decisions(session, occurrence_id) + _decisions(session, other)
        audit_ids = {row.id: row.action for row in session.scalars(select(AuditLog))}
        recipients = {c.id: c.name for c in session.scalars(select(Contact))}
    payloads = {n.payload["event"]: n.payload for n in told}
    assert [n.payload["event"] for n in told] == [
        "returned", "accepted", "blocker_resolved", "extension_refused", "extension_granted", "waived"]
    assert {recipients[n.recipient_id] for n in told[:3]} == {FOCAL_POINT}
    assert {recipients[n.recipient_id] for n in told[3:]} == {"Hoàng Văn Em"}
    for note in told:  # each keyed by its own audit row, so each event is told once
        assert note.step.startswith("decision-") and int(note.step.removeprefix("decision-")) in audit_ids
        assert note.payload["notify"] == "focal_point" and note.payload["actor"] == "SNGV"
    assert payloads["returned"] == {"notify": "focal_point", "event": "returned", "note": "Thiếu số liệu quý IV",
                                    "actor": "SNGV", "on": "2017-12-12"}
    assert payloads["accepted"]["status"] == "done_on_time" and payloads["accepted"]["note"] == "Tốt"
    assert payloads["blocker_resolved"]["blocker_text"] == "Chưa có kinh phí in ấn"
    assert payloads["blocker_resolved"]["note"] == "Đã bố trí kinh phí từ nguồn dự phòng"
    assert payloads["extension_refused"]["note"] == "Hạn đã được báo từ đầu năm"
    assert {k: payloads["extension_granted"][k] for k in ("until", "previous", "after_deadline", "on")} == {
        "until": "2017-12-22", "previous": "2017-12-14", "after_deadline": False, "on": "2017-12-13"}
    assert payloads["waived"]["note"] == "Sáp nhập đơn vị"
    json.dumps([n.payload for n in told])  # facts only: JSON-safe

    # Both occurrences are settled now (done, waived); their decisions are sent all the same.
    dispatch(engine, rt, vn(2017, 12, 13, 15))
    with Session(engine) as session:
        statuses = {n.payload["event"]: n.status for n in _decisions(session, occurrence_id)
                    + _decisions(session, other)}
    assert set(statuses.values()) == {NotificationStatus.SENT}, statuses
    for needle in ("Tốt", "Đã bố trí kinh phí từ nguồn dự phòng", "Hạn đã được báo từ đầu năm",
                   "Theo chỉ đạo của Giám đốc", "Sáp nhập đơn vị"):
        assert _mail_with(inbox, needle)["To"] in {FOCAL_POINT_EMAIL, "user4@example.org"}


def test_a_focal_point_reading_english_is_told_in_english(engine, rt, world, inbox):
    _, occurrence_id = world
    with session_scope(engine) as session:
        contact = session.scalars(select(Contact).where(Contact.name == FOCAL_POINT)).one()
        contact.language = "en"
        actions.submit(session, occurrence_id, as_of=vn(2017, 12, 11, 9), actor=FOCAL_POINT)
        actions.return_submission(session, rt, occurrence_id, as_of=vn(2017, 12, 12, 9), actor="SNGV",
                                  note="Missing the fourth quarter")
    dispatch(engine, rt, vn(2017, 12, 12, 9))
    mail = _mail_with(inbox, "Missing the fourth quarter")
    assert mail["To"] == FOCAL_POINT_EMAIL and "Dear" in mail.get_body(preferencelist=("plain",)).get_content()


def test_a_focal_point_missing_leaves_a_dead_notice_for_the_coordinator(engine, rt, world):
    _, occurrence_id = world
    with session_scope(engine) as session:
        session.scalars(select(Contact).where(Contact.name == FOCAL_POINT)).one().active = False
    with session_scope(engine) as session:
        actions.waive(session, rt, occurrence_id, as_of=vn(2017, 12, 5, 9), actor="SNGV", reason="Không còn cần")
    with Session(engine) as session:
        [notice] = _decisions(session, occurrence_id)
    assert notice.status == NotificationStatus.DEAD and "focal_point" in notice.last_error


def test_resolving_a_blocker_sets_its_fields_once_and_wakes_the_sweep(engine, rt, world):
    ids, occurrence_id = world
    with session_scope(engine) as session:
        blocker = actions.raise_blocker(session, rt, occurrence_id, as_of=vn(2017, 12, 18, 9), actor=FOCAL_POINT,
                                        text="Chưa nhận được số liệu")
        session.get(Occurrence, occurrence_id).next_action_at = None  # the sweep's pause while it is open
    with session_scope(engine) as session, pytest.raises(ActionError, match="cần ghi cách giải quyết"):
        actions.resolve_blocker(session, rt, blocker.id, as_of=vn(2017, 12, 19, 9), actor="SNGV", note="")
    with session_scope(engine) as session, pytest.raises(ActionError, match="resolved before it was raised"):
        actions.resolve_blocker(session, rt, blocker.id, as_of=vn(2017, 12, 17, 9), actor="SNGV", note="Sớm")
    with session_scope(engine) as session:
        actions.resolve_blocker(session, rt, blocker.id, as_of=vn(2017, 12, 20, 9), actor="SNGV",
                                note="Sở Tài chính đã gửi số liệu")
    with Session(engine) as session:
        stored = session.get(Blocker, blocker.id)
        woken = session.get(Occurrence, occurrence_id).next_action_at
        [resolved] = _audit(session, "resolve_blocker")
    assert (stored.resolved_at, stored.resolved_by, stored.resolution_note) == (
        vn(2017, 12, 20, 9), "SNGV", "Sở Tài chính đã gửi số liệu")
    assert woken == vn(2017, 12, 20, 9)
    assert resolved == {"blocker": blocker.id, "note": "Sở Tài chính đã gửi số liệu"}
    with session_scope(engine) as session, pytest.raises(ActionError, match="đã được giải quyết"):
        actions.resolve_blocker(session, rt, blocker.id, as_of=vn(2017, 12, 21, 9), actor="SNGV", note="Lần nữa")
    with session_scope(engine) as session, pytest.raises(ActionError, match="không có vướng mắc số 999"):
        actions.resolve_blocker(session, rt, 999, as_of=vn(2017, 12, 21, 9), actor="SNGV", note="Không có")


def test_resolving_leaves_an_earlier_wake_up_and_a_settled_occurrence_alone(engine, rt, world):
    _, occurrence_id = world
    with session_scope(engine) as session:
        first = actions.raise_blocker(session, rt, occurrence_id, as_of=vn(2017, 12, 18, 9), actor=FOCAL_POINT,
                                      text="Một")
        second = actions.raise_blocker(session, rt, occurrence_id, as_of=vn(2017, 12, 18, 9), actor=FOCAL_POINT,
                                       text="Hai")
        session.get(Occurrence, occurrence_id).next_action_at = vn(2017, 12, 19, 8)
    with session_scope(engine) as session:
        actions.resolve_blocker(session, rt, first.id, as_of=vn(2017, 12, 20, 9), actor="SNGV", note="Xong")
        assert session.get(Occurrence, occurrence_id).next_action_at == vn(2017, 12, 19, 8)
        actions.waive(session, rt, occurrence_id, as_of=vn(2017, 12, 21, 9), actor="SNGV", reason="Miễn")
        actions.resolve_blocker(session, rt, second.id, as_of=vn(2017, 12, 22, 9), actor="SNGV", note="Xong")
        assert session.get(Occurrence, occurrence_id).next_action_at is None


def test_blockers_are_listed_open_or_all_by_plan(engine, rt, world):
    ids, occurrence_id = world
    with session_scope(engine) as session:
        other = session.scalars(select(Occurrence.id).where(Occurrence.agency_id == ids["UBND-NHA-TRANG"])).first()
        first = actions.raise_blocker(session, rt, occurrence_id, as_of=vn(2017, 12, 4, 9), actor=FOCAL_POINT,
                                      text="Chưa có kinh phí")
        actions.raise_blocker(session, rt, other, as_of=vn(2017, 12, 5, 9), actor="Hoàng Văn Em",
                              text="Thiếu nhân sự")
        actions.resolve_blocker(session, rt, first.id, as_of=vn(2017, 12, 6, 9), actor="SNGV", note="Đã cấp")
    with Session(engine) as session:
        everything = list_blockers(session, open_only=False)
        still_open = list_blockers(session, open_only=True)
        in_plan = list_blockers(session, open_only=False, plan="kh-test")
        elsewhere = list_blockers(session, open_only=False, plan="khac")
    assert [b.text for b in everything] == ["Chưa có kinh phí", "Thiếu nhân sự"]
    assert [b.text for b in still_open] == ["Thiếu nhân sự"] and still_open[0].resolved_at is None
    resolved = everything[0]
    assert (resolved.occurrence_id, resolved.agency_name, resolved.ref, resolved.title) == (
        occurrence_id, "Sở Thông tin và Truyền thông", "III.6.4", "Báo cáo kết quả hằng năm")
    assert (resolved.raised_by, resolved.resolved_at, resolved.resolved_by, resolved.resolution_note) == (
        FOCAL_POINT, vn(2017, 12, 6, 9), "SNGV", "Đã cấp")
    assert resolved.as_dict()["resolved_at"] == vn(2017, 12, 6, 9).isoformat()
    assert len(in_plan) == 2 and elsewhere == []


# ------------------------------------------------------------------------------ the command line

runner = CliRunner()
AT = ("--as-of", "2017-12-19T09:00+07:00")


@pytest.fixture
def cli(sqlite_url, sqlite_engine, rt, tmp_path, monkeypatch):
    """(invoke, STTTT's 2017 report) on tests.world swept on 01/12/2017, in a SQLite file."""
    monkeypatch.setenv("OBLIGATIONS_EMAIL_URL", f"maildir://{tmp_path}/maildir")
    monkeypatch.setenv("OBLIGATIONS_ZALO_URL", f"maildir://{tmp_path}/maildir")
    monkeypatch.setattr(terminal.out, "width", 250)  # no cell of a table wraps: the text is checked, not rich
    ids = build(sqlite_engine)
    sweep(sqlite_engine, rt, vn(2017, 12, 1, 7))
    with Session(sqlite_engine) as session:
        occurrence_id = session.scalars(select(Occurrence.id).where(Occurrence.agency_id == ids["STTTT"])).one()
    return (lambda *args: runner.invoke(app, ["--database-url", sqlite_url, *args])), occurrence_id


def _one_line_error(result, needle: str) -> None:
    assert result.exit_code == 2, result.output
    assert needle in result.output and result.output.startswith("Lỗi:") and result.output.count("\n") == 1


def test_extensions_through_the_command_line(cli, sqlite_engine):
    invoke, occurrence = cli
    _one_line_error(invoke("extend", str(occurrence), "--until", "2017-12-29", *AT), "--after-deadline --reason")
    _one_line_error(invoke("extend", str(occurrence), "--until", "2017-12-29", "--after-deadline", *AT),
                    "--after-deadline --reason")
    asked = invoke("extension", "request", str(occurrence), "--until", "2017-12-29", "--reason", "Chờ số liệu", *AT,
                   "--by", FOCAL_POINT)
    assert asked.exit_code == 0 and "chờ cơ quan điều phối quyết định" in asked.output, asked.output
    _one_line_error(invoke("extension", "request", str(occurrence), "--until", "2017-12-29", "--reason", "Lại",
                           *AT), "đang chờ")
    refused = invoke("extension", "refuse", str(occurrence), "--reason", "Không đủ căn cứ", *AT, "--by", "SNGV")
    assert refused.exit_code == 0 and "Đã từ chối đề nghị gia hạn" in refused.output, refused.output
    _one_line_error(invoke("extension", "refuse", str(occurrence), "--reason", "x", *AT), "không có đề nghị")
    granted = invoke("extend", str(occurrence), "--until", "2017-12-29", "--after-deadline", "--reason",
                     "Theo chỉ đạo", *AT)
    assert granted.exit_code == 0 and "vẫn xét theo hạn đã qua" in granted.output, granted.output
    _one_line_error(invoke("extension", "request", "999999", "--until", "2017-12-29", "--reason", "x", *AT),
                    "không có kỳ thực hiện số 999999")
    with Session(sqlite_engine) as session:
        assert session.get(Occurrence, occurrence).missed_deadline == DEADLINE_2017
        assert [n.payload["event"] for n in _decisions(session, occurrence)] == [
            "extension_refused", "extension_granted"]


def test_blockers_through_the_command_line(cli):
    invoke, occurrence = cli
    raised = invoke("blocker", "raise", str(occurrence), "Chưa có kinh phí", *AT, "--by", FOCAL_POINT)
    assert raised.exit_code == 0, raised.output
    blocker = int(raised.output.split("vướng mắc số ")[1].split()[0])
    listed = invoke("blockers", "--open")
    assert listed.exit_code == 0 and "Vướng mắc đang mở" in listed.output and "Chưa có kinh phí" in listed.output
    assert "Sở Thông tin và Truyền thông" in listed.output and "19/12/2017 09:00, Lê Văn Cường" in listed.output
    resolved = invoke("blocker", "resolve", str(blocker), "--note", "Đã cấp kinh phí", "--as-of",
                      "2017-12-20T09:00+07:00", "--by", "SNGV")
    assert resolved.exit_code == 0 and f"Đã giải quyết vướng mắc số {blocker}" in resolved.output
    _one_line_error(invoke("blocker", "resolve", str(blocker), "--note", "Lần nữa", *AT), "đã được giải quyết")
    _one_line_error(invoke("blocker", "resolve", "999999", "--note", "x", *AT), "không có vướng mắc số 999999")
    _one_line_error(invoke("blocker", "resolve", "0", "--note", "x", *AT), "(blocker id out of range)")
    assert "Không có vướng mắc nào đang mở." in invoke("blockers", "--open").output
    everything = invoke("blockers", "--plan", "kh-test")
    assert "20/12/2017 09:00, SNGV: Đã cấp kinh phí" in everything.output
    [row] = json.loads(invoke("blockers", "--json").stdout)
    assert (row["id"], row["occurrence_id"], row["resolution_note"]) == (blocker, occurrence, "Đã cấp kinh phí")
    assert invoke("blockers", "--open", "--json").stdout.strip() == "[]"


def test_the_old_blocker_command_is_now_a_group(cli):
    invoke, occurrence = cli
    result = invoke("blocker", str(occurrence), "Chưa có kinh phí", *AT)
    assert result.exit_code == 2 and "không lường trước" not in result.output
