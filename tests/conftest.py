"""Shared fixtures: databases (SQLite always, PostgreSQL where reachable), the Prefect harness, and the
channels' stand-ins: a maildir with its reader, a loopback SMTP server, a loopback Zalo API.

Every test gets an empty, migrated database and leaves it empty: a fresh SQLite file, or on
PostgreSQL a schema of this test session whose tables are emptied after each test and which is
dropped at the end, so the suite can run twice in a row against the same server.
"""

from __future__ import annotations

import functools
import logging
import mailbox
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
import pytest_httpserver.httpserver
import werkzeug.serving
from pytest_httpserver import HTTPServer
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# No test writes to the user's data directory: whatever a test does not point elsewhere lands here.
os.environ["OBLIGATIONS_HOME"] = tempfile.mkdtemp(prefix="obligations-test-home-")

from obligations.config.settings import Settings, get_settings, settings_in_force  # noqa: E402
from obligations.flows.runtime import Runtime  # noqa: E402
from obligations.models.db import create_db_engine, upgrade  # noqa: E402
from obligations.notifications.zalo_tokens import DbTokenStore, dispose_engines  # noqa: E402
from tests.smtp import PASSWORD, LoopbackSMTP  # noqa: E402
from tests.zalo_fake import APP_ID as ZALO_APP_ID  # noqa: E402
from tests.zalo_fake import FakeZalo, KeepUnderscoreHeaders  # noqa: E402

PG_URL = os.environ.get("OBLIGATIONS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("OBLIGATIONS_REQUIRE_POSTGRES") == "1"


def _postgres_reachable() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError as exc:
        return f"PostgreSQL not reachable on 127.0.0.1:5432 ({exc})"
    try:
        engine = create_db_engine(PG_URL)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: no usable server
        return f"PostgreSQL at {PG_URL} refused the connection ({exc.__class__.__name__})"
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema():
    reason = _postgres_reachable()
    if reason:
        if REQUIRE_PG:
            pytest.fail(f"OBLIGATIONS_REQUIRE_POSTGRES=1 but {reason}")
        print(f"\nskipping PostgreSQL tests: {reason}")
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_db_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    engine = create_db_engine(PG_URL, schema=schema)
    upgrade(engine)
    engine.dispose()
    yield schema
    with admin.begin() as connection:
        connection.execute(text(f'drop schema "{schema}" cascade'))
    admin.dispose()


def _empty_tables(engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"truncate {names} restart identity cascade"))


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "obligations.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def cli(sqlite_url, monkeypatch, tmp_path):
    """``obligations ARGS`` on the test's SQLite database with a data directory of its own; the result.
    (A module that needs more, such as test_cli.py, defines its own.)"""
    from typer.testing import CliRunner

    from obligations.cli import app

    monkeypatch.setenv("OBLIGATIONS_HOME", str(tmp_path / "home"))

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(app, ["--database-url", sqlite_url, *args], input=input)

    return invoke


@pytest.fixture
def pg_url(pg_schema):
    engine = create_db_engine(PG_URL, schema=pg_schema)
    yield PG_URL, pg_schema
    _empty_tables(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path, sqlite_template):
    """A migrated, empty database: each test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        engine = create_db_engine(request.getfixturevalue("sqlite_url"))
    else:
        url, schema = request.getfixturevalue("pg_url")
        engine = create_db_engine(url, schema=schema)
    yield engine
    engine.dispose()


def with_schema(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections put ``schema`` in their search path: what another process (a
    CLI run, a worker) opens to reach a test's own tables."""
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


def url_of(engine) -> str:
    """The engine's database as a URL another process can open, password included; on PostgreSQL the
    test's schema goes in its search path."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.url.get_backend_name() == "postgresql":
        with engine.connect() as connection:
            return with_schema(url, connection.scalar(text("select current_schema()")))
    return url


@pytest.fixture
def sqlite_engine(sqlite_url):
    engine = create_db_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def prefect_harness():
    """One ephemeral Prefect API for the whole session: starting it costs about 12 s."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield


@pytest.fixture(scope="session")
def make_httpserver():
    """pytest-httpserver's server, on 127.0.0.1, threaded (two workers race for a refresh), keeping the
    underscore headers Zalo uses (see tests.zalo_fake.KeepUnderscoreHeaders)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pytest_httpserver.httpserver, "make_server",
                      functools.partial(werkzeug.serving.make_server, request_handler=KeepUnderscoreHeaders))
        server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def maildir(tmp_path) -> Path:
    return tmp_path / "maildir"


@pytest.fixture
def rt(maildir) -> Runtime:
    """Email and Zalo both written to the test's maildir; three attempts, a minute's backoff."""
    return Runtime(Settings(email_url=f"maildir://{maildir}", zalo_url=f"maildir://{maildir}",
                            dispatch_max_attempts=3, retry_base_seconds=60))


@pytest.fixture
def inbox(maildir) -> Callable[[], list[EmailMessage]]:
    """Reads the messages written to the test's maildir so far (none when nothing was)."""

    def read() -> list[EmailMessage]:
        if not maildir.exists():
            return []
        box = mailbox.Maildir(maildir, create=False)
        return [BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in box.keys()]

    return read


@pytest.fixture
def smtp() -> Iterator[LoopbackSMTP]:
    """A real SMTP server on loopback that requires a login; not listening until the test starts it."""
    server = LoopbackSMTP()
    yield server
    server.stop()


@pytest.fixture
def zalo_store(sqlite_url) -> Iterator[DbTokenStore]:
    """The stand-in app's token row, in the test's SQLite database (the ``sqlite_url`` fixture's)."""
    yield DbTokenStore(sqlite_url, ZALO_APP_ID)
    dispose_engines()


@pytest.fixture
def zalo(httpserver, zalo_store, caplog, capsys) -> Iterator[FakeZalo]:
    """The stand-in Zalo APIs. Afterwards: no request it did not expect, no refresh token spent twice,
    and no token, secret key or SMTP password in the logs or the output."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="apprise")
    fake = FakeZalo(httpserver, zalo_store)
    # The plugins' store=db is the database of the settings in force: the token row's.
    with settings_in_force(get_settings().model_copy(update={"database_url": zalo_store.url})):
        yield fake
    httpserver.check_assertions()
    assert fake.violations == []
    assert len(fake.refresh_used) == len(set(fake.refresh_used)), "a refresh token was used twice"
    captured = capsys.readouterr()
    for secret in [*fake.secrets, PASSWORD]:
        assert secret not in caplog.text, "a secret in the logs"
        assert secret not in captured.out + captured.err, "a secret in the output"
