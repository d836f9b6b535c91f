"""`obligations load`: a plan already loaded under another code (same number, or same title) is refused, naming
it; `--update` updates that plan instead of making a twin that would remind every task twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import CONFIG_DIR, get_settings
from obligations.models.db import session_scope
from obligations.models.tables import AuditLog, Obligation, Plan
from obligations.plans.file.apply import load_file
from obligations.plans.file.errors import FileError
from obligations.plans.file.read import read_defaults
from tests.test_load import dump, line_of, write
from tests.world import vn

EXAMPLE = CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml"
AS_OF = vn(2017, 4, 3, 8)

# A plan with a number, as a coordinator writes it; the twin below is the same plan typed again.
NUMBERED = """\
plan:
  code: {code}
  title: "{title}"
  number: "{number}"
  start: 2017-04-01
  end: 2020-12-31
  coordinator: SNGV
agencies:
  - {{code: SNGV, name: "Sở Ngoại vụ"}}
  - {{code: STTTT, name: "Sở Thông tin và Truyền thông"}}
contacts:
  - {{name: "Nguyễn Văn An", agency: SNGV, role: focal_point, email: an@example.org}}
  - {{name: "Lê Thị Hoa", agency: STTTT, role: focal_point, email: hoa@example.org}}
obligations:
  - ref: II.1
    text: "{text}"
    lead: STTTT
    report_to: SNGV
    schedule: {{kind: recurring, rrule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", inclusive: false,
               phrase: "trước ngày 15 tháng 12 hàng năm"}}
