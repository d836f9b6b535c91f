"""Against a real Prefect server in a subprocess: a work pool's worker runs the deployed flow, and four
dispatch processes share one rate limit.

One server for the module (it takes 10 to 20 s to start); each test ends the processes it started.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from obligations.config.settings import CONFIG_DIR, Settings, settings_in_force
from obligations.flows import entry
from obligations.flows.server import stop_group
from obligations.models.db import create_db_engine
from obligations.models.tables import Notification, Occurrence
from obligations.notifications.pacing import burst
from tests.chaos.world import AS_OF, crowd
from tests.conftest import PG_URL, REQUIRE_PG, _postgres_reachable, with_schema
from tests.prefect_server import BIN, PrefectServer, clean_environment
from tests.smtp import LoopbackSMTP
from tests.world import vn

REPO = Path(__file__).resolve().parents[1]
POOL = "obligations"  # the pool prefect.yaml names


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = PrefectServer(tmp_path_factory.mktemp("prefect-server") / "home")
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory):
    """A second server, its run history in a PostgreSQL database of its own: the setup of many machines."""
    reason = _postgres_reachable()
    if reason:
        if REQUIRE_PG:
            pytest.fail(f"OBLIGATIONS_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    name = f"prefect_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    history = make_url(PG_URL).set(drivername="postgresql+asyncpg", database=name)
    running = PrefectServer(tmp_path_factory.mktemp("prefect-pg-server") / "home",
                            database_url=history.render_as_string(hide_password=False))
    try:
        yield running.start()
    finally:
        running.stop()
        with admin.connect() as connection:
            connection.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture
def show_logs(request):
    """What the servers and the workers wrote, which pytest shows when the test fails."""
    yield
    for name in ("server", "pg_server"):
        if name in request.fixturenames:
            print(request.getfixturevalue(name).output())


def _artifacts(client, flow_run_id) -> dict:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    of_run = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
    found = client.read_artifacts(artifact_filter=of_run)
    return {artifact.key: artifact for artifact in found}


def _logs(client, flow_run_id, waited_for: str, seconds: float = 30) -> list[str]:
    """The run's log lines, once one starting with ``waited_for`` is in: a run's logs reach the server in
    batches, possibly after its final state."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    deadline = time.monotonic() + seconds
    while True:
        found = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        messages = [log.message for log in found]
        if any(m.startswith(waited_for) for m in messages) or time.monotonic() > deadline:
            return messages
        time.sleep(0.5)


@pytest.mark.parametrize("setup", ["one machine", pytest.param("many machines", marks=pytest.mark.postgres)])
def test_a_pool_worker_runs_the_deployed_flow_and_its_artifacts_match_the_database(setup, request, tmp_path,
                                                                                   show_logs):
    """One machine: the server on SQLite and the obligations database in SQLite. Many machines: both on
    PostgreSQL, as docs/operations.md sets them up."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    if setup == "one machine":
        server = request.getfixturevalue("server")
        url = f"sqlite:///{tmp_path / 'obligations.db'}"
    else:
        server = request.getfixturevalue("pg_server")
        url = with_schema(*request.getfixturevalue("pg_url"))
    maildir = tmp_path / "maildir"
    settings = Settings(database_url=url, email_url=f"maildir://{maildir}")
    with settings_in_force(settings):
        entry.load_plan_file(CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml", as_of=vn(2017, 11, 20, 9),
                             actor="test")
    server.create_process_pool(POOL)
    # The repository's prefect.yaml, deployed as an operator would.
    deployed = subprocess.run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], cwd=REPO,
                              env=server.env(), capture_output=True, text=True, timeout=120)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    worker = server.start_worker(POOL, OBLIGATIONS_DATABASE_URL=url, OBLIGATIONS_EMAIL_URL=f"maildir://{maildir}",
                                 OBLIGATIONS_HOME=str(tmp_path / "home"))
    try:
        with server.client_settings():
            run = run_deployment("sweep-and-dispatch/obligations-sweep-and-dispatch", timeout=180, poll_interval=1,
                                 parameters={"as_of": vn(2017, 12, 1, 9).isoformat()})
            assert run.state.is_completed(), run.state
            with get_client(sync_client=True) as client:
                artifacts = _artifacts(client, run.id)
                logs = _logs(client, run.id, "sweep: ")
                limits = {limit.name: limit for limit in client.read_global_concurrency_limits()}
    finally:
        stop_group(worker)
    table = {row["count"]: row["value"] for row in json.loads(artifacts["sweep-and-dispatch-counts"].data)}
    engine = create_db_engine(url)
    with Session(engine) as session:
        sent = session.scalar(select(func.count()).where(Notification.status == "sent"))
        occurrences = session.scalar(select(func.count()).select_from(Occurrence))
    engine.dispose()
    assert table["sent"] == sent > 0
    assert 0 < len(list((maildir / "new").iterdir())) <= sent  # one message for a person's rows together
    assert table["messages written"] == sent and table["occurrences touched"] == occurrences > 0
    assert (table["retried"], table["held"], table["dead"]) == (0, 0, 0)
    assert artifacts["dispatch-dead-messages"].data == "No message went dead in this run."
    assert f"sweep: {occurrences} occurrences touched, {sent} messages written" in logs
    assert limits["obligations-sweep-all"].limit == 1  # the partition's lock, created by the run
    if server.database_url:  # the run history is in PostgreSQL indeed
        history = create_engine(make_url(server.database_url).set(drivername="postgresql+psycopg"))
        with history.connect() as connection:
            assert connection.scalar(text("select count(*) from flow_run where id = :id"), {"id": run.id}) == 1
        history.dispose()


# ------------------------------------------------------------------------------ one rate, four workers

WORKERS = 4
MESSAGES = 16
PER_MINUTE = 60  # one a second after a burst of ten

# Imports first, then waits for the go file, so that the four start sending together.
DISPATCH = """
import json, sys, time
from datetime import datetime
from pathlib import Path
from obligations.flows import entry
import obligations.flows.dispatch, prefect.concurrency.sync, apprise
print("ready", flush=True)
while not Path(sys.argv[2]).exists():
    time.sleep(0.01)
