"""``obligations backup`` and ``restore``: every row comes back as it was, on SQLite and on PostgreSQL, and a
failure leaves neither a partial file nor a half-restored database."""

from __future__ import annotations

import re
import sqlite3
import stat
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from pydantic import SecretStr
from sqlalchemy import delete, func, insert, select, text, update
from sqlmodel import SQLModel
from typer.testing import CliRunner

import obligations.models.tables  # noqa: F401  (registers every table on the metadata)
from obligations.cli import app
from obligations.config.settings import Settings, get_settings, settings_in_force
from obligations.flows import entry
from obligations.models.backup import BackupError, backup, restore
from obligations.models.db import alembic_config, create_db_engine, current_revision, upgrade
from obligations.models.tables import Agency, AuditLog, Notification
from tests.conftest import with_schema

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "examples" / "khanh-hoa-2017-2020.yaml"
VN = timezone(timedelta(hours=7))
runner = CliRunner()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request):
    """(URL as a user gives it, engine): a migrated, empty database; on PostgreSQL the URL names the schema."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        base, schema = request.getfixturevalue("pg_url")
        url = with_schema(base, schema)
    engine = create_db_engine(url)
    yield url, engine
    engine.dispose()


def fill(url: str, tmp_path: Path) -> None:
    """The example plan loaded by the project's own loader, then a sweep that writes to the outbox."""
    sink = SecretStr(f"maildir://{tmp_path}/maildir")
    with settings_in_force(Settings(database_url=url, email_url=sink, zalo_url=sink)):
        entry.load_plan_file(EXAMPLE, as_of=datetime(2017, 4, 1, tzinfo=VN), actor="test")
        entry.run_sweep(datetime(2017, 12, 14, 8, tzinfo=VN))


def contents(engine) -> dict[str, list]:
    """Every row of every table, sorted, and the schema's revision."""
    with engine.connect() as connection:
        rows = {table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
                for table in SQLModel.metadata.sorted_tables}
        rows["alembic_version"] = connection.execute(text("select version_num from alembic_version")).all()
    return rows


def cli(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, *args])


def one_error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Lỗi:") and "Traceback" not in result.output, result.output
    return lines[0]


def test_a_restore_brings_back_every_row_as_it_was_at_backup_time(database, tmp_path):
    url, engine = database
    fill(url, tmp_path)
    before = contents(engine)
    assert before["notification"] and before["occurrence"] and before["audit_log"]
    file = tmp_path / "saved" / "backup.file"
    result = cli(url, "backup", str(file))
    assert result.exit_code == 0, result.output
    assert str(file.resolve()) in result.output and "dòng trong" in result.output
    assert file.is_file() and [p.name for p in file.parent.iterdir()] == ["backup.file"]  # no partial file beside

    with engine.begin() as connection:
        connection.execute(delete(Notification.__table__))
        connection.execute(delete(AuditLog.__table__))
        connection.execute(update(Agency.__table__).values(name="đổi tên"))
        connection.execute(insert(Agency.__table__).values(code="MOI", name="Cơ quan mới"))
    assert contents(engine) != before

    result = cli(url, "restore", str(file), "--yes")
    assert result.exit_code == 0, result.output
    assert f"phiên bản lược đồ {current_revision(engine)}" in result.output and "db upgrade" not in result.output
    assert contents(engine) == before
    # The ids go on from where they were (PostgreSQL's sequences are restored with the tables).
    with engine.begin() as connection:
        connection.execute(insert(Agency.__table__).values(code="MOI", name="Cơ quan mới"))
        assert connection.scalar(select(Agency.id).where(Agency.code == "MOI")) == max(
            row[0] for row in before["agency"]) + 1


def test_the_counts_shown_are_the_backups(database, tmp_path):
    url, engine = database
    fill(url, tmp_path)
    info = backup(url, tmp_path / "b")
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            assert info.counts[table.name] == connection.scalar(select(func.count()).select_from(table))
    assert info.revision == current_revision(engine) and info.size == (tmp_path / "b").stat().st_size


def test_restore_refuses_without_yes_and_changes_nothing(sqlite_url, sqlite_engine, tmp_path):
    fill(sqlite_url, tmp_path)
    backup(sqlite_url, tmp_path / "b.db")
    with sqlite_engine.begin() as connection:
        connection.execute(delete(Notification.__table__))
    changed = contents(sqlite_engine)
    result = cli(sqlite_url, "restore", str(tmp_path / "b.db"))
    assert result.exit_code == 2
    assert "--yes" in one_error_line(result) and "thay toàn bộ nội dung" in result.output
    assert contents(sqlite_engine) == changed


