"""An email's Message-ID derived from its outbox key, so that a resend carries the same one.

A crash between sending and recording can send a message twice (models/claim.py bounds how many);
with the same Message-ID both times, mail systems and clients can tell the copy and drop it.

apprise 2.0's email plugin sets Message-ID itself (``make_msgid(domain=smtp_host)``), after any custom
headers: a ``+Message-ID=`` URL argument, or its ``headers`` argument, adds a second Message-ID header
instead of replacing the first (measured with a real SMTP server: two headers). So the plugin's
``make_msgid`` is replaced by one that returns the id set for the current send through a context
variable, and apprise's own otherwise. A context variable is per thread: concurrent sends each see
their own id, and every other use of apprise is unchanged. tests/test_email.py checks that a
received message has exactly one Message-ID, the derived one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from email.utils import make_msgid

_current: ContextVar[str | None] = ContextVar("obligations_message_id", default=None)


def message_id(key: str, domain: str) -> str:
    """``<first 32 hex digits of sha256(key)@domain>``: stable for one outbox key and one sender."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def current() -> str | None:
    """The Message-ID chosen for the send running in this thread, if any."""
    return _current.get()


@contextmanager
def sending_with(value: str | None) -> Iterator[None]:
    """Every email built inside the block, in this thread, gets ``value`` as its Message-ID."""
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)


def _keyed_make_msgid(idstring: str | None = None, domain: str | None = None) -> str:
    return _current.get() or make_msgid(idstring, domain)


def install() -> None:
    """Let apprise's email plugin take the Message-ID from :func:`sending_with` (idempotent)."""
    from apprise.plugins.email import base

    if getattr(base, "make_msgid", None) is None:
        raise RuntimeError("apprise's email plugin no longer builds Message-ID with make_msgid: see this module")
    base.make_msgid = _keyed_make_msgid
