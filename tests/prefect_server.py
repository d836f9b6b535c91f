"""A real Prefect server, its work pool and its workers, each in a subprocess of its own.

The in-process API of ``prefect_test_harness`` is one process; what several workers share (a work pool,
a global concurrency limit) needs a server the way production runs it: ``prefect server start`` on
loopback, its database (SQLite) in a PREFECT_HOME of the test's own. Every process started here is in
a process group of its own, ended by its id when the test is done.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from obligations.flows.server import stop_group, wait_until_healthy
from tests.smtp import free_port

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 90  # a loaded two-core machine; a quiet one answers in about ten


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without its Prefect settings (a harness may have set some), plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    env.update(extra)
    return env


class PrefectServer:
    """``prefect server start`` on 127.0.0.1 and a free port, its database under ``home`` (SQLite), or the
    PostgreSQL database of ``database_url`` (``postgresql+asyncpg://...``), as several machines share one."""

    def __init__(self, home: Path, database_url: str | None = None) -> None:
        self.home = home
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.processes: list[tuple[subprocess.Popen, Path]] = []

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a process that talks to this server (a worker, a dispatch)."""
        return clean_environment(PREFECT_HOME=str(self.home), PREFECT_API_URL=self.url, **extra)

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        """Start ``args`` in a new process group, its output in ``home/name.log``."""
        log = self.home / f"{name}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.processes.append((process, log))
        return process

    def start(self) -> PrefectServer:
        self.home.mkdir(parents=True, exist_ok=True)
        # No scheduler: the deployments' cron schedules must not start runs of their own during a test.
        args = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(self.port),
                "--no-ui", "--analytics-off", "--no-scheduler", "--no-late-runs"]
        database = {"PREFECT_API_DATABASE_CONNECTION_URL": self.database_url} if self.database_url else {}
        server = self.spawn("server", args, clean_environment(PREFECT_HOME=str(self.home), **database))
        state = wait_until_healthy(server, self.url, STARTUP_SECONDS, poll=0.3)
        if state == "exited":
            raise RuntimeError(f"the Prefect server exited ({server.returncode}):\n{self.output()}")
        if state == "timeout":
            raise RuntimeError(f"the Prefect server did not answer in {STARTUP_SECONDS} s:\n{self.output()}")
        return self

    def create_process_pool(self, name: str) -> None:
        """A work pool of type ``process``, with that type's default job template."""
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.actions import WorkPoolCreate
        from prefect.workers.process import ProcessWorker

        with self.client_settings(), get_client(sync_client=True) as client:
            client.create_work_pool(WorkPoolCreate(
                name=name, type="process", base_job_template=ProcessWorker.get_default_base_job_template()))

    def start_worker(self, pool: str, **env: str) -> subprocess.Popen:
        """``prefect worker start`` on ``pool``, polling every second; ``env`` reaches the flow runs it starts."""
        args = [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--type", "process"]
        return self.spawn(f"worker-{pool}", args, self.env(PREFECT_WORKER_QUERY_SECONDS="1", **env))

    @contextmanager
    def client_settings(self) -> Iterator[None]:
        """This process's Prefect client pointed at the server, for the block."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: self.url}):
            yield

    def output(self, lines: int = 60) -> str:
        """The last lines each process wrote: what a failed test shows."""
        parts = []
        for process, log in self.processes:
            text = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
            parts.append(f"--- {log.name} (pid {process.pid}, exit {process.poll()})\n" + "\n".join(text))
        return "\n".join(parts)

    def stop(self) -> None:
        """End every process started here, workers first, each by its process group's id."""
        for process, _ in reversed(self.processes):
            stop_group(process)
