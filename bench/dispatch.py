"""Benchmark of the dispatch: the engine's sends against a plain loop to the same local server.

    .venv/bin/python -m bench.dispatch [--messages N] [--database-url URL] [--repeat K] [--channels email,zalo]

1. Setup (untimed): a fresh database (a temporary SQLite file by default; on PostgreSQL a schema
   ``bench_<random>`` dropped at the end) gets one plan, one open occurrence and N pending reminders
   due at the same moment inside office hours, each to its own contact (so each is one message).
2. Email: an SMTP sink on 127.0.0.1 (aiosmtpd, login without TLS, as tests/smtp.py) receives
   - ``dispatch``: ``obligations.flows.dispatch.dispatch(engine, rt, as_of)`` through a plain
     ``mailto://`` URL, the rate limit lifted (``rate_limits`` very high), ``dispatch_concurrency`` as
     configured (default 4): claiming, rendering, sending and recording;
   - ``plain``: one ``smtplib`` connection sending N messages like the ones the dispatch sent.
3. Zalo OA: a tiny HTTP server on 127.0.0.1 answering as Zalo's OA API does receives
   - ``dispatch``: the same, through ``zalo://`` with the token pair in the database;
   - ``plain``: one ``httpx.Client`` posting N messages of the same shape.
Each repetition puts every row back to pending and uses a fresh ``Runtime``. Reported: medians,
messages a second, and dispatch ÷ plain (the time ratio; 0.5 means the dispatch takes twice as long
as the plain loop, i.e. the plain loop's rate ÷ dispatch's rate is its inverse). One JSON object on
stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import smtplib
import socket
import sqlite3
import statistics
import threading
import time
import warnings
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import text, update
from sqlalchemy.engine import Engine

from bench.database import STARTED, engine_url, fresh_database, log
from bench.world import bench_settings
from obligations.config.settings import settings_in_force
from obligations.flows.runtime import Runtime
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationKind, NotificationStatus, outbox_row
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import Agency, Contact, Notification, Obligation, Occurrence, Plan

AS_OF = datetime(2019, 7, 2, 3, 0, tzinfo=UTC)  # Tuesday 2 July 2019, 10:00 in Hanoi: office hours
DEADLINE = datetime(2019, 12, 14, 17, 0, tzinfo=UTC)
USER, PASSWORD = "nhacviec", "s3cret-Pa55-smtp"
APP_ID, SECRET, ACCESS, REFRESH = "2748371956125409813", "bench-secret", "bench-access-token", "bench-refresh-token"
OA_PATH = "/v3.0/oa/message/cs"
UNLIMITED = {"email": 10**9, "zalo": 10**9, "zns": 10**9}


# ---------------------------------------------------------------------------------------------------
# The local servers


class SmtpSink:
    """An SMTP server on loopback that requires a login (without TLS) and keeps the last message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        def authenticate(server, session, envelope, mechanism, data) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
            return AuthResult(success=ok)

        self.received = 0
        self.last: bytes | None = None
        with socket.socket() as probe:  # aiosmtpd's controller needs the port it will listen on
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # login without TLS is fine on loopback
            self.controller = Controller(self, hostname="127.0.0.1", port=self.port, authenticator=authenticate,
                                         auth_required=True, auth_require_tls=False)
            self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received += 1
        self.last = envelope.original_content
        return "250 Message accepted"

    @property
    def url(self) -> str:
        return f"mailto://{USER}:{PASSWORD}@127.0.0.1:{self.port}?from=nhacviec@example.org&name=Sở Ngoại vụ"

    def stop(self) -> None:
        self.controller.stop()


