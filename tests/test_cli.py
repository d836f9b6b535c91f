"""The command line, in process: exit codes, messages, and the database left as it was on bad input."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from obligations.cli import app
from tests.test_load import dump

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


BAD_FILES = {
    "broken_yaml": ("plan: {code: x, title: [unclosed\n", "broken_yaml.yaml:2: (yaml)"),
    "unknown_agency": (EXAMPLE.read_text(encoding="utf-8").replace("lead: SNGV", "lead: SNGV-XYZ", 1),
                       "SNGV-XYZ", "lead"),
    "invalid_rrule": (EXAMPLE.read_text(encoding="utf-8").replace("BYMONTHDAY=15", "BYMONTHDAY=45", 1),
                      "BYMONTHDAY", "rrule"),
    "naive_datetime": (EXAMPLE.read_text(encoding="utf-8").replace("start: 2017-04-01", "start: 2017-04-01T08:00:00",
                                                                   1), "naive", "plan.start"),
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
    extended = cli("extend", str(first), "--until", "2017-12-29", "--as-of", "2017-12-19T09:05+07:00")
    assert extended.exit_code == 0, extended.output
    assert cli("submit", str(first), "--as-of", "2017-12-28T10:00+07:00").exit_code == 0
    accepted = cli("accept", str(first), "--as-of", "2017-12-29T10:00+07:00")
    assert accepted.exit_code == 0 and "Hoàn thành đúng hạn" in accepted.output  # on time, thanks to the extension

    again = cli("accept", str(first), "--as-of", "2017-12-29T10:00+07:00")
    assert again.exit_code == 2 and "chưa có báo cáo chờ duyệt" in again.output
    waived = cli("waive", str(first + 1), "--reason", "Sáp nhập đơn vị", "--as-of", "2017-12-29T10:00+07:00")
    assert waived.exit_code == 0
    assert cli("blocker", str(first + 2), "Chưa có kinh phí", "--as-of", "2017-12-29T10:00+07:00").exit_code == 0
    missing = cli("submit", "999999", "--as-of", "2017-12-29T10:00+07:00")
    assert missing.exit_code == 2 and "999999" in missing.output

    table = cli("status", "--overdue", "--agency", "STTTT", "--as-of", "2017-12-29T11:00+07:00")
    assert table.exit_code == 0 and "Nhiệm vụ quá hạn" in table.output
    summary = json.loads(cli("status", "--json", "--as-of", "2017-12-29T11:00+07:00").stdout)
    statuses = {}
    for counts in summary["by_agency"].values():
        for key, n in counts.items():
            statuses[key] = statuses.get(key, 0) + n
    assert statuses["done_on_time"] == 1 and statuses["waived"] == 1


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
    assert len(list((tmp_path / "maildir" / "new").iterdir())) == sent["sent"]


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
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(app, ["--debug", "--database-url", url, "status"])
    assert result.exit_code == 1 and result.exception is not None
    assert "no such table" in str(result.exception)
