"""The Prefect flows: short orchestration over the plain functions in sweep, dispatch and simulate.

A flow run costs about a second with the in-process API, so each command is one flow run; the
replay of years runs all its days inside one.

Every run says what it did twice over: one log line per step (``sweep: 12 occurrences touched, 9
messages written``) and a table artifact of the same counts, with a markdown artifact listing the
messages that went dead in the run and why. An artifact is a report, never the work: a run whose
artifact cannot be written logs a warning and succeeds.

The scheduled sweep works on a partition, a list of plan codes (None: every plan), so several
deployments may share the plans between them; the dispatch stays global, its claims make that safe
on any number of workers. With a Prefect server (PREFECT_API_URL), a sweep holds the concurrency
limit ``obligations-sweep-<partition>`` (one slot, created when missing), so that two sweeps of one
partition never overlap, whoever started them. Without a server (a laptop, the in-process API)
there is no one else to wait for, and no limit is asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from obligations.flows import entry
from obligations.flows import simulate as simulating
from obligations.notifications.pacing import ensure_limit, server_configured

# Flows take no database URL: it holds a password, and Prefect stores and shows flow parameters.
# Each run reads it from the settings in force (the environment, or the caller's choice).

SWEEP_CRON = "*/30 7-17 * * 1-6"  # every half hour of office days (Saturday mornings work in places)
DIGEST_CRON = "0 8 * * 1"  # Monday, 08:00
WORK_POOL = "obligations"
SWEEP_DEPLOYMENT = "obligations-sweep-and-dispatch"
DIGEST_DEPLOYMENT = "obligations-weekly-digest"


def _now(as_of: datetime | None) -> datetime:
    return as_of if as_of is not None else datetime.now(UTC)


def partition_name(plans: list[str] | None) -> str:
    """A partition's name in limit, artifact and deployment names: ``all``, or its plan codes as a slug."""
    if not plans:
        return "all"
    return re.sub(r"[^a-z0-9]+", "-", "-".join(sorted(plans)).lower()).strip("-")


@contextmanager
def partition_lock(plans: list[str] | None) -> Iterator[None]:
    """Hold the partition's one slot on the Prefect server for the block; nothing without a server."""
    if not server_configured():
        yield
        return
    from prefect.concurrency.sync import concurrency

    name = f"obligations-sweep-{partition_name(plans)}"
    try:
        ensure_limit(name, 1)
    except Exception as exc:  # noqa: BLE001 - a sweep is idempotent: an overlap wastes work, loses none
        get_run_logger().warning("sweep without the limit %s (%s: %s)", name, exc.__class__.__name__, exc)
        yield
        return
    with concurrency(name, occupy=1):
        yield


# The sweep writes with insert-or-ignore on unique keys, so a retry after a lost connection or a
# deadlock repeats nothing.
@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30])
def sweep_task(as_of: datetime, plans: list[str] | None = None) -> dict:
    return entry.run_sweep(as_of, plans)


# No retries: a dispatch that failed part-way may have sent messages it could not record, and its
# claimed rows stay leased to it; a retry seconds later would find those rows locked, and re-sending
# them is the per-message backoff's decision (flows/dispatch.py), not the task's. The next scheduled
# run takes up whatever is left.
@task(cache_policy=NO_CACHE)
def dispatch_task(as_of: datetime) -> tuple[dict, list]:
    """The dispatch's counts, and the rows that went dead in it."""
    dead: list = []
    counts = entry.run_dispatch(as_of, dead)
    return counts, dead


@task(cache_policy=NO_CACHE)
def digest_task(as_of: datetime) -> int:
    return entry.run_digest(as_of)


# ------------------------------------------------------------------------------ what a run reports


def sweep_counts(swept: dict) -> dict[str, int]:
    """``SweepStats.as_dict`` in an operator's words; skipped steps are rows, not messages."""
    return {"occurrences touched": swept["occurrences_processed"],
            "messages written": swept["notifications"] - swept["skipped_steps"]}


def dispatch_counts(counts: dict) -> dict[str, int]:
    """A dispatch's outcomes (flows/dispatch.py) in an operator's words: "retried" is every message to be
    sent again later, on its channel or on the contact's next one."""
    return {"sent": counts.get("sent", 0),
            "retried": sum(counts.get(key, 0) for key in ("retry", "retry_next_day", "fallback")),
            "held": counts.get("hold", 0),
            "dead": counts.get("dead", 0)}


def _line(step: str, counts: dict[str, int]) -> str:
    return f"{step}: " + ", ".join(f"{value} {label}" for label, value in counts.items())


def dead_markdown(dead: list) -> str:
    if not dead:
        return "No message went dead in this run."
    rows = [f"| {nid} | {who} | {channel} | {str(reason).replace('|', '/')} |" for nid, who, channel, reason in dead]
    return "\n".join(["# Dead messages", "", "| notification | recipient | channel | reason |",
                      "|---|---|---|---|", *rows])