def test_a_backup_to_an_unwritable_path_fails_with_one_line_and_leaves_no_file(sqlite_url, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = cli(sqlite_url, "backup", str(blocker / "backup.db"))
    assert result.exit_code == 2 and "không ghi được tệp sao lưu" in one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "obligations.db"]
    assert blocker.read_text() == "not a folder"


def test_a_backup_never_overwrites_a_file(sqlite_url, tmp_path):
    existing = tmp_path / "old.db"
    existing.write_bytes(b"an older backup")
    result = cli(sqlite_url, "backup", str(existing))
    assert result.exit_code == 2 and "không ghi đè" in one_error_line(result)
    assert existing.read_bytes() == b"an older backup"


def test_the_default_file_is_dated_under_the_data_directory(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with settings_in_force(get_settings().model_copy(update={"home": tmp_path / "home"})):
        result = cli(sqlite_url, "backup")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "var").exists()
    [made] = (tmp_path / "home" / "backups").iterdir()
    assert re.fullmatch(r"obligations-\d{8}-\d{6}\.db", made.name)
    assert str(made.resolve()) in result.output


def test_a_backup_taken_while_the_engine_writes_is_one_consistent_moment(sqlite_url, sqlite_engine, tmp_path):
    stop, written = threading.Event(), []

    def write() -> None:
        while not stop.is_set():
            with sqlite_engine.begin() as connection:
                connection.execute(insert(AuditLog.__table__).values(
                    at=datetime.now(UTC), actor="t", action="a", entity="e", details={}))
            written.append(1)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 50:
            stop.wait(0.01)
        info = backup(sqlite_url, tmp_path / "live.db")
    finally:
        stop.set()
        writer.join()
    with sqlite3.connect(tmp_path / "live.db") as copy:
        assert copy.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert copy.execute("pragma journal_mode").fetchone()[0] == "delete"  # one file, no -wal needed
        ids = [row[0] for row in copy.execute("select id from audit_log order by id")]
    assert ids == list(range(1, len(ids) + 1)) and len(ids) == info.counts["audit_log"] >= 50


def test_a_backup_of_a_newer_schema_is_refused_and_nothing_changes(database, tmp_path):
    url, engine = database
    fill(url, tmp_path)
    head = current_revision(engine)
    with engine.begin() as connection:
        connection.execute(text("update alembic_version set version_num = '9999_future'"))
    try:
        backup(url, tmp_path / "future")
    finally:
        with engine.begin() as connection:
            connection.execute(text("update alembic_version set version_num = :head"), {"head": head})
    before = contents(engine)
    result = cli(url, "restore", str(tmp_path / "future"), "--yes")
    assert result.exit_code == 2
    assert "9999_future" in one_error_line(result) and "cập nhật obligations" in result.output
    assert contents(engine) == before


def test_an_older_backup_drops_the_later_tables_and_db_upgrade_brings_them_back(database, tmp_path):
    url, engine = database
    head, later_tables = current_revision(engine), _tables(engine)
    command.downgrade(alembic_config(engine), "-1")
    try:
        older, older_tables = current_revision(engine), _tables(engine)
        with engine.begin() as connection:
            connection.execute(text("insert into agency (code, name) values ('CU', 'Cơ quan cũ')"))
        backup(url, tmp_path / "older")
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("delete from agency"))

        result = cli(url, "restore", str(tmp_path / "older"), "--yes")
        assert result.exit_code == 0, result.output
        assert f"phiên bản lược đồ {older}" in result.output and "obligations db upgrade" in result.output
        assert current_revision(engine) == older and _tables(engine) == older_tables
        with engine.connect() as connection:
            assert connection.execute(text("select code from agency")).all() == [("CU",)]
    finally:
        upgrade(engine)  # would fail on a table of the later revision left behind
    assert current_revision(engine) == head and _tables(engine) == later_tables
    with engine.begin() as connection:
        connection.execute(text("delete from agency"))


