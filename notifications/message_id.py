"""An email's Message-ID derived from its outbox key, and its Date from the dispatch's moment.

Message-ID: a crash between sending and recording can send a message twice (models/claim.py bounds
how many); with the same Message-ID both times, mail systems and clients can tell the copy and drop
it. A message listing several outbox rows (one person's group) takes its id from the sorted keys of
its rows (:func:`group_key`), so a repeat of the same group carries the same id too.

Date: a message carries the moment the dispatch sends it in the run (its ``as_of``, the simulated
moment during a replay), not the wall clock, so a replay's mailbox reads as the period it replays.

apprise 2.0's email plugin sets both headers itself, after any custom headers: ``Message-ID`` with
``make_msgid(domain=smtp_host)`` and ``Date`` with ``format_datetime(datetime.now(tz=tzinfo))``. A
``+Message-ID=`` URL argument, or its ``headers`` argument, adds a second header instead of replacing
the first (measured with a real SMTP server: two headers). So the plugin's ``make_msgid`` and
``format_datetime`` (used for nothing else there) are replaced by ones that return the values set for
the current send through context variables, and apprise's own otherwise. A context variable is per
thread: concurrent sends each see their own values, and every other use of apprise is unchanged.
tests/test_email.py and tests/test_date_header.py check that a received message has exactly one of
each, the derived ones. The maildir plugin (notifications/maildir.py) reads the same variables.

The text part: apprise builds an HTML email's plain-text alternative by converting the HTML
(``convert_between``), which loses the wording of the text the templates wrote for it. The send's own
text is set here too, and the plugin's ``convert_between`` returns it for that conversion, so a reader
of the plain part reads what the templates say. The message's kind (``reminder``, ``bundle`` ...) is
set for the maildir, which records it in a header for whoever counts a mailbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from email.utils import format_datetime, make_msgid

_current: ContextVar[str | None] = ContextVar("obligations_message_id", default=None)
_sent_at: ContextVar[datetime | None] = ContextVar("obligations_sent_at", default=None)
_text: ContextVar[str | None] = ContextVar("obligations_text", default=None)
_kind: ContextVar[str | None] = ContextVar("obligations_kind", default=None)


def message_id(key: str, domain: str) -> str:
    """``<first 32 hex digits of sha256(key)@domain>``: stable for one outbox key and one sender."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def group_key(keys: Iterable[str]) -> str:
    """The key of one message standing for several outbox rows: their keys, sorted, one a line."""
    return "\n".join(sorted(keys))


def current() -> str | None:
    """The Message-ID chosen for the send running in this thread, if any."""
    return _current.get()


def current_date() -> datetime | None:
    """The moment the send running in this thread is dated, if any (timezone-aware)."""
    return _sent_at.get()


def current_text() -> str | None:
    """The plain text written for the send running in this thread, if any."""
    return _text.get()


def current_kind() -> str | None:
    """What the send running in this thread is: a notification kind, or ``bundle``."""
    return _kind.get()


@contextmanager
def sending_with(value: str | None, sent_at: datetime | None = None, *, text: str | None = None,
                 kind: str | None = None) -> Iterator[None]:
    """Every email built inside the block, in this thread, gets ``value`` as its Message-ID,
    ``sent_at`` (timezone-aware; shown with its own offset) as its Date and ``text`` as its plain part."""
    if sent_at is not None and sent_at.utcoffset() is None:
        raise ValueError(f"a message's date needs a UTC offset, got {sent_at!r}")
    tokens = [(var, var.set(v)) for var, v in ((_current, value), (_sent_at, sent_at), (_text, text), (_kind, kind))]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def _keyed_make_msgid(idstring: str | None = None, domain: str | None = None) -> str:
    return _current.get() or make_msgid(idstring, domain)


def _dated_format_datetime(moment: datetime, usegmt: bool = False) -> str:
    sent_at = _sent_at.get()
    return format_datetime(sent_at if sent_at is not None else moment, usegmt and sent_at is None)


def _own_text(convert: Callable[..., str]) -> Callable[..., str]:
    def convert_between(from_format: str, to_format: str, content: str | None = None, *args, **kwargs) -> str:
        text = _text.get()
        if text is not None and from_format == "html" and to_format == "text":
            return text
        return convert(from_format, to_format, content, *args, **kwargs)

    convert_between.own_text = True  # type: ignore[attr-defined]
    return convert_between


def install() -> None:
    """Let apprise's email plugin take Message-ID and Date from :func:`sending_with` (idempotent)."""
    from apprise.plugins.email import base

    for name in ("make_msgid", "format_datetime", "convert_between"):
        if getattr(base, name, None) is None:
            raise RuntimeError(f"apprise's email plugin no longer builds its headers with {name}: see this module")
    base.make_msgid = _keyed_make_msgid
    base.format_datetime = _dated_format_datetime
    if not getattr(base.convert_between, "own_text", False):
        base.convert_between = _own_text(base.convert_between)
