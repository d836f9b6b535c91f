"""Acting on what was retired (docs/actions.md, "Retired tasks"), from the command line.

A submission handed in before its task was retired can be accepted (the record of work done) but not
returned: returning reopens the occurrence, and its reminders would start again for a task nobody tracks.
The refusal is one line that says what to do; once the task is brought back (`active: true`), it can be
returned as usual. Every action on a withdrawn occurrence is refused saying that the task was withdrawn.

The plan is the Khánh Hòa example (config/examples/khanh-hoa-2017-2020.yaml, from the plan of Ủy ban nhân
dân tỉnh Khánh Hòa, 2017-2020): III.6.4, "Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo cáo tổng hợp ...",
is owed by every member of the group CQ-DV-DP, whose reminders are in the outbox on 4 December 2017.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.models.tables import Obligation, Occurrence, Submission
from obligations.rules.status import Status
from tests.test_load import dump, write
from tests.test_plan_retire import CODE, EXAMPLE_TEXT, _pending, _statuses, obligation_active

SWEPT = "2017-12-04T08:00+07:00"
RETIRED = "2017-12-05T08:00+07:00"
LATER = "2017-12-06T08:00+07:00"


@pytest.fixture
def retired(cli, sqlite_engine, tmp_path):
    """The example swept on 4 December; one agency submits its yearly report, then III.6.4 is retired."""
    assert cli("load", str(write(tmp_path, EXAMPLE_TEXT, "example.yaml")), "--as-of", "2017-04-01T08:00+07:00"
               ).exit_code == 0
    assert cli("sweep", "--direct", "--as-of", SWEPT).exit_code == 0
    with Session(sqlite_engine) as session:
        submitted, withdrawn = session.scalars(
            select(Occurrence.id).join(Obligation, Obligation.id == Occurrence.obligation_id)
            .where(Obligation.ref == "III.6.4").order_by(Occurrence.id).limit(2)).all()
    assert cli("submit", str(submitted), "--note", "Báo cáo tổng hợp năm 2017", "--as-of",
               "2017-12-04T10:00+07:00").exit_code == 0
    result = cli("plan", "retire", CODE, "--obligation", "III.6.4", "--yes", "--as-of", RETIRED)
    assert result.exit_code == 0, result.output
    return {"engine": sqlite_engine, "submitted": submitted, "withdrawn": withdrawn, "tmp_path": tmp_path}


def _status(engine, occurrence_id: int) -> str:
    with Session(engine) as session:
        return session.get(Occurrence, occurrence_id).status


def test_a_submission_of_a_retired_task_cannot_be_returned_and_nothing_is_reminded_again(cli, retired):
    engine, submitted = retired["engine"], retired["submitted"]
    before = dump(engine)
    refused = cli("return", str(submitted), "--note", "Thiếu số liệu của quý IV", "--as-of", RETIRED)
    assert refused.exit_code == 2 and refused.stdout == ""
    said = " ".join(refused.stderr.split())
    assert said.startswith("Lỗi: không thể trả lại báo cáo: nhiệm vụ III.6.4 (kỳ ")
    assert "đã ngừng theo dõi; chấp nhận báo cáo, hoặc theo dõi lại nhiệm vụ (`active: true`" in said
    assert dump(engine) == before
    assert cli("sweep", "--direct", "--as-of", LATER).exit_code == 0
    assert _status(engine, submitted) == Status.SUBMITTED and _pending(engine, "III.6.4") == 0
    assert set(_statuses(engine, "III.6.4")) == {Status.SUBMITTED, Status.WITHDRAWN}

    accepted = cli("accept", str(submitted), "--as-of", LATER)
    assert accepted.exit_code == 0, accepted.output
    assert _status(engine, submitted) == Status.DONE_ON_TIME  # handed in on 4/12, before the 15th


def test_brought_back_the_task_s_submission_can_be_returned(cli, retired):
    engine, submitted = retired["engine"], retired["submitted"]
    back = cli("load", str(write(retired["tmp_path"], obligation_active("III.6.4", "true"), "back.yaml")),
               "--as-of", LATER)
    assert back.exit_code == 0, back.output
    returned = cli("return", str(submitted), "--note", "Thiếu số liệu của quý IV", "--as-of", LATER)
    assert returned.exit_code == 0, returned.output
    assert _status(engine, submitted) == Status.DUE_SOON
    with Session(engine) as session:
        assert session.scalars(select(Submission.state).where(Submission.occurrence_id == submitted)).all() == [
            "returned"]


@pytest.mark.parametrize(("command", "options"), [
    (("submit",), ("--note", "Báo cáo tổng hợp")),
    (("extension", "request"), ("--until", "2017-12-29", "--reason", "Chờ số liệu của các huyện")),
    (("blocker", "raise"), ("Chưa nhận được số liệu của các huyện",)),
    (("extend",), ("--until", "2017-12-29")),
    (("waive",), ("--reason", "Đã báo cáo chung với Sở Ngoại vụ")),
])
def test_every_action_on_a_withdrawn_occurrence_says_the_task_was_withdrawn(cli, retired, command, options):
    engine, withdrawn = retired["engine"], retired["withdrawn"]
    assert _status(engine, withdrawn) == Status.WITHDRAWN
    before = dump(engine)
    refused = cli(*command, str(withdrawn), *options, "--as-of", LATER)
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.stderr.split())
    assert f"kỳ {withdrawn} đã được rút, nhiệm vụ đã ngừng theo dõi, không cần làm gì thêm" in said
    assert "(the task was withdrawn: nothing more is asked)" in said and said.count("Lỗi:") == 1
    assert dump(engine) == before
