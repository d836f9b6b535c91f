"""Sending one message through apprise; URLs are only ever logged in apprise's privacy mode."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import apprise
from apprise import NotifyFormat

import obligations.notifications  # noqa: F401  (registers the project's plugins)
from obligations.notifications import http_sessions, smtp
from obligations.notifications.message_id import sending_with
from obligations.notifications.outcome import Action, Failure

log = logging.getLogger(__name__)

PATH_ADDRESSED = ("zalo", "zns")  # schemes that take the recipient in the URL path, not as to=


@dataclass(frozen=True)
class Message:
    channel: str
    url: str
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None  # for email: the same for every send of one outbox row (or group of rows)
    # The moment the message is dated (an email's Date header): the dispatch's as_of, in the plan's
    # zone offset, so that a replay's messages carry the period replayed. None: the wall clock.
    sent_at: datetime | None = None
    kind: str | None = None  # a notification kind, or "bundle": recorded by the maildir


@dataclass(frozen=True)
class SendResult:
    ok: bool
    failure: Failure | None = None


Sender = Callable[[Message], SendResult]


def recipient_url(base_url: str, address: str, params: dict[str, str] | None = None) -> str:
    """The channel's URL for one recipient: in the path for Zalo, as ``to=`` for mail-like plugins."""
    scheme, _, rest = base_url.partition("://")
    location, _, query = rest.partition("?")
    pairs = [query] if query else []
    if scheme in PATH_ADDRESSED:
        location = f"{location.rstrip('/')}/{quote(address, safe='')}"
    else:
        pairs.append(f"to={quote(address, safe='@')}")
    pairs.extend(f"{quote(k, safe=':')}={quote(str(v), safe='')}" for k, v in (params or {}).items())
    return f"{scheme}://{location}?{'&'.join(pairs)}"


def private(url: str | None) -> str:
    """The URL as safe to print: credentials and tokens masked by the plugin that owns it.

    A Zalo channel's URL (``zalo://APP_ID:SECRET@oa``, ``zns://APP_ID:SECRET@oa?template=...``) has
    no recipient yet, so its plugin refuses it: it is masked here instead (:func:`private_zalo`).
    """
    if url is None:
        return "chưa được cấu hình"
    if url.partition("://")[0].lower() in PATH_ADDRESSED:
        return private_zalo(url)
    server = apprise.Apprise.instantiate(url)
    return server.url(privacy=True) if server else "<invalid URL>"


MASK = "****"
# What a Zalo URL's query may show as it is: none of these is a credential. Template parameters
# (``:name``) are shown too; api= and oauth= with any password masked; anything else is masked whole.
ZALO_SHOWN_PARAMS = frozenset({"template", "mode", "channel", "store", "tracking", "to", "cto", "rto", "format",
                               "overflow", "verify"})


def _masked_location(parts) -> str:
    host = parts.hostname or ""
    try:
        host += f":{parts.port}" if parts.port else ""
    except ValueError:
        host += ":" + MASK
    if parts.username is None and parts.password is None:
        return host
    user = quote(unquote(parts.username or ""), safe="")
    return f"{user}:{MASK}@{host}" if parts.password is not None else f"{user}@{host}"


def private_zalo(url: str) -> str:
    """A ``zalo://`` or ``zns://`` URL with its secret key (and any other secret) masked, never shown."""
    try:
        parts = urlsplit(url)
        location = _masked_location(parts)
    except ValueError:
        return "<invalid URL>"
    shown = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in ("api", "oauth"):
            try:
                inner = urlsplit(value)
                value = f"{inner.scheme}://{_masked_location(inner)}{inner.path}"
            except ValueError:
                value = MASK
        elif key not in ZALO_SHOWN_PARAMS and not key.startswith(":"):
            value = MASK
        shown.append(f"{quote(key, safe=':')}={quote(value, safe='/:*@')}")
    query = f"?{'&'.join(shown)}" if shown else ""
    return f"{parts.scheme}://{location}{parts.path}{query}"


class _ThreadWarnings(logging.Handler):
    """apprise's warnings for this thread's send: its plugins explain a failure only in their logs."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def send_with_apprise(message: Message, *, connections: smtp.Connections | None = None,
                      sessions: http_sessions.Sessions | None = None) -> SendResult:
    """Send ``message`` through the apprise plugin of its URL; email over ``connections`` and Zalo over
    ``sessions`` when given (kept open from one message to the next: notifications/smtp.py,
    notifications/http_sessions.py), else over a connection of its own."""
    server = apprise.Apprise.instantiate(message.url)
    if server is None:
        return SendResult(False, Failure(Action.DEAD, f"invalid or unsupported URL for channel {message.channel}"))
    if message.html is not None:
        body, body_format = message.html, NotifyFormat.HTML
    else:
        body, body_format = message.text, NotifyFormat.TEXT
    warnings = _ThreadWarnings()
    apprise_log = logging.getLogger("apprise")
    apprise_log.addHandler(warnings)
    try:
        with sending_with(message.message_id, message.sent_at, text=message.text, kind=message.kind), \
                smtp.using(connections), http_sessions.using(sessions):
            ok = server.notify(body=body, title=message.subject, body_format=body_format)
    except Exception as exc:  # noqa: BLE001 - a plugin failure is a failed send, recorded for retry
        log.warning("send through %s failed: %s", server.url(privacy=True), exc.__class__.__name__)
        return SendResult(False, Failure(Action.RETRY, f"{exc.__class__.__name__}: {exc}"))
    finally:
        apprise_log.removeHandler(warnings)
    if ok:
        return SendResult(True)
    failure = getattr(server, "failure", None)
    reason = "; ".join(warnings.lines[-2:]) or "the message was not accepted"
    return SendResult(False, failure or Failure(Action.RETRY, f"{server.service_name}: {reason}"))


@contextmanager
def for_one_run(sender: Sender) -> Iterator[Sender]:
    """``sender`` as one dispatch run uses it: apprise's sending keeps its SMTP connections open from one
    message to the next (at most one per concurrent send) and QUITs them when the run ends, failed or not;
    any other sender (a test's, a wrapper) is used as it is."""
    if sender is not send_with_apprise:
        yield sender
        return
    with smtp.Connections() as connections, http_sessions.Sessions() as sessions:
        yield partial(send_with_apprise, connections=connections, sessions=sessions)


class RateLimiter:
    """A token bucket per channel, shared by the dispatch threads: ``rate`` messages a minute."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 60.0 / per_minute
        self.capacity = max(1.0, per_minute / 6)  # a burst of ten seconds' worth
        self.tokens = self.capacity
        self.clock, self.sleep = clock, sleep
        self.updated = clock()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self.lock:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) / self.interval)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) * self.interval
            self.sleep(wait)
