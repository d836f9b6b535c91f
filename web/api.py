"""The JSON API for other government systems, under ``/api/v1``: statuses by plan and agency, occurrences,
the overdue list, at the app's clock.

Two ways in. A system sends ``Authorization: Bearer <token>``, a token the operator issued with
``obligations api-token add``; only its SHA-256 is stored, and it reads every plan. A signed-in browser
(the session cookie) reads what its contact sees on the pages, no more: asking for another agency's or
plan's items is refused with 403, as the pages refuse them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Security
from fastapi import Path as PathParam
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session

from obligations.flows.dashboard import visible_plans
from obligations.flows.report import OccurrenceView, occurrences_at
from obligations.models.tables import Agency, ApiToken, Plan
from obligations.notifications.links import token_digest
from obligations.rules.status import LABELS_VI, Status
from obligations.web.auth import Forbidden, Viewer, active_contact, session_contact_id, viewer_for
from obligations.web.deps import db, state


class Problem(BaseModel):
    """Lỗi. An error."""

    detail: str = Field(description="Lý do (the reason)")


router = APIRouter(prefix="/api/v1", tags=["v1"], responses={
    401: {"model": Problem, "description": "Thiếu, sai hoặc đã thu hồi mã truy cập (no valid token or session)"},
    403: {"model": Problem, "description": "Phiên đăng nhập không được xem mục này (not this viewer's items)"},
    404: {"model": Problem, "description": "Không có kế hoạch hoặc cơ quan này (no such plan or agency)"},
})

bearer = HTTPBearer(auto_error=False, scheme_name="token", bearerFormat="opaque",
                    description="Mã truy cập do quản trị viên cấp (`obligations api-token add`). "
                                "A token issued by the operator with `obligations api-token add`.")
browser_session = APIKeyCookie(name="obligations_session", scheme_name="session", auto_error=False,
                               description="Phiên đăng nhập của trang web: chỉ thấy các mục của người đăng nhập. "
                                           "The web app's session: only the signed-in contact's items.")
UNAUTHORIZED = "thiếu, sai hoặc đã thu hồi mã truy cập (missing, unknown or revoked token)"
LONGEST_CODE = 200  # longer than any code column: such a code names nothing


@dataclass(frozen=True)
class Reader:
    """Who reads: a token (every plan) or a signed-in contact (what they see on the pages)."""

    viewer: Viewer | None = None  # None: a token

    def sees(self, plan_id: int | None, agency_id: int | None) -> bool:
        return self.viewer is None or self.viewer.sees(plan_id, agency_id)


def reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    _cookie: Annotated[str | None, Security(browser_session)],
    session: Annotated[Session, Depends(db)],
) -> Reader:
    """The token's reader, else the session's; 401 otherwise. A request that sends an Authorization header
    is judged by it alone, so a system's bad token is never covered by a browser cookie."""
    unauthorized = HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    if "authorization" in request.headers:
        if credentials is None:
            raise unauthorized
        found = session.scalar(select(ApiToken.id).where(ApiToken.sha256 == token_digest(credentials.credentials),
                                                         ApiToken.revoked_at.is_(None)))
        if found is None:
            raise unauthorized
        return Reader()
    web = state(request)
    contact_id = session_contact_id(request, web.now(), web.rt.settings.session_max_age_hours * 3600)
    contact = active_contact(session, contact_id)
    if contact is None:
        raise unauthorized
    return Reader(viewer_for(session, contact))


Who = Annotated[Reader, Depends(reader)]
Db = Annotated[Session, Depends(db)]
PlanCode = Annotated[str, PathParam(description="Mã kế hoạch (the plan's code)")]
AgencyCode = Annotated[str, PathParam(description="Mã cơ quan (the agency's code)")]
PlanFilter = Annotated[str | None, Query(description="Chỉ kế hoạch có mã này (only this plan's items)")]
AgencyFilter = Annotated[str | None, Query(description="Chỉ cơ quan có mã này (only this agency's items)")]


# ------------------------------------------------------------------------------ what is returned


