"""Where the Zalo OA's tokens live: one row per app in the database, shared by workers on every machine.

The access token lives 25 hours; the refresh token is single-use (every refresh returns a new one
and the old one stops working). So the pair is kept out of the apprise URL, in the ``zalo_token``
table (``models.tables.ZaloToken``), and :class:`DbTokenStore`:

- reads the pair without locking (``load``), as every send does;
- offers ``locked()``, the refresh's critical section: the row locked — PostgreSQL ``SELECT ... FOR
  UPDATE``, SQLite a write transaction (``BEGIN IMMEDIATE``) — for as long as the refresher re-reads
  the row, asks OAuth for a new pair and saves it; two workers never spend the same refresh token,
  and the one that waited finds the new access token and uses it;
- saves with a compare-and-set on ``version`` (``UPDATE ... WHERE app_id = ? AND version = ?``), and
  commits before the refresher returns the new pair, so a pair is stored before it is used.

Operators put a pair in with ``obligations zalo authorize``; the first one may also come from
settings (:func:`seed`, only into an absent row). Tokens never appear in a ``repr``, a log line or an
error message (a database error is named by its class only: its text may quote the tokens).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from obligations.models.db import create_db_engine
from obligations.models.tables import ZaloToken

DB = "db"  # the plugins' ``store=``: the database of the settings in force
ZALO_SCHEMES = ("zalo", "zns")
LOCK_TIMEOUT_SECONDS = 30.0
TABLE = ZaloToken.__table__
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout passes


class TokenStoreError(Exception):
    """The token row cannot be used or written (the message names no token)."""


class TokenStoreUnavailable(TokenStoreError):
    """The database did not answer as expected (down, not migrated): worth another try later."""

    def __init__(self, message: str, *, missing_table: bool = False) -> None:
        super().__init__(message)
        self.missing_table = missing_table  # the database predates the zalo_token table (not upgraded)


class _RowAppeared(TokenStoreError):
    """Another process inserted the app's first row between our read and our insert."""


@dataclass(frozen=True)
class TokenPair:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    # When the access token stops working (UTC); None when unknown (a pair seeded from settings).
    expires_at: datetime | None = None

    def expired(self, at: datetime, margin_seconds: float = 0.0) -> bool:
        """Known to be expired at ``at`` (with a safety margin); an unknown expiry is never expired."""
        if self.expires_at is None:
            return False
        return (self.expires_at - at).total_seconds() <= margin_seconds


@dataclass(frozen=True)
class TokenRecord:
    """A stored pair with its bookkeeping: ``version`` counts the saves (1 for the first)."""

    app_id: str
    pair: TokenPair
    version: int
    updated_at: datetime
    updated_by: str


def who(action: str) -> str:
    """``updated_by`` for a save: what saved (refresh, settings, authorize:USER) and on which machine."""
    return f"{action}@{socket.gethostname()}"[:200]


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    """One engine (and connection pool) per database URL for the whole process."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_db_engine(url)
        return engine


def dispose_engines() -> None:
    """Close the cached engines' connections (tests; a process about to lose its database)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def _forget_engines_after_fork() -> None:
    # A forked child must not use its parent's connections; close=False leaves them to the parent.
    for engine in _engines.values():
        engine.dispose(close=False)
    _engines.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_engines_after_fork)


def _stored(pair: TokenPair, updated_by: str, at: datetime) -> dict[str, Any]:
    """A pair's columns as a save writes them."""
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token, "expires_at": pair.expires_at,
            "updated_at": at, "updated_by": updated_by[:200]}


def _record(row: Any) -> TokenRecord:
    pair = TokenPair(row.access_token, row.refresh_token, row.expires_at)
    return TokenRecord(row.app_id, pair, row.version, row.updated_at, row.updated_by)