def _tables(engine) -> set[str]:
    from sqlalchemy import inspect

    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def test_a_damaged_or_foreign_file_is_refused_and_the_database_is_untouched(sqlite_url, sqlite_engine, tmp_path):
    fill(sqlite_url, tmp_path)
    before = contents(sqlite_engine)
    good = tmp_path / "good.db"
    backup(sqlite_url, good)
    cut = tmp_path / "cut.db"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (tmp_path / "dump").write_bytes(b"PGDMP\x01\x0e\x00")
    (tmp_path / "notes.txt").write_text("hello")
    for name, message in (("cut.db", "cut.db"), ("dump", "PostgreSQL"), ("notes.txt", "không phải bản sao lưu"),
                          ("missing.db", "không có tệp sao lưu")):
        result = cli(sqlite_url, "restore", str(tmp_path / name), "--yes")
        assert result.exit_code == 2 and message in one_error_line(result), name
    assert contents(sqlite_engine) == before


def test_restoring_into_a_missing_sqlite_file_creates_it(sqlite_url, tmp_path):
    fill(sqlite_url, tmp_path)
    backup(sqlite_url, tmp_path / "b.db")
    fresh = tmp_path / "elsewhere" / "new.db"
    info = restore(f"sqlite:///{fresh}", tmp_path / "b.db")
    assert not info.behind and fresh.is_file()
    engine = create_db_engine(f"sqlite:///{fresh}")
    original = create_db_engine(sqlite_url)
    try:
        assert contents(engine) == contents(original)
    finally:
        engine.dispose()
        original.dispose()
    assert [p.name for p in fresh.parent.iterdir()] == ["new.db"]


@pytest.mark.postgres
def test_a_dump_damaged_midway_rolls_the_whole_restore_back(pg_url, tmp_path):
    base, schema = pg_url
    url = with_schema(base, schema)
    fill(url, tmp_path)
    engine = create_db_engine(url)
    try:
        backup(url, tmp_path / "whole.dump")
        whole = (tmp_path / "whole.dump").read_bytes()
        with engine.begin() as connection:
            connection.execute(delete(Notification.__table__))
        before, messages = contents(engine), []
        # The last tables' data is damaged: the tables were already dropped and made anew in the restore's
        # transaction when pg_restore stops.
        for start, end in ((20, 10), (200, 100)):
            damaged = bytearray(whole)
            damaged[-start:-end] = bytes(b ^ 0x5A for b in damaged[-start:-end])
            (tmp_path / "damaged.dump").write_bytes(damaged)
            with pytest.raises(BackupError) as refused:
                restore(url, tmp_path / "damaged.dump")
            messages.append(str(refused.value))
            assert contents(engine) == before
        assert any("pg_restore thất bại" in m and "không thay đổi" in m for m in messages), messages
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_failed_pg_dump_leaves_no_file_and_says_why(pg_url, tmp_path, monkeypatch):
    base, schema = pg_url
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    # Writes half a dump, then fails, as pg_dump does when the connection drops midway.
    seen = tmp_path / "seen"
    fake.write_text(f'#!/bin/sh\necho "$@" > {seen}/args\necho "$PGPASSWORD" > {seen}/password\n'
                    'while [ "$1" != "-f" ]; do shift; done\nprintf PGDMP-half > "$2"\n'
                    'echo "pg_dump: error: connection lost" >&2\nexit 1\n')
    seen.mkdir()
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{fake.parent}:{Path('/usr/bin')}:{Path('/bin')}")
    out = tmp_path / "out"
    result = cli(with_schema(f"postgresql://postgres:s3cret@{base.split('@', 1)[1]}", schema),
                 "backup", str(out / "x.dump"))
    assert result.exit_code == 2
    assert "pg_dump thất bại: pg_dump: error: connection lost" in one_error_line(result)
    assert "s3cret" not in result.output
    assert list(out.iterdir()) == []
    assert (seen / "password").read_text().strip() == "s3cret" and "s3cret" not in (seen / "args").read_text()
    assert f'-n "{schema}"' in (seen / "args").read_text()


@pytest.mark.postgres
def test_a_dump_of_another_schema_is_refused(pg_url, tmp_path):
    base, schema = pg_url
    backup(with_schema(base, schema), tmp_path / "b.dump")
    result = cli(with_schema(base, "public"), "restore", str(tmp_path / "b.dump"), "--yes")
    assert result.exit_code == 2
    assert f"lược đồ {schema}" in one_error_line(result) and "lược đồ public" in result.output
