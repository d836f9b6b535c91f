"""Backing the database up to one file, and restoring such a file: plain functions, no printing.

SQLite goes through its online backup API (the shell's ``.backup``): a consistent copy while the engine
writes. PostgreSQL goes through ``pg_dump --format=custom`` and ``pg_restore``; the dump is one schema,
the one the URL's search path puts the tables in. Nothing is left half-written: a failed backup deletes
its partial file, and a restore is one transaction on either database.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlmodel import SQLModel

from obligations.models.db import alembic_config, create_db_engine

SQLITE_MAGIC, PG_DUMP_MAGIC = b"SQLite format 3\x00", b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the user (Vietnamese)."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int  # bytes
    backend: str  # sqlite or postgresql
    revision: str | None  # the schema's Alembic revision in the backup
    counts: dict[str, int] = field(default_factory=dict)  # rows of each table in the backup


@dataclass(frozen=True)
class RestoreInfo:
    revision: str  # the restored database's Alembic revision
    head: str  # the latest revision this code knows

    @property
    def behind(self) -> bool:
        return self.revision != self.head


def default_backup_path(url: str, home: Path, now: datetime | None = None) -> Path:
    """Where a backup goes when no file is named: dated, under the data directory ``home``."""
    suffix = "db" if make_url(url).get_backend_name() == "sqlite" else "dump"
    return home / "backups" / f"obligations-{(now or datetime.now()):%Y%m%d-%H%M%S}.{suffix}"


def backup(url: str, destination: Path | str) -> BackupInfo:
    """Copy the database of ``url`` into ``destination`` (a new file); on any failure no file is left."""
    destination = Path(destination)
    backend = _backend(url)
    if destination.exists():
        raise BackupError(f"đã có tệp {destination}; chọn tên khác (không ghi đè bản sao lưu cũ)")
    part: Path | None = None
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the destination under another name, and renamed only when complete.
        handle, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
        os.close(handle)
        part = Path(name)
        if backend == "sqlite":
            counts, revision = _sqlite_backup(Path(make_url(url).database), part)
        else:
            counts, revision = _pg_backup(url, part)
        os.replace(part, destination)
    except OSError as exc:
        raise BackupError(f"không ghi được tệp sao lưu {destination}: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:
        raise BackupError(f"sao lưu SQLite thất bại: {exc}") from None
    finally:
        if part is not None:
            part.unlink(missing_ok=True)
    return BackupInfo(destination, destination.stat().st_size, backend, revision, counts)


def restore(url: str, source: Path | str) -> RestoreInfo:
    """Replace the content of the database of ``url`` with the backup ``source``, in one transaction."""
    source = Path(source)
    backend = _backend(url)
    if not source.is_file():
        raise BackupError(f"không có tệp sao lưu {source}")
    with source.open("rb") as stream:
        magic = stream.read(len(SQLITE_MAGIC))
    expected = SQLITE_MAGIC if backend == "sqlite" else PG_DUMP_MAGIC
    if not magic.startswith(expected):
        made_by = {SQLITE_MAGIC: "SQLite", PG_DUMP_MAGIC: "PostgreSQL (pg_dump)"}
        kind = next((name for head, name in made_by.items() if magic.startswith(head)), None)
        what = f"bản sao lưu {kind}" if kind else "không phải bản sao lưu SQLite hay pg_dump --format=custom"
        raise BackupError(f"{source} là {what}, không khôi phục được vào cơ sở dữ liệu {backend}")
    try:
        if backend == "sqlite":
            revision = _sqlite_restore(source, Path(make_url(url).database))
        else:
            revision = _pg_restore(url, source)
    except OSError as exc:
        raise BackupError(f"không khôi phục được từ {source}: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:
        raise BackupError(f"khôi phục SQLite thất bại, cơ sở dữ liệu không thay đổi: {exc}") from None
    return RestoreInfo(revision, _scripts().get_current_head())


def _backend(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise BackupError("cơ sở dữ liệu SQLite trong bộ nhớ không có tệp để sao lưu hay khôi phục")
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"chỉ sao lưu được SQLite và PostgreSQL, không phải {backend}")
    return backend


def _scripts():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(None))


def _check_revision(revision: str | None, source: Path) -> str:
    """Refuse a backup without a schema revision, or of a schema newer than this code knows."""
    from alembic.util import CommandError

    if revision is None:
        raise BackupError(f"{source} không có bảng alembic_version: không phải bản sao lưu của obligations")
    scripts = _scripts()
    try:
        scripts.get_revision(revision)
    except CommandError:
        raise BackupError(
            f"{source} ở phiên bản lược đồ {revision}, mới hơn phiên bản chương trình này biết "
            f"({scripts.get_current_head()}): cập nhật obligations trước khi khôi phục") from None
    return revision


# ------------------------------------------------------------------------------ SQLite


def _read_only(path: Path) -> sqlite3.Connection:
    # mode=ro: reading a backup, or the live database, never writes to it nor creates a missing file.
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=30)


def _sqlite_contents(connection: sqlite3.Connection) -> tuple[dict[str, int], str | None]:
    names = [row[0] for row in connection.execute(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")]
    counts = {name: connection.execute(f'select count(*) from "{name}"').fetchone()[0] for name in names}
    revision = None
    if "alembic_version" in counts:
        row = connection.execute("select version_num from alembic_version").fetchone()
        revision = row[0] if row else None
    return counts, revision


def _sqlite_backup(database: Path, part: Path) -> tuple[dict[str, int], str | None]:
    if not database.exists():
        raise BackupError(f"chưa có cơ sở dữ liệu {database}: không có gì để sao lưu")
    with closing(_read_only(database)) as source, closing(sqlite3.connect(part)) as copy:
        # One step (pages=-1): one read transaction on the source, so the copy is one consistent moment
        # while the engine goes on writing (WAL lets it).
        source.backup(copy)
        # The backup is one self-contained file: no -wal beside it to lose when it is copied elsewhere.
        copy.execute("PRAGMA journal_mode=DELETE")
        return _sqlite_contents(copy)


def _sqlite_restore(source: Path, target: Path) -> str:
    with closing(_read_only(source)) as backup_file:
        try:
            verdict = backup_file.execute("PRAGMA quick_check").fetchone()[0]
            _, revision = _sqlite_contents(backup_file)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} không đọc được như cơ sở dữ liệu SQLite ({exc})") from None
        if verdict != "ok":
            raise BackupError(f"{source} bị hỏng ({verdict}); cơ sở dữ liệu không thay đổi")
        revision = _check_revision(revision, source)
        if target.exists():
            # Into the live file through the backup API rather than by renaming a file over it: one write
            # transaction, so all or nothing, and safe with the WAL and with other connections open,
            # where a renamed file would meet the old file's -wal.
            with closing(sqlite3.connect(target, timeout=30)) as live:
                backup_file.backup(live)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".restore")
            os.close(handle)
            try:
                with closing(sqlite3.connect(name)) as fresh:
                    backup_file.backup(fresh)
                os.replace(name, target)
            finally:
                Path(name).unlink(missing_ok=True)
    return revision


# ------------------------------------------------------------------------------ PostgreSQL


def _tool(name: str) -> str:
    """A PostgreSQL client program: on PATH, else the newest under /usr/lib/postgresql/*/bin (Debian)."""
    found = shutil.which(name)
    if found:
        return found
    installed = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if installed:
        return max(installed, key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    raise BackupError(f"không tìm thấy chương trình {name} (trong PATH hoặc /usr/lib/postgresql/*/bin); "
                      "cài gói postgresql-client")


