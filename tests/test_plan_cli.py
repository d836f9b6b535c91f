"""`obligations plan parse|draft|apply`: the JSON, the draft that `load` reads, one-step apply, bad input."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import typer
from sqlmodel import Session, select
from typer.testing import CliRunner

from obligations.cli import app
from obligations.config.settings import get_settings
from obligations.models.db import session_scope
from obligations.models.tables import AgencyGroup, AgencyGroupMember, Obligation, Plan
from obligations.plans.file.apply import apply_file
from obligations.plans.file.read import parse_plan_file, read_defaults
from obligations.plans.importer.agency_codes import UNKNOWN_LEAD, known_from_db
from obligations.plans.importer.documents import read_blocks
from obligations.plans.importer.draft import build_draft
from obligations.plans.importer.parse import parse_blocks, parse_text
from tests.plan_documents import ARTICLES, SEED_PLAN, cp1258, table_plan_docx
from tests.test_load import AS_OF, dump

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "examples" / "khanh-hoa-2017-2020.yaml"
runner = CliRunner()
NOW = "2025-01-06T08:00+07:00"


@pytest.fixture
def table_plan(tmp_path) -> Path:
    path = tmp_path / "ke-hoach-dong-nai.docx"
    path.write_bytes(table_plan_docx())
    return path


def flat(output: str) -> str:
    """Output with Rich's line wrapping undone."""
    return " ".join(output.split())


def load_example(cli) -> None:
    result = cli("load", str(EXAMPLE), "--as-of", "2017-04-01T00:00+07:00")
    assert result.exit_code == 0, result.output


