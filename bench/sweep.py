"""Benchmark of the sweep: the engine against the SQL floor, the minimal write and a naive ORM loop.

    .venv/bin/python -m bench.sweep [--occurrences 10000|100000|1000000] [--database-url URL] [--repeat K]
                                     [--mornings typical,quarter_end] [--no-flow]

For each morning (``typical``: Tuesday 22 October 2019, about 1 % of the stored occurrences due, each
writing one message; ``quarter_end``: Tuesday 1 October 2019, many due rows only changing status):

1. Setup (reported as ``setup_s``): a fresh database (a temporary SQLite file by default; on
   PostgreSQL a schema ``bench_<random>`` dropped at the end) gets the world of bench/world.py at about
   ``--occurrences`` occurrences, in the state the sweep of the day before left it.
2. Each contender of bench/contenders.py (``sweep``, ``floor``, ``minimal``, ``naive``) runs in a fresh
   process on the same stored state, ``--repeat`` times, interleaved: on SQLite each run gets its own
   copy of the database file; on PostgreSQL the rows a run changed are put back with SQL (and
   ``VACUUM ANALYZE``) before the next. The first repetition's outbox and occurrences are compared:
   the floor and the naive loop must write exactly what the sweep writes.
3. On the typical world: the sweep function and one warm ``sweep_flow`` run when nothing is due.

Reported: medians, due rows a second, every ratio (sweep ÷ floor, sweep ÷ minimal, naive ÷ sweep), the
peak memory of the sweep's process, the due query as sent and whether its plan uses the index. One
JSON object goes to stdout; progress and query plans to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bench.database import STARTED, engine_url, fresh_database, log
from bench.world import MORNINGS, OPEN_STATUSES, World, bench_settings, build
from obligations.flows.runtime import Runtime

CONTENDERS = ("sweep", "floor", "minimal", "naive")
PROJECT = Path(__file__).resolve().parent.parent


def python_path() -> str:
    """This project first, then whatever the caller had."""
    return os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))


def run_child(name: str, url: str, as_of: datetime) -> dict:
    """One contender in a fresh Python process; its result."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result = Path(handle.name)
    try:
        subprocess.run([sys.executable, "-m", "bench.contenders", name, url, as_of.isoformat(), str(result)],
                       check=True, cwd=PROJECT, env=os.environ | {"PYTHONPATH": python_path()})
        return json.loads(result.read_text())
    finally:
        result.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------------
# The same stored state for every run


class SqliteState:
    """A copy of the built database file for each run."""

    def __init__(self, engine: Engine) -> None:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        self.base = Path(make_url(engine_url(engine)).database)
        self.run = self.base.with_name("run.db")

    def fresh(self) -> str:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.run}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.base, self.run)
        # A database in service has no 270 MB of dirty pages waiting to reach the disk; a fresh copy
        # has, and the first checkpoint's fdatasync of the run would pay for writing them back.
        with open(self.run, "rb+") as copy:
            os.fsync(copy.fileno())
        return f"sqlite:///{self.run}"


