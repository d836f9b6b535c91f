"""The Prefect server `obligations serve` works with, and the processes it starts and stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

SERVER_STARTUP_SECONDS = 120


class ServerUnavailable(RuntimeError):
    """The Prefect server `obligations serve` started did not come up; the message says why, in Vietnamese."""


def wait_until_healthy(process: subprocess.Popen, url: str, seconds: float, *, poll: float = 0.5) -> str:
    """Wait for the server ``process`` to answer ``url``/health: ``"up"``, ``"exited"`` when the process
    ended first, ``"timeout"`` when ``seconds`` passed without an answer."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return "exited"
        try:
            if httpx.get(f"{url}/health", timeout=2).json() is True:
                return "up"
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(poll)
    return "timeout"


def stop_group(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM to the process group ``process`` leads, SIGKILL after ``grace`` seconds; then SIGKILL to
    whatever is left of the group (children of a leader that exited)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


@contextmanager
def prefect_api() -> Iterator[str]:
    """The Prefect server `obligations serve` works with: the one PREFECT_API_URL names, else one started
    here for the while, on 127.0.0.1 and PREFECT_SERVER_API_PORT (4200), its database in PREFECT_HOME.

    Prefect's in-process API would not do: it runs no scheduler, so a schedule never starts a run, and
    each flow run would start an API of its own, which does not know the deployment's concurrency slot
    and cancels the run. The server's address goes into the environment, for the runs' processes.
    """
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    settings = get_current_settings()
    if settings.api.url:
        yield settings.api.url
        return
    host, port = "127.0.0.1", settings.server.api.port
    url = f"http://{host}:{port}/api"
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", host,
                               "--port", str(port)], start_new_session=True)
    try:
        state = wait_until_healthy(server, url, SERVER_STARTUP_SECONDS)
        if state == "timeout":
            raise ServerUnavailable(f"máy chủ Prefect không trả lời tại {url}")
        if state == "exited":
            raise ServerUnavailable(f"máy chủ Prefect dừng ngay khi khởi động (cổng {port} đang bận?)")
        os.environ["PREFECT_API_URL"] = url
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        stop_group(server, grace=30)
