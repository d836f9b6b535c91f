"""The Prefect flows: short orchestration over the plain functions in sweep, dispatch and simulate.

A flow run costs about a second with the in-process API, so each command is one flow run; the
replay of years runs all its days inside one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from obligations.config.settings import Settings, get_settings
from obligations.flows import digest as digesting
from obligations.flows import dispatch as dispatching
from obligations.flows import simulate as simulating
from obligations.flows import sweep as sweeping
from obligations.flows.runtime import Runtime
from obligations.models.db import create_db_engine


def _runtime(database_url: str | None) -> tuple[Runtime, object]:
    settings = get_settings() if database_url is None else Settings(database_url=database_url)
    return Runtime(settings), create_db_engine(settings.database_url)


def _now(as_of: datetime | None) -> datetime:
    return as_of if as_of is not None else datetime.now(UTC)


@task(cache_policy=NO_CACHE)
def sweep_task(database_url: str | None, as_of: datetime) -> dict:
    rt, engine = _runtime(database_url)
    try:
        return sweeping.sweep(engine, rt, as_of).as_dict()
    finally:
        engine.dispose()


@task(cache_policy=NO_CACHE)
def dispatch_task(database_url: str | None, as_of: datetime) -> dict:
    rt, engine = _runtime(database_url)
    try:
        return dict(dispatching.dispatch(engine, rt, as_of))
    finally:
        engine.dispose()


@flow(name="sweep", log_prints=True)
def sweep_flow(as_of: datetime | None = None, database_url: str | None = None) -> dict:
    """Create the occurrences entering the horizon and write the reminders and escalations due."""
    return sweep_task(database_url, _now(as_of))


@flow(name="dispatch", log_prints=True)
def dispatch_flow(as_of: datetime | None = None, database_url: str | None = None) -> dict:
    """Send what the outbox holds that is due, and record each result."""
    return dispatch_task(database_url, _now(as_of))


@task(cache_policy=NO_CACHE)
def digest_task(database_url: str | None, as_of: datetime) -> int:
    rt, engine = _runtime(database_url)
    try:
        return digesting.digest(engine, rt, as_of)
    finally:
        engine.dispose()


@flow(name="digest", log_prints=True)
def digest_flow(as_of: datetime | None = None, database_url: str | None = None) -> dict:
    """Queue the weekly digest for managers and coordinators, then send it."""
    moment = _now(as_of)
    return {"queued": digest_task(database_url, moment), "dispatch": dispatch_task(database_url, moment)}


@flow(name="sweep-and-dispatch")
def sweep_and_dispatch_flow(as_of: datetime | None = None, database_url: str | None = None) -> dict:
    """The scheduled job: one sweep, then one dispatch, at the same instant."""
    moment = _now(as_of)
    return {"sweep": sweep_task(database_url, moment), "dispatch": dispatch_task(database_url, moment)}


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
def simulate_flow(start: date, end: date, database_url: str | None = None) -> dict:
    """Replay ``start`` to ``end`` day by day inside this one flow run."""
    rt, engine = _runtime(database_url)
    try:
        totals = simulating.replay(engine, rt, start, end, on_day=_notify_day)
    finally:
        engine.dispose()
    return {
        "days": totals.days,
        "sweep": totals.sweep.as_dict(),
        "dispatch": dict(totals.dispatch),
        "actions": dict(totals.actions),
    }


def deployments(sweep_schedule, digest_schedule) -> list:
    """What `obligations serve` runs: the sweep and dispatch every half hour of office days, the weekly digest."""
    return [
        sweep_and_dispatch_flow.to_deployment(name="obligations-sweep-and-dispatch", schedules=[sweep_schedule]),
        digest_flow.to_deployment(name="obligations-weekly-digest", schedules=[digest_schedule]),
    ]