class StatusCounts(BaseModel):
    """Số kỳ thực hiện theo trạng thái. Occurrences by status."""

    on_track: int = Field(0, description=f"{LABELS_VI[Status.ON_TRACK]} (on track)")
    due_soon: int = Field(0, description=f"{LABELS_VI[Status.DUE_SOON]} (due soon)")
    submitted: int = Field(0, description=f"{LABELS_VI[Status.SUBMITTED]} (submitted, awaiting review)")
    overdue: int = Field(0, description=f"{LABELS_VI[Status.OVERDUE]} (overdue)")
    done_on_time: int = Field(0, description=f"{LABELS_VI[Status.DONE_ON_TIME]} (done on time)")
    done_late: int = Field(0, description=f"{LABELS_VI[Status.DONE_LATE]} (done late)")
    waived: int = Field(0, description=f"{LABELS_VI[Status.WAIVED]} (waived)")
    withdrawn: int = Field(0, description=f"{LABELS_VI[Status.WITHDRAWN]} (withdrawn with its task or plan)")
    total: int = Field(0, description="Tổng số, bằng tổng các trạng thái (all of them: the sum of the above)")


class PlanSummary(BaseModel):
    """Một kế hoạch và số kỳ thực hiện theo trạng thái. A plan with its occurrences by status."""

    code: str = Field(description="Mã kế hoạch (code)")
    title: str = Field(description="Tên kế hoạch (title)")
    number: str | None = Field(description="Số hiệu văn bản (the document's number)")
    start: date = Field(description="Ngày bắt đầu (first day)")
    end: date = Field(description="Ngày kết thúc (last day)")
    zone: str = Field(description="Múi giờ của kế hoạch (the plan's time zone)")
    counts: StatusCounts


class PlanList(BaseModel):
    """Các kế hoạch người đọc được xem. The plans the reader sees."""

    as_of: datetime = Field(description="Thời điểm tính trạng thái, UTC (the moment of the statuses)")
    plans: list[PlanSummary]


class AgencyCounts(BaseModel):
    """Số kỳ thực hiện của một cơ quan theo trạng thái. One agency's occurrences by status."""

    code: str = Field(description="Mã cơ quan (code)")
    name: str = Field(description="Tên cơ quan (name)")
    counts: StatusCounts


class PlanStatuses(BaseModel):
    """Trạng thái của một kế hoạch, tổng và theo cơ quan. A plan's statuses, in all and by agency."""

    as_of: datetime = Field(description="Thời điểm tính trạng thái, UTC (the moment of the statuses)")
    plan: PlanSummary
    by_agency: list[AgencyCounts] = Field(description="Theo cơ quan, theo mã (by agency, by code)")


class PlanCounts(BaseModel):
    """Số kỳ thực hiện trong một kế hoạch theo trạng thái. Occurrences of one plan by status."""

    code: str = Field(description="Mã kế hoạch (code)")
    title: str = Field(description="Tên kế hoạch (title)")
    counts: StatusCounts


class AgencyStatuses(BaseModel):
    """Trạng thái các nhiệm vụ của một cơ quan. An agency's statuses, in all and by plan."""

    as_of: datetime = Field(description="Thời điểm tính trạng thái, UTC (the moment of the statuses)")
    code: str = Field(description="Mã cơ quan (code)")
    name: str = Field(description="Tên cơ quan (name)")
    plan: str | None = Field(description="Kế hoạch đã chọn, nếu có (the plan asked for, if any)")
    counts: StatusCounts
    by_plan: list[PlanCounts] = Field(description="Theo kế hoạch (by plan)")


class OccurrenceItem(BaseModel):
    """Một kỳ thực hiện của một nhiệm vụ được giao. One occurrence of an obligation."""

    id: int = Field(description="Mã kỳ thực hiện (the occurrence's id)")
    plan: str = Field(description="Mã kế hoạch (the plan's code)")
    ref: str = Field(description="Mục trong kế hoạch, ví dụ III.1.8 (the provision's reference)")
    title: str = Field(description="Nội dung (title)")
    agency: str = Field(description="Mã cơ quan thực hiện (the agency's code)")
    agency_name: str = Field(description="Tên cơ quan thực hiện (the agency's name)")
    period: str = Field(description="Kỳ, ví dụ 2017 (the period)")
    checkin: bool = Field(description="Là lần báo cáo tiến độ (a progress check-in)")
    deadline: date = Field(description="Ngày cuối của hạn, theo múi giờ kế hoạch (the deadline's last day)")
    deadline_at: datetime | None = Field(description="Hạn chót, UTC (the effective deadline, an instant)")
    status: Status = Field(description="Trạng thái (status)")
    working_days_overdue: int = Field(description="Số ngày làm việc quá hạn (working days overdue)")


