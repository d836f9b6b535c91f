"""`obligations load` warns, on stderr and one line each, of every agency that leads a task or receives its
reports and that no message can reach (no focal point with a usable channel): the load still succeeds, so
the coordinator completes the contacts before the first sweep makes every message to them undeliverable.

The plan is the Khánh Hòa example (config/examples/khanh-hoa-2017-2020.yaml), with some of its contacts
taken out as a first draft would lack them.
"""

from __future__ import annotations

from sqlalchemy import update

from obligations.config.settings import CONFIG_DIR
from obligations.models.db import session_scope
from obligations.models.tables import Contact
from tests.test_load import write

EXAMPLE_TEXT = (CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml").read_text(encoding="utf-8")


def without_contacts(*names: str) -> str:
    kept = [line for line in EXAMPLE_TEXT.splitlines(keepends=True)
            if not any(f'{{name: "{name}"' in line for name in names)]
    assert len(kept) == len(EXAMPLE_TEXT.splitlines()) - len(names)
    return "".join(kept)


def _warned(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Cảnh báo:")]


def test_the_complete_example_loads_without_a_warning_of_unreachable_agencies(cli, tmp_path):
    result = cli("load", str(write(tmp_path, EXAMPLE_TEXT)), "--as-of", "2017-04-01T08:00+07:00")
    assert result.exit_code == 0, result.output
    assert _warned(result.stderr) == []


def test_load_names_each_agency_no_message_reaches(cli, sqlite_engine, tmp_path):
    # Left out: the focal points of STTTT (it leads III.2.1 and, in the group CQ-DV-DP, III.6.1 to III.6.4) and of
    # Cam Ranh (in the group), and the manager of UBND tỉnh (the plan's manager, to which three tasks report).
    text = without_contacts("Đỗ Thanh Tùng", "Lê Hữu Phước", "Trần Quang Minh")
    result = cli("load", str(write(tmp_path, text)), "--as-of", "2017-04-01T08:00+07:00")
    assert result.exit_code == 0, result.output
    assert "Kế hoạch khanh-hoa-dnnd-2017-2020: thêm mới" in result.stdout
    assert [line.split(" (")[0] for line in _warned(result.stderr)] == [
        "Cảnh báo: STTTT", "Cảnh báo: UBND-CAM-RANH", "Cảnh báo: UBND-TINH"]
    stttt, cam_ranh, ubnd = _warned(result.stderr)
    assert stttt.startswith("Cảnh báo: STTTT (Sở Thông tin và Truyền thông) chủ trì 5 nhiệm vụ nhưng chưa có "
                            "cán bộ đầu mối (role: focal_point)")
    assert "(Ủy ban nhân dân thành phố Cam Ranh) chủ trì 4 nhiệm vụ" in cam_ranh
    assert "(Ủy ban nhân dân tỉnh Khánh Hòa) nhận báo cáo của 3 nhiệm vụ" in ubnd
    assert all("`contacts:`" in line for line in (stttt, cam_ranh, ubnd))
    assert "Cảnh báo: STTTT" not in result.stdout  # stderr only

    # A focal point stored but no longer active reaches nobody either.
    with session_scope(sqlite_engine) as session:
        session.execute(update(Contact).where(Contact.name == "Lưu Thị Bảo Ngọc").values(active=False))
    again = cli("load", str(write(tmp_path, text)), "--as-of", "2017-04-02T08:00+07:00")
    assert again.exit_code == 0 and "không có gì thay đổi" in again.stdout
    assert [line.split(" (")[0] for line in _warned(again.stderr)] == [
        "Cảnh báo: LHHN", "Cảnh báo: STTTT", "Cảnh báo: UBND-CAM-RANH", "Cảnh báo: UBND-TINH"]

