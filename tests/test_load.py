"""`obligations load`: the coordinator's file read, checked and applied, all or nothing."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from obligations.config.settings import CONFIG_DIR, get_settings
from obligations.models.db import session_scope
from obligations.models.tables import (
    Agency,
    AgencyGroup,
    AgencyGroupMember,
    AuditLog,
    Contact,
    Obligation,
    ObligationSupport,
    Plan,
    PolicyRow,
    Provision,
)
from obligations.plans.file import apply as apply_module
from obligations.plans.file.apply import KINDS, ApplySummary, apply_file, load_file
from obligations.plans.file.errors import FileError
from obligations.plans.file.plan_rows import EXPAND_NOW
from obligations.plans.file.read import parse_plan_file, read_calendar, read_defaults, read_plan_file
from obligations.plans.file.schema import PlanFile
from obligations.plans.file.write import to_yaml
from obligations.rules.ladder import Policy

VN = timezone(timedelta(hours=7))
AS_OF = datetime(2017, 4, 3, 8, 0, tzinfo=VN)
EXAMPLE = CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml"

# "Sở Ngoại vụ" decomposed (NFD) and padded: stored NFC and stripped.
SNGV_NFD = unicodedata.normalize("NFD", "Sở Ngoại vụ")

VALID = f"""\
# A small plan: every section, every schedule kind.
plan:
  code: test-plan
  title: "Kế hoạch thử nghiệm"
  number: "12/KH-UBND"
  issuer: UBND
  start: 2017-04-01
  end: 2020-12-31
  coordinator: SNGV
  manager: UBND
agencies:
  - {{code: UBND, name: "Ủy ban nhân dân tỉnh"}}
  - code: SNGV
    name: "  {SNGV_NFD}  "
    parent: UBND
  - {{code: STTTT, name: "Sở Thông tin và Truyền thông", parent: UBND}}
  - {{code: SKHDT, name: "Sở Kế hoạch và Đầu tư", parent: UBND}}
groups:
  - code: SBN
    name: "Các sở, ban, ngành"
    members: [STTTT, SKHDT]
contacts:
  - {{name: "Nguyễn Văn An", agency: SNGV, role: focal_point, email: an@example.org}}
  - name: "Trần Thị Bình"
    agency: STTTT
    role: manager
    email: binh@example.org
    zalo_user_id: "1234567890"
    phone: "0912345678"
    channels: [email, zalo]
    language: en
policies:
  fast:
    reminders: [{{before: 3}}, {{before: 0}}]
    escalation:
      - {{after: 1, notify: focal_point}}
      - {{after: 5, notify: coordinator, repeat: 5}}
cycles:
  review:
    rrule: "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=30"
    inclusive: true
    phrase: "chậm nhất ngày 30 tháng 6 hàng năm"
provisions:
  - {{ref: III.6, title: "Các sở, ban, ngành", text: "Các sở, ban, ngành"}}
obligations:
  - ref: III.6.4
    text: "Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo cáo cho Sở Ngoại vụ"
    lead: SBN
    supporting: [SNGV]
    report_to: SNGV
    schedule:
      kind: recurring
      rrule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"
      inclusive: false
      phrase: "trước ngày 15 tháng 12 hàng năm"
    policy: fast
  - ref: III.1.1
    title: "Thông tin đối ngoại"
    text: "Tăng cường công tác thông tin"
    lead: SNGV
    schedule: {{kind: continuous, phrase: "thường xuyên"}}
    policy: checkin
  - ref: III.1.2
    provision: III.6
    text: "Tổng kết"
    lead: SNGV
    supporting: [STTTT, SKHDT]
    schedule:
      kind: once
      due: 2018-06-30
      inclusive: true
  - ref: III.5.8
    text: "Xây dựng dự toán vào thời điểm xây dựng dự toán hàng năm"
    lead: STTTT
    report_to: SKHDT
    schedule: {{kind: cycle, cycle: budget}}
  - ref: III.5.9
    text: "Rà soát giữa năm"
    lead: SKHDT
    schedule: {{kind: cycle, cycle: review}}