class OccurrencePage(BaseModel):
    """Một trang kỳ thực hiện. A page of occurrences."""

    as_of: datetime = Field(description="Thời điểm tính trạng thái, UTC (the moment of the statuses)")
    total: int = Field(description="Tổng số khớp điều kiện (how many match, on every page)")
    limit: int
    offset: int
    items: list[OccurrenceItem]


class OverdueList(BaseModel):
    """Các kỳ quá hạn, lâu nhất trước. Overdue occurrences, most overdue first."""

    as_of: datetime = Field(description="Thời điểm tính trạng thái, UTC (the moment of the statuses)")
    total: int
    items: list[OccurrenceItem]


# ------------------------------------------------------------------------------ reading


def _named(session: Session, table: type[Plan] | type[Agency], code: str | None, what: str):
    """The plan or agency with ``code``; 404 when there is none. A code no column could hold (too long, a
    control character) is looked up nowhere: PostgreSQL refuses a NUL byte in a parameter."""
    row = None
    if code and len(code) <= LONGEST_CODE and code.isprintable():
        row = session.scalar(select(table).where(table.code == code))
    if row is None:
        raise HTTPException(404, f"không có {what} này (no such {'plan' if table is Plan else 'agency'})")
    return row


def _views(request: Request, session: Session, who: Reader, plan_code: str | None,
           agency_code: str | None) -> list[OccurrenceView]:
    """The occurrences the reader sees, narrowed to a plan and an agency when given (an empty value is none
    given). A viewer is refused a plan they have nothing in, and an agency they neither answer for nor
    see an item of, as the pages refuse them."""
    plan = _named(session, Plan, plan_code, "kế hoạch") if plan_code else None
    agency = _named(session, Agency, agency_code, "cơ quan") if agency_code else None
    viewer = who.viewer
    if plan is not None and viewer is not None and plan.id not in {
            p.id for p in visible_plans(session, viewer.plan_ids, viewer.agency_ids)}:
        raise Forbidden()
    web = state(request)
    views = [v for v in occurrences_at(session, web.rt, web.now(), plan=plan.code if plan else None,
                                       agency=agency.code if agency else None)
             if who.sees(v.plan_id, v.agency_id)]
    if agency is not None and viewer is not None and not views and not viewer.answers_for(agency.id):
        raise Forbidden()
    return views


def _counts(views: list[OccurrenceView]) -> StatusCounts:
    # StatusCounts has a field for every status (tests/test_web_withdrawn.py): one without would be dropped
    # silently, and the counts would not add up to the total.
    return StatusCounts(**Counter(v.status.value for v in views), total=len(views))


def _summary(plan: Plan, views: list[OccurrenceView]) -> PlanSummary:
    return PlanSummary(code=plan.code, title=plan.title, number=plan.number, start=plan.start, end=plan.end,
                       zone=plan.zone, counts=_counts(views))


def _item(view: OccurrenceView) -> OccurrenceItem:
    return OccurrenceItem(
        id=view.id, plan=view.plan, ref=view.ref, title=view.title, agency=view.agency_code,
        agency_name=view.agency_name, period=view.period, checkin=view.checkin,
        deadline=date.fromisoformat(view.deadline_day), deadline_at=view.deadline_at, status=view.status,
        working_days_overdue=view.working_days_overdue,
    )


def _grouped(views: list[OccurrenceView], key) -> dict:
    groups: dict = {}
    for view in views:
        groups.setdefault(key(view), []).append(view)
    return groups


# ------------------------------------------------------------------------------ the routes


