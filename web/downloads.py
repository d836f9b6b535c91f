"""Files to take away: the overdue report (.xlsx), tables as CSV, and deadline feeds (.ics) that calendars
subscribe to at a secret address, without signing in."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from obligations.flows import dashboard
from obligations.flows.report import list_blockers, occurrences_at
from obligations.models.tables import Agency
from obligations.notifications.links import CALENDAR_SALT, LinkError
from obligations.web import exports
from obligations.web.auth import Viewer, active_contact, viewer_for
from obligations.web.deps import current_viewer, db, download, state
from obligations.web.pages import _plan

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _views(request: Request, session: Session, viewer: Viewer, *, plan: str | None = None,
           agency: str | None = None) -> list:
    web = state(request)
    return [v for v in occurrences_at(session, web.rt, web.now(), plan=plan, agency=agency)
            if viewer.sees(v.plan_id, v.agency_id)]


@router.get("/plans/{code}/overdue.xlsx")
def overdue_xlsx(code: str, request: Request, viewer: Viewer = Depends(current_viewer),
                 session: Session = Depends(db)) -> Response:
    plan = _plan(session, viewer, code)
    web = state(request)
    content = exports.overdue_workbook(_views(request, session, viewer, plan=code), title=plan.title,
                                       as_of_day=web.rt.calendar(plan.zone).local_date(web.now()),
                                       language=viewer.language)
    return download(content, XLSX, f"bao-cao-qua-han-{plan.code}.xlsx")


@router.get("/plans/{code}/occurrences.csv")
def plan_csv(code: str, request: Request, viewer: Viewer = Depends(current_viewer),
             session: Session = Depends(db)) -> Response:
    _plan(session, viewer, code)
    return download(exports.occurrences_csv(_views(request, session, viewer, plan=code)), "text/csv; charset=utf-8",
                 f"nhiem-vu-{code}.csv")


@router.get("/agencies/{code}/occurrences.csv")
def agency_csv(code: str, request: Request, plan: str | None = None, viewer: Viewer = Depends(current_viewer),
               session: Session = Depends(db)) -> Response:
    views = _views(request, session, viewer, plan=plan, agency=code)
    return download(exports.occurrences_csv(views), "text/csv; charset=utf-8", f"nhiem-vu-{code}.csv")


@router.get("/plans/{code}/blockers.csv")
def blockers_csv(code: str, viewer: Viewer = Depends(current_viewer), session: Session = Depends(db)) -> Response:
    _plan(session, viewer, code)
    rows = [b for b in list_blockers(session, open_only=False, plan=code) if viewer.sees(b.plan_id, b.agency_id)]
    content = exports.csv_table(
        ["Số", "Số kỳ", "Mã cơ quan", "Cơ quan", "Mã nhiệm vụ", "Nhiệm vụ", "Vướng mắc", "Người nêu", "Thời điểm nêu",
         "Người giải quyết", "Thời điểm giải quyết", "Cách giải quyết"],
        [[b.id, b.occurrence_id, b.agency_code, b.agency_name, b.ref, b.title, b.text, b.raised_by, b.raised_at,
          b.resolved_by, b.resolved_at, b.resolution_note] for b in rows])
    return download(content, "text/csv; charset=utf-8", f"vuong-mac-{code}.csv")


@router.get("/messages.csv")
def messages_csv(viewer: Viewer = Depends(current_viewer), session: Session = Depends(db)) -> Response:
    rows = dashboard.messages_to_fix(session, viewer.plan_ids)
    content = exports.csv_table(
        ["Số", "Số kỳ", "Loại", "Người nhận", "Cơ quan", "Kênh", "Trạng thái", "Số lần gửi", "Lý do lỗi"],
        [[r["id"], r["occurrence"], r["kind"], r["recipient"], r["agency"], r["channel"], r["status"], r["attempts"],
          r["error"]] for r in rows])
    return download(content, "text/csv; charset=utf-8", "tin-nhan-loi.csv")


@router.get("/calendar/{token}.ics")
def calendar_feed(token: str, request: Request, session: Session = Depends(db)) -> Response:
    """A deadline feed: an agency's items, or the items a contact answers for; the address is the secret."""
    web = state(request)
    try:
        data = web.signer.read(token, salt=CALENDAR_SALT, now=web.now(), max_age_seconds=None).data
    except LinkError:
        raise HTTPException(404) from None
    if isinstance(data.get("agency"), int) and (agency := session.get(Agency, data["agency"])) is not None:
        views = occurrences_at(session, web.rt, web.now(), agency=agency.code)
        name = agency.name
    elif isinstance(data.get("contact"), int) and (contact := active_contact(session, data["contact"])) is not None:
        viewer = viewer_for(session, contact)
        views = [v for v in occurrences_at(session, web.rt, web.now()) if viewer.answers_for(v.agency_id)
                 or viewer.reviews(v.plan_id)]
        name = f"{contact.name} — {session.get(Agency, contact.agency_id).name}"
    else:
        raise HTTPException(404)
    base = str(request.base_url).rstrip("/")
    settings = web.rt.settings
    content = exports.deadline_calendar(views, name=f"Hạn nhiệm vụ — {name}", office_start=settings.office_start,
                                        office_end=settings.office_end,
                                        link=lambda occurrence_id: f"{base}/occurrences/{occurrence_id}")
    return Response(content, media_type="text/calendar; charset=utf-8")

