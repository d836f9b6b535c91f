"""Dispatch as a user runs it, in its own process, killed and restarted; what the mail server received.

The figures of a run (sent, lost, duplicates, kills, messages in flight at most) are returned and
printed as one JSON line, so `make test-chaos` leaves them in its output for docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime

from tests.smtp import LoopbackSMTP

LEASE_SECONDS = 2
CONCURRENCY = 4


@dataclass
class Figures:
    database: str
    notifications: int
    kills: int
    runs: int = 0
    received: int = 0
    lost: int = 0
    duplicates: int = 0
    most_copies: int = 0
    in_flight_bound: int = 0  # at most this many duplicates: one per message in flight at each kill
    seconds: float = 0.0
    exit_codes: list[int] = field(default_factory=list)

    def print(self, label: str) -> None:
        print(f"\n{label}: {json.dumps(asdict(self))}", flush=True)


def environment(database_url: str, smtp: LoopbackSMTP) -> dict[str, str]:
    return os.environ | {
        "OBLIGATIONS_DATABASE_URL": database_url,
        "OBLIGATIONS_EMAIL_URL": smtp.url,
        "OBLIGATIONS_RATE_LIMITS": json.dumps({"email": 1_000_000}),
        "OBLIGATIONS_DISPATCH_CONCURRENCY": str(CONCURRENCY),
        "OBLIGATIONS_DISPATCH_LEASE_SECONDS": str(LEASE_SECONDS),
        "DO_NOT_TRACK": "1",
    }


def start_dispatch(env: dict[str, str], as_of: datetime) -> subprocess.Popen:
    command = [sys.executable, "-m", "obligations.cli", "dispatch", "--direct", "--as-of", as_of.isoformat()]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_when(process: subprocess.Popen, smtp: LoopbackSMTP, rng: random.Random, most: int,
              timeout: float = 60) -> bool:
    """SIGKILL the dispatcher at a random moment while it sends; False if it finished first."""
    started = len(smtp.received)
    wait_for = rng.randint(1, most)  # messages received by this run before the kill, give or take
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if len(smtp.received) - started >= wait_for:
            time.sleep(rng.uniform(0, 0.05))  # anywhere between two sends, not just after one
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    process.communicate(timeout=timeout)
    return False


def count(smtp: LoopbackSMTP, expected: list[str], figures: Figures) -> Figures:
    copies = Counter(rcpt for _, rcpts, _ in smtp.received for rcpt in rcpts)
    figures.received = sum(copies.values())
    figures.lost = sum(1 for address in expected if copies[address] == 0)
    figures.duplicates = sum(n - 1 for n in copies.values() if n > 1)
    figures.most_copies = max(copies.values(), default=0)
    figures.in_flight_bound = figures.kills * CONCURRENCY
    return figures
