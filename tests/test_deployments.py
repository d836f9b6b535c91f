"""The deployments (served, or registered for a work pool by prefect.yaml), the partitions of the sweep,
and what a flow run reports: log lines and artifacts, with the in-process API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr
from sqlalchemy import func, select, update
from sqlmodel import Session

from obligations.config.settings import Settings, settings_in_force
from obligations.flows import jobs, server
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.tables import Contact, Obligation, Occurrence, Plan
from tests.world import build, vn

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"
ZONE = "Asia/Ho_Chi_Minh"


def _schedule(deployment):
    schedule = deployment.schedules[0].schedule
    return schedule.cron, schedule.timezone


def test_served_deployments_run_one_at_a_time_on_cron_in_the_settings_zone():
    sweeps, digest = jobs.deployments()
    assert (sweeps.name, digest.name) == ("obligations-sweep-and-dispatch", "obligations-weekly-digest")
    assert _schedule(sweeps) == ("*/30 7-17 * * 1-6", ZONE) and _schedule(digest) == ("0 8 * * 1", ZONE)
    assert sweeps.concurrency_limit == digest.concurrency_limit == 1
    assert sweeps.entrypoint == "obligations.flows.jobs.sweep_and_dispatch_flow"  # importable wherever run
    assert digest.entrypoint == "obligations.flows.jobs.digest_flow"
    assert sweeps.parameters == {} and sweeps.work_pool_name is None
    with settings_in_force(Settings(zone="Asia/Bangkok")):
        assert _schedule(jobs.deployments()[0]) == ("*/30 7-17 * * 1-6", "Asia/Bangkok")


def test_each_partition_gets_a_sweep_deployment_of_its_own():
    deployments = jobs.deployments(partitions=[["kh-a"], ["KH_B", "kh-c"]], work_pool="obligations")
    assert [d.name for d in deployments] == [
        "obligations-sweep-and-dispatch-kh-a", "obligations-sweep-and-dispatch-kh-b-kh-c", "obligations-weekly-digest"]
    assert [d.parameters for d in deployments] == [{"plans": ["kh-a"]}, {"plans": ["KH_B", "kh-c"]}, {}]
    assert {d.work_pool_name for d in deployments} == {"obligations"}
    assert all(d.concurrency_limit == 1 for d in deployments)


def test_prefect_yaml_declares_the_same_deployments_for_the_work_pool():
    from prefect.cli.deploy._models import PrefectYamlModel
    from prefect.flows import load_flow_from_entrypoint

    raw = yaml.safe_load(PREFECT_YAML.read_text())
    PrefectYamlModel.model_validate(raw)  # what `prefect deploy` reads, or skips with a warning
    assert raw["pull"] == []  # nothing to fetch: the worker imports the installed package
    declared = {d["name"]: d for d in raw["deployments"]}
    built = {d.name: d for d in jobs.deployments()}
    assert set(declared) == set(built)
    for name, deployment in built.items():
        entry = declared[name]
        assert entry["work_pool"]["name"] == jobs.WORK_POOL
        assert entry["concurrency_limit"] == deployment.concurrency_limit == 1
        assert [(s["cron"], s["timezone"]) for s in entry["schedules"]] == [_schedule(deployment)]
        assert entry["entrypoint"] == deployment.entrypoint
    assert load_flow_from_entrypoint(declared["obligations-sweep-and-dispatch"]["entrypoint"]) is \
        jobs.sweep_and_dispatch_flow
    assert load_flow_from_entrypoint(declared["obligations-weekly-digest"]["entrypoint"]) is jobs.digest_flow


# ------------------------------------------------------------------------------ partitions


def _second_plan(engine) -> None:
    """Another plan beside the world's "kh-test": one task of SNGV's, due 20/12/2017."""
    with session_scope(engine) as session:
        first = session.scalars(select(Plan)).one()
        task = session.scalars(select(Obligation).where(Obligation.ref == "III.1.8")).one()
        other = Plan(code="kh-khac", title="Kế hoạch khác", start=date(2017, 1, 1), end=date(2018, 12, 31),
                     issuer_id=first.issuer_id, coordinator_id=first.coordinator_id, manager_id=first.manager_id)
        session.add(other)
        session.flush()
        session.add(Obligation(plan_id=other.id, ref="1", title="Báo cáo sơ kết", lead_agency_id=task.lead_agency_id,
                               schedule_kind="once", due=date(2017, 12, 20), inclusive=True,
                               policy_id=task.policy_id, next_expand_at=task.next_expand_at))


def _occurrences_by_plan(engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.execute(
            select(Plan.code, func.count(Occurrence.id)).join(Obligation, Obligation.plan_id == Plan.id)
            .join(Occurrence, Occurrence.obligation_id == Obligation.id).group_by(Plan.code))
        return dict(rows.all())


def test_a_partition_sweeps_only_its_plans(engine, rt):
    build(engine)
    _second_plan(engine)
    moment = vn(2017, 11, 30, 8)
    alone = sweep(engine, rt, moment, plans=["kh-khac"])
    assert _occurrences_by_plan(engine) == {"kh-khac": 1}
    assert alone.occurrences_created == alone.occurrences_processed == 1
    rest = sweep(engine, rt, moment, plans=["kh-test"])
    assert _occurrences_by_plan(engine) == {"kh-khac": 1, "kh-test": 3} and rest.occurrences_processed == 3
    assert sweep(engine, rt, moment).occurrences_processed == 0  # the partitions left nothing due


def test_a_partition_naming_no_plan_fails_rather_than_sweep_nothing(engine, rt):
    build(engine)
    with pytest.raises(ValueError, match="không có kế hoạch nào mang mã: kh-sai"):
        sweep(engine, rt, vn(2017, 11, 30, 8), plans=["kh-test", "kh-sai"])


# ------------------------------------------------------------------------------ what a run reports


@pytest.fixture
def zalo_only(tmp_path, sqlite_url, sqlite_engine):
    """Focal points reachable on Zalo only, which is not configured: their reminders go dead."""
    build(sqlite_engine, channels=["zalo"])
    with session_scope(sqlite_engine) as session:  # the coordinator can still be told by email
        session.execute(update(Contact).where(Contact.role == "coordinator").values(channels=["zalo", "email"]))
    settings = Settings(database_url=sqlite_url, email_url=SecretStr(f"maildir://{tmp_path}/maildir"))
    with settings_in_force(settings):
        yield sqlite_engine


def _artifacts(flow_run_id) -> dict:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return {artifact.key: artifact for artifact in found}


def test_a_run_logs_and_publishes_its_counts_and_its_dead_messages(prefect_harness, zalo_only, caplog):
    from prefect.client.orchestration import get_client

    state = jobs.sweep_and_dispatch_flow(as_of=vn(2017, 11, 30, 8), plans=["kh-test"], return_state=True)
    result = state.result()
    artifacts = _artifacts(state.state_details.flow_run_id)
    table = {row["count"]: row["value"] for row in
             json.loads(artifacts["sweep-and-dispatch-counts-kh-test"].data)}
    assert table == {"occurrences touched": 3, "messages written": 3, "sent": 3, "retried": 1, "held": 0,
                     "dead": 2}
    assert result["dispatch"]["dead"] == 2 and result["dispatch"]["fallback"] == 1
    dead = artifacts["dispatch-dead-messages"].data
    for name in ("Lê Văn Cường", "Hoàng Văn Em"):
        assert f"| {name} | zalo | kênh zalo chưa được cấu hình |" in dead
    assert "sweep [kh-test]: 3 occurrences touched, 3 messages written" in caplog.text
    assert "dispatch: 3 sent, 1 retried, 0 held, 2 dead" in caplog.text
    # The harness is a server of its own: the partition's lock was created, one slot.
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name("obligations-sweep-kh-test").limit == 1


def test_an_artifact_that_cannot_be_written_does_not_fail_the_run(prefect_harness, zalo_only, monkeypatch,
                                                                  caplog):
    import prefect.artifacts

    def refused(*args, **kwargs):
        raise ConnectionError("API unreachable")

    monkeypatch.setattr(prefect.artifacts, "create_table_artifact", refused)
    state = jobs.dispatch_flow(as_of=vn(2017, 11, 30, 8), return_state=True)
    assert state.is_completed()
    assert "artifacts not written (ConnectionError: API unreachable)" in caplog.text
    assert _artifacts(state.state_details.flow_run_id) == {}


@pytest.mark.parametrize("retry", [True, False])
def test_a_scheduled_sweep_is_tried_again_after_a_database_error_and_a_command_line_one_is_not(
        prefect_harness, zalo_only, monkeypatch, retry):
    from sqlalchemy.exc import OperationalError

    from obligations.flows import entry

    calls = []
    real = entry.run_sweep

    def lost_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("select", {}, Exception("server closed the connection unexpectedly"))
        return real(*args)

    monkeypatch.setattr(entry, "run_sweep", lost_once)
    monkeypatch.setattr(jobs, "sweep_task", jobs.sweep_task.with_options(retry_delay_seconds=0))
    state = jobs.sweep_flow(as_of=vn(2017, 11, 30, 8), retry=retry, return_state=True)
    if retry:
        assert state.is_completed() and len(calls) == 2
        assert state.result()["occurrences_processed"] == 3
    else:
        assert state.is_failed() and len(calls) == 1


def test_dispatch_lists_the_rows_that_went_dead(zalo_only, tmp_path):
    from obligations.flows.dispatch import dispatch

    dead: list = []
    rt = Runtime(Settings(email_url=SecretStr(f"maildir://{tmp_path}/maildir")))
    sweep(zalo_only, rt, vn(2017, 11, 30, 8))
    dispatch(zalo_only, rt, vn(2017, 11, 30, 8), dead=dead)
    assert sorted((who, channel, reason) for _, who, channel, reason in dead) == [
        ("Hoàng Văn Em", "zalo", "kênh zalo chưa được cấu hình"),
        ("Lê Văn Cường", "zalo", "kênh zalo chưa được cấu hình")]


def test_serve_uses_the_configured_server_and_starts_none():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}), server.prefect_api() as url:
        assert url == "http://127.0.0.1:9/api"
