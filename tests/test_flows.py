"""The Prefect flows, run for real under one session-wide test harness."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlmodel import Session

from obligations.config.settings import Settings, settings_in_force
from obligations.flows.jobs import dispatch_flow, simulate_flow, sweep_and_dispatch_flow, sweep_flow
from obligations.models.tables import AuditLog, Notification, Occurrence
from tests.world import build, vn


@pytest.fixture
def env(tmp_path, sqlite_url, sqlite_engine):
    sink = SecretStr(f"maildir://{tmp_path}/maildir")
    build(sqlite_engine)
    with settings_in_force(Settings(database_url=sqlite_url, email_url=sink, zalo_url=sink)):
        yield sqlite_url, sqlite_engine, tmp_path / "maildir"


def test_flow_parameters_hold_no_database_url():
    """Prefect stores and shows flow parameters; the database URL carries a password."""
    for job in (sweep_flow, dispatch_flow, sweep_and_dispatch_flow, simulate_flow):
        assert "database_url" not in job.parameters.properties


def test_sweep_then_dispatch_flows(prefect_harness, env):
    url, engine, maildir = env
    swept = sweep_flow(as_of=vn(2017, 11, 30, 8))
    assert swept["occurrences_created"] == 3 and swept["by_kind"] == {"reminder": 2, "escalation": 1}
    again = sweep_flow(as_of=vn(2017, 11, 30, 8))
    assert again["notifications"] == 0
    sent = dispatch_flow(as_of=vn(2017, 11, 30, 8))
    assert sent == {"sent": 3}
    assert len(list((maildir / "new").iterdir())) == 3


def test_no_flow_run_stored_by_prefect_holds_the_database_url(prefect_harness, env):
    from prefect.client.orchestration import get_client

    url, engine, maildir = env
    sweep_flow(as_of=vn(2017, 11, 30, 8))
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
    assert runs, "the flow run was recorded"
    stored = json.dumps([run.model_dump(mode="json") for run in runs])
    assert url not in stored and "sqlite://" not in stored


def test_combined_flow(prefect_harness, env):
    url, engine, maildir = env
    result = sweep_and_dispatch_flow(as_of=vn(2017, 12, 15, 8))
    assert result["dispatch"]["sent"] == result["sweep"]["notifications"] - result["sweep"]["skipped_steps"]


def test_simulate_replays_a_season_in_one_flow_run(prefect_harness, env):
    url, engine, maildir = env
    result = simulate_flow(start=date(2017, 10, 1), end=date(2018, 1, 31))
    assert result["days"] == 123
    with Session(engine) as session:
        statuses = dict(session.execute(select(Occurrence.status, func.count()).group_by(Occurrence.status)).all())
        sent = session.scalar(select(func.count()).where(Notification.status == "sent"))
        actions = set(session.scalars(select(AuditLog.action)))
    assert sum(statuses.values()) == 3
    assert set(statuses) <= {"done_on_time", "done_late", "overdue", "submitted", "waived"}
    assert sent == result["dispatch"]["sent"] > 0
    assert "submit" in actions


def test_served_deployments_are_scheduled_in_the_plans_zone():
    from prefect.schedules import Cron

    from obligations.flows.jobs import deployments

    sweep_deployment, digest_deployment = deployments(
        Cron("*/30 7-17 * * 1-6", timezone="Asia/Ho_Chi_Minh"), Cron("0 8 * * 1", timezone="Asia/Ho_Chi_Minh")
    )
    assert sweep_deployment.name == "obligations-sweep-and-dispatch"
    assert digest_deployment.name == "obligations-weekly-digest"
    schedule = digest_deployment.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 8 * * 1", "Asia/Ho_Chi_Minh")
