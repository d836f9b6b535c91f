"""The benchmarks still run: the generator builds its world, the sweep benchmark's contenders agree.

Smoke tests at the smallest size (one province); no timing is asserted (the figures are bench/'s).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from bench import sweep as sweep_bench
from bench.catalogue import KINDS
from bench.database import fresh_database
from bench.world import MORNINGS, bench_settings, build, due_count
from obligations.flows.runtime import Runtime


def test_the_generator_builds_every_kind_of_schedule_in_the_state_of_the_day_before():
    rt = Runtime(bench_settings())
    with fresh_database(None) as (engine, dialect):
        world = build(engine, rt, dialect, occurrences=1000, morning=MORNINGS["typical"])
        with engine.connect() as connection:
            statuses = dict(connection.execute(text("SELECT status, count(*) FROM occurrence GROUP BY status")).all())
        nothing_due_before = due_count(engine, world.before)
    assert set(world.by_kind) == set(KINDS) == {"yearly", "quarterly", "monthly", "once", "continuous", "cycle"}
    assert all(count > 0 for count in world.by_kind.values()), world.by_kind
    assert sum(world.by_kind.values()) == world.occurrences
    assert statuses.get("done_on_time", 0) > 0 and statuses.get("done_late", 0) > 0  # a share already done
    assert 0 < world.open < world.occurrences
    assert nothing_due_before == 0  # the state is the one the sweep of the day before left
    assert 0.005 < world.due / world.occurrences < 0.02  # about 1 % due on a typical morning


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_sweep_benchmark_reports_agreeing_contenders(database, request):
    argv = ["--occurrences", "1000", "--repeat", "1", "--mornings", "typical", "--no-flow"]
    if database == "postgres":
        argv += ["--database-url", request.getfixturevalue("pg_url")[0]]
    result = sweep_bench.main(argv)

    assert json.loads(json.dumps(result)) == result  # one JSON object
    assert result["database"] == ("sqlite" if database == "sqlite" else "postgresql")
    assert {"versions", "cores", "nothing_due", "mornings"} <= set(result)
    morning = result["mornings"]["typical"]
    assert set(morning["contenders"]) == {"sweep", "floor", "minimal", "naive"}
    assert set(morning["ratios"]) == {"sweep_over_floor", "sweep_over_minimal", "naive_over_sweep"}
    assert all(c["median_s"] > 0 and c["due_rows_per_s"] > 0 for c in morning["contenders"].values())
    # Every due row writes one message on the typical morning, and every contender writes the same.
    assert morning["occurrences_due"] == morning["sweep_stats"]["occurrences_processed"] == morning["messages_written"]
    for name in ("floor", "naive"):
        assert morning["agree"][name]["same_outbox"] and morning["agree"][name]["same_occurrences"], morning["agree"]
    assert morning["agree"]["minimal_rows"][0] == morning["agree"]["minimal_rows"][1]
    assert morning["due_query"]["uses_index"], morning["due_query"]
    assert morning["peak_memory_mib"] > 0
    assert result["nothing_due"]["sweep_function_s"] > 0
