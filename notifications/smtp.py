"""SMTP connections kept open for a dispatch run, under apprise's own email plugin.

apprise's email plugin opens a connection for every message and builds a TLS context for it, even over
plain ``mailto://`` where nothing uses it: ``ssl.create_default_context()`` loads the system's CA store,
18 ms a message, three quarters of a send to a near relay. Here the plugin still builds and sends each
message (every header, both parts, the encoding, its reading of the URL: user, password, ``from=``,
``name=``, ``smtp=``, port, ``mode=``, ``cc=``, ``bcc=``, ``reply=``, ``+Header=``, and the warnings
that explain a failure); only the connection it sends over changes. Inside :func:`using`, the plugin's
SMTP controller (``apprise.plugins.email.base.AppriseSMTPController``, replaced by :func:`install` the
way notifications/message_id.py replaces its header builders) borrows an open connection to the same
server, port, security mode and login from a :class:`Connections` pool and gives it back after the
message. Outside it, the plugin's own controller is used, unchanged.

A connection is opened the way apprise opens it: implicit TLS for ``mode=ssl``; STARTTLS, required,
for ``mode=starttls`` (``mailtos://``'s default); neither for ``mode=insecure`` (``mailto://``'s
default); then LOGIN when the URL has a user and a password. One TLS context serves every connection
of a pool that verifies certificates the same way, and a plain connection builds none.

A borrowed connection may have been closed by the server since its last message (an idle timeout, a
limit of messages per session). smtplib says so at MAIL or RCPT, before the message's data went out:
nothing was delivered, so the message is sent again at once over a new connection. A connection that
breaks once DATA has begun may have delivered it, or not: the send fails as a connection error would
(apprise's "Sending email ... failed", retried by the dispatcher), and the message is not repeated
here. Either way the broken connection is dropped and the next message opens a new one. Connections
are closed with QUIT when the pool is closed (the dispatch run's end, failed or not).
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

log = logging.getLogger(__name__)

# An idle connection older than this is closed rather than borrowed: relays drop idle sessions (Postfix
# after 300 s), and one dropped without a word would cost a socket timeout to find out.
MAX_IDLE_SECONDS = 60.0

_pool: ContextVar[Connections | None] = ContextVar("obligations_smtp_pool", default=None)


@dataclass(frozen=True)
class Server:
    """Where and how a connection goes: what apprise's plugin hands its SMTP controller."""

    host: str
    port: int
    secure_mode: str
    user: str | None
    password: str | None
    verify_certificate: bool
    timeout: float


class _DataTracking:
    """Knows whether the current message's DATA has begun: before it, the server has nothing to deliver."""

    data_started = False

    def data(self, msg):
        self.data_started = True
        return super().data(msg)


class _SMTP(_DataTracking, smtplib.SMTP):
    pass


class _SMTPS(_DataTracking, smtplib.SMTP_SSL):
    pass


def _lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection is gone (dropped, reset, timed out, or 421 "closing")
    rather than that the server refused this message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code == 421 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421
    return isinstance(exc, OSError)


def _quietly_quit(connection: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError, RuntimeError):  # smtplib's errors are OSErrors
        connection.quit()
    connection.close()