@router.get("/plans", response_model=PlanList, summary="Các kế hoạch và trạng thái (plans with their statuses)")
def plans(request: Request, who: Who, session: Db) -> PlanList:
    """Mọi kế hoạch người đọc được xem, mỗi kế hoạch với số kỳ thực hiện theo trạng thái.
    Every plan the reader sees, each with its occurrences counted by status."""
    viewer = who.viewer
    if viewer is None:
        rows = list(session.scalars(select(Plan).order_by(Plan.start, Plan.code)))
    else:
        rows = visible_plans(session, viewer.plan_ids, viewer.agency_ids)
    by_plan = _grouped(_views(request, session, who, None, None), lambda v: v.plan_id)
    return PlanList(as_of=state(request).now(), plans=[_summary(p, by_plan.get(p.id, [])) for p in rows])


@router.get("/plans/{code}/statuses", response_model=PlanStatuses,
            summary="Trạng thái của một kế hoạch (a plan's statuses)")
def plan_statuses(code: PlanCode, request: Request, who: Who, session: Db) -> PlanStatuses:
    """Số kỳ thực hiện của kế hoạch theo trạng thái, tổng và theo từng cơ quan.
    The plan's occurrences by status, in all and by agency."""
    plan = _named(session, Plan, code, "kế hoạch")
    views = _views(request, session, who, plan.code, None)
    agencies = _grouped(views, lambda v: (v.agency_code, v.agency_name))
    return PlanStatuses(
        as_of=state(request).now(), plan=_summary(plan, views),
        by_agency=[AgencyCounts(code=c, name=n, counts=_counts(group)) for (c, n), group in sorted(agencies.items())],
    )


@router.get("/agencies/{code}/statuses", response_model=AgencyStatuses,
            summary="Trạng thái nhiệm vụ của một cơ quan (an agency's statuses)")
def agency_statuses(code: AgencyCode, request: Request, who: Who, session: Db,
                    plan: PlanFilter = None) -> AgencyStatuses:
    """Số kỳ thực hiện của cơ quan theo trạng thái, tổng và theo kế hoạch; ``plan``: chỉ một kế hoạch.
    The agency's occurrences by status, in all and by plan; ``plan``: one plan only."""
    agency = _named(session, Agency, code, "cơ quan")
    views = _views(request, session, who, plan, agency.code)
    by_plan = _grouped(views, lambda v: v.plan_id)
    titles = dict(session.execute(select(Plan.id, Plan.title).where(Plan.id.in_(set(by_plan) or {-1}))).all())
    return AgencyStatuses(
        as_of=state(request).now(), code=agency.code, name=agency.name, plan=plan or None, counts=_counts(views),
        by_plan=[PlanCounts(code=group[0].plan, title=titles[plan_id], counts=_counts(group))
                 for plan_id, group in sorted(by_plan.items(), key=lambda item: item[1][0].plan)],
    )


@router.get("/occurrences", response_model=OccurrencePage, summary="Các kỳ thực hiện (occurrences)")
def occurrences(
    request: Request, who: Who, session: Db, plan: PlanFilter = None, agency: AgencyFilter = None,
    status: Annotated[Status | None, Query(description="Chỉ trạng thái này (only this status)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Số mục tối đa (at most this many items)")] = 200,
    offset: Annotated[int, Query(ge=0, description="Bỏ qua chừng này mục đầu (skip this many)")] = 0,
) -> OccurrencePage:
    """Các kỳ thực hiện người đọc được xem, theo cơ quan rồi theo hạn; lọc theo kế hoạch, cơ quan, trạng thái.
    The occurrences the reader sees, by agency then deadline; filtered by plan, agency and status."""
    views = [v for v in _views(request, session, who, plan, agency) if status is None or v.status == status]
    return OccurrencePage(as_of=state(request).now(), total=len(views), limit=limit, offset=offset,
                          items=[_item(v) for v in views[offset:offset + limit]])


@router.get("/overdue", response_model=OverdueList, summary="Danh sách quá hạn (the overdue list)")
def overdue(request: Request, who: Who, session: Db, plan: PlanFilter = None,
            agency: AgencyFilter = None) -> OverdueList:
    """Các kỳ quá hạn người đọc được xem, quá hạn lâu nhất trước (số ngày làm việc).
    The overdue occurrences the reader sees, the most working days overdue first."""
    views = [v for v in _views(request, session, who, plan, agency) if v.status == Status.OVERDUE]
    views.sort(key=lambda v: (-v.working_days_overdue, v.deadline_day, v.agency_code, v.id))
    return OverdueList(as_of=state(request).now(), total=len(views), items=[_item(v) for v in views])
