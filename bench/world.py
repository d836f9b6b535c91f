"""The synthetic national world of the benchmarks: a deterministic generator sized in occurrences.

A ministry tracking the same plan in every province: each province has a plan 2017-2020, its
People's Committee, 24 agencies under it (20 of them in one group), a focal point and a manager per
agency (the coordinating agency SNGV also has a coordinator; a third of the contacts prefer Zalo) and
36 obligations: monthly, quarterly and yearly reports by the group, continuous tasks with quarterly
check-ins, one-off tasks and the budget cycle.

``build(engine, rt, occurrences=N, morning=M)`` writes the state the daily sweeps would have left the
evening before ``M`` (``M`` - 1 day, same local time, called ``S``): the occurrences whose deadline lies
within the horizon of ``S``, the past settled the way coordinators would have left it (a
deterministic draw per row: most done on time or late, some still open and escalating), each open
one's status, ``ladder_done_until`` = S and ``next_action_at``, each obligation's next expansion. Rows
are computed once per distinct deadline and written in batches (executemany; COPY on PostgreSQL), so
a million occurrences take about a minute, not the hours a replay of the sweeps would.

The state is what ``flows.sweep.sweep`` would write (status, next action), computed with the same
rules (``rules.schedule.periods``, ``rules.ladder.catch_up``, ``rules.status``); nothing is due at ``S``.
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
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine, make_url

from obligations.config.settings import Settings
from obligations.flows.runtime import Runtime
from obligations.models.db import create_db_engine, upgrade
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
from obligations.rules.ladder import Policy, catch_up, chain_end, reminder_window_opens
from obligations.rules.schedule import CHECKINS, Period, Schedule, periods
from obligations.rules.status import OPEN, Status, next_status_change, open_status

ZONE = "Asia/Ho_Chi_Minh"
HORIZON_DAYS = 60
PLAN_START, PLAN_END = date(2017, 4, 1), date(2020, 12, 31)
FAR_FUTURE = date(9999, 12, 31)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OPEN_STATUSES = sorted(s.value for s in OPEN)


def local_morning(day: date) -> datetime:
    """07:30 in Hanoi (UTC+7, no daylight saving time), before the office opens: when the sweep runs."""
    return datetime(day.year, day.month, day.day, 0, 30, tzinfo=UTC)


# A typical morning: Tuesday 22 October 2019, mid-quarter, a reminder day of some monthly reports and an
# escalation day of others: about 1 % of the stored occurrences due, each writing one message.
# The quarter-end: Tuesday 1 October 2019, the day after the check-ins of 30 September and a monthly
# deadline; many due rows only change status.
MORNINGS = {"typical": local_morning(date(2019, 10, 22)), "quarter_end": local_morning(date(2019, 10, 1))}

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
AGENCY_CODES = ["UBND-TINH", "SNGV", *(code for code, _ in DEPARTMENTS)]
MEMBERS = [code for code, _ in DEPARTMENTS[:20]]
GROUP = "*group*"


@dataclass(frozen=True)
class Spec:
    ref: str
    title: str
    lead: str  # an agency code, or GROUP
    kind: str  # recurring | continuous | once | cycle
    rrule: str | None = None
    due: date | None = None
    inclusive: bool = False
    phrase: str = ""
    cycle: str | None = None

    @property
    def policy(self) -> str:
        return "checkin" if self.kind == "continuous" else "default"

    @property
    def schedule(self) -> Schedule:
        return Schedule(kind=self.kind, due=self.due, rrule=self.rrule, inclusive=self.inclusive,  # type: ignore[arg-type]
                        phrase=self.phrase, cycle=self.cycle,
                        checkin=CHECKINS["quarterly"] if self.kind == "continuous" else None)

    @property
    def label(self) -> str:
        """The schedule's kind as reported: yearly, quarterly, monthly, once, continuous, cycle."""
        if self.kind != "recurring":
            return self.kind
        return "monthly" if "MONTHLY" in (self.rrule or "") else "quarterly" if "," in (self.rrule or "") else "yearly"


