"""Sending one message through apprise; URLs are only ever logged in apprise's privacy mode."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import apprise
from apprise import NotifyFormat

import obligations.notifications  # noqa: F401  (registers the project's plugins)
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
    """The URL as safe to print: credentials and tokens masked by the plugin that owns it."""
    if url is None:
        return "chưa được cấu hình"
    server = apprise.Apprise.instantiate(url)
    return server.url(privacy=True) if server else "<invalid URL>"


class _ThreadWarnings(logging.Handler):
    """apprise's warnings for this thread's send: its plugins explain a failure only in their logs."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def send_with_apprise(message: Message) -> SendResult:
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
        with sending_with(message.message_id, message.sent_at, text=message.text, kind=message.kind):
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
