"""Email over SMTP connections kept open for a dispatch run (notifications/smtp.py), to a real SMTP server on
loopback that tells its connections apart: one connection per concurrent send, the same message as a
connection of its own would carry, a connection dropped between messages or inside one, STARTTLS and
implicit TLS with one TLS context, QUIT at the end of the run even when it fails."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import warnings
from collections import Counter
from email.utils import format_datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import Settings
from obligations.flows.dispatch import Dispatcher, dispatch
from obligations.flows.runtime import Runtime
from obligations.models.tables import Notification
from obligations.notifications import smtp as pooled
from obligations.notifications.send import Message, for_one_run, send_with_apprise
from tests.smtp import PASSWORD, USER, LoopbackSMTP
from tests.test_claim import AS_OF, crowd

FAST = {"email": 60_000}  # the rate limit out of the way: what is counted here is connections


class SessionsSMTP(LoopbackSMTP):
    """A LoopbackSMTP that numbers its connections: which one carried each message and over TLS or not,
    which ones said QUIT. ``drop_after``: a connection is dropped at the MAIL after that many messages
    (before the next message's data). ``drop_during``: the connection is dropped in the middle of the
    DATA of the message to that address, which is not accepted. ``tls``: a server certificate and key,
    offered by STARTTLS, or from the first byte with ``implicit``."""

    def __init__(self, *, drop_after: int | None = None, drop_during: str | None = None,
                 tls: tuple[str, str] | None = None, implicit: bool = False, scheme: str = "mailto",
                 query: str = "") -> None:
        super().__init__()
        self.drop_after, self.drop_during = drop_after, drop_during
        self.tls, self.implicit, self.scheme, self.query = tls, implicit, scheme, query
        self.connections: list = []  # aiosmtpd's protocol object of each connection, numbered by position
        self.carried: list[tuple[int, bool]] = []  # per accepted message: its connection, over TLS or not
        self.per_connection: Counter = Counter()
        self.quits: set[int] = set()

    @property
    def url(self) -> str:
        return (f"{self.scheme}://{USER}:{PASSWORD}@127.0.0.1:{self.port}?from=nhacviec@example.org"
                f"&name=Sở Ngoại vụ Khánh Hòa{self.query}")

    def number(self, server) -> int:
        for n, known in enumerate(self.connections):
            if known is server:
                return n
        self.connections.append(server)
        return len(self.connections) - 1

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        n = self.number(server)
        if self.drop_after is not None and self.per_connection[n] >= self.drop_after:
            server.transport.close()
            return "421 4.7.0 Too many messages in this session"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        n = self.number(server)
        if self.drop_during is not None and self.drop_during in envelope.rcpt_tos:
            self.drop_during = None  # once
            server.transport.close()
            await asyncio.sleep(0)
            return "451 4.3.0 Dropped"
        self.per_connection[n] += 1
        self.carried.append((n, server.transport.get_extra_info("ssl_object") is not None))
        return await super().handle_DATA(server, session, envelope)

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        self.quits.add(self.number(server))
        return "221 Bye"

    def start(self) -> SessionsSMTP:
        context = None
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # login without TLS is fine on loopback
            self.controller = Controller(
                self, hostname="127.0.0.1", port=self.port, authenticator=self._authenticate,
                auth_required=True, auth_require_tls=False,
                ssl_context=context if self.implicit else None,
                tls_context=context if not self.implicit else None,
            )
            self.controller.start()
        return self


@pytest.fixture
def servers():
    started: list[SessionsSMTP] = []

    def start(**options) -> SessionsSMTP:
        started.append(SessionsSMTP(**options).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


def runtime(server: SessionsSMTP, **overrides) -> Runtime:
    return Runtime(Settings(email_url=server.url, rate_limits=FAST, dispatch_max_attempts=3,
                            retry_base_seconds=60, **overrides))


def recipients(server: SessionsSMTP) -> Counter:
    return Counter(rcpt for _, rcpts, _ in server.received for rcpt in rcpts)


def statuses(engine) -> Counter:
    with Session(engine) as session:
        return Counter(session.scalars(select(Notification.status)))


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_dispatch_sends_over_one_connection_per_concurrent_send_and_quits_them(sqlite_engine, servers,
                                                                                 concurrency):
    server = servers()
    crowd(sqlite_engine, 24)
    assert dispatch(sqlite_engine, runtime(server, dispatch_concurrency=concurrency), AS_OF)["sent"] == 24
    assert len(server.received) == 24 and set(recipients(server).values()) == {1}
    assert 1 <= len(server.connections) <= concurrency
    assert server.quits == set(range(len(server.connections)))  # each closed with QUIT at the run's end
    if concurrency == 1:
        assert server.per_connection == {0: 24}


def test_the_message_is_the_one_its_own_connection_would_carry(servers):
    server = servers(query="&cc=Phạm Thị Dung <user3@example.org>&bcc=user5@example.org")
    at = dt.datetime(2017, 11, 30, 8, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    url = f"{server.url}&to=user2@example.org&reply=user0@example.org"

    def message(n: int) -> Message:
        return Message("email", url, f"[Nhắc việc] Báo cáo kết quả hằng năm {n}", f"Kính gửi ông Cường {n}.\n",
                       f"<p>Kính gửi ông <b>Cường</b> {n}.</p>", message_id=f"<{n:032x}@example.org>",
                       sent_at=at, kind="reminder")

    assert send_with_apprise(message(1)).ok  # apprise's own connection, as before
    with for_one_run(send_with_apprise) as send:
        assert send(message(1)).ok and send(message(2)).ok
    (own_from, own_rcpts, own), (kept_from, kept_rcpts, kept), (_, _, second) = server.received
    assert (kept_from, kept_rcpts) == (own_from, own_rcpts) == (
        "nhacviec@example.org", ["user2@example.org", "user3@example.org", "user5@example.org"])
    assert list(kept.keys()) == list(own.keys())
    for name in own.keys():
        if name != "Content-Type":  # its boundary is random
            assert [str(v) for v in kept.get_all(name)] == [str(v) for v in own.get_all(name)], name
    assert kept.get_content_type() == own.get_content_type() == "multipart/alternative"
    assert [(p.get_content_type(), p["Content-Transfer-Encoding"], p.get_content()) for p in kept.iter_parts()] == \
        [(p.get_content_type(), p["Content-Transfer-Encoding"], p.get_content()) for p in own.iter_parts()]
    assert kept["From"].addresses[0].display_name == "Sở Ngoại vụ Khánh Hòa"
    assert str(kept["To"]) == "user2@example.org" and str(kept["Reply-To"]) == "user0@example.org"
    assert str(kept["Cc"]) == "Phạm Thị Dung <user3@example.org>" and "Bcc" not in kept
    assert str(kept["Subject"]) == "[Nhắc việc] Báo cáo kết quả hằng năm 1"
    assert [str(kept["Message-ID"]), str(second["Message-ID"])] == [f"<{n:032x}@example.org>" for n in (1, 2)]
    assert str(kept["Date"]) == format_datetime(at) == "Thu, 30 Nov 2017 08:00:00 +0700"
    assert kept.get_body(("plain",)).get_content().strip() == "Kính gửi ông Cường 1."
    assert [n for n, _ in server.carried] == [0, 1, 1]  # the second and third messages: one connection


def test_a_connection_dropped_between_messages_is_replaced_and_nothing_is_lost_or_repeated(sqlite_engine, servers):
    server = servers(drop_after=3)
    crowd(sqlite_engine, 10)
    outcome = dispatch(sqlite_engine, runtime(server, dispatch_concurrency=1), AS_OF)
    assert outcome["sent"] == 10 and "retry" not in outcome
    assert len(server.received) == 10 and set(recipients(server).values()) == {1}
    assert server.per_connection == {0: 3, 1: 3, 2: 3, 3: 1}  # a new connection after each drop
    assert server.quits == {3}  # the dropped ones could not be QUIT; the last one is, at the run's end


def test_a_connection_dropped_inside_a_message_retries_that_message_only(sqlite_engine, servers, monkeypatch):
    # The claim tries its candidates in random order; in the queue's order the dropped message is never the
    # last one sent, so a message after it shows whether a new connection was opened.
    monkeypatch.setattr("obligations.models.claim.random.shuffle", lambda candidates: None)
    server = servers(drop_during="crowd00004@example.org")
    crowd(sqlite_engine, 10)
    rt = runtime(server, dispatch_concurrency=1)
    first = dispatch(sqlite_engine, rt, AS_OF)
    assert first["sent"] == 9 and first["retry"] == 1  # a passing fault: not repeated by the reuse itself
    with Session(sqlite_engine) as session:
        [retried] = session.scalars(select(Notification).where(Notification.status == "pending")).all()
    assert retried.attempts == 1 and 'Sending email to "crowd00004@example.org" failed' in retried.last_error
    assert "crowd00004@example.org" not in recipients(server)
    assert len(server.connections) == 2  # the message after the broken one opened a new connection
    later = dispatch(sqlite_engine, rt, AS_OF + dt.timedelta(minutes=5))
    assert later["sent"] == 1
    assert len(server.received) == 10 and set(recipients(server).values()) == {1}
    assert statuses(sqlite_engine) == {"sent": 10}


def test_a_failed_run_still_quits_its_connections(sqlite_engine, servers, monkeypatch):
    server = servers()
    crowd(sqlite_engine, 6)
    recorded = Dispatcher.after_send

    def broken_after_two(self, group, result, lookup, **kwargs):
        if len(server.received) >= 2:
            raise RuntimeError("the database went away")
        return recorded(self, group, result, lookup, **kwargs)

    monkeypatch.setattr(Dispatcher, "after_send", broken_after_two)
    with pytest.raises(RuntimeError, match="went away"):
        dispatch(sqlite_engine, runtime(server, dispatch_concurrency=2), AS_OF)
    assert server.received and server.quits == set(range(len(server.connections)))


def test_an_idle_connection_is_not_lent_again(servers):
    server = servers()
    now = [0.0]
    url = f"{server.url}&to=user2@example.org"
    with pooled.Connections(clock=lambda: now[0]) as connections:
        assert send_with_apprise(Message("email", url, "một", "1"), connections=connections).ok
        now[0] += pooled.MAX_IDLE_SECONDS + 1
        assert send_with_apprise(Message("email", url, "hai", "2"), connections=connections).ok
        assert server.quits == {0}  # closed with QUIT as too old, before the second message
    assert [n for n, _ in server.carried] == [0, 1] and server.quits == {0, 1}


@pytest.fixture
def certificate(tmp_path, monkeypatch) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, trusted as the only CA (``SSL_CERT_FILE``): verification on."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_contexts(monkeypatch) -> list:
    """Every client TLS context made while the test runs."""
    made: list = []
    create = ssl.create_default_context

    def counted(*args, **kwargs):
        made.append(create(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    return made


@pytest.mark.parametrize(("scheme", "query", "implicit"), [
    ("mailtos", "", False),  # mailtos:// is STARTTLS by default
    ("mailto", "&mode=starttls", False),
    ("mailtos", "&mode=ssl", True),  # implicit TLS
])
def test_tls_one_handshake_per_connection_and_one_context(sqlite_engine, servers, certificate, tls_contexts,
                                                           scheme, query, implicit):
    server = servers(tls=certificate, implicit=implicit, scheme=scheme, query=query)
    crowd(sqlite_engine, 8)
    assert dispatch(sqlite_engine, runtime(server, dispatch_concurrency=1), AS_OF)["sent"] == 8
    assert server.carried == [(0, True)] * 8  # every message over TLS, one connection, so one handshake
    client_contexts = [c for c in tls_contexts if c.verify_mode == ssl.CERT_REQUIRED]
    assert len(client_contexts) == 1  # not one a message
    assert server.quits == {0}


def test_a_certificate_that_does_not_verify_is_a_connection_error(sqlite_engine, servers, certificate, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")  # the self-signed certificate is no longer trusted
    server = servers(tls=certificate, scheme="mailtos")
    crowd(sqlite_engine, 2)
    assert dispatch(sqlite_engine, runtime(server), AS_OF)["retry"] == 2 and not server.received
    with Session(sqlite_engine) as session:
        errors = set(session.scalars(select(Notification.last_error)))
    assert errors == {'E-Mail: Connection error while submitting email to "127.0.0.1"'}


def test_plain_mailto_makes_no_tls_context(sqlite_engine, servers, tls_contexts):
    server = servers()
    crowd(sqlite_engine, 4)
    assert dispatch(sqlite_engine, runtime(server, dispatch_concurrency=1), AS_OF)["sent"] == 4
    assert tls_contexts == [] and server.carried == [(0, False)] * 4