def _unavailable(exc: SQLAlchemyError, doing: str) -> TokenStoreUnavailable:
    # Only the driver's first line is looked at, and never shown: the statement's parameters are tokens.
    detail = str(getattr(exc, "orig", "") or "").lower()
    missing = "zalo_token" in detail and ("no such table" in detail or "does not exist" in detail)
    return TokenStoreUnavailable(f"the token store could not {doing} ({exc.__class__.__name__})", missing_table=missing)


class Held:
    """The app's row while it is locked: what it held when locked, and ``save`` for the new pair."""

    def __init__(self, store: DbTokenStore, connection: Connection, record: TokenRecord | None) -> None:
        self._store, self._connection, self.record = store, connection, record

    @property
    def pair(self) -> TokenPair | None:
        return self.record.pair if self.record else None

    def save(self, pair: TokenPair, updated_by: str, at: datetime | None = None) -> TokenRecord:
        """Write ``pair`` in the locked transaction (committed when the ``locked()`` block ends)."""
        at = at or datetime.now(UTC)
        values = _stored(pair, updated_by, at)
        app_id = self._store.app_id
        try:
            if self.record is None:
                self._connection.execute(insert(TABLE).values(app_id=app_id, version=1, **values))
                version = 1
            else:
                version = self.record.version
                changed = self._connection.execute(
                    update(TABLE).where(TABLE.c.app_id == app_id, TABLE.c.version == version)
                    .values(version=TABLE.c.version + 1, **values)).rowcount
                if changed != 1:
                    raise TokenStoreError(f"the token row of app {app_id} changed while it was locked")
                version += 1
        except IntegrityError:
            raise _RowAppeared(f"the token row of app {app_id} appeared meanwhile") from None
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "save the tokens") from None
        self.record = TokenRecord(app_id, pair, version, at, updated_by[:200])
        return self.record


class DbTokenStore:
    """The token pair of one Zalo app in the ``zalo_token`` table of ``engine_or_url``'s database."""

    def __init__(self, engine_or_url: Engine | str, app_id: str) -> None:
        self._engine = engine_or_url if isinstance(engine_or_url, Engine) else None
        self._url = None if self._engine is not None else str(engine_or_url)
        self.app_id = app_id

    def __repr__(self) -> str:  # never the URL: it may carry the database's password
        return f"DbTokenStore(app {self.app_id})"

    @property
    def url(self) -> str:
        """The database's URL, password included (for a setting; never to be printed)."""
        if self._url is not None:
            return self._url
        return self._engine.url.render_as_string(hide_password=False)

    @property
    def engine(self) -> Engine:
        return self._engine if self._engine is not None else engine_for(self._url)

    def record(self) -> TokenRecord | None:
        """The stored pair with its version and last save, or None when the app has none."""
        try:
            with self.engine.connect() as connection:
                row = connection.execute(select(TABLE).where(TABLE.c.app_id == self.app_id)).one_or_none()
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "be read") from None
        return _record(row) if row is not None else None

    def load(self) -> TokenPair | None:
        """The stored pair, or None when there is none yet."""
        found = self.record()
        return found.pair if found else None

    @contextlib.contextmanager
    def locked(self, timeout: float | None = LOCK_TIMEOUT_SECONDS) -> Iterator[Held]:
        """The app's row locked until the block ends, then committed (rolled back if the block raises).

        Waits at most ``timeout`` seconds for another holder (None: the database's own limit), then
        raises ``TimeoutError``.
        """
        with self.engine.connect() as connection:
            try:
                row = self._lock(connection, timeout)
            except SQLAlchemyError as exc:
                connection.rollback()
                if self._lock_timed_out(connection, exc):
                    raise TimeoutError(f"the token row of app {self.app_id} stayed locked for {timeout} s") from None
                raise _unavailable(exc, "be locked") from None
            held = Held(self, connection, _record(row) if row is not None else None)
            yield held
            try:
                connection.commit()
            except SQLAlchemyError as exc:
                raise _unavailable(exc, "commit the tokens") from None

    def _lock(self, connection: Connection, timeout: float | None) -> Any:
        dialect = connection.dialect.name
        if dialect == "sqlite":
            # SQLite has no row locks: the write lock on the whole file is held instead. The wait is
            # SQLite's busy timeout, ours only while the lock is taken (models.db sets 30 s otherwise).
            if timeout is not None:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                if timeout is not None:
                    connection.exec_driver_sql("PRAGMA busy_timeout = 30000")
            query = select(TABLE).where(TABLE.c.app_id == self.app_id)
        else:
            if dialect == "postgresql" and timeout is not None:
                connection.execute(text("select set_config('lock_timeout', :limit, true)"),
                                   {"limit": f"{int(timeout * 1000)}ms"})
            query = select(TABLE).where(TABLE.c.app_id == self.app_id).with_for_update()
        return connection.execute(query).one_or_none()

    @staticmethod
    def _lock_timed_out(connection: Connection, exc: SQLAlchemyError) -> bool:
        original = getattr(exc, "orig", None)
        if connection.dialect.name == "sqlite":
            return "locked" in str(original) or "busy" in str(original)
        return getattr(original, "sqlstate", None) == LOCK_NOT_AVAILABLE

    def replace(self, pair: TokenPair, updated_by: str, *, at: datetime | None = None,
                timeout: float | None = LOCK_TIMEOUT_SECONDS) -> TokenRecord:
        """Put ``pair`` in place of whatever the app has (an operator's new authorisation)."""
        for attempt in (1, 2):
            try:
                with self.locked(timeout) as held:
                    saved = held.save(pair, updated_by, at)
                return saved
            except _RowAppeared:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def insert_if_absent(self, pair: TokenPair, updated_by: str) -> bool:
        """Store the app's first pair; False (and nothing written) when it has one already."""
        values = {"app_id": self.app_id, "version": 1, **_stored(pair, updated_by, datetime.now(UTC))}
        try:
            with self.engine.begin() as connection:
                if connection.execute(select(TABLE.c.version).where(TABLE.c.app_id == self.app_id)).first():
                    return False
                connection.execute(insert(TABLE).values(**values))
        except IntegrityError:
            return False  # another worker seeded it meanwhile
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "save the tokens") from None
        return True


