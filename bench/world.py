"""The synthetic national world of the sweep benchmark, and its steady state at T0.

N provinces, each with a plan 2017-2020, 25 agencies, one group of 20 members, a focal point and a
manager per agency and 30 obligations; every occurrence of the whole plan is materialised, the past
settled the way coordinators would have left it, and one sweep at T0 brings the rest to its status.
See bench/sweep.py for what is measured on it.
"""


from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Interval, String, event, func, insert, literal, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from obligations.flows.runtime import Runtime
from obligations.flows.sweep import SweepStats, materialise, sweep
from obligations.models.db import create_db_engine, session_scope, upgrade
from obligations.models.tables import (
    Agency,
    AgencyGroup,
    AgencyGroupMember,
    Contact,
    Obligation,
    Occurrence,
    Plan,
    PolicyRow,
    Provision,
)
from obligations.rules.schedule import CHECKINS
from obligations.rules.status import OPEN, Status

ZONE = "Asia/Ho_Chi_Minh"
# 2019-06-01 was a Saturday, so a T1 on Sunday 2 June would have almost nothing due. Monday 1 July
# 07:30 is the morning after a quarter end: T1 (Tuesday 07:30) follows the first office morning of the
# quarter, a busy day (check-ins of 30 June turn overdue, escalations fall due): a conservative test.
T0 = datetime(2019, 7, 1, 7, 30, tzinfo=UTC) - timedelta(hours=7)
T1 = T0 + timedelta(days=1)  # Vietnam keeps no daylight saving time: same local time
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PLAN_START, PLAN_END = date(2017, 4, 1), date(2020, 12, 31)
# Far enough for T0 + horizon to pass the plan's end: every occurrence of the plan is stored.
HORIZON_DAYS = (PLAN_END - T0.date()).days + 60
BATCH = 1000  # flows.sweep.sweep's default batch
OPEN_STATUSES = sorted(s.value for s in OPEN)