print(json.dumps(entry.run_dispatch(datetime.fromisoformat(sys.argv[1]))), flush=True)
"""


class TimedSMTP(LoopbackSMTP):
    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.times.append(time.monotonic())
        return await super().handle_DATA(server, session, envelope)


def _dispatch_together(env: dict[str, str], tmp_path: Path, label: str) -> list[dict]:
    """Four dispatch processes started together on one database; their results."""
    go = tmp_path / f"go-{label}"
    processes = [subprocess.Popen([sys.executable, "-c", DISPATCH, AS_OF.isoformat(), str(go)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
                 for _ in range(WORKERS)]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        go.touch()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            assert "pacing this process alone" not in err  # no worker fell back to its own bucket
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for process in processes:
            stop_group(process)


def _send_span(env: dict[str, str], tmp_path: Path, label: str) -> tuple[float, int]:
    """Seconds from the first message received to the last, and how many, for ``MESSAGES`` sent by four workers."""
    url = f"sqlite:///{tmp_path / f'{label}.db'}"
    engine = create_db_engine(url)
    from obligations.models.db import upgrade

    upgrade(engine)
    crowd(engine, MESSAGES)
    engine.dispose()
    smtp = TimedSMTP().start()
    try:
        results = _dispatch_together(env | {"OBLIGATIONS_DATABASE_URL": url, "OBLIGATIONS_EMAIL_URL": smtp.url},
                                     tmp_path, label)
    finally:
        smtp.stop()
    assert sum(result.get("sent", 0) for result in results) == len(smtp.received) == MESSAGES
    assert len({message["Message-ID"] for _, _, message in smtp.received}) == MESSAGES  # none twice
    return max(smtp.times) - min(smtp.times), len(smtp.times)


def test_four_dispatch_workers_share_one_rate_limit_on_the_server(server, tmp_path, show_logs):
    common = {"OBLIGATIONS_RATE_LIMITS": json.dumps({"email": PER_MINUTE}),
              "OBLIGATIONS_HOME": str(tmp_path / "home"), "OBLIGATIONS_DISPATCH_CONCURRENCY": "4"}
    slowest_allowed = (MESSAGES - burst(PER_MINUTE)) / (PER_MINUTE / 60)  # 6 s
    shared, received = _send_span(server.env(**common), tmp_path, "shared")
    # Without a server each worker has its own bucket of ten: the sixteen go at once.
    alone, _ = _send_span(clean_environment(PREFECT_HOME=str(tmp_path / "no-server"), **common), tmp_path, "alone")
    print(f"{MESSAGES} messages, four workers: {shared:.1f} s sharing the server's limit, {alone:.1f} s alone")
    assert received == MESSAGES
    assert shared >= slowest_allowed - 0.5, (shared, alone)
    assert alone < slowest_allowed / 2, (shared, alone)
    from prefect.client.orchestration import get_client

    with server.client_settings(), get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name("obligations-rate-email")
    assert (limit.limit, limit.slot_decay_per_second) == (burst(PER_MINUTE), PER_MINUTE / 60)


def test_a_worker_whose_server_is_unreachable_paces_itself(caplog):
    """The server down: the sends go on at the process's own rate, and the log says so, once."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from obligations.notifications.pacing import SharedRateLimit
    from obligations.notifications.send import RateLimiter
    from tests.smtp import free_port

    local = RateLimiter(60, clock=lambda: 0.0, sleep=lambda seconds: None)
    with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api"}):
        shared = SharedRateLimit("email", 60, local)
        shared.acquire()
        shared.acquire()
    assert local.tokens == pytest.approx(burst(60) - 2)  # both taken from the local bucket
    assert caplog.text.count("pacing this process alone") == 1
