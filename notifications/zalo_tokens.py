"""Where the Zalo OA's tokens live: a JSON file next to the engine, shared by every worker.

The access token lives 25 hours; the refresh token is single-use (every refresh returns a new one
and the old one stops working). So the pair is kept out of the apprise URL, in a store that:

- saves atomically (temp file in the same folder, fsync, ``os.replace``; mode 0600), so a crash
  never leaves half a token file behind;
- offers ``lock()``, an exclusive ``fcntl.flock`` on a sibling ``<file>.lock``, which the refresher
  holds while it re-reads the store, refreshes and saves the new pair — two workers never spend
  the same refresh token.

Tokens never appear in a ``repr`` or a log line.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class TokenStoreError(Exception):
    """The token file exists but cannot be read as a token pair (the message names no token)."""


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

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> TokenPair:
        if not isinstance(data, dict):
            raise TokenStoreError("the token file does not hold a JSON object")
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
            raise TokenStoreError("the token file lacks access_token or refresh_token")
        expires_at = data.get("expires_at")
        if expires_at is not None:
            try:
                expires_at = datetime.fromisoformat(expires_at)
            except (TypeError, ValueError):
                raise TokenStoreError("the token file's expires_at is not an ISO 8601 time") from None
            if expires_at.tzinfo is None:
                expires_at = expires_at.replace(tzinfo=UTC)
        return cls(access, refresh, expires_at)


class FileTokenStore:
    """A token pair in one JSON file; ``lock()`` serialises refreshes across threads and processes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def load(self) -> TokenPair | None:
        """The stored pair, or None when there is none yet (no file, or an empty one)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStoreError(f"cannot read the token file {self.path}: {exc.strerror}") from None
        if not text.strip():
            return None
        try:
            data = json.loads(text)
        except ValueError:
            raise TokenStoreError(f"the token file {self.path} is not valid JSON") from None
        return TokenPair.from_json(data)

    def save(self, pair: TokenPair) -> None:
        """Replace the stored pair atomically: readers see the old pair or the new one, never a mix."""
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                os.fchmod(fh.fileno(), 0o600)
                json.dump(pair.to_json(), fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        # Make the rename itself durable.
        with contextlib.suppress(OSError):
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    @contextlib.contextmanager
    def lock(self, timeout: float | None = 60.0) -> Iterator[None]:
        """Hold an exclusive lock on ``<file>.lock`` (threads and processes alike).

        Waits at most ``timeout`` seconds (None: forever), then raises ``TimeoutError``.
        """
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | (0 if deadline is None else fcntl.LOCK_NB))
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise TimeoutError(f"the token store {self.path} stayed locked for {timeout} s") from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _secret(value: Any) -> str | None:
    """A plain string from a str or a pydantic SecretStr (settings keep tokens as SecretStr)."""
    if value is None:
        return None
    getter = getattr(value, "get_secret_value", None)
    value = getter() if callable(getter) else value
    return (value.strip() or None) if isinstance(value, str) else None


def seed(store: FileTokenStore, access_token: Any, refresh_token: Any) -> bool:
    """Put the first token pair (from settings) into an empty store; True if it did.

    Does nothing when the store already has tokens (they have been rotated since; the ones in
    settings are spent) or when either token is missing. The expiry of a seeded pair is unknown:
    the plugins use it until Zalo says it has expired, then refresh.
    """
    access, refresh = _secret(access_token), _secret(refresh_token)
    if not access or not refresh:
        return False
    with store.lock():
        if store.load() is not None:
            return False
        store.save(TokenPair(access, refresh, None))
    return True