class ZaloSink:
    """Zalo's OA message API as far as a send meets it: POST JSON, ``access_token`` header, success."""

    def __init__(self) -> None:
        sink = self
        self.received = 0
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Zalo's servers answer

            def setup(self) -> None:
                super().setup()
                # Headers and body go in two writes: without this, Nagle's algorithm and the client's
                # delayed ACK hold every answer 40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path.startswith(OA_PATH) and self.headers.get("access_token") == ACCESS:
                    with sink.lock:
                        sink.received += 1
                        n = sink.received
                    user = (body.get("recipient") or {}).get("user_id")
                    answer = {"error": 0, "message": "Success",
                              "data": {"message_id": f"mid-{n}", "user_id": user, "sent_time": "1765780000000"}}
                else:
                    answer = {"error": -216, "message": "Access token is invalid"}
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------------
# The outbox


def build(engine: Engine, messages: int, channel: str) -> None:
    """One plan, one open occurrence and ``messages`` pending reminders, each to its own contact."""
    with session_scope(engine) as session:
        coordinator = Agency(code="SNGV", name="Sở Ngoại vụ")
        members = Agency(code="STTTT", name="Sở Thông tin và Truyền thông")
        session.add_all([coordinator, members])
        session.flush()
        plan = Plan(code="bench", title="Kế hoạch triển khai công tác đối ngoại nhân dân", start=date(2019, 1, 1),
                    end=date(2020, 12, 31), coordinator_id=coordinator.id, manager_id=coordinator.id, created_at=AS_OF)
        session.add(plan)
        session.flush()
        obligation = Obligation(plan_id=plan.id, ref="III.6.4", title="Báo cáo tổng hợp kết quả công tác đối ngoại",
                                text="Báo cáo", lead_agency_id=members.id, report_to_id=coordinator.id,
                                schedule_kind="once", due=DEADLINE.date())
        session.add(obligation)
        session.flush()
        occurrence = Occurrence(obligation_id=obligation.id, agency_id=members.id, period_key="2019",
                                nominal_deadline=DEADLINE, effective_deadline=DEADLINE, created_at=AS_OF)
        contacts = [Contact(agency_id=members.id, name=f"Cán bộ {n:05d}", role="focal_point",
                            email=f"bench{n:05d}@example.org", zalo_user_id=f"{4_100_000_000 + n}",
                            channels=[channel]) for n in range(messages)]
        session.add_all([occurrence, *contacts])
        session.flush()
        insert_ignoring_duplicates(session, Notification, [
            outbox_row(kind=NotificationKind.REMINDER, step=f"2019-12-14/reminder-{n:05d}",
                       status=NotificationStatus.PENDING, due_at=AS_OF, created_at=AS_OF, occurrence_id=occurrence.id,
                       recipient_id=contact.id, channel=channel, next_attempt_at=AS_OF,
                       payload={"notify": "focal_point"})
            for n, contact in enumerate(contacts)
        ])


