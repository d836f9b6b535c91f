"""HTTP sessions kept for one dispatch run, one a sending thread.

Without them the Zalo plugins opened an HTTPS connection (a TCP and a TLS handshake) for every message;
a session keeps its connection to the API open from one message to the next, as notifications/smtp.py
keeps email's. Outside a run (a test message, the token commands) a request goes out on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import requests

_current: ContextVar[Sessions | None] = ContextVar("obligations_http_sessions", default=None)


class Sessions:
    """A ``requests.Session`` for each thread that sends in a run, all closed when the run ends."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[requests.Session] = []

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            with self._lock:
                self._open.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            sessions, self._open = self._open, []
        for session in sessions:
            session.close()

    def __enter__(self) -> Sessions:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def using(sessions: Sessions | None) -> Iterator[None]:
    """Requests made by :func:`post` in this block go through ``sessions`` (None: each on its own)."""
    token = _current.set(sessions)
    try:
        yield
    finally:
        _current.reset(token)


def post(url: str, **kwargs) -> requests.Response:
    """``requests.post``, over this thread's session of the run when there is one."""
    sessions = _current.get()
    return sessions.session().post(url, **kwargs) if sessions is not None else requests.post(url, **kwargs)