def _client(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection string, without the password, and the environment that carries the password."""
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    parts = {"host": parsed.host, "port": parsed.port, "user": parsed.username, "dbname": parsed.database}
    query = {key: value if isinstance(value, str) else value[-1] for key, value in parsed.query.items()}
    conninfo = make_conninfo(**{k: v for k, v in parts.items() if v is not None}, **query)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password  # never on the command line, where `ps` shows it
    return conninfo, env


def _first_error(name: str, stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    chosen = next((line for line in lines if re.search(r"error|fatal|lỗi", line, re.IGNORECASE)), None)
    return f"{name} thất bại: {chosen or (lines[0] if lines else 'không rõ lý do')}"


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(_first_error(Path(args[0]).name, done.stderr))
    return done.stdout


def _schema(connection: Connection) -> str:
    schema = connection.scalar(text("select current_schema()"))
    if schema is None:
        raise BackupError("search_path của cơ sở dữ liệu không chỉ tới lược đồ (schema) nào có thật")
    return schema


def _pg_backup(url: str, part: Path) -> tuple[dict[str, int], str | None]:
    pg_dump = _tool("pg_dump")
    conninfo, env = _client(url)
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                # pg_dump reads the snapshot this transaction exports: the counts shown are the dump's.
                snapshot = connection.scalar(text("select pg_export_snapshot()"))
                schema = _schema(connection)
                quoted = connection.dialect.identifier_preparer.quote
                names = connection.scalars(text("select tablename from pg_tables where schemaname = :schema "
                                                "order by tablename"), {"schema": schema}).all()
                counts = {name: connection.scalar(text(f"select count(*) from {quoted(schema)}.{quoted(name)}"))
                          for name in names}
                revision = None
                if "alembic_version" in counts:
                    revision = connection.scalar(text(f"select version_num from {quoted(schema)}.alembic_version"))
                exact = '"' + schema.replace('"', '""') + '"'  # a name, not a pattern
                _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", "-n", exact,
                      "-f", str(part), "-d", conninfo], env)
    finally:
        engine.dispose()
    return counts, revision


_ENTRY = r"^\d+;\s*\d+\s+\d+\s+"
_SCHEMA_ENTRY = re.compile(_ENTRY + r"(SCHEMA|COMMENT - SCHEMA|ACL - SCHEMA)\s")
_TABLE_ENTRY = re.compile(_ENTRY + r"TABLE\s+(?!DATA\s)(\S+)\s+(\S+)\s")


def _dumped_revision(pg_restore: str, source: Path, env: dict[str, str]) -> str | None:
    data = _run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(source)], env)
    lines = data.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and number + 1 < len(lines) and lines[number + 1] != "\\.":
            return lines[number + 1].split("\t")[0]
        if (inserted := re.search(r"alembic_version .*VALUES \('([^']*)'\)", line)) is not None:
            return inserted.group(1)
    return None


def _pg_restore(url: str, source: Path) -> str:
    pg_restore = _tool("pg_restore")
    psql = str(Path(pg_restore).with_name("psql")) if Path(pg_restore).with_name("psql").exists() else _tool("psql")
    conninfo, env = _client(url)
    listing = _run([pg_restore, "--list", str(source)], env)
    dumped = {match.groups() for match in map(_TABLE_ENTRY.match, listing.splitlines()) if match}
    revision = _check_revision(_dumped_revision(pg_restore, source, env), source)
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            schema = _schema(connection)
            present = set(inspect(connection).get_table_names(schema=schema))
    finally:
        engine.dispose()
    schemas = {schema_name for schema_name, _ in dumped}
    if schemas != {schema}:
        raise BackupError(f"bản sao lưu {source} là lược đồ {', '.join(sorted(schemas)) or '(trống)'}, còn cơ sở "
                          f"dữ liệu đích dùng lược đồ {schema}: pg_restore không đổi tên lược đồ được")
    import obligations.models.tables  # noqa: F401  (the code's tables, on the metadata)

    # The tables of a later revision than the backup's would stay, and `db upgrade` would then fail on them.
    stale = sorted((present & set(SQLModel.metadata.tables)) - {name for _, name in dumped})
    quoted = '"' + schema.replace('"', '""') + '"'
    prelude = "".join(f'DROP TABLE IF EXISTS {quoted}."{name}" CASCADE;\n' for name in stale)
    # The schema itself is kept: dropping it would fail on anything else in it, and creating it needs a right.
    kept = "\n".join(";" + line if _SCHEMA_ENTRY.match(line) else line for line in listing.splitlines())
    with tempfile.TemporaryDirectory(prefix="obligations-restore-") as work:
        (Path(work) / "toc.list").write_text(kept + "\n", encoding="utf-8")
        _pipe([pg_restore, "--clean", "--if-exists", "--no-owner", f"--use-list={Path(work) / 'toc.list'}",
               "--file=-", str(source)],
              [psql, "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "-f", "-", "-d", conninfo],
              prelude, env)
    return revision


def _pipe(producer_args: list[str], consumer_args: list[str], prelude: str, env: dict[str, str]) -> None:
    """pg_restore's script into psql, inside one transaction that is committed only if pg_restore finished:
    a script cut short (a damaged dump) ends the session with the transaction open, so it rolls back."""
    with tempfile.TemporaryFile() as producer_err, tempfile.TemporaryFile() as consumer_err:
        producer = subprocess.Popen(producer_args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=producer_err)
        consumer = subprocess.Popen(consumer_args, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=consumer_err)
        try:
            consumer.stdin.write(f"BEGIN;\n{prelude}".encode())
            shutil.copyfileobj(producer.stdout, consumer.stdin)
            if producer.wait() == 0:
                consumer.stdin.write(b"\nCOMMIT;\n")
        except BrokenPipeError:  # psql stopped at an error; its message says which
            pass
        finally:
            producer.stdout.close()
            try:
                consumer.stdin.close()
            except BrokenPipeError:
                pass
            if producer.poll() is None:
                producer.kill()
            producer.wait()
            consumer.wait()
        for process, stderr in ((consumer, consumer_err), (producer, producer_err)):
            if process.returncode != 0:
                stderr.seek(0)
                raise BackupError(_first_error(Path(process.args[0]).name, stderr.read().decode(errors="replace"))
                                  + "; cơ sở dữ liệu không thay đổi")
