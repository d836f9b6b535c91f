"""Dispatch killed with SIGKILL at random moments and restarted: nothing lost, and no more copies
than messages in flight at the kills. `make test-chaos` runs the full size (1,000 messages, 20 kills);
`make test` a smaller one."""

from __future__ import annotations

import os
import random
import time

from sqlalchemy import func, select
from sqlmodel import Session

from obligations.models.outbox import NotificationStatus
from obligations.models.tables import Notification
from tests.chaos.harness import LEASE_SECONDS, Figures, count, environment, kill_when, start_dispatch
from tests.chaos.world import as_of_for_run, crowd

FULL = os.environ.get("OBLIGATIONS_CHAOS") == "full"
NOTIFICATIONS, KILLS = (1000, 20) if FULL else (200, 5)


def unsent(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).where(Notification.status != NotificationStatus.SENT))


def test_killed_dispatch_loses_nothing_and_repeats_only_what_was_in_flight(database, smtp):
    engine, url, name = database
    expected = crowd(engine, NOTIFICATIONS)
    smtp.start()
    env = environment(url, smtp)
    rng = random.Random(f"chaos-{name}")
    figures = Figures(name, NOTIFICATIONS, kills=0)
    started = time.monotonic()
    while figures.kills < KILLS:
        figures.runs += 1
        process = start_dispatch(env, as_of_for_run(figures.runs))
        if not kill_when(process, smtp, rng, most=max(2, NOTIFICATIONS // (2 * KILLS))):
            figures.exit_codes.append(process.returncode)
            break  # everything was sent before this kill
        figures.kills += 1
        time.sleep(LEASE_SECONDS + 0.2)  # the killed run's leases pass
    while unsent(engine) and figures.runs < figures.kills + 5:
        figures.runs += 1
        process = start_dispatch(env, as_of_for_run(figures.runs))
        _, errors = process.communicate(timeout=300)
        figures.exit_codes.append(process.returncode)
        assert process.returncode == 0, errors
        if unsent(engine):
            time.sleep(LEASE_SECONDS + 0.2)
    figures.seconds = round(time.monotonic() - started, 1)
    count(smtp, expected, figures).print("chaos: SIGKILL during dispatch")

    assert unsent(engine) == 0
    assert figures.lost == 0
    assert figures.duplicates <= figures.in_flight_bound, figures
