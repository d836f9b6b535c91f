"""The Prefect flows: short orchestration over the plain functions in sweep, dispatch and simulate.

A flow run costs about a second with the in-process API, so each command is one flow run; the
replay of years runs all its days inside one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from obligations.flows import entry
from obligations.flows import simulate as simulating

# Flows take no database URL: it holds a password, and Prefect stores and shows flow parameters.
# Each run reads it from the settings in force (the environment, or the caller's choice).


def _now(as_of: datetime | None) -> datetime:
    return as_of if as_of is not None else datetime.now(UTC)


@task(cache_policy=NO_CACHE)
def sweep_task(as_of: datetime) -> dict:
    return entry.run_sweep(as_of)


@task(cache_policy=NO_CACHE)
def dispatch_task(as_of: datetime) -> dict:
    return entry.run_dispatch(as_of)


@task(cache_policy=NO_CACHE)
def digest_task(as_of: datetime) -> int:
    return entry.run_digest(as_of)


@flow(name="sweep", log_prints=True)
def sweep_flow(as_of: datetime | None = None) -> dict:
    """Create the occurrences entering the horizon and write the reminders and escalations due."""
    return sweep_task(_now(as_of))


@flow(name="dispatch", log_prints=True)
def dispatch_flow(as_of: datetime | None = None) -> dict:
    """Send what the outbox holds that is due, and record each result."""
    return dispatch_task(_now(as_of))


@flow(name="digest", log_prints=True)
def digest_flow(as_of: datetime | None = None) -> dict:
    """Queue the weekly digest for managers and coordinators, then send it."""
    moment = _now(as_of)
    return {"queued": digest_task(moment), "dispatch": dispatch_task(moment)}


@flow(name="sweep-and-dispatch")
def sweep_and_dispatch_flow(as_of: datetime | None = None) -> dict:
    """The scheduled job: one sweep, then one dispatch, at the same instant."""
    moment = _now(as_of)
    return {"sweep": sweep_task(moment), "dispatch": dispatch_task(moment)}


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


def deployments(sweep_schedule, digest_schedule) -> list:
    """What `obligations serve` runs: the sweep and dispatch every half hour of office days, the weekly digest."""
    return [
        sweep_and_dispatch_flow.to_deployment(name="obligations-sweep-and-dispatch", schedules=[sweep_schedule]),
        digest_flow.to_deployment(name="obligations-weekly-digest", schedules=[digest_schedule]),
    ]
