"""The dashboard's pages for signed-in contacts: plans, a plan's overview, an agency, an occurrence, the
coordinator's queue and failed messages, and the actions their forms send (flows.entry.ACTIONS)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlmodel import Session

from obligations.flows import dashboard
from obligations.flows.actions import ActionError
from obligations.flows.entry import perform
from obligations.flows.report import list_blockers, occurrences_at
from obligations.models.tables import (
    Agency,
    Attachment,
    Blocker,
    Notification,
    Obligation,
    Occurrence,
    Plan,
    Submission,
)
from obligations.notifications.links import CALENDAR_SALT
from obligations.web.auth import Forbidden, Viewer, check_csrf
from obligations.web.deps import action_fields, current_viewer, db, download, page, state

router = APIRouter(include_in_schema=False)

# Who may perform which action from a page: the agency's own people, or the plan's coordinator.
ANSWERS = frozenset({"submit", "request_extension", "raise_blocker"})
REVIEWS = frozenset({"accept", "return", "extend", "waive", "refuse_extension"})
FLASH = "flash"


def _plan(session: Session, viewer: Viewer, code: str) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise HTTPException(404)
    if plan.id not in {p.id for p in dashboard.visible_plans(session, viewer.plan_ids, viewer.agency_ids)}:
        raise Forbidden()
    return plan


def calendar_url(request: Request, kind: str, entity_id: int) -> str:
    """The secret address of a deadline feed: the agency's, or a contact's (what they answer for)."""
    token = state(request).signer.sign({kind: entity_id}, salt=CALENDAR_SALT, at=state(request).now())
    return f"{str(request.base_url).rstrip('/')}/calendar/{token}.ics"


def _flash(request: Request) -> str | None:
    return request.session.pop(FLASH, None)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, viewer: Viewer = Depends(current_viewer), session: Session = Depends(db)) -> Response:
    plans = dashboard.visible_plans(session, viewer.plan_ids, viewer.agency_ids)
    if len(plans) == 1:
        return RedirectResponse(f"/plans/{plans[0].code}", status_code=303)
    return page(request, "home.html.j2", viewer=viewer, plans=plans,
                calendar=calendar_url(request, "contact", viewer.contact_id), flash=_flash(request))


@router.get("/plans/{code}", response_class=HTMLResponse)
def overview(code: str, request: Request, viewer: Viewer = Depends(current_viewer),
             session: Session = Depends(db)) -> Response:
    plan = _plan(session, viewer, code)
    web = state(request)
    summary = dashboard.plan_overview(session, web.rt, web.now(), plan, viewer.sees)
    return page(request, "overview.html.j2", viewer=viewer, summary=summary, plan=plan, flash=_flash(request),
                calendar=calendar_url(request, "contact", viewer.contact_id),
                plans=dashboard.visible_plans(session, viewer.plan_ids, viewer.agency_ids))


@router.get("/agencies/{code}", response_class=HTMLResponse)
def agency_page(code: str, request: Request, plan: str | None = None, viewer: Viewer = Depends(current_viewer),
                session: Session = Depends(db)) -> Response:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise HTTPException(404)
    web = state(request)
    views = [v for v in occurrences_at(session, web.rt, web.now(), agency=code, plan=plan)
             if viewer.sees(v.plan_id, v.agency_id)]
    if not views and not viewer.answers_for(agency.id):
        raise Forbidden()
    shown = {v.id for v in views}
    blockers = [b for b in list_blockers(session, open_only=False, plan=plan) if b.occurrence_id in shown]
    return page(request, "agency.html.j2", viewer=viewer, agency=agency, views=views, plan_code=plan,
                activity=dashboard.activity(session, [v.id for v in views]), blockers=blockers,
                calendar=calendar_url(request, "agency", agency.id) if viewer.answers_for(agency.id) else None)


def _visible_occurrence(session: Session, viewer: Viewer, occurrence_id: int) -> tuple[Occurrence, int]:
    occurrence = session.get(Occurrence, occurrence_id)
    if occurrence is None:
        raise HTTPException(404)
    plan_id = session.scalar(select(Obligation.plan_id).where(Obligation.id == occurrence.obligation_id))
    if not viewer.sees(plan_id, occurrence.agency_id):
        raise Forbidden()
    return occurrence, plan_id


@router.get("/occurrences/{occurrence_id}", response_class=HTMLResponse)
def occurrence_page(occurrence_id: int, request: Request, viewer: Viewer = Depends(current_viewer),
                    session: Session = Depends(db), error: str | None = None) -> Response:
    occurrence, plan_id = _visible_occurrence(session, viewer, occurrence_id)
    web = state(request)
    record = dashboard.occurrence_record(session, web.rt, web.now(), occurrence.id)
    return page(request, "occurrence.html.j2", viewer=viewer, record=record, flash=_flash(request),
                answers=viewer.answers_for(occurrence.agency_id), reviews=viewer.reviews(plan_id), error=error)


@router.get("/occurrences/{occurrence_id}/{action}")
def plain_action_link(occurrence_id: int, action: str) -> Response:
    """A link from a message sent without a secret key: the occurrence's page, at the action's form."""
    if action not in ("submit", "extension", "blocker"):
        raise HTTPException(404)
    return RedirectResponse(f"/occurrences/{occurrence_id}#{action}", status_code=303)


async def _form(request: Request) -> dict:
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _perform_and_return(request: Request, session: Session, viewer: Viewer, name: str, target_id: int,
                        form: dict, back: str) -> Response:
    web = state(request)
    try:
        request.session[FLASH] = perform(session, web.rt, name, target_id, as_of=web.now(), actor=viewer.actor,
                                         **action_fields(name, form))
    except ActionError as exc:
        session.rollback()
        request.session[FLASH] = f"⚠ {exc}"
    return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/", status_code=303)


@router.post("/occurrences/{occurrence_id}/act/{name}")
async def act_on_occurrence(occurrence_id: int, name: str, request: Request, viewer: Viewer = Depends(current_viewer),
                            session: Session = Depends(db)) -> Response:
    form = await _form(request)
    occurrence, plan_id = _visible_occurrence(session, viewer, occurrence_id)
    allowed = (name in ANSWERS and viewer.answers_for(occurrence.agency_id)) or (
        name in REVIEWS and viewer.reviews(plan_id))
    if not allowed:
        raise Forbidden()
    return _perform_and_return(request, session, viewer, name, occurrence_id, form,
                               form.get("next") or f"/occurrences/{occurrence_id}")


@router.post("/blockers/{blocker_id}/resolve")
async def resolve(blocker_id: int, request: Request, viewer: Viewer = Depends(current_viewer),
                  session: Session = Depends(db)) -> Response:
    form = await _form(request)
    blocker = session.get(Blocker, blocker_id)
    if blocker is None:
        raise HTTPException(404)
    _, plan_id = _visible_occurrence(session, viewer, blocker.occurrence_id)
    if not viewer.reviews(plan_id):
        raise Forbidden()
    return _perform_and_return(request, session, viewer, "resolve_blocker", blocker_id, form,
                               form.get("next") or f"/occurrences/{blocker.occurrence_id}")


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, viewer: Viewer = Depends(current_viewer), session: Session = Depends(db)) -> Response:
    if not viewer.is_coordinator:
        raise Forbidden()
    web = state(request)
    plans = [p for p in dashboard.visible_plans(session, viewer.plan_ids, frozenset()) if viewer.reviews(p.id)]
    found = dashboard.review_queue(session, web.rt, web.now(), plans)
    return page(request, "queue.html.j2", viewer=viewer, queue=found, flash=_flash(request))


@router.get("/messages", response_class=HTMLResponse)
def messages(request: Request, viewer: Viewer = Depends(current_viewer), session: Session = Depends(db)) -> Response:
    if not viewer.is_coordinator:
        raise Forbidden()
    return page(request, "messages.html.j2", viewer=viewer, rows=dashboard.messages_to_fix(session, viewer.plan_ids),
                flash=_flash(request))


@router.post("/messages/{message_id}/resend")
async def resend(message_id: int, request: Request, viewer: Viewer = Depends(current_viewer),
                 session: Session = Depends(db)) -> Response:
    form = await _form(request)
    if message_id not in {row["id"] for row in dashboard.messages_to_fix(session, viewer.plan_ids)}:
        raise Forbidden() if session.get(Notification, message_id) else HTTPException(404)
    return _perform_and_return(request, session, viewer, "send_again", message_id, form, "/messages")


@router.get("/attachments/{attachment_id}")
def attachment(attachment_id: int, viewer: Viewer = Depends(current_viewer),
               session: Session = Depends(db)) -> Response:
    found = session.get(Attachment, attachment_id)
    if found is None:
        raise HTTPException(404)
    _visible_occurrence(session, viewer, session.get(Submission, found.submission_id).occurrence_id)
    return download(found.content, found.content_type or "application/octet-stream", found.filename)