def report(key: str, *, swept: dict | None = None, dispatched: tuple[dict, list] | None = None,
           extra: dict[str, int] | None = None, plans: list[str] | None = None) -> None:
    """Log each step's counts in one line, and publish them as the artifact ``<key>-counts`` (and the
    partition's name, for a partition of ``plans``); the dead messages of a dispatch as
    ``dispatch-dead-messages``."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    logger = get_run_logger()
    partition = partition_name(plans) if plans else None
    where = f" [{partition}]" if partition else ""
    table: dict[str, int] = dict(extra or {})
    if extra:
        logger.info(_line(key + where, extra))
    if swept is not None:
        counts = sweep_counts(swept)
        table |= counts
        logger.info(_line("sweep" + where, counts))
    if dispatched is not None:
        counts = dispatch_counts(dispatched[0])
        table |= counts
        logger.info(_line("dispatch", counts))
    try:
        create_table_artifact([{"count": label, "value": value} for label, value in table.items()],
                              key=f"{key}-counts" + (f"-{partition}" if partition else ""),
                              description=f"What the {key} run did{where}.")
        if dispatched is not None:
            create_markdown_artifact(dead_markdown(dispatched[1]), key="dispatch-dead-messages",
                                     description="The messages that went dead in this run, and why.")
    except Exception as exc:  # noqa: BLE001 - the run's work is done; its report must not fail it
        logger.warning("artifacts not written (%s: %s)", exc.__class__.__name__, exc)


# ------------------------------------------------------------------------------ the flows


@flow(name="sweep", log_prints=True)
def sweep_flow(as_of: datetime | None = None, plans: list[str] | None = None, retry: bool = True) -> dict:
    """Create the occurrences entering the horizon and write the reminders and escalations due.

    ``retry=False``: a database error fails the run at once, for a person at the command line who sees
    it and runs again; a schedule's run waits and tries twice more.
    """
    task = sweep_task if retry else sweep_task.with_options(retries=0)
    with partition_lock(plans):
        swept = task(_now(as_of), plans)
    report("sweep", swept=swept, plans=plans)
    return swept


@flow(name="dispatch", log_prints=True)
def dispatch_flow(as_of: datetime | None = None) -> dict:
    """Send what the outbox holds that is due, and record each result."""
    dispatched = dispatch_task(_now(as_of))
    report("dispatch", dispatched=dispatched)
    return dispatched[0]


@flow(name="digest", log_prints=True)
def digest_flow(as_of: datetime | None = None) -> dict:
    """Queue the weekly digest for managers and coordinators, then send it."""
    moment = _now(as_of)
    queued = digest_task(moment)
    dispatched = dispatch_task(moment)
    report("digest", dispatched=dispatched, extra={"digests queued": queued})
    return {"queued": queued, "dispatch": dispatched[0]}


@flow(name="sweep-and-dispatch")
def sweep_and_dispatch_flow(as_of: datetime | None = None, plans: list[str] | None = None) -> dict:
    """The scheduled job: one sweep of the partition ``plans`` (None: every plan), then one dispatch of
    everything due, at the same instant."""
    moment = _now(as_of)
    with partition_lock(plans):
        swept = sweep_task(moment, plans)
    dispatched = dispatch_task(moment)
    report("sweep-and-dispatch", swept=swept, dispatched=dispatched, plans=plans)
    return {"sweep": swept, "dispatch": dispatched[0]}


# The replay reports each finished day to whoever started it (the CLI's progress bar). A callable is
# not a flow parameter Prefect can record, so it is handed over here rather than through the call.
_day_listeners: list[Callable[[date], None]] = []


def listen_to_replay(listener: Callable[[date], None] | None) -> None:
    _day_listeners.clear()
    if listener is not None:
        _day_listeners.append(listener)


def _notify_day(day: date) -> None:
    for listener in _day_listeners:
        listener(day)


@flow(name="simulate")
def simulate_flow(start: date, end: date) -> dict:
    """Replay ``start`` to ``end`` day by day inside this one flow run."""
    with entry.opened() as (engine, rt):
        totals = simulating.replay(engine, rt, start, end, on_day=_notify_day)
    return {
        "days": totals.days,
        "sweep": totals.sweep.as_dict(),
        "dispatch": dict(totals.dispatch),
        "actions": dict(totals.actions),
        "digests": totals.digests,
    }


# ------------------------------------------------------------------------------ deployments

def sweep_deployment_name(plans: list[str] | None) -> str:
    return SWEEP_DEPLOYMENT if not plans else f"{SWEEP_DEPLOYMENT}-{partition_name(plans)}"


def deployments(sweep_schedule=None, digest_schedule=None, *, partitions: list[list[str]] | None = None,
                work_pool: str | None = None) -> list:
    """The deployments: one sweep-and-dispatch per partition (default: one for every plan) and the weekly
    digest, each at most one run at a time, on cron schedules in the settings' zone unless given.

    Without ``work_pool``, what `obligations serve` runs; with it, what `.apply()` registers for that
    pool's workers (the same as `prefect deploy --all` from prefect.yaml). Their entrypoints are module
    paths (``obligations.flows.jobs.sweep_and_dispatch_flow``): a worker imports the installed package,
    wherever it runs from.
    """
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from obligations.config.settings import get_settings

    zone = get_settings().zone
    common = dict(concurrency_limit=1, entrypoint_type=EntrypointType.MODULE_PATH, work_pool_name=work_pool)
    sweeps = [
        sweep_and_dispatch_flow.to_deployment(
            name=sweep_deployment_name(plans), schedules=[sweep_schedule or Cron(SWEEP_CRON, timezone=zone)],
            parameters={"plans": plans} if plans else {}, **common)
        for plans in (partitions or [None])
    ]
    digest = digest_flow.to_deployment(
        name=DIGEST_DEPLOYMENT, schedules=[digest_schedule or Cron(DIGEST_CRON, timezone=zone)], **common)
    return [*sweeps, digest]
