"""`obligations plan apply` loads as `obligations load` does: a plan already loaded under another code is refused
unless `--update`, which updates it, and every agency no message reaches is warned of on stderr.

The document is the Khánh Hòa plan 2017-2020 (tests/data/seeds/khanh-hoa-plan-2017-2020.txt, a plan of Ủy ban
nhân dân tỉnh Khánh Hòa); the example coordinator's file (config/examples/khanh-hoa-2017-2020.yaml) is the
same plan, loaded under the code khanh-hoa-dnnd-2017-2020.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import CONFIG_DIR
from obligations.models.tables import Plan
from tests.plan_documents import SEED_PLAN
from tests.test_load import dump

EXAMPLE = CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml"
CODE = "khanh-hoa-dnnd-2017-2020"
NOW = "2025-01-06T08:00+07:00"


def flat(text: str) -> str:
    return " ".join(text.split())


def _plans(engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.scalars(select(Plan.code)))


def test_apply_refuses_a_twin_and_updates_it_with_update(cli, sqlite_engine):
    assert cli("load", str(EXAMPLE), "--as-of", "2017-04-01T00:00+07:00").exit_code == 0
    before = dump(sqlite_engine)
    refused = cli("plan", "apply", str(SEED_PLAN), "--yes", "--as-of", NOW)
    assert refused.exit_code == 2, refused.output
    said = flat(refused.stderr)
    assert f"kế hoạch này đã được nạp dưới mã khác (cùng tên): mã {CODE}" in said
    assert "chạy lại với --update" in said and "không nạp được, cơ sở dữ liệu không thay đổi" in said
    assert dump(sqlite_engine) == before

    updated = cli("plan", "apply", str(SEED_PLAN), "--yes", "--update", "--as-of", NOW)
    assert updated.exit_code == 0, updated.output
    assert f"Kế hoạch {CODE} (tệp ghi mã trien-khai-cong-tac-doi-ngoai-nhan-dan-tren-dia-2017-2020, --update): " \
           "cập nhật" in flat(updated.stdout)
    assert _plans(sqlite_engine) == [CODE]  # no twin


def test_apply_warns_of_each_agency_no_message_reaches(cli, sqlite_engine, tmp_path):
    # A plan in the form of the provincial plans: a department reports monthly to the People's Committee.
    path = tmp_path / "ke-hoach-du-lich.txt"
    path.write_text(
        "KẾ HOẠCH\nPhát triển du lịch năm 2025\nIII. Tổ chức thực hiện\n1. Sở Du lịch\n"
        "- Hằng tháng, trước ngày 25 báo cáo tiến độ cho Ủy ban nhân dân tỉnh.\n",
        encoding="utf-8",
    )
    result = cli("plan", "apply", str(path), "--yes", "--as-of", NOW)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith("Cảnh báo:")]
    assert [line.split(" (")[0] for line in warned] == ["Cảnh báo: SO-DU-LICH", "Cảnh báo: UBND-TINH"]
    assert "(Sở Du lịch) chủ trì 1 nhiệm vụ nhưng chưa có cán bộ đầu mối (role: focal_point)" in warned[0]
    assert "nhận báo cáo của 1 nhiệm vụ" in warned[1]
    assert "Cảnh báo: SO-DU-LICH (" not in result.stdout  # stderr only, as `load` says them
    loaded = "Kế hoạch phat-trien-du-lich-2025: thêm mới 2 cơ quan, 1 quy trình nhắc việc, 1 kế hoạch"
    assert loaded in flat(result.stdout)
