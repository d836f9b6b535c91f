"""A small plan written straight into the database, so engine tests do not depend on the loader."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from obligations.models.db import session_scope
from obligations.models.tables import (
    Agency,
    AgencyGroup,
    AgencyGroupMember,
    Contact,
    Obligation,
    Plan,
    PolicyRow,
)
from obligations.rules.ladder import Policy

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_POLICY = Policy.from_dict(
    {
        "reminders": [{"before": 10}, {"before": 3}, {"before": 0}],
        "escalation": [
            {"after": 1, "notify": "focal_point"},
            {"after": 3, "notify": "manager"},
            {"after": 7, "notify": "coordinator", "repeat": 10, "max": 2},
        ],
    }
)


def vn(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - timedelta(hours=7)


def build(engine, *, email_only: bool = True, channels: list[str] | None = None) -> dict[str, int]:
    """Two member agencies in a group owe a yearly report before 15 December; SNGV owes one task."""
    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        top = Agency(code="UBND-TINH", name="Ủy ban nhân dân tỉnh Khánh Hòa")
        session.add(top)
        session.flush()
        agencies = {
            "SNGV": Agency(code="SNGV", name="Sở Ngoại vụ", parent_id=top.id),
            "STTTT": Agency(code="STTTT", name="Sở Thông tin và Truyền thông", parent_id=top.id),
            "UBND-NHA-TRANG": Agency(code="UBND-NHA-TRANG", name="Ủy ban nhân dân thành phố Nha Trang",
                                     parent_id=top.id),
        }
        session.add_all(agencies.values())
        session.flush()
        ids.update({code: a.id for code, a in agencies.items()}, **{"UBND-TINH": top.id})
        group = AgencyGroup(code="SBN", name="Các sở, ban, ngành; UBND các huyện, thị xã, thành phố")
        session.add(group)
        session.flush()
        session.add_all(
            [AgencyGroupMember(group_id=group.id, agency_id=ids[c]) for c in ("STTTT", "UBND-NHA-TRANG")]
        )
        channels = channels or (["email"] if email_only else ["email", "zalo"])
        people = [
            ("Nguyễn Văn An", "SNGV", "coordinator"),
            ("Trần Thị Bình", "SNGV", "focal_point"),
            ("Lê Văn Cường", "STTTT", "focal_point"),
            ("Phạm Thị Dung", "STTTT", "manager"),
            ("Hoàng Văn Em", "UBND-NHA-TRANG", "focal_point"),
            ("Võ Thị Phượng", "UBND-TINH", "manager"),
        ]
        for n, (name, agency, role) in enumerate(people):
            session.add(
                Contact(name=name, agency_id=ids[agency], role=role, email=f"user{n}@example.org",
                        zalo_user_id=f"10000000{n}", phone=f"8491234567{n}", channels=channels)
            )
        policy = PolicyRow(code="default", definition=DEFAULT_POLICY.to_dict())
        session.add(policy)
        session.flush()
        plan = Plan(code="kh-test", title="Kế hoạch thử nghiệm", start=date(2017, 4, 1), end=date(2020, 12, 31),
                    issuer_id=top.id, coordinator_id=ids["SNGV"], manager_id=top.id, created_at=EPOCH)
        session.add(plan)
        session.flush()
        report = Obligation(
            plan_id=plan.id, ref="III.6.4", title="Báo cáo kết quả hằng năm", text="Định kỳ trước ngày 15 tháng 12",
            lead_group_id=group.id, report_to_id=ids["SNGV"], schedule_kind="recurring",
            rrule="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", inclusive=False, policy_id=policy.id,
            next_expand_at=EPOCH,
        )
        task = Obligation(
            plan_id=plan.id, ref="III.1.8", title="Quy chế quản lý hoạt động đối ngoại",
            text="Tham mưu ban hành Quy chế",
            lead_agency_id=ids["SNGV"], schedule_kind="once", due=date(2017, 9, 30), inclusive=True,
            policy_id=policy.id, next_expand_at=EPOCH,
        )
        session.add_all([report, task])
        session.flush()
        ids.update(plan=plan.id, group=group.id, report=report.id, task=task.id, policy=policy.id)
    return ids