def test_plan_commands_have_help():
    plan_group = typer.main.get_command(app).commands["plan"]
    assert set(plan_group.commands) == {"parse", "draft", "apply", "retire"}
    for name, command in plan_group.commands.items():
        assert command.help, name
        result = runner.invoke(app, ["plan", name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


# --------------------------------------------------------------------------------------------------
# parse


DEADLINE_KEYS = {
    "once": {"kind", "due", "inclusive", "phrase"},
    "recurring": {"kind", "rrule", "inclusive", "phrase"},
    "continuous": {"kind", "phrase"},
    "cycle": {"kind", "cycle", "phrase"},
}


def test_parse_json_shape(cli):
    result = cli("plan", "parse", str(SEED_PLAN), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    assert set(data) == {"title", "number", "issuer", "period", "tasks"}
    assert data["period"] == {"start": "2017-01-01", "end": "2020-12-31"}
    assert data["number"] is None and data["issuer"] == "Ủy ban nhân dân tỉnh Khánh Hòa"
    assert len(data["tasks"]) == 24
    kinds = set()
    for task in data["tasks"]:
        assert set(task) == {"ref", "agency", "supporting", "text", "deadlines"}
        assert isinstance(task["supporting"], list) and isinstance(task["deadlines"], list)
        for deadline in task["deadlines"]:
            assert set(deadline) == DEADLINE_KEYS[deadline["kind"]]
            kinds.add(deadline["kind"])
    assert kinds == set(DEADLINE_KEYS)
    yearly = next(t for t in data["tasks"] if t["ref"] == "III.6.4")
    assert yearly["deadlines"][0]["rrule"] == "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"
    assert yearly["deadlines"][0]["inclusive"] is False


def test_parse_prints_a_table_without_json(cli, table_plan):
    result = cli("plan", "parse", str(table_plan))
    assert result.exit_code == 0, result.output
    assert "3935/KH-UBND" in result.stdout and "7 nhiệm vụ" in result.stdout
    assert "PLI.II.1" in result.stdout and "Sở Tư pháp" in result.stdout


# --------------------------------------------------------------------------------------------------
# draft, then load


def test_draft_then_load_with_the_groups_members_the_draft_proposes(cli, sqlite_engine, tmp_path):
    draft = tmp_path / "draft.yaml"
    result = cli("plan", "draft", str(SEED_PLAN), "-o", str(draft), "--as-of", NOW)
    assert result.exit_code == 0, result.output
    assert "Thành viên nhóm được đề xuất, cần xem lại" in flat(result.output)
    text = draft.read_text(encoding="utf-8")
    # The phrase is kept beside each schedule, as a comment and in the schedule itself.
    assert re.search(r'phrase: "Định kỳ trước ngày 15 tháng 12 hàng năm"}  # “Định kỳ trước ngày 15 tháng 12', text)
    assert "# xem lại: không thấy hạn" in text
    # The plan does not list the group's members: the draft proposes the Sở it names, for review.
    assert "members: [SO-KE-HOACH-VA-DAU-TU, SO-TAI-CHINH, SO-THONG-TIN-VA-TRUYEN-THONG]  # xem lại" in text

    # A coordinator who empties the list is refused, naming the line, and nothing is written.
    before = dump(sqlite_engine)
    draft.write_text(re.sub(r"members: \[[^\]]*\]", "members: []", text, count=1), encoding="utf-8")
    refused = cli("load", str(draft), "--as-of", NOW)
    assert refused.exit_code == 2
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "members: [" in row)
    assert f"{draft}:{line}: groups[0].members: needs at least one member" in refused.output
    assert dump(sqlite_engine) == before

    draft.write_text(text, encoding="utf-8")
    loaded = cli("load", str(draft), "--as-of", NOW)
    assert loaded.exit_code == 0, loaded.output
    assert "25 nhiệm vụ" in flat(loaded.output)  # 24 tasks, III.5.2 split in two
    with Session(sqlite_engine) as session:
        plan = session.exec(select(Plan)).one()
        obligations = {o.ref: o for o in session.exec(select(Obligation).where(Obligation.plan_id == plan.id))}
        group = session.exec(select(AgencyGroup)).one()
        members = session.exec(select(AgencyGroupMember).where(AgencyGroupMember.group_id == group.id)).all()
    assert plan.title.startswith("Kế hoạch triển khai công tác đối ngoại nhân dân")
    assert len(obligations) == 25 and len(members) == 3
    assert obligations["III.6.4"].rrule == "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"
    assert obligations["III.6.4"].inclusive is False
    assert obligations["III.6.3"].cycle == "budget"
    assert {obligations["III.5.2a"].schedule_kind, obligations["III.5.2b"].schedule_kind} == {"recurring", "once"}
    assert obligations["III.1.1"].schedule_kind == "continuous"


def test_a_draft_uses_the_stored_agencies_and_group_and_loads_as_is(cli, sqlite_engine, tmp_path):
    load_example(cli)  # the example file stores SNGV, LHHN, ..., and the group CQ-DV-DP with the same name
    result = cli("plan", "draft", str(SEED_PLAN), "--as-of", NOW)  # no -o: the YAML on stdout
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "\nagencies:" not in text and "\ngroups:" not in text  # every name matched a stored one
    assert "lead: CQ-DV-DP" in text and "lead: LHHN" in text and "supporting: [PACCOM]" in text
    assert "supporting: [VUFO]" in text and "coordinator: SNGV" in text and "issuer: UBND-TINH" in text
    draft = tmp_path / "draft.yaml"
    draft.write_text(text, encoding="utf-8")
    # The draft is the example's plan again (the same title): a second copy would remind every task twice.
    twin = cli("load", str(draft), "--as-of", NOW)
    assert twin.exit_code == 2 and "mã khanh-hoa-dnnd-2017-2020" in flat(twin.output), twin.output
    loaded = cli("load", str(draft), "--update", "--as-of", NOW)
    assert loaded.exit_code == 0, loaded.output
    assert "Kế hoạch khanh-hoa-dnnd-2017-2020 (tệp ghi mã" in flat(loaded.output)
    with Session(sqlite_engine) as session:
        assert [p.code for p in session.exec(select(Plan))] == ["khanh-hoa-dnnd-2017-2020"]


def test_draft_refuses_to_overwrite_a_file(cli, tmp_path):
    draft = tmp_path / "draft.yaml"
    draft.write_text("# my edits\n", encoding="utf-8")
    result = cli("plan", "draft", str(SEED_PLAN), "-o", str(draft))
    assert result.exit_code == 2 and "--force" in result.output
    assert draft.read_text(encoding="utf-8") == "# my edits\n"
    forced = cli("plan", "draft", str(SEED_PLAN), "-o", str(draft), "--force", "--code", "kh-2017")
    assert forced.exit_code == 0, forced.output
    assert "code: kh-2017" in draft.read_text(encoding="utf-8")


def test_a_draft_round_trips_through_the_coordinator_file_reader(engine):
    """On SQLite and PostgreSQL: the table plan's draft is a valid file and applies in one transaction."""
    plan = parse_blocks(read_blocks(table_plan_docx(), name="plan.docx"))
    drafted = build_draft(plan, source="plan.docx", today=date(2025, 1, 6), known=known_from_db(engine))
    assert drafted.groups_to_fill  # "Các sở, ban, ngành; ..." is not stored yet
    # Its members are proposed from the Sở and the provincial police the plan names: it loads as drafted.
    assert drafted.groups_proposed == {
        "CAC-SO-BAN-NGANH-UBND-CAC-HUYEN-THANH": ["SO-THONG-TIN-VA-TRUYEN-THONG", "SO-TU-PHAP",
                                                  "SO-VAN-HOA-THE-THAO-VA-DU-LICH", "CONG-AN-TINH"]}
    text = drafted.text
    defaults = read_defaults(get_settings().defaults_file)
    draft = parse_plan_file(text, source="draft.yaml", defaults=defaults)
    assert draft.plan.code == "3935-kh-ubnd" and draft.plan.number == "3935/KH-UBND"
    # "báo cáo Ủy ban nhân dân tỉnh" is the issuer, "Ủy ban nhân dân tỉnh Đồng Nai": one agency, not two.
    assert draft.plan.issuer == "UBND-TINH-DONG-NAI" and draft.obligations[0].report_to == "UBND-TINH-DONG-NAI"
    assert [a.code for a in draft.agencies if a.code.startswith("UBND")] == ["UBND-TINH-DONG-NAI"]
    refs = [o.ref for o in draft.obligations]
    assert refs == ["II.1.1", "II.2.1", "PLI.I.1", "PLI.I.2", "PLI.II.1", "PLI.II.2", "PLI.II.3"]
    with session_scope(engine) as session:
        summary = apply_file(session, draft, source="draft.yaml", actor="test", as_of=AS_OF)
    assert summary.created["obligations"] == 7 and summary.created["groups"] == 1
    assert known_from_db(engine).agency("Sở Văn hóa, Thể thao và Du lịch") == "SO-VAN-HOA-THE-THAO-VA-DU-LICH"


def test_a_task_without_a_lead_gets_a_placeholder_to_replace():
    plan = parse_text("KẾ HOẠCH\nTổ chức hội nghị năm 2026\nIII. Tổ chức thực hiện\n"
                      "- Tổ chức hội nghị trước ngày 1/3/2026.\n")
    drafted = build_draft(plan, source="plan.txt", today=date(2026, 1, 1))
    assert drafted.plan_code == "to-chuc-hoi-nghi-2026"
    assert f"lead: {UNKNOWN_LEAD}  # văn bản không nêu cơ quan chủ trì: chọn một cơ quan" in drafted.text
    draft = parse_plan_file(drafted.text, defaults=read_defaults(get_settings().defaults_file))
    assert [a.code for a in draft.agencies] == [UNKNOWN_LEAD]
    schedule = draft.obligations[0].schedule
    assert (schedule.due, schedule.inclusive) == (date(2026, 3, 1), False)


# --------------------------------------------------------------------------------------------------
# apply


def test_apply_with_yes_loads_in_one_step(cli, sqlite_engine):
    load_example(cli)
    # The example is the same plan: retired, it is no twin of the import (it sends nothing more).
    assert cli("plan", "retire", "khanh-hoa-dnnd-2017-2020", "--yes", "--as-of", NOW).exit_code == 0
    result = cli("plan", "apply", str(SEED_PLAN), "--yes", "--as-of", NOW, "--code", "kh-dnnd-import")
    assert result.exit_code == 0, result.output
    assert "Kế hoạch kh-dnnd-import: thêm mới 1 kế hoạch, 6 nội dung, 25 nhiệm vụ." in flat(result.output)
    again = cli("plan", "apply", str(SEED_PLAN), "--yes", "--as-of", NOW, "--code", "kh-dnnd-import")
    assert again.exit_code == 0 and "không có gì thay đổi" in flat(again.output)
    with Session(sqlite_engine) as session:
        assert {p.code for p in session.exec(select(Plan))} == {"khanh-hoa-dnnd-2017-2020", "kh-dnnd-import"}


def test_apply_asks_first(cli, sqlite_engine, table_plan):
    load_example(cli)  # stores a group named differently: the table plan's group is new, so fill it first
    before = dump(sqlite_engine)
    result = cli("plan", "apply", str(table_plan), "--as-of", NOW, input="y\n")
    assert result.exit_code == 2 and "điền members" in result.output  # the group's members are unknown
    assert dump(sqlite_engine) == before


def test_apply_a_plan_without_groups_after_confirming(cli, sqlite_engine, tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(
        "KẾ HOẠCH\nPhát triển du lịch năm 2025\nIII. Tổ chức thực hiện\n1. Sở Du lịch\n"
        "- Hằng tháng, trước ngày 25 báo cáo tiến độ cho Ủy ban nhân dân tỉnh.\n",
        encoding="utf-8",
    )
    before = dump(sqlite_engine)
    declined = cli("plan", "apply", str(path), "--as-of", NOW, input="n\n")
    assert declined.exit_code == 1 and "không thay đổi" in declined.output
    assert dump(sqlite_engine) == before
    accepted = cli("plan", "apply", str(path), "--as-of", NOW, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    with Session(sqlite_engine) as session:
        (obligation,) = session.exec(select(Obligation)).all()
    assert obligation.rrule == "FREQ=MONTHLY;BYMONTHDAY=25" and obligation.inclusive is False


# --------------------------------------------------------------------------------------------------
# Bad input: exit code 2, nothing written


BAD = {
    "empty.txt": (b"", "tệp rỗng"),
    "article.txt": (ARTICLES[0].read_bytes(), "không giống một kế hoạch"),
    "damaged.docx": (table_plan_docx()[:3000], ".docx bị hỏng"),
    "legacy.txt": (cp1258(SEED_PLAN.read_text(encoding="utf-8")), "Windows-1258"),
}


@pytest.mark.parametrize("command", ["parse", "draft", "apply"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_and_writes_nothing(cli, sqlite_engine, tmp_path, command, case):
    if command == "apply":
        load_example(cli)  # something stored that a partial apply could disturb
    before = dump(sqlite_engine)
    data, needle = BAD[case]
    path = tmp_path / case
    path.write_bytes(data)
    output = tmp_path / "draft.yaml"
    args = {"parse": ["--json"], "draft": ["-o", str(output)], "apply": ["--yes"]}[command]
    if command != "parse":
        args.extend(["--as-of", NOW])
    result = cli("plan", command, str(path), *args)
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Lỗi" in result.output
    assert result.stdout == ""  # the message goes to stderr; nothing half-printed on stdout
    assert not output.exists() and not list(tmp_path.glob(".*partial"))
    assert dump(sqlite_engine) == before