"""


@pytest.fixture(scope="module")
def defaults() -> dict:
    return read_defaults(get_settings().defaults_file)


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line containing ``marker``."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{marker!r} not in text")


def dump(engine) -> dict[str, list[str]]:
    """Every row of every table, as sorted reprs: equal dumps mean an untouched database."""
    result = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            result[table.name] = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
    return result


def by_code(session: Session, model, code: str):
    return session.scalars(select(model).where(model.code == code)).one()


# --------------------------------------------------------------------------------------------------
# A valid file


def test_valid_file_loads_with_the_right_rows(engine, tmp_path, defaults):
    path = write(tmp_path, VALID)
    summary = load_file(engine, path, defaults=defaults, actor="tester", as_of=AS_OF)

    assert summary.created == {
        "agencies": 4,
        "groups": 1,
        "contacts": 2,
        "policies": 3,  # fast from the file; checkin and default from config/defaults.yaml
        "plan": 1,
        "provisions": 3,  # III.6 from the file; III.1 and III.5 from obligation refs
        "obligations": 5,
    }
    assert summary.updated == dict.fromkeys(KINDS, 0)
    assert summary.to_expand == 5
    assert str(summary).startswith("Kế hoạch test-plan: thêm mới 4 cơ quan, 1 nhóm cơ quan")

    with Session(engine) as s:
        agencies = {a.code: a for a in s.scalars(select(Agency))}
        assert agencies["SNGV"].name == unicodedata.normalize("NFC", "Sở Ngoại vụ")
        assert agencies["SNGV"].parent_id == agencies["UBND"].id
        assert agencies["UBND"].parent_id is None
        ids = {a.id: code for code, a in agencies.items()}

        group = s.scalars(select(AgencyGroup)).one()
        members = s.scalars(select(AgencyGroupMember.agency_id).where(AgencyGroupMember.group_id == group.id))
        assert {ids[m] for m in members} == {"STTTT", "SKHDT"}

        plan = s.scalars(select(Plan)).one()
        assert (plan.code, plan.number, plan.zone) == ("test-plan", "12/KH-UBND", "Asia/Ho_Chi_Minh")
        assert (plan.start, plan.end) == (date(2017, 4, 1), date(2020, 12, 31))
        assert ids[plan.issuer_id] == "UBND" and ids[plan.manager_id] == "UBND"
        assert ids[plan.coordinator_id] == "SNGV"
        assert plan.cycles == {
            "review": {
                "rrule": "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=30",
                "inclusive": True,
                "phrase": "chậm nhất ngày 30 tháng 6 hàng năm",
            }
        }
        assert plan.created_at == AS_OF

        policies = {p.code: p for p in s.scalars(select(PolicyRow))}
        assert policies["fast"].definition == {
            "reminders": [{"before": 3}, {"before": 0}],
            "escalation": [
                {"after": 1, "notify": "focal_point"},
                # The effective chain is stored: the default number of repeats and grace filled in.
                {"after": 5, "notify": "coordinator", "repeat": 5, "max": 3},
            ],
            "grace": 10,
        }
        assert policies["checkin"].definition == Policy.from_dict(defaults["policies"]["checkin"]).to_dict()
        assert policies["default"].definition == Policy.from_dict(defaults["policies"]["default"]).to_dict()

        contacts = {c.name: c for c in s.scalars(select(Contact))}
        binh = contacts["Trần Thị Bình"]
        assert (ids[binh.agency_id], binh.role, binh.channels, binh.language) == (
            "STTTT",
            "manager",
            ["email", "zalo"],
            "en",
        )
        assert (binh.zalo_user_id, binh.phone) == ("1234567890", "0912345678")
        assert contacts["Nguyễn Văn An"].channels == ["email"]
        assert contacts["Nguyễn Văn An"].language == "vi"

        provisions = {p.ref: p for p in s.scalars(select(Provision))}
        assert set(provisions) == {"III.6", "III.1", "III.5"}
        assert provisions["III.1"].text == ""

        obligations = {o.ref: o for o in s.scalars(select(Obligation))}
        report = obligations["III.6.4"]
        assert report.lead_group_id == group.id and report.lead_agency_id is None
        assert ids[report.report_to_id] == "SNGV"
        assert report.provision_id == provisions["III.6"].id
        assert (report.schedule_kind, report.rrule, report.inclusive, report.due) == (
            "recurring",
            "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15",
            False,
            None,
        )
        assert report.phrase == "trước ngày 15 tháng 12 hàng năm"
        assert report.policy_id == policies["fast"].id
        supporting = s.scalars(
            select(ObligationSupport.agency_id).where(ObligationSupport.obligation_id == report.id)
        )
        assert {ids[a] for a in supporting} == {"SNGV"}

        once = obligations["III.1.2"]
        assert (once.schedule_kind, once.due, once.inclusive) == ("once", date(2018, 6, 30), True)
        assert once.provision_id == provisions["III.6"].id
        assert ids[once.lead_agency_id] == "SNGV" and once.lead_group_id is None
        assert once.policy_id == policies["default"].id
        assert obligations["III.1.1"].schedule_kind == "continuous"
        assert obligations["III.1.1"].provision_id == provisions["III.1"].id
        assert obligations["III.1.1"].checkin_rrule is None
        assert (obligations["III.5.8"].schedule_kind, obligations["III.5.8"].cycle) == ("cycle", "budget")
        for obligation in obligations.values():
            assert obligation.expanded_through is None
            assert obligation.next_expand_at == EXPAND_NOW
            assert obligation.active

        audit = s.scalars(select(AuditLog)).one()
        assert (audit.action, audit.entity, audit.entity_id, audit.actor) == (
            "load",
            "plan",
            plan.id,
            "tester",
        )
        assert audit.at == AS_OF
        assert audit.details["source"] == "plan.yaml"
        assert audit.details["created"]["obligations"] == 5


def test_loading_twice_creates_nothing_and_a_change_updates(engine, tmp_path, defaults):
    path = write(tmp_path, VALID)
    load_file(engine, path, defaults=defaults, as_of=AS_OF)
    # A sweep has expanded everything since.
    with session_scope(engine) as s:
        for obligation in s.scalars(select(Obligation)):
            obligation.expanded_through = date(2017, 6, 1)
            obligation.next_expand_at = datetime(2017, 5, 1, tzinfo=UTC)
            s.add(obligation)
    before = dump(engine)

    again = load_file(engine, path, defaults=defaults, as_of=AS_OF + timedelta(days=1))
    assert again.created == dict.fromkeys(KINDS, 0)
    assert again.updated == dict.fromkeys(KINDS, 0)
    assert again.to_expand == 0
    assert not again.changed
    assert "không có gì thay đổi" in str(again)
    after = dump(engine)
    assert len(after["audit_log"]) == 2
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }

    changed = (
        VALID.replace('"Sở Kế hoạch và Đầu tư"', '"Sở Kế hoạch và Đầu tư tỉnh"')
        .replace("members: [STTTT, SKHDT]", "members: [STTTT, SKHDT, SNGV]")
        .replace('BYMONTH=12;BYMONTHDAY=15"', 'BYMONTH=12;BYMONTHDAY=10"')
        .replace('text: "Tăng cường công tác thông tin"', 'text: "Tăng cường công tác thông tin đối ngoại"')
        .replace("supporting: [STTTT, SKHDT]", "supporting: [STTTT]")
        .replace("email: an@example.org", "email: an.nv@example.org")
    )
    summary = load_file(engine, write(tmp_path, changed), defaults=defaults, as_of=AS_OF + timedelta(days=2))
    assert summary.created == dict.fromkeys(KINDS, 0)
    assert summary.updated == {
        "agencies": 1,
        "groups": 1,
        "contacts": 1,
        "policies": 0,
        "plan": 0,
        "provisions": 0,
        "obligations": 3,
    }
    assert (
        summary.to_expand == 1
    )  # III.6.4: its rule and its group changed; text or support changes keep dates
    assert "cập nhật 1 cơ quan, 1 nhóm cơ quan, 1 người liên hệ, 3 nhiệm vụ" in str(summary)
    with Session(engine) as s:
        assert by_code(s, Agency, "SKHDT").name == "Sở Kế hoạch và Đầu tư tỉnh"
        group = by_code(s, AgencyGroup, "SBN")
        assert (
            len(s.scalars(select(AgencyGroupMember).where(AgencyGroupMember.group_id == group.id)).all()) == 3
        )
        obligations = {o.ref: o for o in s.scalars(select(Obligation))}
        assert obligations["III.6.4"].rrule.endswith("BYMONTHDAY=10")
        # Expanded again from the day of the change on: past periods are not created overdue.
        assert obligations["III.6.4"].expanded_through == (AS_OF + timedelta(days=2)).date()
        assert obligations["III.6.4"].next_expand_at == EXPAND_NOW
        for ref in ("III.1.1", "III.1.2", "III.5.8", "III.5.9"):
            assert obligations[ref].expanded_through == date(2017, 6, 1), ref
        once = obligations["III.1.2"]
        links = s.scalars(
            select(ObligationSupport.agency_id).where(ObligationSupport.obligation_id == once.id)
        )
        assert list(links) == [by_code(s, Agency, "STTTT").id]


def test_second_file_may_use_codes_already_in_the_database(engine, tmp_path, defaults):
    load_file(engine, write(tmp_path, VALID), defaults=defaults, as_of=AS_OF)
    other = """\
