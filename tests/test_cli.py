"""The command line, in process: exit codes, messages, and the database left as it was on bad input."""

from __future__ import annotations

import email
import json
import os
import shutil
import socket
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import typer
from sqlalchemy import select, update
from sqlmodel import Session
from typer.testing import CliRunner

from obligations.cli import app
from obligations.config.settings import Settings, settings_in_force
from obligations.models.db import create_db_engine
from obligations.models.tables import AuditLog, Obligation, Occurrence, PolicyRow
from obligations.rules.status import OPEN
from tests.test_load import BOMB, dump
from tests.world import vn

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "examples" / "khanh-hoa-2017-2020.yaml"
runner = CliRunner()


@pytest.fixture
def cli(sqlite_url, sqlite_engine, monkeypatch, tmp_path):
    monkeypatch.setenv("OBLIGATIONS_EMAIL_URL", f"maildir://{tmp_path}/maildir")
    monkeypatch.setenv("OBLIGATIONS_ZALO_URL", f"maildir://{tmp_path}/maildir")

    def invoke(*args: str):
        return runner.invoke(app, ["--database-url", sqlite_url, *args])

    return invoke


def loaded(cli):
    result = cli("load", str(EXAMPLE), "--as-of", "2017-04-01T00:00+07:00")
    assert result.exit_code == 0, result.output
    return result


def test_every_command_has_help():
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert {"load", "sweep", "dispatch", "status", "submit", "accept", "return", "extend", "waive",
            "simulate", "demo"} <= set(commands)
    for name in commands:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, name
    for command in typer.main.get_command(app).commands.values():
        assert command.help, command.name
    assert runner.invoke(app, ["db", "upgrade", "--help"]).exit_code == 0


EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
BAD_FILES = {
    "broken_yaml": ("plan: {code: x, title: [unclosed\n", "broken_yaml.yaml:2: (yaml)"),
    "unknown_agency": (EXAMPLE.read_text(encoding="utf-8").replace("lead: SNGV", "lead: SNGV-XYZ", 1),
                       "SNGV-XYZ", "lead"),
    "invalid_rrule": (EXAMPLE.read_text(encoding="utf-8").replace("BYMONTHDAY=15", "BYMONTHDAY=45", 1),
                      "BYMONTHDAY", "rrule"),
    "naive_datetime": (EXAMPLE.read_text(encoding="utf-8").replace("start: 2017-04-01", "start: 2017-04-01T08:00:00",
                                                                   1), "naive", "plan.start"),
    # Limits (docs/coordinator-file.md): each was a crash, or a row that failed later, before they were bounded.
    "nul": (EXAMPLE_TEXT.replace('name: "Sở Ngoại vụ"', 'name: "Sở\\0 Ngoại vụ"', 1),
            "agencies[1].name: contains the character U+0000 (NUL)"),
    "raw_nul": (EXAMPLE_TEXT.replace('name: "Sở Ngoại vụ"', 'name: "Sở\x00 Ngoại vụ"', 1),
                "(file): the character U+0000 (NUL) cannot be in the file"),
    "surrogate": (EXAMPLE_TEXT.replace('name: "Sở Ngoại vụ"', 'name: "Sở \\udc00Ngoại vụ"', 1),
                  "agencies[1].name: contains the character U+DC00 (lone surrogate)"),
    "surrogate_key": (EXAMPLE_TEXT.replace("  code: khanh-hoa", '  "\\ud800": 1\n  code: khanh-hoa', 1),
                      "plan: a key holds a character that is not text, '\\ud800'"),
    "alias_bomb": (EXAMPLE_TEXT + BOMB, "(yaml): too many values: more than 250,000"),
    "deep_nesting": (EXAMPLE_TEXT.replace("supporting: []", "supporting: " + "[" * 10_000 + "]" * 10_000, 1),
                     "(yaml): nested too deeply: more than 20 levels"),
    "before_a_million": (EXAMPLE_TEXT.replace("{before: 10}", "{before: 1000000}", 1),
                         "policies.default.reminders[0].before: must be at most 250, got 1000000"),
    "year_9999": (EXAMPLE_TEXT.replace("end: 2020-12-31", "end: 9999-12-31", 1),
                  "plan.end: the date 9999-12-31 is out of range"),
    "too_large": (EXAMPLE_TEXT + "#" * 5_000_000, ":1: (file): the file is larger than 5 MB"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_exit_2_and_change_nothing(cli, sqlite_engine, tmp_path, case):
    loaded(cli)
    before = dump(sqlite_engine)
    text, *needles = BAD_FILES[case]
    bad = tmp_path / f"{case}.yaml"
    bad.write_text(text, encoding="utf-8")
    result = cli("load", str(bad), "--as-of", "2017-05-01T00:00+07:00")
    assert result.exit_code == 2, result.output
    assert f"{bad}:" in result.output  # the file and a line number
    for needle in needles:
        assert needle in result.output
    assert "không thay đổi" in result.output
    assert dump(sqlite_engine) == before


def test_as_of_needs_an_offset(cli):
    result = cli("status", "--as-of", "2020-12-14T08:00")
    assert result.exit_code == 2 and "offset" in result.output


def test_a_season_through_the_cli(cli):
    loaded(cli)
    assert cli("sweep", "--direct", "--as-of", "2017-12-01T08:00+07:00").exit_code == 0
    status = json.loads(cli("status", "--json", "--overdue", "--as-of", "2017-12-18T09:00+07:00").stdout)
    overdue = {o["id"]: o for o in status["overdue"] if o["ref"] == "III.6.4"}
    assert len(overdue) == 22  # every member of the group owes the 2017 report
    first = min(overdue)
    assert overdue[first]["deadline"] == "2017-12-14" and overdue[first]["working_days_overdue"] == 2

    assert cli("submit", str(first), "--as-of", "2017-12-18T09:30+07:00", "--note", "Đã gửi").exit_code == 0
    result = cli("return", str(first), "--note", "Thiếu số liệu", "--as-of", "2017-12-19T09:00+07:00")
    assert result.exit_code == 0 and "Quá hạn" in result.output
    refused = cli("extend", str(first), "--until", "2017-12-29", "--as-of", "2017-12-19T09:05+07:00")
    assert refused.exit_code == 2 and "--after-deadline --reason" in refused.output  # the deadline has passed
    extended = cli("extend", str(first), "--until", "2017-12-29", "--after-deadline", "--reason", "Bổ sung số liệu",
                   "--as-of", "2017-12-19T09:05+07:00")
    assert extended.exit_code == 0 and "vẫn xét theo hạn đã qua" in extended.output, extended.output
    assert cli("submit", str(first), "--as-of", "2017-12-28T10:00+07:00").exit_code == 0
    accepted = cli("accept", str(first), "--as-of", "2017-12-29T10:00+07:00")
    assert accepted.exit_code == 0 and "Hoàn thành quá hạn" in accepted.output  # extended after its deadline

    again = cli("accept", str(first), "--as-of", "2017-12-29T10:00+07:00")
    assert again.exit_code == 2 and "chưa có báo cáo chờ duyệt" in again.output
    waived = cli("waive", str(first + 1), "--reason", "Sáp nhập đơn vị", "--as-of", "2017-12-29T10:00+07:00")
    assert waived.exit_code == 0
    assert cli("blocker", "raise", str(first + 2), "Chưa có kinh phí", "--as-of", "2017-12-29T10:00+07:00"
               ).exit_code == 0
    missing = cli("submit", "999999", "--as-of", "2017-12-29T10:00+07:00")
    assert missing.exit_code == 2 and "999999" in missing.output

    table = cli("status", "--overdue", "--agency", "STTTT", "--as-of", "2017-12-29T11:00+07:00")
    assert table.exit_code == 0 and "Nhiệm vụ quá hạn" in table.output
    summary = json.loads(cli("status", "--json", "--as-of", "2017-12-29T11:00+07:00").stdout)
    statuses = {}
    for counts in summary["by_agency"].values():
        for key, n in counts.items():
            statuses[key] = statuses.get(key, 0) + n
    assert statuses["done_late"] == 1 and "done_on_time" not in statuses and statuses["waived"] == 1


def test_sweep_and_dispatch_as_flows(prefect_harness, sqlite_url, tmp_path):
    """Run as a user does, in its own process, against the session's Prefect API (no second server)."""
    from prefect.settings import PREFECT_API_URL

    env = os.environ | {
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "OBLIGATIONS_DATABASE_URL": sqlite_url,
        "OBLIGATIONS_EMAIL_URL": f"maildir://{tmp_path}/maildir",
        "OBLIGATIONS_ZALO_URL": f"maildir://{tmp_path}/maildir",
    }
    command = [sys.executable, "-m", "obligations.cli"]

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done

    run("load", str(EXAMPLE), "--as-of", "2017-04-01T00:00+07:00")
    swept = json.loads(run("sweep", "--as-of", "2017-11-30T08:00+07:00").stdout)
    assert swept["by_kind"]["reminder"] > 0
    sent = json.loads(run("dispatch", "--as-of", "2017-11-30T08:00+07:00").stdout)
    assert sent["sent"] == sum(swept["by_kind"].values())
    mails = list((tmp_path / "maildir" / "new").iterdir())
    recipients = [email.message_from_bytes(m.read_bytes())["To"] for m in mails]
    # One message per person for the morning, however many of their tasks are due.
    assert len(recipients) == len(set(recipients)) and 1 < len(mails) < sent["sent"]


def test_an_unreachable_database_is_one_line_and_exit_3():
    """A port nothing listens on: no traceback, the password masked, exit code 3."""
    with socket.socket() as probe:  # a free port, closed again: connections to it are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{port}/test"
    result = runner.invoke(app, ["--database-url", url, "status"])
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output and "s3cret" not in result.output
    assert result.output.count("\n") <= 2 and "không dùng được cơ sở dữ liệu" in result.output


def test_a_database_without_tables_says_to_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(app, ["--database-url", url, "status"])
    assert result.exit_code == 3
    assert "obligations db upgrade" in result.output and "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "empty.db").touch()
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(app, ["--debug", "--database-url", url, "status"])
    assert result.exit_code == 1 and result.exception is not None
    assert "no such table" in str(result.exception)


# --------------------------------------------------------------------------------------------------
# Arguments of the actions: refused in one Vietnamese line, exit code 2, the database unchanged


@pytest.fixture(scope="module")
def swept_template(tmp_path_factory, sqlite_template) -> Path:
    """The example plan loaded and swept to December 2017 (occurrences open), once for the module."""
    path = tmp_path_factory.mktemp("swept") / "swept.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    assert runner.invoke(app, ["--database-url", url, "load", str(EXAMPLE), "--as-of", "2017-04-01T00:00+07:00"]
                         ).exit_code == 0
    assert runner.invoke(app, ["--database-url", url, "sweep", "--direct", "--as-of", "2017-12-01T08:00+07:00"]
                         ).exit_code == 0
    return path


@pytest.fixture
def swept(swept_template, tmp_path):
    """(invoke, engine, an open occurrence's id) on a copy of the swept database."""
    path = tmp_path / "swept.db"
    shutil.copy(swept_template, path)
    url = f"sqlite:///{path}"
    engine = create_db_engine(url)
    with engine.connect() as connection:
        open_id = connection.execute(
            select(Occurrence.id).where(Occurrence.status.in_([s.value for s in OPEN])).order_by(Occurrence.id)
        ).scalars().first()
    yield (lambda *args: runner.invoke(app, ["--database-url", url, *args])), engine, open_id
    engine.dispose()


AT = ("--as-of", "2017-12-19T09:00+07:00")
BAD_ARGUMENTS = {  # (the arguments after the command, with {id} an open occurrence, what the message says)
    "by too long": (["submit", "{id}", *AT, "--by", "x" * 201],
                    "Lỗi: --by: tên người thực hiện dài 201 ký tự, quá giới hạn 200 ký tự (at most 200 characters)"),
    "by with a control character": (["submit", "{id}", *AT, "--by", "An\x1b[31m"],
                                    "tên người thực hiện chứa ký tự không được phép U+001B (control character)"),
    "by with a line break": (["waive", "{id}", *AT, "--reason", "r", "--by", "An\nBình"],
                             "tên người thực hiện chứa ký tự không được phép U+000A (line break)"),
    "by empty": (["accept", "{id}", *AT, "--by", "  "], "cần ghi tên người thực hiện (who acts is required)"),
    "id beyond the integer range": (["submit", "99999999999999999999", *AT],
                                    "số kỳ thực hiện phải là số nguyên từ 1 đến 2147483647, không phải "
                                    "99999999999999999999 (occurrence id out of range)"),
    "id just beyond PostgreSQL's integer": (["extend", "2147483648", "--until", "2018-01-31", *AT],
                                            "không phải 2147483648 (occurrence id out of range)"),
    "id zero": (["blocker", "raise", "0", "Chưa có kinh phí", *AT], "không phải 0 (occurrence id out of range)"),
    "id negative": (["submit", *AT, "--", "-5"], "không phải -5 (occurrence id out of range)"),
    "until year 9999": (["extend", "{id}", "--until", "9999-12-31", *AT],
                        "Lỗi: --until 9999-12-31 nằm ngoài khoảng từ năm 1900 đến năm 2200 (out of range)"),
    "until past the plan's end": (["extend", "{id}", "--until", "2026-01-01", *AT],
                                  "hạn mới 01/01/2026 quá xa: muộn nhất là 31/12/2025"),
    "as-of year 1": (["submit", "{id}", "--as-of", "0001-01-01T00:00+07:00"],
                     "Lỗi: --as-of 0001-01-01T00:00+07:00 nằm ngoài khoảng từ năm 1970 đến năm 2200 (out of range)"),
    "as-of year 9999": (["return", "{id}", "--note", "n", "--as-of", "9999-12-31T23:59+00:00"],
                        "--as-of 9999-12-31T23:59+00:00 nằm ngoài khoảng từ năm 1970 đến năm 2200"),
    "note with NUL": (["submit", "{id}", *AT, "--note", "Đã\x00 gửi"],
                      "ghi chú chứa ký tự không được phép U+0000 (NUL)"),
    "reason too long": (["waive", "{id}", *AT, "--reason", "x" * 20_001],
                        "lý do dài 20001 ký tự, quá giới hạn 20000 ký tự"),
    "blocker text with a lone surrogate": (["blocker", "raise", "{id}", "Chưa có \udcff kinh phí", *AT],
                                           "mô tả vướng mắc chứa ký tự không được phép U+DCFF (lone surrogate)"),
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_exit_2_and_change_nothing(swept, case):
    invoke, engine, open_id = swept
    arguments, message = BAD_ARGUMENTS[case]
    before = dump(engine)
    result = invoke(*[a.replace("{id}", str(open_id)) for a in arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output  # one line
    assert dump(engine) == before


def test_arguments_at_their_bounds_are_accepted(swept):
    invoke, engine, open_id = swept
    at_most = invoke("extend", str(open_id), "--until", "2025-12-31", *AT, "--by", "B" * 200, "--reason", "x" * 20_000)
    assert at_most.exit_code == 0, at_most.output
    with engine.connect() as connection:
        actors = connection.execute(select(AuditLog.actor).where(AuditLog.action == "extend")).scalars().all()
    assert actors == ["B" * 200]
    multiline = invoke("submit", str(open_id), "--as-of", "2200-12-31T08:00+07:00", "--note", "Dòng 1\n\tDòng 2")
    assert multiline.exit_code == 0, multiline.output


def test_the_arguments_are_checked_for_every_caller_of_act():
    """A web app calls entry.act, not the command line: the same checks, before any database is opened."""
    from obligations.flows.actions import ActionError
    from obligations.flows.entry import act

    moment = datetime(2017, 12, 19, 9, tzinfo=timezone(timedelta(hours=7)))
    with pytest.raises(ActionError, match="out of range"):
        act("submit", 2**31, as_of=moment, actor="web")
    with pytest.raises(ActionError, match="at most 200 characters"):
        act("submit", 1, as_of=moment, actor="x" * 201)
    with pytest.raises(ActionError, match="năm 1970"):
        act("submit", 1, as_of=datetime(1, 1, 1, tzinfo=UTC), actor="web")
    with pytest.raises(ActionError, match="date out of range"):
        act("extend", 1, as_of=moment, actor="web", until=date(9999, 12, 31))


def test_load_refuses_a_by_the_audit_log_cannot_hold(cli, sqlite_engine):
    before = dump(sqlite_engine)
    result = cli("load", str(EXAMPLE), "--as-of", "2017-04-01T00:00+07:00", "--by", "é" * 201)
    assert result.exit_code == 2 and "--by: tên người thực hiện dài 201 ký tự" in result.output
    assert dump(sqlite_engine) == before


def test_usage_errors_exit_2_not_as_unforeseen(cli):
    for arguments in (["submit", "abc"], ["submit", "1", "--no-such-option"], ["status", "--overdue=x"]):
        result = cli(*arguments)
        assert result.exit_code == 2, (arguments, result.output)
        assert "không lường trước" not in result.output


def test_one_unreadable_policy_row_does_not_stop_the_sweep_for_every_plan(swept, caplog):
    """A policy stored before policies were bounded (or by hand): its occurrences wait a day, the others go on."""
    invoke, engine, _ = swept
    with engine.begin() as connection:
        connection.execute(update(PolicyRow).where(PolicyRow.code == "checkin")
                           .values(definition={"reminders": [{"before": 1_000_000}], "escalation": []}))
        checkin = connection.execute(select(PolicyRow.id).where(PolicyRow.code == "checkin")).scalar_one()
        # SNGV's yearly compilation (due at the end of 2017) takes the unreadable policy.
        connection.execute(update(Obligation).where(Obligation.ref == "III.1.9").values(policy_id=checkin))
    result = invoke("sweep", "--direct", "--as-of", "2017-12-26T08:00+07:00")  # III.1.9's reminders are due
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["by_kind"]  # the other obligations were reminded
    tomorrow = datetime(2017, 12, 27, 1, tzinfo=UTC)
    with engine.connect() as connection:
        waiting = connection.execute(
            select(Occurrence.id).join(Obligation).join(PolicyRow)
            .where(PolicyRow.code == "checkin", Occurrence.next_action_at == tomorrow)
        ).scalars().all()
    assert waiting
    assert "skipped until tomorrow: reminders need `before` from 0 to 250 working days" in caplog.text
    assert invoke("sweep", "--direct", "--as-of", "2017-12-27T08:00+07:00").exit_code == 0


def test_a_dead_message_is_sent_again_and_a_sent_one_is_refused(swept):
    from obligations.models.outbox import NotificationStatus
    from obligations.models.tables import Notification

    invoke, engine, _ = swept
    with Session(engine) as session, session.begin():
        dead, sent = session.scalars(select(Notification).order_by(Notification.id).limit(2)).all()
        dead.status, dead.attempts, dead.last_error = NotificationStatus.DEAD, 3, "550 no such user"
        sent.status = NotificationStatus.SENT
        dead_id, sent_id = dead.id, sent.id
    result = invoke("message", "resend", str(dead_id), *AT, "--by", "Nguyễn Văn An")
    assert result.exit_code == 0, result.output
    refused = invoke("message", "resend", str(sent_id), *AT)
    assert refused.exit_code == 2 and "chỉ gửi lại tin không gửi được" in refused.output
    with Session(engine) as session:
        note = session.get(Notification, dead_id)
        assert (note.status, note.attempts) == (NotificationStatus.PENDING, 0)
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "send_again")).one()
        assert (audit.entity_id, audit.actor, audit.details["last_error"]) == (dead_id, "Nguyễn Văn An",
                                                                              "550 no such user")


def test_a_flow_run_from_the_command_line_sends_no_heartbeats(prefect_harness, sqlite_url, monkeypatch, tmp_path):
    """The heartbeat's thread would hold the run's end for up to a second; a scheduled run keeps it."""
    import prefect.flow_engine

    from obligations.flows import jobs

    seen = []
    real = prefect.flow_engine._send_heartbeats

    def spy(engine, *args, **kwargs):
        seen.append(engine.heartbeat_seconds)
        return real(engine, *args, **kwargs)

    monkeypatch.setattr(prefect.flow_engine, "_send_heartbeats", spy)
    monkeypatch.setenv("OBLIGATIONS_DATABASE_URL", sqlite_url)
    with settings_in_force(Settings()):
        result = CliRunner().invoke(app, ["sweep", "--as-of", "2017-11-30T08:00+07:00"])
        assert result.exit_code == 0, result.output
        assert seen == [None]
        jobs.sweep_flow(as_of=vn(2017, 11, 30, 8))  # as a worker runs it: Prefect's default
    assert seen[1] == 180


def test_a_command_waits_for_prefects_temporary_server_longer_than_prefects_default():
    """A busy machine took more than Prefect's 20 s to start the temporary server, and `demo` failed."""
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings

    from obligations.terminal import EPHEMERAL_STARTUP_SECONDS, jobs

    assert PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value() < EPHEMERAL_STARTUP_SECONDS
    with jobs():
        assert PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value() == EPHEMERAL_STARTUP_SECONDS
    # An operator's longer wait is kept.
    with temporary_settings(updates={PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 300}), jobs():
        assert PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value() == 300


def test_a_replay_that_ends_before_it_starts_is_refused_in_one_vietnamese_line(cli):
    result = cli("simulate", "--from", "2020-01-05", "--to", "2020-01-01")
    assert result.exit_code != 0
    assert "--to (ngày cuối) đứng trước --from (ngày đầu)" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
