"""The sweep writes exactly what it wrote before it was made set-based and cached (issue 12).

Three worlds, on SQLite and PostgreSQL: the example plan replayed for a year and a half (the sweep, the
dispatch with a sender that always succeeds, the deterministic pattern of submissions, returns and
acceptances); the small world of tests/world.py swept every morning for seven months with a blocker
raised and resolved, so escalations pause and resume; and one province of the benchmark's generated
world (7,000 occurrences of every schedule kind) swept on a typical morning and on a quarter-end. Each
ends in a digest of the two tables the sweep writes, over the columns it decides (not the dispatch's
clock), compared with the digest the per-row sweep produced at commit 899d1c6. A change of behaviour
that is meant must record new digests (run this file with ``OBLIGATIONS_PRINT_DIGESTS=1``) and say why
in its commit.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import CONFIG_DIR, Settings, settings_in_force
from obligations.flows import actions, entry
from obligations.flows.runtime import Runtime
from obligations.flows.simulate import replay
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.tables import Notification, Occurrence
from obligations.notifications.send import SendResult
from tests.conftest import url_of
from tests.world import build, vn

OCCURRENCE_COLUMNS = ("obligation_id", "agency_id", "period_key", "checkin", "nominal_deadline",
                      "effective_deadline", "status", "submitted_at", "completed_at", "ladder_done_until",
                      "next_action_at", "created_at")
NOTIFICATION_COLUMNS = ("dedup_key", "occurrence_id", "kind", "step", "level", "recipient_id", "channel",
                        "status", "due_at", "created_at", "payload", "last_error")

# (occurrences, outbox rows, digest), recorded from the per-row sweep.
EXPECTED = {
    "example": (119, 701, "a6b7962d1139b4ff14338f16929c50ddc34af6372eb0c182f2ad6f9e6cc32ab7"),
    "blocked": (3, 26, "12403f1e05fc4fbfcd5143a9834910d2f73f0c7a976c1f805664194447e63d24"),
    # The benchmark's generated province (bench/world.py), swept once at each of its mornings; recorded
    # with the per-row sweep of 899d1c6 running on the same generated state, on both databases.
    "generated-typical": (7144, 67, "9e6a57539e8416b38ea941714c57ba566258911270982ed218c085e6c80e8561"),
    "generated-quarter_end": (7004, 20, "c083572451e1891678304df44fd602afee27d6822ef4888e8cf8c09bdc83ef20"),
}


def _value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)


def digest(engine) -> tuple[int, int, str]:
    """Row counts and one sha256 over both tables, rows in a canonical order independent of ids."""
    occurrence_ids = {}
    lines = []
    with Session(engine) as session:
        occurrences = session.execute(select(Occurrence.id, *(getattr(Occurrence, c) for c in OCCURRENCE_COLUMNS)))
        rows = sorted((row[0], [_value(v) for v in row[1:]]) for row in occurrences)
        for oid, values in rows:
            occurrence_ids[oid] = f"{values[0]}|{values[1]}|{values[2]}"  # its identity, not its id
            lines.append(json.dumps(values, sort_keys=True, default=str))
        notes = session.execute(select(*(getattr(Notification, c) for c in NOTIFICATION_COLUMNS)))
        outbox = []
        for row in notes:
            values = [_value(v) for v in row]
            values[1] = occurrence_ids.get(values[1])
            outbox.append(json.dumps(values, sort_keys=True, default=str))
    lines.sort()
    outbox.sort()
    text = "\n".join(lines) + "\n--\n" + "\n".join(outbox)
    return len(lines), len(outbox), hashlib.sha256(text.encode()).hexdigest()


def _check(name: str, engine) -> None:
    found = digest(engine)
    if os.environ.get("OBLIGATIONS_PRINT_DIGESTS"):
        print(f"\n{name}: {found}")
    assert found == EXPECTED[name], f"{name}: the sweep wrote something else: {found} != {EXPECTED[name]}"


def _delivered(message) -> SendResult:
    return SendResult(True)


def test_the_example_replayed_writes_what_the_per_row_sweep_wrote(engine, tmp_path):
    settings = Settings(database_url=url_of(engine), email_url=f"maildir://{tmp_path}/maildir")
    with settings_in_force(settings):
        entry.load_plan_file(CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml", as_of=vn(2017, 11, 20, 9),
                             actor="test")
    replay(engine, Runtime(settings), date(2017, 11, 20), date(2019, 5, 31), sender=_delivered)
    _check("example", engine)


def test_a_blocked_world_swept_every_morning_writes_what_the_per_row_sweep_wrote(engine, tmp_path):
    build(engine)
    rt = Runtime(Settings(database_url=url_of(engine), email_url=f"maildir://{tmp_path}/maildir"))
    day, blocker = date(2017, 11, 20), None
    while day <= date(2018, 6, 30):
        sweep(engine, rt, vn(day.year, day.month, day.day, 7, 30))
        if day == date(2017, 12, 18):  # after the December deadline: escalations are running
            with session_scope(engine) as session:
                first = session.scalar(select(Occurrence.id).where(Occurrence.status == "overdue")
                                       .order_by(Occurrence.id))
                blocker = actions.raise_blocker(session, rt, first, as_of=vn(2017, 12, 18, 10), actor="test",
                                                text="Chờ số liệu của Sở Tài chính").id
        if day == date(2018, 1, 8):
            with session_scope(engine) as session:
                actions.resolve_blocker(session, rt, blocker, as_of=vn(2018, 1, 8, 10), actor="test",
                                        note="Đã có số liệu")
        day += timedelta(days=1)
    _check("blocked", engine)


@pytest.mark.parametrize("morning", ["typical", "quarter_end"])
def test_a_generated_province_swept_writes_what_the_per_row_sweep_wrote(engine, morning):
    from bench.world import MORNINGS, bench_settings
    from bench.world import build as generate

    generate(engine, Runtime(bench_settings()), engine.dialect.name, occurrences=7000, morning=MORNINGS[morning])
    # Batches of 10: later batches reuse the contacts earlier ones read.
    sweep(engine, Runtime(bench_settings(database_url=url_of(engine))), MORNINGS[morning], batch=10)
    _check(f"generated-{morning}", engine)