def _monthly(ref: str, title: str, day: int, inclusive: bool) -> Spec:
    phrase = f"{'chậm nhất' if inclusive else 'trước'} ngày {day} hàng tháng"
    return Spec(ref, title, GROUP, "recurring", f"FREQ=MONTHLY;BYMONTHDAY={day}", inclusive=inclusive, phrase=phrase)


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
    _monthly("III.6.1", "Báo cáo tháng tình hình hoạt động đối ngoại", 20, False),
    _monthly("III.6.2", "Báo cáo tháng về đoàn ra, đoàn vào", 25, True),
    _monthly("III.6.8", "Báo cáo tháng về tình hình người nước ngoài", 5, True),
    _monthly("III.6.9", "Báo cáo tháng về viện trợ phi chính phủ nước ngoài", 10, False),
    _monthly("III.6.10", "Báo cáo tháng về thông tin đối ngoại", 15, True),
    _monthly("III.6.11", "Báo cáo tháng về công tác lãnh sự", 28, False),
    Spec("III.6.12", "Báo cáo quý tình hình thực hiện kế hoạch", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=18", phrase="trước ngày 18 tháng cuối quý"),
    Spec("III.6.13", "Báo cáo quý về hợp tác quốc tế", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=25", inclusive=True, phrase="chậm nhất ngày 25 tháng cuối quý"),
    Spec("III.6.4", "Báo cáo tổng hợp kết quả công tác đối ngoại nhân dân", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", phrase="trước ngày 15 tháng 12 hàng năm"),
    Spec("III.6.5", "Báo cáo sơ kết 6 tháng", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15", phrase="trước ngày 15 tháng 6 hàng năm"),
    Spec("III.6.6", "Báo cáo công tác thông tin đối ngoại", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=30", inclusive=True, phrase="chậm nhất ngày 30 tháng 11 hàng năm"),
    Spec("III.6.7", "Báo cáo tình hình người nước ngoài trên địa bàn", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20", phrase="trước ngày 20 tháng 12 hàng năm"),
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
KINDS = sorted({spec.label for spec in SPECS})

STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def bench_settings(**overrides) -> Settings:
    """The settings every benchmark process uses: the plan's zone, the default horizon, no .env file."""
    return Settings(_env_file=None, zone=ZONE, horizon_days=HORIZON_DAYS, **overrides)


# ---------------------------------------------------------------------------------------------------
# The database


def _bench_schema() -> str:
    return f"bench_{secrets.token_hex(4)}"


def url_with_schema(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use ``schema`` (what another process, or the flow, opens)."""
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


@contextmanager
def fresh_database(url: str | None) -> Iterator[tuple[Engine, str]]:
    """A migrated, empty database; removed afterwards (a temporary SQLite file or a PostgreSQL schema).

    The engine's URL (``engine.url``, with the schema in its search path on PostgreSQL) is what a
    child process opens.
    """
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
        schema = _bench_schema()
        admin = create_db_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_db_engine(url_with_schema(url, schema))
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


def engine_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


# ---------------------------------------------------------------------------------------------------
# The rows of one province, computed once per distinct deadline


@dataclass(frozen=True)
class Deadline:
    period: Period
    nominal: datetime
    effective: datetime


@dataclass
class World:
    """What ``build`` wrote and where the morning stands."""

    morning: datetime
    before: datetime  # S: the state is the one the sweep at S left
    provinces: int
    by_kind: dict[str, int]
    occurrences: int
    open: int
    due: int
    setup_s: float
    max_id: int  # the highest occurrence id stored: later ones were created by a run


def provinces_for(occurrences: int, rt: Runtime, morning: datetime) -> int:
    """How many provinces hold about ``occurrences`` occurrences (at least one)."""
    per_province = sum(len(_deadlines(rt, spec, morning)) * len(_leads(spec)) for spec in SPECS)
    return max(1, round(occurrences / per_province))


def _leads(spec: Spec) -> list[str]:
    return MEMBERS if spec.lead == GROUP else [spec.lead]


def _until(rt: Runtime, before: datetime) -> date:
    return rt.calendar(ZONE).local_date(before + timedelta(days=HORIZON_DAYS))


def _window() -> dict:
    return dict(plan_start=PLAN_START, plan_end=PLAN_END)


def _cycles(rt: Runtime) -> dict:
    return rt.cycles(SimpleNamespace(cycles={}))  # type: ignore[arg-type]


def _deadlines(rt: Runtime, spec: Spec, morning: datetime) -> list[Deadline]:
    """The spec's periods materialised at S (due within S's horizon), with their deadlines."""
    calendar = rt.calendar(ZONE)
    until = _until(rt, morning - timedelta(days=1))
    found = periods(spec.schedule, until=until, cycles=_cycles(rt), **_window())
    result = []
    for period in found:
        nominal = calendar.deadline_for(period.due, inclusive=period.inclusive)
        result.append(Deadline(period, nominal, calendar.effective_deadline(nominal)))
    return result


def _next_expansion(rt: Runtime, spec: Spec, before: datetime) -> tuple[date, datetime | None]:
    """``expanded_through`` and ``next_expand_at`` as the sweep at S leaves them."""
    calendar = rt.calendar(ZONE)
    until = _until(rt, before)
    following = periods(spec.schedule, until=FAR_FUTURE, after=until, cycles=_cycles(rt), **_window())[:1]
    at = calendar.start_of_day(following[0].due) - timedelta(days=HORIZON_DAYS) if following else None
    return until, at


def open_state(rt: Runtime, policy: Policy, deadline: datetime, at: datetime) -> dict:
    """Status, ``ladder_done_until`` and ``next_action_at`` of an open occurrence after the sweep at ``at``."""
    calendar = rt.calendar(ZONE)
    window = reminder_window_opens(deadline, policy, calendar)
    due = catch_up(deadline, policy, calendar, done_until=at, as_of=at, ends=chain_end(PLAN_END, policy, calendar))
    upcoming = [t for t in (due.next_step_at, next_status_change(at, deadline, window)) if t is not None]
    return {"status": open_status(at, deadline, window).value, "ladder_done_until": at,
            "next_action_at": min(upcoming) if upcoming else None}


def _draw(*parts: int) -> int:
    """A pseudo-random percentage from the row's coordinates: every run and both databases agree."""
    value = 0
    for part in parts:
        value = (value * 1_000_003 + part + 1) % 4_294_967_291
    return (value * 2_654_435_761) % 4_294_967_291 % 100


def _settled(deadline: datetime, before: datetime, draw: int) -> dict | None:
    """A past occurrence as coordinators would have left it; None while it is still open.

    Deadlines over 30 days before S: 80 % done on time, 16 % done late, 4 % still open (overdue,
    escalating). In the 30 days before S: 60 % done on time, the rest open. Later ones are open.
    """
    if deadline >= before:
        return None
    old = deadline < before - timedelta(days=30)
    if draw < (80 if old else 60):
        return {"status": Status.DONE_ON_TIME.value, "submitted_at": deadline - timedelta(days=2),
                "completed_at": min(deadline + timedelta(days=1), before), "next_action_at": None}
    if old and draw < 96:
        return {"status": Status.DONE_LATE.value, "submitted_at": deadline + timedelta(days=5),
                "completed_at": deadline + timedelta(days=7), "next_action_at": None}
    return None


# ---------------------------------------------------------------------------------------------------
# Writing it


def _insert(connection, model, rows: list[dict], size: int = 10_000) -> None:
    for chunk in chunks(rows, size):
        connection.execute(insert(model.__table__), chunk)


def _static(engine: Engine, rt: Runtime, provinces: int, before: datetime) -> dict:
    """Policies, agencies, groups, contacts, plans, provisions and obligations; their ids."""
    codes = [f"P{p:03d}" for p in range(1, provinces + 1)]
    names = {code: PROVINCE_NAMES[n % len(PROVINCE_NAMES)] + ("" if n < len(PROVINCE_NAMES) else f" {n + 1}")
             for n, code in enumerate(codes)}
    department = dict(DEPARTMENTS) | {"SNGV": "Sở Ngoại vụ"}
    with engine.begin() as c:
        _insert(c, PolicyRow, [{"code": name, "definition": rt.defaults["policies"][name]}
                               for name in ("default", "checkin")])
        _insert(c, Agency, [{"code": f"{p}-UBND-TINH", "name": f"Ủy ban nhân dân tỉnh {names[p]}",
                             "parent_id": None} for p in codes])
        tops = dict(c.execute(select(Agency.code, Agency.id)).all())
        _insert(c, Agency, [{"code": f"{p}-{code}", "name": f"{department[code]} tỉnh {names[p]}",
                             "parent_id": tops[f"{p}-UBND-TINH"]} for p in codes for code in AGENCY_CODES[1:]])
        agencies = dict(c.execute(select(Agency.code, Agency.id)).all())
        _insert(c, AgencyGroup, [{"code": f"{p}-SBN", "name": "Các sở, ban, ngành; UBND các huyện, thị xã, "
                                  f"thành phố tỉnh {names[p]}"} for p in codes])
        groups = dict(c.execute(select(AgencyGroup.code, AgencyGroup.id)).all())
        _insert(c, AgencyGroupMember, [{"group_id": groups[f"{p}-SBN"], "agency_id": agencies[f"{p}-{code}"]}
                                       for p in codes for code in MEMBERS])
        contacts = []
        for p in codes:
            for n, code in enumerate(AGENCY_CODES):
                for role in ["focal_point", "manager"] + (["coordinator"] if code == "SNGV" else []):
                    zalo = n % 3 == 0  # a third of the contacts prefer Zalo
                    contacts.append({
                        "agency_id": agencies[f"{p}-{code}"], "name": f"{role} {p}-{code}", "role": role,
                        "title": None, "email": f"{role}.{p}-{code}@example.org".lower(),
                        "zalo_user_id": f"{4_000_000_000 + len(contacts)}" if zalo else None, "phone": None,
                        "channels": ["zalo", "email"] if zalo else ["email"], "language": "vi", "active": True,
                    })
        _insert(c, Contact, contacts)
        policies = dict(c.execute(select(PolicyRow.code, PolicyRow.id)).all())
        _insert(c, Plan, [
            {"code": f"{p}-dnnd-2017-2020", "title": "Kế hoạch triển khai công tác đối ngoại nhân dân tỉnh "
                                                      f"{names[p]} giai đoạn 2017-2020",
             "number": f"{100 + n}/KH-UBND", "issuer_id": tops[f"{p}-UBND-TINH"], "zone": ZONE,
             "start": PLAN_START, "end": PLAN_END, "coordinator_id": agencies[f"{p}-SNGV"],
             "manager_id": tops[f"{p}-UBND-TINH"], "cycles": {}, "created_at": EPOCH}
            for n, p in enumerate(codes)
        ])
        plans = dict(c.execute(select(Plan.code, Plan.id)).all())
        plan_of = {p: plans[f"{p}-dnnd-2017-2020"] for p in codes}
        _insert(c, Provision, [{"plan_id": plan_of[p], "ref": s.ref, "title": s.title, "text": f"{s.title}: {s.phrase}"}
                               for p in codes for s in SPECS])
        provisions = {(plan_id, ref): pid for plan_id, ref, pid in
                      c.execute(select(Provision.plan_id, Provision.ref, Provision.id))}
        expansion = {s.ref: _next_expansion(rt, s, before) for s in SPECS}
        _insert(c, Obligation, [
            {"plan_id": plan_of[p], "provision_id": provisions[(plan_of[p], s.ref)], "ref": s.ref,
             "title": s.title, "text": f"{s.title}: {s.phrase}",
             "lead_agency_id": None if s.lead == GROUP else agencies[f"{p}-{s.lead}"],
             "lead_group_id": groups[f"{p}-SBN"] if s.lead == GROUP else None,
             "report_to_id": agencies[f"{p}-SNGV"], "schedule_kind": s.kind, "due": s.due, "rrule": s.rrule,
             "inclusive": s.inclusive, "phrase": s.phrase, "cycle": s.cycle,
             "checkin_rrule": s.schedule.checkin, "policy_id": policies[s.policy], "active": True,
             "expanded_through": expansion[s.ref][0], "next_expand_at": expansion[s.ref][1]}
            for p in codes for s in SPECS
        ])
        obligations = {(plan_id, ref): oid for plan_id, ref, oid in
                       c.execute(select(Obligation.plan_id, Obligation.ref, Obligation.id))}
    log(f"  {provinces} provinces: {len(agencies)} agencies, {len(contacts)} contacts, {len(obligations)} obligations")
    return {"codes": codes, "agencies": agencies, "plan_of": plan_of, "obligations": obligations,
            "policies": policies}


def occurrence_rows(rt: Runtime, ids: dict, morning: datetime) -> Iterator[tuple[str, dict]]:
    """(schedule label, row) of every stored occurrence, province by province."""
    before = morning - timedelta(days=1)
    policies = {name: Policy.from_dict(rt.defaults["policies"][name]) for name in ("default", "checkin")}
    deadlines = {s.ref: _deadlines(rt, s, morning) for s in SPECS}
    states: dict[tuple[str, datetime], dict] = {}
    for p_index, p in enumerate(ids["codes"]):
        plan_id = ids["plan_of"][p]
        for s_index, spec in enumerate(SPECS):
            obligation_id = ids["obligations"][(plan_id, spec.ref)]
            for d_index, deadline in enumerate(deadlines[spec.ref]):
                for m_index, lead in enumerate(_leads(spec)):
                    row = {
                        "obligation_id": obligation_id, "agency_id": ids["agencies"][f"{p}-{lead}"],
                        "period_key": deadline.period.key, "checkin": deadline.period.checkin,
                        "nominal_deadline": deadline.nominal, "effective_deadline": deadline.effective,
                        "submitted_at": None, "completed_at": None, "missed_deadline": None,
                        "ladder_done_until": None,
                        "created_at": min(before, deadline.effective - timedelta(days=HORIZON_DAYS)),
                    }
                    settled = _settled(deadline.effective, before, _draw(p_index, s_index, d_index, m_index))
                    if settled is None:
                        key = (spec.policy, deadline.effective)
                        if key not in states:
                            states[key] = open_state(rt, policies[spec.policy], deadline.effective, before)
                        row |= states[key]
                    else:
                        row |= settled
                    yield spec.label, row


def _write_occurrences(engine: Engine, dialect: str, rows: Iterator[tuple[str, dict]]) -> dict[str, int]:
    by_kind: dict[str, int] = dict.fromkeys(KINDS, 0)
    batch: list[dict] = []
    written = 0
    with engine.begin() as connection:
        for label, row in rows:
            by_kind[label] += 1
            batch.append(row)
            if len(batch) == 50_000:
                _flush(connection, dialect, batch)
                written += len(batch)
                batch = []
                if written % 200_000 == 0:
                    log(f"  {written} occurrences written")
        _flush(connection, dialect, batch)
    return by_kind


COPY_COLUMNS = ["obligation_id", "agency_id", "period_key", "checkin", "nominal_deadline", "effective_deadline",
                "status", "submitted_at", "completed_at", "missed_deadline", "ladder_done_until", "next_action_at",
                "created_at"]


def _flush(connection, dialect: str, batch: list[dict]) -> None:
    if not batch:
        return
    if dialect != "postgresql":
        connection.execute(insert(Occurrence.__table__), batch)
        return
    # COPY: PostgreSQL's bulk path, an order of magnitude faster than even batched INSERTs.
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY occurrence ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row([row[column] for column in COPY_COLUMNS])


def analyze(engine: Engine, dialect: str) -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or ``ANALYZE`` (SQLite) would leave them."""
    if dialect == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def due_count(engine: Engine, as_of: datetime) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Occurrence).where(Occurrence.next_action_at <= as_of))


def build(engine: Engine, rt: Runtime, dialect: str, *, occurrences: int, morning: datetime) -> World:
    """The world of about ``occurrences`` occurrences as the sweep at ``morning`` - 1 day left it."""
    started = time.perf_counter()
    before = morning - timedelta(days=1)
    provinces = provinces_for(occurrences, rt, morning)
    log(f"building {provinces} provinces for about {occurrences} occurrences, state at {before.isoformat()}")
    ids = _static(engine, rt, provinces, before)
    by_kind = _write_occurrences(engine, dialect, occurrence_rows(rt, ids, morning))
    analyze(engine, dialect)
    setup_s = time.perf_counter() - started
    with engine.connect() as connection:
        stored = connection.scalar(text("SELECT count(*) FROM occurrence"))
        open_ = connection.scalar(text("SELECT count(*) FROM occurrence WHERE status IN "
                                       "('on_track', 'due_soon', 'overdue')"))
        max_id = connection.scalar(text("SELECT coalesce(max(id), 0) FROM occurrence"))
    world = World(morning, before, provinces, by_kind, stored, open_, due_count(engine, morning), round(setup_s, 2),
                  max_id)
    log(f"  built in {setup_s:.1f}s: {stored} occurrences ({by_kind}), {open_} open, {world.due} due at "
        f"{morning.isoformat()}, {due_count(engine, before)} due at S")
    return world
