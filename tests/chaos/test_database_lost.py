"""The database lost in the middle of a dispatch run: the run fails with one clear line (exit code 3),
and the next run delivers the rest, nothing lost and nothing repeated beyond what was in flight."""

from __future__ import annotations

import time

import pytest

from tests.chaos.harness import CONCURRENCY, LEASE_SECONDS, Figures, count, environment, start_dispatch
from tests.chaos.proxy import CuttableRelay
from tests.chaos.test_kill import unsent
from tests.chaos.world import as_of_for_run, crowd

NOTIFICATIONS = 300


@pytest.mark.postgres
def test_a_run_that_loses_its_database_fails_in_one_line_and_the_next_catches_up(pg_url, smtp):
    from obligations.models.db import create_db_engine

    base, schema = pg_url
    engine = create_db_engine(base, schema=schema)
    expected = crowd(engine, NOTIFICATIONS)
    smtp.start()
    relay = CuttableRelay(("127.0.0.1", 5432))
    through_relay = f"{base.replace(':5432/', f':{relay.port}/')}?options=-csearch_path%3D{schema}"
    figures = Figures("postgres", NOTIFICATIONS, kills=1)
    started = time.monotonic()

    process = start_dispatch(environment(through_relay, smtp), as_of_for_run(1))
    while len(smtp.received) < 20 and process.poll() is None:
        time.sleep(0.002)
    relay.cut()
    _, errors = process.communicate(timeout=120)
    lines = [line for line in errors.splitlines() if line.strip()]
    assert process.returncode == 3, errors
    assert len(lines) == 1 and "cơ sở dữ liệu" in lines[0] and "Traceback" not in errors

    time.sleep(LEASE_SECONDS + 0.2)
    direct = f"{base}?options=-csearch_path%3D{schema}"
    process = start_dispatch(environment(direct, smtp), as_of_for_run(2))
    _, errors = process.communicate(timeout=300)
    assert process.returncode == 0, errors
    figures.runs, figures.seconds = 2, round(time.monotonic() - started, 1)
    count(smtp, expected, figures).print("chaos: database lost during dispatch")
    assert unsent(engine) == 0 and figures.lost == 0
    assert figures.duplicates <= CONCURRENCY, figures
    engine.dispose()