plan: {code: other-plan, title: "Kế hoạch khác", start: 2018-01-01, end: 2018-12-31, coordinator: SNGV}
obligations:
  - {ref: "1", text: "Báo cáo", lead: SBN, supporting: [UBND], policy: fast,
     schedule: {kind: recurring, rrule: "FREQ=MONTHLY;BYMONTHDAY=-1", inclusive: true}}
"""
    summary = load_file(engine, write(tmp_path, other, "other.yaml"), defaults=defaults, as_of=AS_OF)
    assert summary.created["plan"] == 1 and summary.created["obligations"] == 1
    assert summary.created["agencies"] == summary.created["policies"] == summary.created["provisions"] == 0
    with Session(engine) as s:
        obligation = s.scalars(select(Obligation).where(Obligation.ref == "1")).one()
        assert obligation.lead_group_id == by_code(s, AgencyGroup, "SBN").id
        assert obligation.provision_id is None
        assert obligation.policy_id == by_code(s, PolicyRow, "fast").id


@pytest.mark.skipif(
    not EXAMPLE.exists(), reason="config/examples/khanh-hoa-2017-2020.yaml is not written yet"
)
def test_the_example_plan_loads(engine, defaults):
    summary = load_file(engine, EXAMPLE, defaults=defaults, as_of=AS_OF)
    draft = read_plan_file(EXAMPLE, defaults=defaults)
    assert summary.created["obligations"] == len(draft.obligations) > 0
    assert summary.created["agencies"] == len(draft.agencies)
    assert load_file(engine, EXAMPLE, defaults=defaults, as_of=AS_OF).changed is False


# --------------------------------------------------------------------------------------------------
# Bad files: the message names the file, the line and the field, and nothing is written.

OBLIGATION_2 = line_of(VALID, "- ref: III.1.1")


# "Billion laughs": each anchor repeats the one before nine times; 9**9 values once expanded.
BOMB = "laughs:\n  - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  - &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)
)


def _broken_yaml(text: str) -> str:
    return text.replace('  title: "Kế hoạch thử nghiệm"', "  title: Kế hoạch: thử nghiệm")


BAD_CASES = {
    "broken yaml": (
        _broken_yaml,
        line_of(VALID, "Kế hoạch thử nghiệm"),
        "(yaml)",
        "mapping values are not allowed here",
    ),
    "unknown agency in lead": (
        lambda t: t.replace(
            "    lead: SNGV\n    schedule: {kind: continuous",
            "    lead: SNGX\n    schedule: {kind: continuous",
        ),
        OBLIGATION_2 + 3,
        "obligations[1].lead",
        "unknown agency or group code 'SNGX'",
    ),
    "invalid rrule": (
        lambda t: t.replace("FREQ=YEARLY;BYMONTH=12", "FREQ=YEARLYY;BYMONTH=12"),
        line_of(VALID, "FREQ=YEARLY;BYMONTH=12"),
        "obligations[0].schedule.rrule",
        "invalid RRULE 'FREQ=YEARLYY;BYMONTH=12;BYMONTHDAY=15'",
    ),
    "naive datetime": (
        lambda t: t.replace("due: 2018-06-30", "due: 2018-06-30T17:00:00"),
        line_of(VALID, "due: 2018-06-30"),
        "obligations[2].schedule.due",
        "naive datetime 2018-06-30T17:00:00: give an offset such as +07:00",
    ),
    "unknown key": (
        lambda t: t.replace("    report_to: SNGV\n", "    report_to: SNGV\n    suporting: [STTTT]\n"),
        line_of(VALID, "report_to: SNGV") + 1,
        "obligations[0].suporting",
        "unknown key 'suporting'; did you mean 'supporting'?",
    ),
    "missing required field": (
        lambda t: t.replace('    text: "Tăng cường công tác thông tin"\n', ""),
        OBLIGATION_2,
        "obligations[1].text",
        "required key is missing",
    ),
    "zalo without zalo_user_id": (
        lambda t: t.replace('    zalo_user_id: "1234567890"\n', ""),
        line_of(VALID, "channels: [email, zalo]") - 1,
        "contacts[1].channels",
        "channel zalo needs `zalo_user_id`",
    ),
    # Limits: what the database, the calendar or the reader cannot hold (docs/coordinator-file.md, Limits).
    "NUL written as an escape": (
        lambda t: t.replace('"Sở Kế hoạch và Đầu tư"', '"Sở Kế hoạch\\0 và Đầu tư"'),
        line_of(VALID, "code: SKHDT"),
        "agencies[3].name",
        "contains the character U+0000 (NUL), which a text cannot hold",
    ),
    "NUL in the file itself": (
        lambda t: t.replace('text: "Tổng kết"', 'text: "Tổng\x00kết"'),
        line_of(VALID, 'text: "Tổng kết"'),
        "(file)",
        "the character U+0000 (NUL) cannot be in the file",
    ),
    "lone surrogate": (
        lambda t: t.replace('title: "Kế hoạch thử nghiệm"', 'title: "Kế hoạch \\ud800thử nghiệm"'),
        line_of(VALID, "Kế hoạch thử nghiệm"),
        "plan.title",
        "contains the character U+D800 (lone surrogate)",
    ),
    "control character in a long text": (
        lambda t: t.replace('text: "Rà soát giữa năm"', 'text: "Rà soát\\a giữa năm"'),
        line_of(VALID, "Rà soát giữa năm"),
        "obligations[4].text",
        "contains the character U+0007 (control character)",
    ),
    "line break in a name": (
        lambda t: t.replace('name: "Các sở, ban, ngành"', 'name: "Các sở,\\nban, ngành"'),
        line_of(VALID, 'name: "Các sở, ban, ngành"'),
        "groups[0].name",
        "contains a line break or a tab (U+000A (line break)): write this field on one line",
    ),
    "name longer than its column": (
        lambda t: t.replace('"Sở Thông tin và Truyền thông"', '"' + "Sở" * 151 + '"'),
        line_of(VALID, "code: STTTT"),
        "agencies[2].name",
        "too long: at most 300 characters",
    ),
    "policy a million working days ahead": (
        lambda t: t.replace("before: 3}", "before: 1000000}"),
        line_of(VALID, "before: 3}"),
        "policies.fast.reminders[0].before",
        "must be at most 250, got 1000000",
    ),
    "repeat beyond a working year": (
        lambda t: t.replace("repeat: 5}", "repeat: 251}"),
        line_of(VALID, "repeat: 5}"),
        "policies.fast.escalation[1].repeat",
        "must be at most 250, got 251",
    ),
    "a chain that repeats without end": (
        lambda t: t.replace("repeat: 5}", "repeat: 5, max: 100}"),
        line_of(VALID, "repeat: 5}"),
        "policies.fast.escalation[1].max",
        "must be at most 20, got 100",
    ),
    "date out of range": (
        lambda t: t.replace("due: 2018-06-30", "due: 9999-12-31"),
        line_of(VALID, "due: 2018-06-30"),
        "obligations[2].schedule.due",
        "the date 9999-12-31 is out of range: give a year from 1900 to 2200",
    ),
    "alias bomb": (
        lambda t: t + BOMB,
        len(VALID.splitlines()) + 7,  # the level whose expansion passes MAX_VALUES
        "(yaml)",
        "too many values: more than 250,000 once aliases (*name) are expanded",
    ),
    "deep nesting": (
        lambda t: t.replace("supporting: [SNGV]", "supporting: " + "[" * 5000 + "]" * 5000),
        line_of(VALID, "supporting: [SNGV]"),
        "(yaml)",
        "nested too deeply: more than 20 levels of lists and mappings",
    ),
    "rrule that never advances": (
        lambda t: t.replace("FREQ=YEARLY;BYMONTH=12", "FREQ=YEARLY;INTERVAL=0;BYMONTH=12"),
        line_of(VALID, "FREQ=YEARLY;BYMONTH=12"),
        "obligations[0].schedule.rrule",
        "INTERVAL must be a whole number >= 1, got '0'",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_file_is_refused_with_its_line_and_nothing_is_written(engine, tmp_path, defaults, case):
    mutate, line, field, problem = BAD_CASES[case]
    load_file(engine, write(tmp_path, VALID), defaults=defaults, as_of=AS_OF)
    before = dump(engine)

    bad_text = mutate(VALID)
    assert bad_text != VALID
    bad = write(tmp_path, bad_text, "bad.yaml")
    with pytest.raises(FileError) as caught:
        load_file(engine, bad, defaults=defaults, as_of=AS_OF + timedelta(days=1))

    messages = caught.value.messages
    assert str(caught.value) == "\n".join(messages)
    assert any(m.startswith(f"{bad}:{line}: {field}: ") and problem in m for m in messages), messages
    assert dump(engine) == before


def test_a_failure_while_writing_rolls_everything_back(engine, tmp_path, defaults, monkeypatch):
    load_file(engine, write(tmp_path, VALID), defaults=defaults, as_of=AS_OF)
    before = dump(engine)

    def explode(loader, plan):
        raise RuntimeError("disk full")

    monkeypatch.setattr(apply_module, "write_obligations", explode)
    # Another plan (its own code, number and title: the same plan under a second code is refused as a twin).
    changed = VALID.replace('"Ủy ban nhân dân tỉnh"', '"UBND tỉnh"').replace(
        "code: test-plan", "code: plan-2"
    ).replace("12/KH-UBND", "13/KH-UBND").replace('"Kế hoạch thử nghiệm"', '"Kế hoạch thử nghiệm thứ hai"')
    with pytest.raises(RuntimeError, match="disk full"):
        load_file(engine, write(tmp_path, changed, "changed.yaml"), defaults=defaults, as_of=AS_OF)
    assert dump(engine) == before


def test_unknown_references_are_all_reported_from_the_database_check(engine, tmp_path, defaults):
    text = (
        VALID.replace("report_to: SNGV", "report_to: SNGZ")
        .replace("policy: fast", "policy: slow")
        .replace("provision: III.6", "provision: III.7")
        .replace("members: [STTTT, SKHDT]", "members: [STTTT, SKHDTT]")
    )
    path = write(tmp_path, text)
    with pytest.raises(FileError) as caught:
        load_file(engine, path, defaults=defaults, as_of=AS_OF)
    messages = caught.value.messages
    assert len(messages) == 4, messages
    assert messages[0] == (
        f"{path}:{line_of(text, 'SKHDTT')}: groups[0].members[1]: unknown agency code 'SKHDTT': "
        "not in this file nor in the database; did you mean 'SKHDT'?"
    )
    assert (
        f"{path}:{line_of(text, 'SNGZ')}: obligations[0].report_to: unknown agency code 'SNGZ'" in messages[1]
    )
    assert (
        f"{path}:{line_of(text, 'policy: slow')}: obligations[0].policy: unknown policy 'slow'" in messages[2]
    )
    assert (
        f"{path}:{line_of(text, 'III.7')}: obligations[2].provision: unknown provision 'III.7'" in messages[3]
    )
    assert dump(engine)["agency"] == []


def test_as_of_must_carry_an_offset(engine, tmp_path, defaults):
    with pytest.raises(ValueError, match="timezone-aware"):
        load_file(engine, write(tmp_path, VALID), defaults=defaults, as_of=datetime(2017, 4, 3, 8, 0))
    draft = read_plan_file(write(tmp_path, VALID), defaults=defaults)
    with Session(engine) as s, pytest.raises(ValueError, match="timezone-aware"):
        apply_file(s, draft, source="x", actor="t", as_of=datetime(2017, 4, 3))
    assert dump(engine)["plan"] == []


# --------------------------------------------------------------------------------------------------
# Reading alone (no database)


def errors_of(text: str, defaults: dict) -> list[str]:
    with pytest.raises(FileError) as caught:
        parse_plan_file(text, source="plan.yaml", defaults=defaults)
    return caught.value.messages


def test_every_problem_is_reported_in_line_order(defaults):
    text = (
        VALID.replace("start: 2017-04-01", "start: 2017-04-01T08:00:00")
        .replace("{code: STTTT,", "{code: SNGV,")
        .replace("role: manager", "role: boss")
        .replace("before: 3}", "before: -3}")
        .replace("cycle: budget", "cycle: budgt")
        .replace("kind: once", "kind: onec")
    )
    messages = errors_of(text, defaults)
    assert messages == [
        f"plan.yaml:{line_of(text, 'start:')}: plan.start: naive datetime 2017-04-01T08:00:00: "
        "give an offset such as +07:00",
        f"plan.yaml:{line_of(text, 'code: SNGV', 2)}: agencies[2].code: duplicate agency code 'SNGV' "
        f"(already on line {line_of(text, 'code: SNGV')})",
        f"plan.yaml:{line_of(text, 'role: boss')}: contacts[1].role: 'boss' is not allowed; "
        "expected 'focal_point', 'manager' or 'coordinator'",
        f"plan.yaml:{line_of(text, 'before: -3')}: policies.fast.reminders[0].before: "
        "must be at least 0, got -3",
        f"plan.yaml:{line_of(text, 'kind: onec')}: obligations[2].schedule.kind: "
        "unknown schedule kind 'onec'; expected once, recurring, continuous, cycle or relative",
        f"plan.yaml:{line_of(text, 'budgt')}: obligations[3].schedule.cycle: unknown cycle 'budgt'; "
        "known: budget, review (define it under `cycles:`)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "plan.yaml:1: (file): the file is empty"),
        ("# only a comment\n", "plan.yaml:1: (file): the file is empty"),
        ("- plan\n", "plan.yaml:1: (file): expected a mapping"),
        ("plan:\n  code: x\n  code: y\n", 'plan.yaml:3: (yaml): found duplicate key "code"'),
        (
            "plan: {code: x, title: t, start: 2017-02-30, end: 2017-12-31}\n",
            "plan.yaml:1: (yaml): invalid date",
        ),
        (
            "plan: {code: 2017, title: t, start: 2017-01-01, end: 2016-12-31, zone: Asia/Ho_Chi_Min}\n",
            "plan.yaml:1: plan.code: expected text, got 2017; put it in quotes",
        ),
        (
            "plan: {code: x, title: t, start: 2017-01-01, end: 2016-12-31, zone: Asia/Ho_Chi_Min}\n",
            "plan.yaml:1: plan.zone: unknown time zone 'Asia/Ho_Chi_Min'; did you mean 'Asia/Ho_Chi_Minh'?",
        ),
        (
            "plan: {code: x, title: t, start: 2017-01-01, end: 2016-12-31}\n",
            "plan.yaml:1: plan.end: the plan ends (2016-12-31) before it starts (2017-01-01)",
        ),
        (
            "plan: {code: x, title: t, start: 2017-01-01T00:00:00+07:00, end: 2017-12-31}\n",
            "plan.yaml:1: plan.start: expected a date (YYYY-MM-DD), got the date and time",
        ),
        ("agencies: []\n", "plan.yaml:1: plan: required key is missing"),
        (
            "plan: {code: x, title: t, start: 2017-01-01, end: 2017-12-31}\n"
            "cycles:\n  budget: {rrule: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', inclusive: false}\n",
            "plan.yaml:3: cycles.budget.rrule: invalid RRULE 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30': no month",
        ),
        (
            "plan: {code: x, title: t, start: 2017-01-01, end: 2017-12-31}\n"
            "policies:\n  p:\n    escalation: [{after: 1, notify: manager, repeat: 2},"
            " {after: 3, notify: manager}]\n",
            "plan.yaml:3: policies.p: invalid policy: only the last escalation step may repeat",
        ),
    ],
)
def test_file_level_problems(defaults, text, expected):
    messages = errors_of(text, defaults)
    assert any(m.startswith(expected) for m in messages), messages


def test_unreadable_and_non_utf8_files(tmp_path, defaults):
    with pytest.raises(FileError, match=r"missing\.yaml:1: \(file\): cannot read the file"):
        read_plan_file(tmp_path / "missing.yaml", defaults=defaults)
    path = tmp_path / "latin1.yaml"
    path.write_bytes("plan:\n  code: x\n  title: Kế hoạch\n".encode()[:-8] + b"\xe9\xe9\n")
    with pytest.raises(FileError, match=r"latin1\.yaml:3: \(file\): not UTF-8 text"):
        read_plan_file(path, defaults=defaults)


def test_errors_are_capped(defaults):
    agencies = "".join(f"  - {{code: A{i}, name: 12}}\n" for i in range(80))
    messages = errors_of(
        "plan: {code: x, title: t, start: 2017-01-01, end: 2017-12-31}\nagencies:\n" + agencies, defaults
    )
    assert len(messages) == 51
    assert messages[-1] == "plan.yaml: ... and 30 more problems not shown"


def test_draft_round_trips_through_yaml(defaults):
    draft = parse_plan_file(VALID, source="plan.yaml", defaults=defaults)
    assert isinstance(draft, PlanFile)
    again = parse_plan_file(to_yaml(draft), defaults=defaults)
    assert again.model_dump() == draft.model_dump()
    assert draft.obligations[0].provision_ref == "III.6"
    assert draft.obligations[2].provision_ref == "III.6"
    assert (
        draft.message(("obligations", 1, "lead"), "x")
        == f"plan.yaml:{OBLIGATION_2 + 3}: obligations[1].lead: x"
    )


def test_summary_line():
    summary = ApplySummary(plan="p")
    assert str(summary) == "Kế hoạch p: không có gì thay đổi."
    summary.created["obligations"] = 2
    summary.updated["agencies"] = 1
    assert str(summary) == "Kế hoạch p: thêm mới 2 nhiệm vụ; cập nhật 1 cơ quan."


def test_zns_is_a_channel_and_needs_a_phone(tmp_path, defaults):
    with_zns = VALID.replace("channels: [email, zalo]", "channels: [zalo, zns, email]", 1)
    assert with_zns != VALID
    draft = read_plan_file(write(tmp_path, with_zns), defaults=defaults)
    assert draft.contacts[1].channels == ["zalo", "zns", "email"]
    without_phone = with_zns.replace('    phone: "0912345678"\n', "", 1)
    with pytest.raises(FileError, match="channel zns needs `phone`"):
        read_plan_file(write(tmp_path, without_phone), defaults=defaults)


# --------------------------------------------------------------------------------------------------
# config/defaults.yaml and config/calendar.yaml: the same reader, the same models, the same messages

DEFAULTS_TEXT = (CONFIG_DIR / "defaults.yaml").read_text(encoding="utf-8")
CALENDAR_TEXT = (CONFIG_DIR / "calendar.yaml").read_text(encoding="utf-8")


def config_errors(tmp_path: Path, name: str, text: str, read) -> tuple[Path, list[str]]:
    path = write(tmp_path, text, name)
    with pytest.raises(FileError) as caught:
        read(path)
    return path, caught.value.messages


def test_the_shipped_defaults_and_calendar_read_as_before():
    defaults = read_defaults(CONFIG_DIR / "defaults.yaml")
    assert set(defaults) == {"policies", "cycles"}
    assert defaults["policies"]["default"]["escalation"][-1] == {
        "after": 7, "notify": "coordinator", "repeat": 10, "max": 2
    }
    assert defaults["policies"]["checkin"]["reminders"] == [{"before": 5}, {"before": 0}]
    assert defaults["cycles"]["budget"] == {
        "rrule": "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=15",
        "inclusive": False,
        "phrase": "trước ngày 15 tháng 7 hàng năm (thời điểm xây dựng dự toán ngân sách)",
    }
    assert read_calendar(CONFIG_DIR / "calendar.yaml") == (set(), {date(2026, 8, 22)})


DEFAULTS_TYPOS = {  # (text replaced, by what, the line named, the problem)
    "unknown key": (
        "    reminders: [{before: 10}",
        "    reminder: [{before: 10}",
        "reminder:",
        "policies.default.reminder: unknown key 'reminder'; did you mean 'reminders'?",
    ),
    "wrong type": (
        "{after: 3, notify: manager}",
        "{after: three, notify: manager}",
        "after: three",
        "policies.default.escalation[1].after: expected a whole number, got 'three'",
    ),
    "bad rrule": (
        "BYMONTH=7;BYMONTHDAY=15",
        "BYMONTH=13;BYMONTHDAY=15",
        "BYMONTH=13",
        "cycles.budget.rrule: invalid RRULE 'FREQ=YEARLY;BYMONTH=13;BYMONTHDAY=15'",
    ),
    "yes and no are text": (
        "    inclusive: false",
        "    inclusive: no",
        "inclusive: no",
        "cycles.budget.inclusive: expected true or false, got 'no'",
    ),
    "no default policy": ("  default:\n", "  usual:\n", "policies:", "policies: the `default` policy is required"),
}


@pytest.mark.parametrize("case", list(DEFAULTS_TYPOS))
def test_a_typo_in_defaults_yaml_is_one_line_naming_the_file_and_line(tmp_path, case):
    old, new, marker, problem = DEFAULTS_TYPOS[case]
    text = DEFAULTS_TEXT.replace(old, new, 1)
    assert text != DEFAULTS_TEXT
    path, messages = config_errors(tmp_path, "defaults.yaml", text, read_defaults)
    assert len(messages) == 1 and "\n" not in messages[0], messages
    assert messages[0].startswith(f"{path}:{line_of(text, marker)}: {problem}"), messages


CALENDAR_HEAD = "# Overrides of the public holidays.\n"


@pytest.mark.parametrize(
    ("text", "marker", "problem"),
    [
        ("working_days:\n  2026: [2026-08-32]\n", "2026-08-32", "(yaml): invalid date or time '2026-08-32'"),
        ("days_off:\n  2026:\n    - 31 August\n", "31 August", "days_off[2026][0]: expected a date written YYYY-MM-DD"),
        ("day_off: {}\n", "day_off", "day_off: unknown key 'day_off'; did you mean 'days_off'?"),
        (
            "working_days:\n  next: [2026-08-22]\n",
            "next",
            "working_days.next: invalid key: expected a whole number, got 'next'",
        ),
    ],
)
def test_a_typo_in_calendar_yaml_names_the_file_and_line(tmp_path, text, marker, problem):
    path, messages = config_errors(tmp_path, "calendar.yaml", CALENDAR_HEAD + text, read_calendar)
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"{path}:{line_of(CALENDAR_HEAD + text, marker)}: {problem}"), messages


def test_no_and_on_are_text_in_every_file(tmp_path, defaults):
    """YAML 1.2 in both kinds of file: `no`, `on`, `off` are words (YAML 1.1 read them as false/true)."""
    plan_file = parse_plan_file(
        "plan: {code: no, title: on, start: 2017-01-01, end: 2017-12-31, issuer: off}\n"
        "agencies:\n  - {code: off, name: no}\n",
        defaults=defaults,
    )
    assert (plan_file.plan.code, plan_file.plan.title, plan_file.plan.issuer) == ("no", "on", "off")
    assert (plan_file.agencies[0].code, plan_file.agencies[0].name) == ("off", "no")
    # Written back, they stay words: the writer quotes what YAML 1.1 readers would take for booleans.
    assert 'code: "no"' in to_yaml(plan_file)
    assert parse_plan_file(to_yaml(plan_file), defaults=defaults).model_dump() == plan_file.model_dump()

    text = DEFAULTS_TEXT.replace("  budget:\n", "  on:\n").replace(
        "policies:\n", "policies:\n  no:\n    reminders: [{before: 1}]\n"
    )
    read = read_defaults(write(tmp_path, text, "defaults.yaml"))
    assert "on" in read["cycles"] and read["policies"]["no"] == {"reminders": [{"before": 1}], "escalation": []}
