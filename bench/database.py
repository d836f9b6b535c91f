"""The benchmarks' databases: a fresh one for a run (a temporary SQLite file or a PostgreSQL schema of
its own, removed afterwards), planner statistics, and the progress log on stderr."""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from obligations.models.db import create_db_engine, upgrade

STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _bench_schema() -> str:
    return f"bench_{secrets.token_hex(4)}"


def url_with_schema(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use ``schema`` (what another process, or the flow, opens)."""
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


@contextmanager
def fresh_database(url: str | None) -> Iterator[tuple[Engine, str]]:
    """A migrated, empty database; removed afterwards (a temporary SQLite file or a PostgreSQL schema).

    The engine's URL (``engine.url``, with the schema in its search path on PostgreSQL) is what a
    child process opens.
    """
    tmp = None
    schema = None
    admin = None
    if url is None:
        tmp = Path(tempfile.mkdtemp(prefix="obligations-bench-"))
        url = f"sqlite:///{tmp / 'bench.db'}"
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise SystemExit("bench: give a SQLite file (the default is a temporary one), not an in-memory database")
        if tmp is None and Path(parsed.database).exists():
            raise SystemExit(f"bench: {parsed.database} exists; the benchmark needs a fresh database")
        engine = create_db_engine(url)
        where = parsed.database
    elif backend == "postgresql":
        schema = _bench_schema()
        admin = create_db_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_db_engine(url_with_schema(url, schema))
        where = f"{parsed.render_as_string(hide_password=True)} schema {schema}"
    else:
        raise SystemExit(f"bench: unsupported database {backend!r} (sqlite or postgresql)")
    try:
        log(f"database: {backend} at {where}")
        upgrade(engine)
        yield engine, backend
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
            log(f"dropped schema {schema}")
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def engine_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)



def analyze(engine: Engine, dialect: str) -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or ``ANALYZE`` (SQLite) would leave them."""
    if dialect == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