PROVINCE_NAMES = [
    "Khánh Hòa", "Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Quảng Ninh", "Thừa Thiên Huế", "Nghệ An",
    "Thanh Hóa", "Lâm Đồng", "Bình Định", "Đồng Nai", "Bà Rịa - Vũng Tàu", "Lào Cai", "Quảng Nam",
    "An Giang", "Kiên Giang", "Đắk Lắk", "Thái Nguyên", "Bắc Ninh",
]
# 23 agencies under the provincial People's Committee besides SNGV; the first 20 form the group.
DEPARTMENTS = [
    ("STTTT", "Sở Thông tin và Truyền thông"), ("SKHDT", "Sở Kế hoạch và Đầu tư"), ("STC", "Sở Tài chính"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"), ("SGDDT", "Sở Giáo dục và Đào tạo"), ("SYT", "Sở Y tế"),
    ("SCT", "Sở Công Thương"), ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("STNMT", "Sở Tài nguyên và Môi trường"), ("SXD", "Sở Xây dựng"), ("SGTVT", "Sở Giao thông vận tải"),
    ("SNV", "Sở Nội vụ"), ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội"), ("STP", "Sở Tư pháp"),
    ("SKHCN", "Sở Khoa học và Công nghệ"), ("UBND-TP", "Ủy ban nhân dân thành phố"),
    ("UBND-TX", "Ủy ban nhân dân thị xã"), ("UBND-H1", "Ủy ban nhân dân huyện thứ nhất"),
    ("UBND-H2", "Ủy ban nhân dân huyện thứ hai"), ("UBND-H3", "Ủy ban nhân dân huyện thứ ba"),
    ("CAT", "Công an tỉnh"), ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh"), ("BQLKKT", "Ban Quản lý Khu kinh tế"),
]
GROUP = "*group*"


@dataclass(frozen=True)
class Spec:
    ref: str
    title: str
    lead: str  # an agency code, or GROUP
    kind: str
    rrule: str | None = None
    due: date | None = None
    inclusive: bool = False
    phrase: str = ""
    cycle: str | None = None

    @property
    def policy(self) -> str:
        return "checkin" if self.kind == "continuous" else "default"


CONTINUOUS_TASKS = [
    "Tuyên truyền, phổ biến chủ trương, chính sách đối ngoại của Đảng và Nhà nước",
    "Tăng cường quan hệ hữu nghị với các tổ chức nhân dân nước ngoài",
    "Vận động viện trợ phi chính phủ nước ngoài",
    "Quản lý hoạt động của các tổ chức phi chính phủ nước ngoài trên địa bàn",
    "Công tác người Việt Nam ở nước ngoài",
    "Thông tin đối ngoại, quảng bá hình ảnh địa phương",
    "Bảo vệ chủ quyền biển, đảo",
    "Quản lý đoàn ra, đoàn vào",
    "Phối hợp với Liên hiệp các tổ chức hữu nghị tỉnh",
    "Đào tạo, bồi dưỡng cán bộ làm công tác đối ngoại",
    "Hợp tác quốc tế về văn hóa, giáo dục, y tế",
    "Xúc tiến đầu tư, thương mại, du lịch gắn với đối ngoại nhân dân",
]
SPECS: list[Spec] = [
    Spec("III.6.4", "Báo cáo tổng hợp kết quả công tác đối ngoại nhân dân", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", phrase="trước ngày 15 tháng 12 hàng năm"),
    Spec("III.6.5", "Báo cáo sơ kết 6 tháng", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15", phrase="trước ngày 15 tháng 6 hàng năm"),
    Spec("III.6.6", "Báo cáo công tác thông tin đối ngoại", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=30", inclusive=True, phrase="chậm nhất ngày 30 tháng 11 hàng năm"),
    Spec("III.6.7", "Báo cáo tình hình người nước ngoài trên địa bàn", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20", phrase="trước ngày 20 tháng 12 hàng năm"),
    Spec("III.6.1", "Báo cáo tháng tình hình hoạt động đối ngoại", GROUP, "recurring",
         "FREQ=MONTHLY;BYMONTHDAY=20", phrase="trước ngày 20 hàng tháng"),
    Spec("III.6.2", "Báo cáo tháng về đoàn ra, đoàn vào", GROUP, "recurring",
         "FREQ=MONTHLY;BYMONTHDAY=25", inclusive=True, phrase="chậm nhất ngày 25 hàng tháng"),
    *[Spec(f"III.2.{n}", title, GROUP, "continuous", phrase="thường xuyên")
      for n, title in enumerate(CONTINUOUS_TASKS, start=1)],
    *[Spec(f"III.3.{n}", title, lead, "continuous", phrase="thường xuyên") for n, (lead, title) in enumerate(
        [("SNGV", "Theo dõi, tổng hợp tình hình đối ngoại nhân dân"), ("STTTT", "Quản lý thông tin đối ngoại"),
         ("SVHTTDL", "Giao lưu văn hóa với nước ngoài"), ("SKHDT", "Quản lý nguồn viện trợ")], start=1)],
    *[Spec(f"III.1.{n}", title, lead, "once", due=due, inclusive=True, phrase=f"chậm nhất ngày {due:%d/%m/%Y}")
      for n, (lead, title, due) in enumerate(
          [("SNGV", "Tham mưu ban hành Quy chế quản lý hoạt động đối ngoại", date(2017, 9, 30)),
           ("SNV", "Kiện toàn tổ chức bộ máy làm công tác đối ngoại", date(2018, 3, 31)),
           ("STC", "Bố trí kinh phí thực hiện kế hoạch", date(2018, 12, 31)),
           ("SNGV", "Sơ kết giữa kỳ thực hiện kế hoạch", date(2019, 7, 15)),
           ("STTTT", "Xây dựng trang thông tin đối ngoại", date(2019, 12, 31)),
           ("SNGV", "Tổng kết thực hiện kế hoạch giai đoạn 2017-2020", date(2020, 12, 15))], start=1)],
    Spec("III.5.1", "Xây dựng dự toán kinh phí đối ngoại nhân dân", GROUP, "cycle", cycle="budget",
         phrase="vào thời điểm xây dựng dự toán hàng năm"),
    Spec("III.5.2", "Đề xuất chương trình đối ngoại năm sau", GROUP, "cycle", cycle="budget",
         phrase="vào thời điểm xây dựng dự toán hàng năm"),
]
assert len(SPECS) == 30

STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# ---------------------------------------------------------------------------------------------------
# The database


@contextmanager
def fresh_database(url: str | None) -> Iterator[tuple[Engine, str]]:
    """A migrated, empty database; removed afterwards (a temporary SQLite file or a PostgreSQL schema)."""
    tmp = None
    schema = None
    admin = None
    if url is None:
        tmp = Path(tempfile.mkdtemp(prefix="obligations-bench-"))
        url = f"sqlite:///{tmp / 'bench.db'}"
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise SystemExit("bench: give a SQLite file (the default is a temporary one), not an in-memory database")
        if tmp is None and Path(parsed.database).exists():
            raise SystemExit(f"bench: {parsed.database} exists; the benchmark needs a fresh database")
        engine = create_db_engine(url)
        where = parsed.database
    elif backend == "postgresql":
        schema = f"bench_{secrets.token_hex(4)}"
        admin = create_db_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_db_engine(url, schema=schema)
        where = f"{parsed.render_as_string(hide_password=True)} schema {schema}"
    else:
        raise SystemExit(f"bench: unsupported database {backend!r} (sqlite or postgresql)")
    try:
        log(f"database: {backend} at {where}")
        upgrade(engine)
        yield engine, backend
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
            log(f"dropped schema {schema}")
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------
# Setup: the national world, then its steady state at T0


def _insert(session: Session, model, rows: list[dict]) -> None:
    for chunk in chunks(rows, 5000):
        session.execute(insert(model.__table__), chunk)


def build_world(engine: Engine, rt: Runtime, provinces: int) -> None:
    """Agencies, groups, contacts, policies, plans, provisions and obligations, written with executemany."""
    codes = [f"P{p:02d}" for p in range(1, provinces + 1)]
    names = {code: PROVINCE_NAMES[n % len(PROVINCE_NAMES)] + ("" if n < len(PROVINCE_NAMES) else f" {n}")
             for n, code in enumerate(codes)}
    with session_scope(engine) as session:
        _insert(session, PolicyRow, [
            {"code": name, "definition": rt.defaults["policies"][name]} for name in ("default", "checkin")
        ])
        ids = _build_agencies(session, codes, names)
        _build_contacts(session, codes, ids["agency"])
        ids["policy"] = dict(session.execute(select(PolicyRow.code, PolicyRow.id)).all())
        _build_plans(session, codes, names, ids)


def _build_agencies(session: Session, codes: list[str], names: dict[str, str]) -> dict[str, dict]:
    """Each province's People's Committee, its departments under it, and the group of 20 of them."""
    _insert(session, Agency, [
        {"code": f"{p}-UBND-TINH", "name": f"Ủy ban nhân dân tỉnh {names[p]}", "parent_id": None} for p in codes
    ])
    tops = dict(session.execute(select(Agency.code, Agency.id)).all())
    _insert(session, Agency, [
        {"code": f"{p}-{code}", "name": f"{name} tỉnh {names[p]}", "parent_id": tops[f"{p}-UBND-TINH"]}
        for p in codes for code, name in [("SNGV", "Sở Ngoại vụ"), *DEPARTMENTS]
    ])
    agencies = dict(session.execute(select(Agency.code, Agency.id)).all())
    log(f"  {len(agencies)} agencies")
    _insert(session, AgencyGroup, [
        {"code": f"{p}-SBN", "name": f"Các sở, ban, ngành; UBND các huyện, thị xã, thành phố tỉnh {names[p]}"}
        for p in codes
    ])
    groups = dict(session.execute(select(AgencyGroup.code, AgencyGroup.id)).all())
    _insert(session, AgencyGroupMember, [
        {"group_id": groups[f"{p}-SBN"], "agency_id": agencies[f"{p}-{code}"]}
        for p in codes for code, _ in DEPARTMENTS[:20]
    ])
    log(f"  {len(groups)} groups of 20")
    return {"top": tops, "agency": agencies, "group": groups}


def _build_contacts(session: Session, codes: list[str], agencies: dict[str, int]) -> None:
    contacts = []
    for p in codes:
        for n, code in enumerate(["UBND-TINH", "SNGV", *(c for c, _ in DEPARTMENTS)]):
            roles = ["focal_point", "manager"] + (["coordinator"] if code == "SNGV" else [])
            for role in roles:
                uid = len(contacts)
                zalo = n % 3 == 0  # a third of the contacts prefer Zalo
                contacts.append({
                    "agency_id": agencies[f"{p}-{code}"], "name": f"{role} {p}-{code}", "role": role,
                    "email": f"{role}.{p}-{code}@example.org".lower(),
                    "zalo_user_id": f"{4_000_000_000 + uid}" if zalo else None, "phone": None,
                    "channels": ["zalo", "email"] if zalo else ["email"], "language": "vi", "active": True,
                })
    _insert(session, Contact, contacts)
    log(f"  {len(contacts)} contacts")


def _build_plans(session: Session, codes: list[str], names: dict[str, str], ids: dict[str, dict]) -> None:
    tops, agencies, groups, policies = ids["top"], ids["agency"], ids["group"], ids["policy"]
    _insert(session, Plan, [
        {"code": f"{p}-dnnd-2017-2020", "title": f"Kế hoạch triển khai công tác đối ngoại nhân dân tỉnh "
                                                  f"{names[p]} giai đoạn 2017-2020",
         "number": f"{100 + n}/KH-UBND", "issuer_id": tops[f"{p}-UBND-TINH"], "zone": ZONE,
         "start": PLAN_START, "end": PLAN_END, "coordinator_id": agencies[f"{p}-SNGV"],
         "manager_id": tops[f"{p}-UBND-TINH"], "cycles": {}, "created_at": EPOCH}
        for n, p in enumerate(codes)
    ])
    plans = dict(session.execute(select(Plan.code, Plan.id)).all())
    plan_of = {p: plans[f"{p}-dnnd-2017-2020"] for p in codes}
    _insert(session, Provision, [
        {"plan_id": plan_of[p], "ref": s.ref, "title": s.title, "text": f"{s.title}: {s.phrase}"}
        for p in codes for s in SPECS
    ])
    provisions = {(plan_id, ref): pid for plan_id, ref, pid in
                  session.execute(select(Provision.plan_id, Provision.ref, Provision.id))}
    obligations = [
        {
            "plan_id": plan_of[p], "provision_id": provisions[(plan_of[p], s.ref)], "ref": s.ref,
            "title": s.title, "text": f"{s.title}: {s.phrase}",
            "lead_agency_id": None if s.lead == GROUP else agencies[f"{p}-{s.lead}"],
            "lead_group_id": groups[f"{p}-SBN"] if s.lead == GROUP else None,
            "report_to_id": agencies[f"{p}-SNGV"], "schedule_kind": s.kind, "due": s.due,
            "rrule": s.rrule, "inclusive": s.inclusive, "phrase": s.phrase, "cycle": s.cycle,
            # The synthetic plans ask for quarterly check-ins, as a ministry tracking every province might.
            "checkin_rrule": CHECKINS["quarterly"] if s.kind == "continuous" else None,
            "policy_id": policies[s.policy], "active": True,
            # Set to EPOCH province by province below, so materialise can report progress.
            "expanded_through": None, "next_expand_at": None,
        }
        for p in codes for s in SPECS
    ]
    _insert(session, Obligation, obligations)
    log(f"  {len(plans)} plans, {len(obligations)} obligations")


def materialise_everything(engine: Engine, rt: Runtime) -> int:
    """``flows.sweep.materialise`` at T0 with a horizon past the plans' end: the past and the future."""
    with Session(engine) as session:
        plan_ids = list(session.scalars(select(Plan.id).order_by(Plan.id)))
    created = done = 0
    for chunk in chunks(plan_ids, 5):
        with session_scope(engine) as session:
            session.execute(update(Obligation).where(Obligation.plan_id.in_(chunk)).values(next_expand_at=EPOCH))
            created += materialise(session, rt, T0)
        done += len(chunk)
        log(f"  materialised {created} occurrences ({done}/{len(plan_ids)} plans)")
    return created


def _shift(column, days: int, dialect: str):
    """``column`` moved by whole days, in SQL, stored as the column's own type stores it."""
    if dialect == "sqlite":  # UTCDateTime on SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC
        return func.strftime("%Y-%m-%d %H:%M:%f", column, f"{days:+d} days", type_=String).concat("000")
    return column + literal(timedelta(days=days), Interval())


def settle_the_past(engine: Engine, dialect: str) -> None:
    """Leave the past as coordinators would have: most occurrences done, some still open.

    A pseudo-random draw per row (a hash of its ids, so every run and both databases agree) decides:
    deadlines over 30 days before T0: 80 % done on time, 16 % done late, 4 % still open (overdue and
    escalating); deadlines in the 30 days before T0: 60 % done on time, the rest open. The ladders of
    open occurrences were handled by the daily sweeps up to the day before T0.
    """
    occ = Occurrence.__table__
    draw = (occ.c.id * 37 + occ.c.obligation_id * 11) % 100
    deadline = occ.c.effective_deadline
    old = deadline < T0 - timedelta(days=30)
    recent = (deadline >= T0 - timedelta(days=30)) & (deadline < T0)
    with session_scope(engine) as session:
        on_time = session.execute(
            update(occ).where(old, draw < 80).values(
                status=Status.DONE_ON_TIME.value, submitted_at=_shift(deadline, -2, dialect),
                completed_at=_shift(deadline, 2, dialect), next_action_at=None)
        ).rowcount
        late = session.execute(
            update(occ).where(old, draw >= 80, draw < 96).values(
                status=Status.DONE_LATE.value, submitted_at=_shift(deadline, 5, dialect),
                completed_at=_shift(deadline, 7, dialect), next_action_at=None)
        ).rowcount
        on_time += session.execute(
            update(occ).where(recent, draw < 60).values(
                status=Status.DONE_ON_TIME.value, submitted_at=_shift(deadline, -1, dialect),
                completed_at=_shift(deadline, -1, dialect), next_action_at=None)
        ).rowcount
        still_open = session.execute(
            update(occ).where(occ.c.status == Status.ON_TRACK.value).values(ladder_done_until=T0 - timedelta(days=1))
        ).rowcount
    log(f"  settled the past: {on_time} done on time, {late} done late; {still_open} open")


def analyze(engine: Engine, dialect: str) -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or ``ANALYZE`` (SQLite) would leave them."""
    with engine.begin() as connection:
        if dialect == "postgresql":
            for table in ("occurrence", "obligation", "plan", "notification", "agency", "contact"):
                connection.execute(text(f'ANALYZE "{table}"'))
        else:
            connection.execute(text("ANALYZE"))


def steady_state(engine: Engine, rt: Runtime, dialect: str) -> SweepStats:
    """Every occurrence of the plans, the past settled, then one ``sweep`` at T0."""
    materialise_everything(engine, rt)
    settle_the_past(engine, dialect)
    commits = 0

    def progress(_connection) -> None:
        nonlocal commits
        commits += 1
        if commits % 10 == 0:
            log(f"  sweep at T0: {commits} transactions (batches of {BATCH})")

    event.listen(engine, "commit", progress)
    try:
        stats = sweep(engine, rt, T0, batch=BATCH)
    finally:
        event.remove(engine, "commit", progress)
    log(f"  sweep at T0: {stats.as_dict()}")
    analyze(engine, dialect)
    return stats