class PostgresState:
    """The built state saved in tables of the schema; what a run changed is put back with SQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine_url(engine)
        statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
        with engine.begin() as connection:
            connection.execute(text(
                "CREATE TABLE bench_saved_occurrence AS SELECT id, status, next_action_at, ladder_done_until "
                f"FROM occurrence WHERE status IN ({statuses})"))
            connection.execute(text("CREATE TABLE bench_saved_obligation AS "
                                    "SELECT id, expanded_through, next_expand_at FROM obligation"))
            self.max_occurrence = connection.scalar(text("SELECT coalesce(max(id), 0) FROM occurrence"))
            self.max_notification = connection.scalar(text("SELECT coalesce(max(id), 0) FROM notification"))
        self.dirty = False

    def fresh(self) -> str:
        if self.dirty:
            with self.engine.begin() as connection:
                connection.execute(text("DELETE FROM notification WHERE id > :n"), {"n": self.max_notification})
                connection.execute(text("DELETE FROM occurrence WHERE id > :n"), {"n": self.max_occurrence})
                connection.execute(text(
                    "UPDATE occurrence o SET status = s.status, next_action_at = s.next_action_at, "
                    "ladder_done_until = s.ladder_done_until FROM bench_saved_occurrence s WHERE o.id = s.id AND "
                    "(o.status, o.next_action_at, o.ladder_done_until) IS DISTINCT FROM "
                    "(s.status, s.next_action_at, s.ladder_done_until)"))
                connection.execute(text(
                    "UPDATE obligation o SET expanded_through = s.expanded_through, next_expand_at = s.next_expand_at "
                    "FROM bench_saved_obligation s WHERE o.id = s.id AND (o.expanded_through, o.next_expand_at) "
                    "IS DISTINCT FROM (s.expanded_through, s.next_expand_at)"))
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE occurrence, notification, obligation"))
        self.dirty = True
        return self.url


# ---------------------------------------------------------------------------------------------------
# What a run wrote, to compare the contenders


def outcome(url: str) -> dict:
    """The outbox rows and the occurrence states a run left (occurrences stored before it only)."""
    from obligations.models.db import create_db_engine

    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            notes = connection.execute(text(
                "SELECT dedup_key, kind, step, level, recipient_id, channel, status, due_at, next_attempt_at, "
                "payload, occurrence_id FROM notification")).all()
            states = connection.execute(text(
                "SELECT id, status, next_action_at, ladder_done_until FROM occurrence")).all()
    finally:
        engine.dispose()
    rows = {}
    for key, *rest, payload, occurrence_id in notes:
        payload = json.loads(payload) if isinstance(payload, str) else payload
        rows[key] = (*map(str, rest), json.dumps(payload, sort_keys=True), occurrence_id)
    return {"notifications": rows, "states": {row[0]: tuple(map(str, row[1:])) for row in states}}


def compare(reference: dict, other: dict, stored_max: int) -> dict:
    """Whether ``other`` wrote what ``reference`` wrote, about the occurrences stored before the run."""
    def notes(outcome_: dict) -> dict:
        return {k: v for k, v in outcome_["notifications"].items() if v[-1] is not None and v[-1] <= stored_max}

    def states(outcome_: dict) -> dict:
        return {k: v for k, v in outcome_["states"].items() if k <= stored_max}

    ref_notes, other_notes = notes(reference), notes(other)
    ref_states, other_states = states(reference), states(other)
    differing = sorted(k for k in ref_states if ref_states[k] != other_states.get(k))
    result = {
        "same_outbox": ref_notes == other_notes,
        "same_occurrences": not differing,
        "outbox_rows": [len(ref_notes), len(other_notes)],
    }
    if ref_notes != other_notes:
        only = sorted(set(ref_notes) ^ set(other_notes))[:3]
        changed = [k for k in set(ref_notes) & set(other_notes) if ref_notes[k] != other_notes[k]][:2]
        log(f"    outbox differs: keys in one only {only}; "
            f"rows differing {[(ref_notes[k], other_notes[k]) for k in changed]}")
    if differing:
        examples = [(k, ref_states[k], other_states.get(k)) for k in differing[:2]]
        log(f"    occurrences differ ({len(differing)}), e.g. {examples}")
    return result


# ---------------------------------------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def measure_morning(state: SqliteState | PostgresState, world: World, repeat: int) -> dict:
    times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    first: dict[str, dict] = {}
    outcomes: dict[str, dict] = {}
    for rep in range(1, repeat + 1):
        for name in CONTENDERS:
            url = state.fresh()
            result = run_child(name, url, world.morning)
            times[name].append(result["seconds"])
            if rep == 1:
                first[name] = result
                outcomes[name] = outcome(url)
            log(f"  {world.morning.date()} repetition {rep}/{repeat}: {name} {result['seconds']:.3f}s")
    agree = {name: compare(outcomes["sweep"], outcomes[name], world.max_id) for name in ("floor", "naive")}
    minimal_rows = len(outcomes["minimal"]["notifications"])
    medians = {name: statistics.median(values) for name, values in times.items()}
    sweep = first["sweep"]
    contenders = {
        name: {"median_s": round(medians[name], 4), "runs_s": [round(t, 4) for t in times[name]],
               "due_rows_per_s": round(world.due / medians[name]) if medians[name] else None}
        for name in CONTENDERS
    }
    return {
        "morning": world.morning.isoformat(),
        "occurrences_stored": world.occurrences,
        "occurrences_by_kind": world.by_kind,
        "occurrences_open": world.open,
        "occurrences_due": world.due,
        "due_share_pct": round(100 * world.due / world.occurrences, 2),
        "provinces": world.provinces,
        "setup_s": world.setup_s,
        "sweep_stats": sweep["stats"],
        "messages_written": sum(sweep["stats"]["by_kind"].values()),
        "contenders": contenders,
        "ratios": {
            "sweep_over_floor": ratio(medians["sweep"], medians["floor"]),
            "sweep_over_minimal": ratio(medians["sweep"], medians["minimal"]),
            "naive_over_sweep": ratio(medians["naive"], medians["sweep"]),
        },
        "us_per_due_row": round(1e6 * medians["sweep"] / world.due, 1) if world.due else None,
        "peak_memory_mib": sweep["maxrss_mib"],
        "memory_before_sweep_mib": sweep["maxrss_before_mib"],
        "agree": agree | {"minimal_rows": [len(outcomes["sweep"]["notifications"]), minimal_rows]},
        "due_query": sweep["due_query"],
    }


def nothing_due(state: SqliteState | PostgresState, world: World, flow: bool) -> dict:
    """The sweep function, and a warm flow run, at the moment the state was left: nothing is due."""
    url = state.fresh()
    idle = run_child("idle", url, world.before)
    log(f"  nothing due: sweep function {idle['seconds'] * 1000:.1f} ms (first call {idle['first_s'] * 1000:.1f} ms)")
    result = {"sweep_function_s": round(idle["seconds"], 5), "sweep_function_first_s": round(idle["first_s"], 5)}
    if flow:
        ran = run_child("flow", url, world.before)
        log(f"  nothing due: sweep_flow warm {ran['seconds']:.3f}s as the command line runs it, "
            f"{ran['with_heartbeat_s']:.3f}s with Prefect's heartbeat (first {ran['first_s']:.3f}s)")
        result |= {"flow_warm_s": round(ran["seconds"], 4), "flow_first_s": round(ran["first_s"], 4),
                   "flow_warm_with_heartbeat_s": round(ran["with_heartbeat_s"], 4)}
    return result


def versions(engine: Engine, dialect: str) -> dict:
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    if dialect == "postgresql":
        with engine.connect() as connection:
            found["postgresql"] = connection.scalar(text("SHOW server_version"))
    return found


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--occurrences", type=int, default=10_000,
                        help="about how many occurrences are stored (10000, 100000, 1000000; default 10000)")
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL; default a temporary SQLite file. On PostgreSQL a fresh schema "
                             "bench_<random> is created and dropped at the end.")
    parser.add_argument("--repeat", type=int, default=3, help="measured repetitions, the median is kept (default 3)")
    parser.add_argument("--mornings", default=",".join(MORNINGS),
                        help=f"which mornings, comma-separated (default {','.join(MORNINGS)})")
    parser.add_argument("--no-flow", dest="flow", action="store_false",
                        help="skip the flow run when nothing is due (it starts Prefect's test harness, ~15 s)")
    args = parser.parse_args(argv)
    mornings = [m for m in args.mornings.split(",") if m]
    if args.occurrences < 1 or args.repeat < 1 or not set(mornings) <= set(MORNINGS) or not mornings:
        parser.error(f"--occurrences and --repeat must be at least 1; --mornings among {', '.join(MORNINGS)}")

    rt = Runtime(bench_settings())
    result: dict = {"benchmark": "sweep", "occurrences_requested": args.occurrences, "repeat": args.repeat,
                    "cores": os.cpu_count(), "mornings": {}}
    for name in mornings:
        with fresh_database(args.database_url) as (engine, dialect):
            result.setdefault("database", dialect)
            result.setdefault("versions", versions(engine, dialect))
            world = build(engine, rt, dialect, occurrences=args.occurrences, morning=MORNINGS[name])
            state = SqliteState(engine) if dialect == "sqlite" else PostgresState(engine)
            result["mornings"][name] = measure_morning(state, world, args.repeat)
            if name == mornings[0]:
                result["nothing_due"] = nothing_due(state, world, args.flow)
    result["total_s"] = round(time.perf_counter() - STARTED, 1)
    log(f"total {result['total_s']}s")
    print(json.dumps(result, default=str))
    return result


if __name__ == "__main__":
    main()