class Connections:
    """Open SMTP connections, lent to one thread at a time: at most as many per server as sends at once."""

    def __init__(self, *, max_idle: float = MAX_IDLE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        install()
        self.max_idle, self.clock = max_idle, clock
        self._idle: dict[Server, list[tuple[smtplib.SMTP, float]]] = {}
        self._open: set[smtplib.SMTP] = set()
        self._contexts: dict[bool, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self.closed = False
        self.opened = 0  # connections opened so far, for whoever measures

    def borrow(self, server: Server) -> tuple[smtplib.SMTP, bool]:
        """An open connection to ``server`` and whether it was used before (then it may have been closed since)."""
        stale = []
        with self._lock:
            idle = self._idle.get(server, [])
            while idle:
                connection, since = idle.pop()
                if self.clock() - since <= self.max_idle:
                    break
                stale.append(connection)
            else:
                connection = None
        for old in stale:
            self.drop(old, quit=True)
        if connection is not None:
            return connection, True
        return self.open(server), False

    def open(self, server: Server) -> smtplib.SMTP:
        """A new connection, secured and logged in as apprise's controller does it; raises as it would."""
        context = self._context(server.verify_certificate) if server.secure_mode != "insecure" else None
        connection: smtplib.SMTP | None = None
        try:
            if server.secure_mode == "ssl":
                connection = _SMTPS(server.host, server.port, None, timeout=server.timeout, context=context)
            else:
                connection = _SMTP(server.host, server.port, None, timeout=server.timeout)
            if server.secure_mode == "starttls":
                connection.starttls(context=context)
            if server.user and server.password:
                connection.login(server.user, server.password)
        except (OSError, RuntimeError):
            if connection is not None:
                _quietly_quit(connection)
            raise
        with self._lock:
            self._open.add(connection)
            self.opened += 1
            closed = self.closed
        if closed:  # a send that started as the run ended: do not leave its connection behind
            self.drop(connection, quit=True)
        return connection

    def give_back(self, server: Server, connection: smtplib.SMTP) -> None:
        with self._lock:
            if not self.closed:
                self._idle.setdefault(server, []).append((connection, self.clock()))
                return
        self.drop(connection, quit=True)

    def drop(self, connection: smtplib.SMTP, *, quit: bool = False) -> None:
        """Forget ``connection``: with QUIT when it is sound, just closed when it broke."""
        with self._lock:
            self._open.discard(connection)
        if quit:
            _quietly_quit(connection)
        else:
            connection.close()

    def close(self) -> None:
        """QUIT every connection; what is given back later is closed at once."""
        with self._lock:
            self.closed = True
            connections, self._open = list(self._open), set()
            self._idle.clear()
        for connection in connections:
            _quietly_quit(connection)

    def __enter__(self) -> Connections:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _context(self, verify: bool) -> ssl.SSLContext:
        with self._lock:
            if verify not in self._contexts:
                context = ssl.create_default_context()
                if not verify:
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                self._contexts[verify] = context
            return self._contexts[verify]


@contextlib.contextmanager
def using(connections: Connections | None) -> Iterator[None]:
    """apprise's email sends in this thread, inside the block, go over ``connections`` (None: their own)."""
    token = _pool.set(connections)
    try:
        yield
    finally:
        _pool.reset(token)


class _Borrowed:
    """What apprise's plugin uses as its SMTP controller while a pool is in force: the same interface
    (enter, ``sendmail`` returning whether it succeeded, exit), over a borrowed connection."""

    def __init__(self, pool: Connections, server: Server) -> None:
        self.pool, self.server = pool, server
        self.connection: smtplib.SMTP | None = None
        self.reused = False

    def __enter__(self) -> _Borrowed:
        from apprise.exception import AppriseImproperlyConfigured
        from apprise.plugins.email.smtp import SMTP_SECURE_MODES

        if self.server.secure_mode not in SMTP_SECURE_MODES:
            raise AppriseImproperlyConfigured(f"Invalid SMTP secure mode: {self.server.secure_mode!r}")
        self.connection, self.reused = self.pool.borrow(self.server)
        return self

    def sendmail(self, from_addr: str, to_addrs: list, message: str) -> bool:
        from apprise.logger import logger as apprise_log

        while True:
            if self.connection is None:  # the last one broke: a new one, or the plugin's "Connection error"
                self.connection, self.reused = self.pool.open(self.server), False
            connection = self.connection
            connection.data_started = False
            try:
                refused = connection.sendmail(from_addr, to_addrs, message)
            except (OSError, RuntimeError) as exc:
                lost = _lost(exc)
                self.pool.drop(connection, quit=not lost)  # after a refusal the session is sound: QUIT it
                self.connection = None
                if self.reused and lost and not connection.data_started:
                    # Closed by the server since its last message, before this one's data: nothing delivered.
                    log.info("SMTP connection to %s closed since its last message; sending over a new one",
                             self.server.host)
                    continue
                apprise_log.debug("Socket Exception: %s", exc)
                return False
            if refused:  # apprise's wording: the dispatcher reads these warnings as the reason
                for addr, (code, resp) in refused.items():
                    apprise_log.warning("SMTP recipient %s was refused: %s %s", addr, code, resp)
                return False
            return True

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.connection is None:
            return
        if exc_type is None:
            self.pool.give_back(self.server, self.connection)
        else:  # the plugin failed building a message: the session may be mid-transaction, so not lent again
            self.pool.drop(self.connection, quit=True)
        self.connection = None


def install() -> None:
    """Let apprise's email plugin send over a pool inside :func:`using` (idempotent)."""
    from apprise.plugins.email import base

    apprise_controller = getattr(base, "AppriseSMTPController", None)
    if apprise_controller is None:
        raise RuntimeError("apprise's email plugin no longer opens its connections with AppriseSMTPController: "
                           "see notifications/smtp.py")
    if getattr(apprise_controller, "pooled", False):
        return

    def controller(host, port, secure_mode, user=None, password=None, verify_certificate=True,
                   socket_connect_timeout=15):
        pool = _pool.get()
        if pool is None:
            return apprise_controller(host=host, port=port, secure_mode=secure_mode, user=user, password=password,
                                      verify_certificate=verify_certificate,
                                      socket_connect_timeout=socket_connect_timeout)
        return _Borrowed(pool, Server(host, port, secure_mode, user, password, bool(verify_certificate),
                                      socket_connect_timeout))

    controller.pooled = True  # type: ignore[attr-defined]
    base.AppriseSMTPController = controller