def store_for(spec: str | None, app_id: str) -> DbTokenStore:
    """The store a plugin URL's ``store=`` names: ``db`` (or nothing), the settings' database."""
    if (spec or DB).strip().lower() != DB:
        raise ValueError("store= takes only 'db' (the tokens are kept in the database)")
    from obligations.config.settings import get_settings

    return DbTokenStore(get_settings().database_url, app_id)


def app_id_of(url: str | None) -> str | None:
    """The app id (the user part) of a ``zalo://`` or ``zns://`` URL; None for any other URL."""
    if not url or url.partition("://")[0].lower() not in ZALO_SCHEMES:
        return None
    try:
        user = urlsplit(url).username
    except ValueError:
        return None
    return (unquote(user).strip() or None) if user else None


def configured_app_ids(settings: Any) -> list[str]:
    """The distinct app ids of the configured ``zalo`` and ``zns`` channels, in that order."""
    found = (app_id_of(settings.channel_url(channel)) for channel in ZALO_SCHEMES)
    return list(dict.fromkeys(app for app in found if app))


def _secret(value: Any) -> str | None:
    """A plain string from a str or a pydantic SecretStr (settings keep tokens as SecretStr)."""
    if value is None:
        return None
    getter = getattr(value, "get_secret_value", None)
    value = getter() if callable(getter) else value
    return (value.strip() or None) if isinstance(value, str) else None


def seed(store: DbTokenStore, access_token: Any, refresh_token: Any) -> bool:
    """Put the first token pair (from settings) into an absent row; True if it did.

    Does nothing when the app has tokens already (they have been rotated since; the ones in settings
    are spent) or when either token is missing. The expiry of a seeded pair is unknown: the plugins
    use it until Zalo says it has expired, then refresh.
    """
    access, refresh = _secret(access_token), _secret(refresh_token)
    if not access or not refresh:
        return False
    return store.insert_if_absent(TokenPair(access, refresh, None), who("settings"))