"""
TITLE = "Kế hoạch thông tin đối ngoại tỉnh Khánh Hòa năm 2017"
TEXT = "Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo cáo kết quả thực hiện về Sở Ngoại vụ"


def numbered(code: str, *, title: str = TITLE, number: str = "125/KH-UBND", text: str = TEXT) -> str:
    return NUMBERED.format(code=code, title=title, number=number, text=text)


@pytest.fixture(scope="module")
def defaults() -> dict:
    return read_defaults(get_settings().defaults_file)


def _load(engine, tmp_path: Path, text: str, defaults: dict, name: str = "plan.yaml", **kw):
    return load_file(engine, write(tmp_path, text, name), defaults=defaults, as_of=AS_OF, **kw)


def _plans(engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.scalars(select(Plan.code)))


def test_the_same_number_under_another_code_is_refused_naming_the_stored_plan(engine, tmp_path, defaults):
    _load(engine, tmp_path, numbered("kh-ttdn-2017"), defaults)
    before = dump(engine)
    # The same number typed with a space and in lower case, another title: still the plan stored.
    text = numbered("ttdn-2017", number="125 /kh-ubnd", title="Kế hoạch thông tin đối ngoại 2017")
    with pytest.raises(FileError) as caught:
        _load(engine, tmp_path, text, defaults, "again.yaml")
    [message] = caught.value.messages
    assert message.startswith(f"{tmp_path / 'again.yaml'}:{line_of(text, 'number:')}: plan.number: ")
    assert "(cùng số hiệu)" in message and "mã kh-ttdn-2017, số 125/KH-UBND" in message and TITLE in message
    assert "--update" in message and "`code: kh-ttdn-2017`" in message  # what to do
    assert dump(engine) == before  # nothing written


def test_the_same_title_under_another_code_is_refused(engine, tmp_path, defaults):
    _load(engine, tmp_path, EXAMPLE.read_text(encoding="utf-8"), defaults)
    before = dump(engine)
    # The title as the plan document prints it, in capitals (../shared/seeds/khanh-hoa-plan-2017-2020.txt, the
    # plan of Ủy ban nhân dân tỉnh Khánh Hòa): the draft of that document is the example's plan.
    seed_title = "KẾ HOẠCH TRIỂN KHAI CÔNG TÁC ĐỐI NGOẠI NHÂN DÂN TRÊN ĐỊA BÀN TỈNH KHÁNH HÒA GIAI ĐOẠN 2017-2020"
    text = numbered("kh-dnnd-import", title=seed_title, number="88/KH-UBND")
    with pytest.raises(FileError) as caught:
        _load(engine, tmp_path, text, defaults, "draft.yaml")
    [message] = caught.value.messages
    assert f"draft.yaml:{line_of(text, 'title:')}: plan.title: " in message
    assert "(cùng tên)" in message and "mã khanh-hoa-dnnd-2017-2020, “Kế hoạch triển khai công tác" in message
    assert dump(engine) == before
    assert _plans(engine) == ["khanh-hoa-dnnd-2017-2020"]


def test_the_same_title_under_another_number_is_another_plan(engine, tmp_path, defaults):
    _load(engine, tmp_path, numbered("kh-ttdn-2017"), defaults)
    summary = _load(engine, tmp_path, numbered("kh-ttdn-2017-bis", number="126/KH-UBND"), defaults, "other.yaml")
    assert summary.created["plan"] == 1
    assert _plans(engine) == ["kh-ttdn-2017", "kh-ttdn-2017-bis"]


def test_update_maps_the_file_onto_the_stored_plan_and_creates_no_new_plan(engine, tmp_path, defaults):
    _load(engine, tmp_path, numbered("kh-ttdn-2017"), defaults)
    edited = numbered("ttdn-2017", text=TEXT + " (kèm số liệu)")
    summary = _load(engine, tmp_path, edited, defaults, "again.yaml", update=True, actor="sngv")
    assert (summary.plan, summary.mapped_from) == ("kh-ttdn-2017", "ttdn-2017")
    assert summary.created["plan"] == 0 and summary.updated["obligations"] == 1
    assert str(summary).startswith("Kế hoạch kh-ttdn-2017 (tệp ghi mã ttdn-2017, --update): cập nhật 1 nhiệm vụ.")
    assert _plans(engine) == ["kh-ttdn-2017"]
    with Session(engine) as session:
        [obligation] = session.scalars(select(Obligation)).all()
        assert obligation.text.endswith("(kèm số liệu)")
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "load").order_by(AuditLog.id)).all()[-1]
        assert audit.details["file_code"] == "ttdn-2017" and audit.actor == "sngv"


def test_reloading_the_same_code_stays_an_update(engine, tmp_path, defaults):
    _load(engine, tmp_path, numbered("kh-ttdn-2017"), defaults)
    summary = _load(engine, tmp_path, numbered("kh-ttdn-2017", title=TITLE + " (sửa đổi)"), defaults)
    assert summary.updated["plan"] == 1 and summary.mapped_from is None
    assert _plans(engine) == ["kh-ttdn-2017"]


def test_a_twin_stored_before_the_rule_does_not_block_its_reload(engine, tmp_path, defaults):
    _load(engine, tmp_path, numbered("kh-ttdn-2017"), defaults)
    with session_scope(engine) as session:  # loaded twice before twins were refused
        stored = session.scalars(select(Plan)).one()
        session.add(Plan(code="ttdn-old", title=stored.title, number=stored.number, start=stored.start,
                         end=stored.end))
    summary = _load(engine, tmp_path, numbered("kh-ttdn-2017", text=TEXT + "."), defaults)
    assert summary.updated["obligations"] == 1
    with pytest.raises(FileError) as caught:  # a third code is refused, and --update cannot choose between two
        _load(engine, tmp_path, numbered("ttdn-third"), defaults, "third.yaml", update=True)
    named = sorted(m.split("(cùng số hiệu và tên): ")[1].split(",")[0] for m in caught.value.messages)
    assert named == ["mã kh-ttdn-2017", "mã ttdn-old"]
    assert all("không biết cập nhật kế hoạch nào" in m for m in caught.value.messages)


def test_a_retired_plan_is_no_twin(engine, tmp_path, defaults):
    _load(engine, tmp_path, numbered("kh-ttdn-2017").replace("  coordinator: SNGV\n",
                                                             "  coordinator: SNGV\n  active: false\n"), defaults)
    summary = _load(engine, tmp_path, numbered("ttdn-2017"), defaults, "corrected.yaml")
    assert summary.created["plan"] == 1
    assert _plans(engine) == ["kh-ttdn-2017", "ttdn-2017"]


# ------------------------------------------------------------------------------ the command line


def test_the_command_refuses_with_exit_2_and_updates_with_update(cli, sqlite_engine, tmp_path):
    first = write(tmp_path, numbered("kh-ttdn-2017"), "first.yaml")
    assert cli("load", str(first), "--as-of", "2017-04-03T08:00+07:00").exit_code == 0
    before = dump(sqlite_engine)
    twin = write(tmp_path, numbered("ttdn-2017"), "twin.yaml")
    refused = cli("load", str(twin), "--as-of", "2017-04-04T08:00+07:00")
    assert refused.exit_code == 2
    assert "mã kh-ttdn-2017, số 125/KH-UBND" in refused.stderr and "không thay đổi" in refused.stderr
    assert dump(sqlite_engine) == before
    updated = cli("load", str(twin), "--update", "--as-of", "2017-04-04T08:00+07:00")
    assert updated.exit_code == 0, updated.output
    assert "Kế hoạch kh-ttdn-2017 (tệp ghi mã ttdn-2017, --update)" in " ".join(updated.stdout.split())
    assert _plans(sqlite_engine) == ["kh-ttdn-2017"]