def reset(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(update(Notification).values(
            status=NotificationStatus.PENDING, lease_until=None, attempts=0, sent_at=None, next_attempt_at=AS_OF,
            last_error=None, subject=None))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE notification"))


def sent_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT count(*) FROM notification WHERE status = 'sent'"))


# ---------------------------------------------------------------------------------------------------
# The runs


def run_dispatch(engine: Engine, settings) -> float:
    from obligations.flows.dispatch import dispatch

    reset(engine)
    rt = Runtime(settings)
    # The Zalo plugins find their token store through the settings in force.
    with settings_in_force(settings):
        started = time.perf_counter()
        counts = dispatch(engine, rt, AS_OF)
        seconds = time.perf_counter() - started
    if sent_count(engine) != counts.get(NotificationStatus.SENT, 0) or not counts.get(NotificationStatus.SENT):
        with engine.connect() as connection:
            error = connection.scalar(text("SELECT last_error FROM notification WHERE last_error IS NOT NULL"))
        raise SystemExit(f"bench: the dispatch did not send everything: {dict(counts)}; {error}")
    return seconds


def plain_smtp(sink: SmtpSink, messages: int) -> float:
    """N messages like the dispatch's last one over one smtplib connection."""
    template = BytesParser(policy=policy.default).parsebytes(sink.last or b"Subject: bench\n\nbench\n")
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as client:
        client.login(USER, PASSWORD)
        for n in range(messages):
            message = EmailMessage()
            message["From"] = "Sở Ngoại vụ <nhacviec@example.org>"
            message["To"] = f"bench{n:05d}@example.org"
            message["Subject"] = str(template["Subject"])
            body = template.get_body(("plain",)) if template.is_multipart() else template
            message.set_content(body.get_content() if body is not None else "bench")
            client.send_message(message)
    return time.perf_counter() - started


def plain_zalo(sink: ZaloSink, messages: int, text_: str) -> float:
    import httpx

    started = time.perf_counter()
    with httpx.Client(base_url=sink.base, timeout=10) as client:
        for n in range(messages):
            answer = client.post(OA_PATH, headers={"access_token": ACCESS},
                                 json={"recipient": {"user_id": f"{4_100_000_000 + n}"}, "message": {"text": text_}})
            if answer.json().get("error") != 0:
                raise SystemExit(f"bench: the Zalo sink refused a plain send: {answer.text}")
    return time.perf_counter() - started


def measure(channel: str, database_url: str | None, messages: int, repeat: int) -> dict:
    sink = SmtpSink() if channel == "email" else ZaloSink()
    try:
        with fresh_database(database_url) as (engine, dialect):
            build(engine, messages, channel)
            if channel == "email":
                settings = bench_settings(email_url=sink.url, rate_limits=UNLIMITED, database_url=engine_url(engine))
            else:
                settings = bench_settings(
                    zalo_url=f"zalo://{APP_ID}:{SECRET}@oa", zalo_api_url=sink.base, zalo_oauth_url=sink.base,
                    zalo_access_token=ACCESS, zalo_refresh_token=REFRESH, rate_limits=UNLIMITED,
                    database_url=engine_url(engine))
            dispatch_times, plain_times = [], []
            for rep in range(1, repeat + 1):
                dispatch_times.append(run_dispatch(engine, settings))
                if channel == "email":
                    plain_times.append(plain_smtp(sink, messages))
                else:
                    plain_times.append(plain_zalo(sink, messages, "Nhắc việc: báo cáo tổng hợp kết quả công tác "
                                                                  "đối ngoại nhân dân, hạn 14/12/2019."))
                log(f"  {channel} repetition {rep}/{repeat}: dispatch {dispatch_times[-1]:.2f}s, "
                    f"plain loop {plain_times[-1]:.2f}s")
            concurrency = settings.dispatch_concurrency
    finally:
        sink.stop()
    dispatch_s, plain_s = statistics.median(dispatch_times), statistics.median(plain_times)
    return {
        "messages": messages, "database": dialect, "dispatch_concurrency": concurrency,
        "dispatch_s": round(dispatch_s, 3), "plain_s": round(plain_s, 3),
        "dispatch_msgs_per_s": round(messages / dispatch_s, 1), "plain_msgs_per_s": round(messages / plain_s, 1),
        # Throughput of the dispatch as a share of the plain loop's (the "dispatch ÷ plain loop").
        "dispatch_over_plain": round(plain_s / dispatch_s, 3),
        "runs_s": {"dispatch": [round(t, 3) for t in dispatch_times], "plain": [round(t, 3) for t in plain_times]},
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="messages per channel (default 2000)")
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL; default a temporary SQLite file")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions, the median is kept (default 3)")
    parser.add_argument("--channels", default="email,zalo", help="email, zalo or both (default both)")
    args = parser.parse_args(argv)
    channels = [c for c in args.channels.split(",") if c]
    if args.messages < 1 or args.repeat < 1 or not channels or not set(channels) <= {"email", "zalo"}:
        parser.error("--messages and --repeat must be at least 1; --channels among email, zalo")
    result: dict = {"benchmark": "dispatch", "cores": os.cpu_count(),
                    "versions": {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}}
    for channel in channels:
        log(f"{channel}: {args.messages} messages")
        result[channel] = measure(channel, args.database_url, args.messages, args.repeat)
    result["total_s"] = round(time.perf_counter() - STARTED, 1)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
