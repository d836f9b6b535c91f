"""Issue 13: a draft that loads ready to send. Titles, where each plan field came from, guessed and relative
deadlines, a contact list merged in, the agencies nobody would reach, a group's members proposed from the
database; and the seed plan drafted with a contact list, loaded into an empty database and swept: every
message due has a recipient.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import get_settings
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationKind, NotificationStatus
from obligations.models.tables import Agency, Contact, Notification, Obligation
from obligations.plans.file.apply import apply_file
from obligations.plans.file.contact_list import read_contact_list
from obligations.plans.file.errors import FileError
from obligations.plans.file.read import parse_plan_file, read_defaults
from obligations.plans.importer.agency_codes import KnownAgencies, known_from_db
from obligations.plans.importer.documents import read_blocks
from obligations.plans.importer.draft import build_draft
from obligations.plans.importer.draft_contacts import NO_FOCAL_POINT
from obligations.plans.importer.parse import parse_blocks, read_plan
from obligations.plans.importer.parsed import ParsedPlan, ParsedTask
from obligations.plans.importer.phrases import Deadline
from obligations.plans.importer.titles import short_title
from obligations.rules.relative import relative_due
from tests.plan_documents import SEED_PLAN, table_plan_docx

VN = timezone(timedelta(hours=7))
EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "examples" / "khanh-hoa-2017-2020.yaml"
TODAY = date(2025, 1, 6)
NOW = "2017-04-03T08:00+07:00"

# The people who receive the seed plan's reminders, in the form a coordinator keeps (a spreadsheet saved as
# CSV UTF-8, Vietnamese headers, a row-number column). The names are fictitious (config/examples); the
# agencies are those the seed plan (Kế hoạch triển khai công tác đối ngoại nhân dân ... tỉnh Khánh Hòa giai
# đoạn 2017-2020) names, written as a clerk would: one by its code, one with the province's name the plan
# leaves out.
SEED_CONTACTS_CSV = """\
STT,Cơ quan,Họ tên,Vai trò,Email,Điện thoại,Zalo
1,Sở Ngoại vụ,Phạm Thị Ngọc Trâm,điều phối,tram.ptn.sngv@example.org,0914 372 608,4127730915862047315
2,Sở Ngoại vụ,Nguyễn Hoàng Anh Thư,Đầu mối,thu.nha.sngv@example.org,0983.214.576,
3,Sở Thông tin và Truyền thông,Đỗ Thanh Tùng,đầu mối,tung.dt.stttt@example.org,,
4,SO-KE-HOACH-VA-DAU-TU,Trương Thị Mỹ Duyên,,duyen.ttm.skhdt@example.org,,
5,Sở Tài chính,Nguyễn Thị Kim Oanh,đầu mối,oanh.ntk.stc@example.org,,
6,Sở Tài chính,Phan Đức Thắng,lãnh đạo,thang.pd.stc@example.org,,
7,Liên hiệp các tổ chức hữu nghị tỉnh Khánh Hòa,Lưu Thị Bảo Ngọc,đầu mối,,,5562038814179925041
"""
SEED_GROUP_MEMBERS = ["SO-THONG-TIN-VA-TRUYEN-THONG", "SO-KE-HOACH-VA-DAU-TU", "SO-TAI-CHINH"]


@pytest.fixture(scope="module")
def seed():
    return read_plan(SEED_PLAN)


@pytest.fixture(scope="module")
def defaults():
    return read_defaults(get_settings().defaults_file)


def line_of(text: str, needle: str) -> int:
    return next(n for n, row in enumerate(text.splitlines(), 1) if needle in row)


def comment_on(text: str, needle: str) -> str:
    """The comment at the end of the first line holding ``needle``."""
    row = text.splitlines()[line_of(text, needle) - 1]
    return row.split("  # ", 1)[1] if "  # " in row else row.split(" # ", 1)[1]


def one_task_plan(deadline: Deadline, text: str) -> ParsedPlan:
    return ParsedPlan(
        title="Kế hoạch thử", issuer="Ủy ban nhân dân tỉnh Khánh Hòa", period=(date(2026, 1, 1), date(2026, 12, 31)),
        tasks=[ParsedTask(ref="II.1", agency="Sở Ngoại vụ", supporting=[], text=text, deadlines=[deadline],
                          provision="II")],
    )


# --------------------------------------------------------------------------------------------------
# Titles


def test_every_obligation_gets_a_short_title_in_the_tasks_own_words(seed, defaults):
    drafted = build_draft(seed, source="seed.txt", today=TODAY)
    checked = parse_plan_file(drafted.text,
                              defaults=defaults)
    assert len(checked.obligations) == 25
    for obligation in checked.obligations:
        assert obligation.title and len(obligation.title) <= 80
        assert obligation.text.startswith(obligation.title)  # the task's own words, from its start
        assert obligation.title[-1].isalnum()  # no dangling comma, bracket or quote
        cut = len(obligation.title)
        assert cut == len(obligation.text.rstrip(".")) or not obligation.text[cut].isalnum()  # a word boundary
    titles = {o.ref: o.title for o in checked.obligations}
    # Cut after the last whole item of a list rather than inside one ("..., kết" -> "... tình hình").
    assert titles["III.6.4"] == "Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo báo tổng hợp tình hình"
    assert titles["III.5.2a"] == titles["III.5.2b"]  # one task, two deadlines: one title


def test_a_title_never_ends_inside_a_bracket_or_on_a_joining_word():
    # Seed plan, III.1.8: the bracket opened near the limit is left out whole.
    text = ("Tham mưu ban hành Quy chế quản lý thống nhất các hoạt động đối ngoại của tỉnh phù hợp với Quy chế của "
            "Trung ương (kèm theo Quyết định số 295-QĐ/TW ngày 23 tháng 3 năm 2010 của Bộ Chính trị (khóa X)).")
    assert short_title(text, limit=130) == ("Tham mưu ban hành Quy chế quản lý thống nhất các hoạt động đối ngoại "
                                            "của tỉnh phù hợp với Quy chế của Trung ương")
    # Cut after "của": the joining word goes too.
    assert short_title(text, limit=100) == ("Tham mưu ban hành Quy chế quản lý thống nhất các hoạt động đối ngoại "
                                            "của tỉnh phù hợp với Quy chế")
    assert short_title(text) == "Tham mưu ban hành Quy chế quản lý thống nhất các hoạt động đối ngoại của tỉnh"
    assert short_title(text, limit=60) == "Tham mưu ban hành Quy chế quản lý thống nhất các hoạt động"
    assert short_title("- Lập danh sách đoàn vào.") == "Lập danh sách đoàn vào"  # "vào" ends a phrase here


# --------------------------------------------------------------------------------------------------
# Where each plan field came from


def test_the_plan_starts_on_its_date_line_and_says_where_each_field_came_from(defaults):
    plan = parse_blocks(read_blocks(table_plan_docx(), name="plan.docx"))  # "Đồng Nai, ngày 08 tháng 4 năm 2025"
    drafted = build_draft(plan, source="plan.docx", today=TODAY)
    text = drafted.text
    assert "start: 2025-04-08" in text and "end: 2026-12-31" in text
    assert comment_on(text, "start: 2025-04-08") == "từ dòng ngày tháng của văn bản (08/04/2025)"
    assert comment_on(text, "end: 2026-12-31") == "từ tiêu đề: năm 2025 - 2026"
    assert comment_on(text, "number: ") == "từ dòng “Số: 3935/KH-UBND”"
    assert comment_on(text, "code: 3935-kh-ubnd") == "từ số hiệu 3935/KH-UBND"
    assert comment_on(text, "issuer: ").startswith("cơ quan ban hành, từ phần đầu văn bản")
    # What was guessed, and only that, is marked for review: this plan says nothing of who follows it.
    assert comment_on(text, "coordinator: ") == (
        "xem lại: đoán là cơ quan chủ trì đầu tiên (Sở Ngoại vụ); ghi cơ quan thường trực theo dõi kế hoạch")
    assert comment_on(text, "manager: ").startswith("xem lại: ")
    reviewed = [row for row in text.splitlines()[: line_of(text, "agencies:")] if "# xem lại" in row]
    assert [row.split(":")[0].strip() for row in reviewed] == ["coordinator", "manager"]


def test_without_a_date_line_the_start_comes_from_the_titles_period(seed):
    text = build_draft(seed, source="seed.txt", today=TODAY).text
    assert comment_on(text, "start: 2017-01-01") == "từ tiêu đề: giai đoạn 2017-2020; văn bản không ghi ngày ký"
    assert comment_on(text, "end: 2020-12-31") == "từ tiêu đề: giai đoạn 2017-2020"
    assert comment_on(text, "code: ").startswith("xem lại: đặt từ tiêu đề")  # the seed has no number
    assert comment_on(text, "coordinator: ") == "từ văn bản: “báo cáo ... thông qua Sở Ngoại vụ”"


def test_a_guessed_deadline_gets_a_review_comment_on_its_schedule_line(defaults):
    # The reader took the year from the document's date line: it says so in `inferred`.
    guessed = Deadline(kind="once", phrase="trước ngày 25.4", due=date(2026, 4, 25), inclusive=False,
                       inferred="năm 2026 lấy theo ngày của văn bản")
    drafted = build_draft(one_task_plan(guessed, "Báo cáo kết quả về Sở Ngoại vụ trước ngày 25.4."),
                          source="t.txt", today=TODAY)
    assert drafted.inferred == ["II.1"]
    assert comment_on(drafted.text, "schedule: {kind: once") == (
        "“trước ngày 25.4”: trước khi sang ngày 25/04/2026; xem lại: năm 2026 lấy theo ngày của văn bản")
    stated = Deadline(kind="once", phrase="trước ngày 25/4/2026", due=date(2026, 4, 25), inclusive=False)
    plain = build_draft(one_task_plan(stated, "Báo cáo trước ngày 25/4/2026."), source="t.txt", today=TODAY)
    assert "xem lại" not in comment_on(plain.text, "schedule: {kind: once") and plain.inferred == []


# --------------------------------------------------------------------------------------------------
# Relative deadlines


RELATIVE = Deadline(kind="relative", phrase="trong 15 ngày làm việc kể từ khi nhận được văn bản đề nghị",
                    count=15, unit="working_days", event="khi nhận được văn bản đề nghị")


def test_a_relative_deadline_is_drafted_refused_unanchored_and_loaded_once_anchored(engine, defaults):
    plan = one_task_plan(RELATIVE, "Sở Ngoại vụ thẩm định, trả lời trong 15 ngày làm việc kể từ khi nhận được "
                                   "văn bản đề nghị.")
    drafted = build_draft(plan, source="t.txt", today=TODAY)
    text = drafted.text
    assert drafted.to_anchor == ["II.1"]
    assert ('schedule: {kind: relative, count: 15, unit: working_days, after: "khi nhận được văn bản đề nghị", '
            'phrase: "trong 15 ngày làm việc kể từ khi nhận được văn bản đề nghị"}') in text
    assert "TODO: ghi anchor" in comment_on(text, "kind: relative")

    with pytest.raises(FileError) as refused:
        parse_plan_file(text, source="draft.yaml", defaults=defaults)
    assert refused.value.messages == [
        f"draft.yaml:{line_of(text, 'kind: relative')}: obligations[0].schedule.anchor: the deadline is counted "
        "from “khi nhận được văn bản đề nghị”, which the plan does not date: write `anchor: YYYY-MM-DD`, the day "
        "it happened (the deadline is then 15 working_days after it)"
    ]

    # The request arrived on Friday 13 February 2026; Tết (16 to 20 February) is not counted.
    anchored = text.replace("unit: working_days,", "unit: working_days, anchor: 2026-02-13,")
    checked = parse_plan_file(anchored, source="draft.yaml", defaults=defaults)
    with session_scope(engine) as session:
        apply_file(session, checked, source="draft.yaml", actor="test", as_of=datetime(2026, 2, 13, 9, tzinfo=VN))
    with Session(engine) as session:
        row = session.scalars(select(Obligation)).one()
    assert (row.schedule_kind, row.due, row.inclusive) == ("once", date(2026, 3, 13), True)
    assert row.phrase == RELATIVE.phrase


def test_relative_counts_start_the_day_after_the_event():
    assert relative_due(date(2024, 3, 1), 30, "days") == date(2024, 3, 31)
    assert relative_due(date(2025, 1, 31), 3, "months") == date(2025, 4, 30)  # April has no 31st
    assert relative_due(date(2025, 11, 30), 2, "months") == date(2026, 1, 30)


# --------------------------------------------------------------------------------------------------
# Contacts


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_contact_list_is_merged_with_its_agencies_matched(seed, tmp_path, defaults):
    contacts = read_contact_list(write(tmp_path, "danh-ba.csv", "\ufeff" + SEED_CONTACTS_CSV))  # Excel's BOM
    drafted = build_draft(seed, source="seed.txt", today=TODAY, contacts=contacts)
    assert drafted.contacts == 7
    checked = parse_plan_file(drafted.text,
                              defaults=defaults)
    people = {c.name: c for c in checked.contacts}
    tram = people["Phạm Thị Ngọc Trâm"]
    assert (tram.agency, tram.role, tram.phone, tram.channels) == (
        "SO-NGOAI-VU", "coordinator", "0914372608", ["email", "zalo"])
    assert (people["Nguyễn Hoàng Anh Thư"].role, people["Nguyễn Hoàng Anh Thư"].phone) == ("focal_point", "0983214576")
    assert people["Trương Thị Mỹ Duyên"].agency == "SO-KE-HOACH-VA-DAU-TU"  # by its code; no role: focal point
    assert people["Trương Thị Mỹ Duyên"].role == "focal_point"
    assert people["Phan Đức Thắng"].role == "manager"
    ngoc = people["Lưu Thị Bảo Ngọc"]  # "... tỉnh Khánh Hòa" is the plan's "... tỉnh"
    assert (ngoc.agency, ngoc.channels) == ("LIEN-HIEP-CAC-TO-CHUC-HUU-NGHI-TINH", ["zalo"])
    assert comment_on(drafted.text, "name: \"Đỗ Thanh Tùng\"") == "dòng 4"  # its line in the list


def test_a_yaml_contact_list_is_merged_too(seed, tmp_path, defaults):
    path = write(tmp_path, "danh-ba.yaml", """\
- {agency: Sở Ngoại vụ, name: Nguyễn Hoàng Anh Thư, role: focal_point, email: thu.nha.sngv@example.org}
- agency: Sở Tài chính
  họ tên: Nguyễn Thị Kim Oanh
  vai trò: đầu mối
  điện thoại: "0935097241"
  zalo: "8841056237712946058"
  channels: zalo, email
  email: oanh.ntk.stc@example.org
""")
    drafted = build_draft(seed, source="seed.txt", today=TODAY, contacts=read_contact_list(path))
    checked = parse_plan_file(drafted.text,
                              defaults=defaults)
    assert [(c.agency, c.name, c.role, c.channels) for c in checked.contacts] == [
        ("SO-NGOAI-VU", "Nguyễn Hoàng Anh Thư", "focal_point", ["email"]),
        ("SO-TAI-CHINH", "Nguyễn Thị Kim Oanh", "focal_point", ["zalo", "email"]),
    ]
    assert checked.contacts[1].zalo_user_id == "8841056237712946058"


def test_a_bad_row_is_refused_with_its_line_and_nothing_is_written(cli, tmp_path):
    contacts = write(tmp_path, "danh-ba.csv", SEED_CONTACTS_CSV
                     + "8,Sở Du lịch,Đặng Minh Nhật,đầu mối,nhat.dm.sdl@example.org,,\n"
                     + "9,Sở Tài chính,Hồ Văn Nam,đầu mối,nam.hv.stc(at)example.org,,\n")
    output = tmp_path / "draft.yaml"
    result = cli("plan", "draft", str(SEED_PLAN), "-o", str(output), "--contacts", str(contacts), "--as-of", NOW)
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"{contacts}:9: cơ quan “Sở Du lịch” không có trong kế hoạch này hay trong cơ sở dữ liệu" in said
    assert f"{contacts}:10: email: not an email address: 'nam.hv.stc(at)example.org'" in said
    assert "nothing was written" in said
    assert not output.exists() and not list(tmp_path.glob(".*partial"))

    unknown_column = write(tmp_path, "cot.csv", "Cơ quan,Họ tên,Email,Fax\nSở Ngoại vụ,A,a@example.org,0258\n")
    with pytest.raises(FileError, match=r"cot\.csv:1: cột không biết 'Fax'"):
        read_contact_list(unknown_column)
    twice = write(tmp_path, "hai-lan.csv", "Cơ quan,Họ tên,Email\nSở Ngoại vụ,A,a@example.org\nSNGV-X,B,b@x.org\n"
                                           "Sở Ngoại vụ,A,a2@example.org\n")
    with pytest.raises(FileError) as refused:
        build_draft(read_plan(SEED_PLAN), source="seed.txt", today=TODAY, contacts=read_contact_list(twice))
    assert refused.value.messages == [
        f"{twice}:3: cơ quan “SNGV-X” không có trong kế hoạch này hay trong cơ sở dữ liệu; ghi đúng tên hoặc mã "
        "cơ quan / unknown agency",
        f"{twice}:4: “A” của SO-NGOAI-VU đã có ở dòng 2 / listed twice",
    ]


def test_agencies_without_a_focal_point_are_listed_at_the_end(seed, tmp_path):
    only_sngv = write(tmp_path, "sngv.csv", "Cơ quan,Họ tên,Vai trò,Email\nSở Ngoại vụ,Trâm,điều phối,t@example.org\n")
    drafted = build_draft(seed, source="seed.txt", today=TODAY, contacts=read_contact_list(only_sngv))
    block = drafted.text[drafted.text.index(f"# {NO_FOCAL_POINT}"):]
    assert drafted.text.rstrip().endswith(block.rstrip())  # at the end of the draft
    listed = re.findall(r"^#   ([A-Z0-9-]+): ", block, flags=re.M)
    # SNGV's coordinator reaches the coordinating agency, but its own tasks need a focal point.
    assert listed == ["SO-NGOAI-VU", "SO-THONG-TIN-VA-TRUYEN-THONG", "SO-KE-HOACH-VA-DAU-TU", "SO-TAI-CHINH",
                      "LIEN-HIEP-CAC-TO-CHUC-HUU-NGHI-TINH"]
    # A member of the group the draft proposes receives the group's tasks too.
    assert ("SO-TAI-CHINH: Sở Tài chính (chủ trì III.4.1; thành viên CAC-SO-BAN-NGANH-CAC-TO-CHUC-DOAN-THE, chủ trì "
            "III.6.1") in block
    assert list(drafted.no_focal_point) == listed

    full = build_draft(seed, source="seed.txt", today=TODAY,
                       contacts=read_contact_list(write(tmp_path, "all.csv", SEED_CONTACTS_CSV)))
    assert NO_FOCAL_POINT not in full.text and full.no_focal_point == {}


def test_a_stored_focal_point_counts_and_a_group_member_without_one_is_listed(cli, sqlite_engine):
    assert cli("load", str(EXAMPLE), "--as-of", NOW).exit_code == 0
    with session_scope(sqlite_engine) as session:
        for contact in session.scalars(select(Contact).where(Contact.name == "Ngô Văn Hiếu")):
            contact.active = False  # SCT's only focal point leaves
    drafted = build_draft(read_plan(SEED_PLAN), source="seed.txt", today=TODAY, known=known_from_db(sqlite_engine))
    # Every lead has a stored focal point; SCT, a member of the stored group CQ-DV-DP, no longer does.
    assert drafted.no_focal_point == {"SCT": "Sở Công Thương"}
    assert "#   SCT: Sở Công Thương (thành viên CQ-DV-DP, chủ trì III.6.1, III.6.2, III.6.3 và 1 nhiệm vụ khác)" \
        in drafted.text


# --------------------------------------------------------------------------------------------------
# Group members


def test_group_members_are_proposed_from_the_stored_agencies_of_its_kinds(cli, sqlite_engine, defaults):
    assert cli("load", str(EXAMPLE), "--as-of", NOW).exit_code == 0
    stored = known_from_db(sqlite_engine)
    # The stored agencies without the stored group: the seed's heading 6 names a group the database lacks.
    known = KnownAgencies(agencies=stored.agencies, parents=stored.parents, contact_roles=stored.contact_roles)
    drafted = build_draft(read_plan(SEED_PLAN), source="seed.txt", today=TODAY, known=known)
    (group, members), = drafted.groups_proposed.items()
    # The sở, ban, đoàn thể, universities, enterprise and district committees of Khánh Hòa: the 22 the example
    # file lists by judgement. Not SNGV (it compiles their reports), not UBND-TINH (the issuer), not PACCOM (a
    # "Ban" of the national union, not the province's), not the Tỉnh ủy or the friendship unions.
    example = parse_plan_file(EXAMPLE.read_text(encoding="utf-8"), defaults=defaults)
    assert sorted(members) == sorted(example.groups[0].members)
    assert members[:2] == ["SCT", "SDL"]  # by kind as the name lists them (sở first), then by name
    members_line = next(row for row in drafted.text.splitlines() if row.strip().startswith("members: [SCT"))
    assert "# xem lại: đề xuất: các cơ quan loại sở" in members_line and "trừ SNGV, UBND-TINH" in members_line
    draft = parse_plan_file(drafted.text, defaults=defaults)  # proposed members load as they are
    assert draft.groups[0].code == group

    # In an empty database the group's members are the Sở the plan itself names, but not the coordinator.
    alone = build_draft(read_plan(SEED_PLAN), source="seed.txt", today=TODAY)
    assert alone.groups_proposed == {group_code: sorted(SEED_GROUP_MEMBERS)
                                     for group_code in alone.groups_proposed}
    assert len(alone.groups_proposed) == 1 and "members: []" not in alone.text

    # Another province's plan gets none of Khánh Hòa's agencies, only those it names itself.
    dong_nai = parse_blocks(read_blocks(table_plan_docx(), name="plan.docx"))
    other = build_draft(dong_nai, source="plan.docx", today=TODAY, known=known)
    (proposed,) = other.groups_proposed.values()
    assert proposed and not set(proposed) & set(known.agencies)  # its own Sở, none of Khánh Hòa's


# --------------------------------------------------------------------------------------------------
# End to end


def test_the_seed_plan_drafted_with_contacts_loaded_and_swept_reaches_someone_for_every_message(
    cli, sqlite_engine, rt, tmp_path
):
    contacts = write(tmp_path, "danh-ba.csv", SEED_CONTACTS_CSV)
    draft = tmp_path / "draft.yaml"
    drafted = cli("plan", "draft", str(SEED_PLAN), "-o", str(draft), "--contacts", str(contacts), "--as-of", NOW)
    assert drafted.exit_code == 0, drafted.output
    assert "Người nhận nhắc việc từ danh bạ: 7" in " ".join(drafted.output.split())
    text = draft.read_text(encoding="utf-8")
    assert NO_FOCAL_POINT not in text
    # Loaded as drafted: the group's members are the Sở the plan names, proposed by the draft.
    assert f"members: [{', '.join(sorted(SEED_GROUP_MEMBERS))}]" in text
    loaded = cli("load", str(draft), "--as-of", NOW)
    assert loaded.exit_code == 0, loaded.output

    # 5 December 2017: the yearly report (before 15 December) is being reminded, the budget estimate of July
    # is overdue and escalating; 20 December: the tasks due by 31 December are reminded; 5 January 2018: they
    # are late, escalated to the focal points, then to the managers (the coordinator where there is none).
    undeliverable = 0
    for day in (date(2017, 12, 5), date(2017, 12, 20), date(2018, 1, 5)):
        undeliverable += sweep(sqlite_engine, rt, datetime(day.year, day.month, day.day, 9, tzinfo=VN)).undeliverable
    with Session(sqlite_engine) as session:
        rows = list(session.scalars(select(Notification)))
        reached = {c.id: c.agency_id for c in session.scalars(select(Contact))}
        codes = {a.id: a.code for a in session.scalars(select(Agency))}
    due = [r for r in rows if r.status != NotificationStatus.SKIPPED]
    assert {r.kind for r in due} >= {NotificationKind.REMINDER, NotificationKind.ESCALATION}
    assert undeliverable == 0
    assert all(r.recipient_id is not None and r.status == NotificationStatus.PENDING for r in due), [
        (r.dedup_key, r.status, r.last_error) for r in due if r.recipient_id is None or r.status != "pending"
    ]
    # Every agency that leads a task due in that time was reached, not only the coordinator.
    assert {codes[reached[r.recipient_id]] for r in due} == {
        "SO-NGOAI-VU", "LIEN-HIEP-CAC-TO-CHUC-HUU-NGHI-TINH", "SO-TAI-CHINH", *SEED_GROUP_MEMBERS}


@pytest.mark.parametrize(("rule", "words"), [
    ("FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1", "hàng năm, ngày cuối các tháng 6 và 12"),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", "hàng tháng, ngày cuối tháng"),
    ("FREQ=MONTHLY;BYMONTHDAY=18", "hàng tháng, ngày 18"),
    ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", "hàng năm, ngày 15 tháng 12"),
    ("FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=15", "hàng năm, ngày 15 các tháng 3, 6, 9 và 12"),
    ("FREQ=WEEKLY;BYDAY=FR", "hàng tuần, thứ Sáu"),
    # More than the words know how to say: the rule itself, rather than a wrong reading.
    ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1", "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1"),
])
def test_a_recurrence_is_put_in_words_for_the_coordinator(rule, words):
    from obligations.plans.importer.draft_review import rule_words

    assert rule_words(rule) == words


def test_the_draft_of_the_seed_speaks_vietnamese_beside_each_schedule():
    from obligations.plans.importer.draft import build_draft
    from obligations.plans.importer.parse import parse_text

    plan = parse_text(SEED_PLAN.read_text(encoding="utf-8"))
    text = build_draft(plan, source=SEED_PLAN.name, today=date(2017, 4, 1)).text
    assert "“Định kỳ trước ngày 15 tháng 12 hàng năm”: hàng năm, ngày 15 tháng 12, trước ngày đó" in text
    assert "Bản nháp do `obligations plan draft` soạn từ" in text
    for english in ("Draft made", "no deadline found", "before each day starts", "Agencies named"):
        assert english not in text
