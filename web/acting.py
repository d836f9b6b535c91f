"""Acting from a message without a password, and signing in by a one-time link.

``/l/{token}``: a link from a message, signed for one contact, one occurrence and one action
(notifications.links). Opening it shows the task and the action's form; sending the form performs the
action once (``LinkUse``), as the contact, in one transaction with the link's use. ``/sign-in``: a
contact asks for a link at their address; ``/sign-in/{token}`` asks them to confirm (so that a mail
scanner opening links signs nobody in) and then signs them in.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from obligations.flows.actions import ActionError
from obligations.flows.dashboard import occurrence_record
from obligations.flows.entry import perform
from obligations.models.contacts import address, reachable_channels
from obligations.models.tables import Attachment, Contact, LinkUse, Obligation, Occurrence, Submission
from obligations.notifications.links import (
    ACTION_SALT,
    SIGN_IN_SALT,
    LinkError,
    Signed,
    action_link,
    token_digest,
)
from obligations.notifications.render import SIGN_IN, render
from obligations.notifications.send import Message, recipient_url
from obligations.rules.status import Status
from obligations.web.auth import Viewer, active_contact, check_csrf, contacts_at, sign_in, sign_out, viewer_for
from obligations.web.deps import WebState, action_fields, db, page, state
from obligations.web.words import translator

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

# A link's action -> the action performed (flows.entry.ACTIONS) and the form's template.
LINK_ACTIONS = {"submit": "submit", "extension": "request_extension", "blocker": "raise_blocker"}


def _link_error(request: Request, reason: str, language: str = "vi") -> HTMLResponse:
    status = {"tampered": 400, "expired": 410, "used": 410}[reason]
    return page(request, "link_refused.html.j2", status_code=status, reason=reason, language=language)


def _read_action_token(web: WebState, token: str) -> Signed:
    signed = web.signer.read(token, salt=ACTION_SALT, now=web.now(),
                             max_age_seconds=web.rt.settings.link_max_age_days * 86400)
    data = signed.data
    if not (isinstance(data.get("o"), int) and isinstance(data.get("c"), int) and data.get("a") in
            ("view", *LINK_ACTIONS)):
        raise LinkError("tampered")
    return signed


def _link_context(session: Session, web: WebState, signed: Signed) -> tuple[Viewer, Occurrence] | None:
    """The contact the link was sent to and the occurrence, when the contact may still act on it."""
    contact = active_contact(session, signed.data["c"])
    occurrence = session.get(Occurrence, signed.data["o"])
    if contact is None or occurrence is None:
        return None
    viewer = viewer_for(session, contact)
    plan_id = session.scalar(select(Obligation.plan_id).where(Obligation.id == occurrence.obligation_id))
    if not (viewer.answers_for(occurrence.agency_id) or viewer.reviews(plan_id)):
        return None
    return viewer, occurrence


def _used(session: Session, token: str) -> bool:
    return session.scalar(select(LinkUse.id).where(LinkUse.digest == token_digest(token))) is not None


def _task_page(request: Request, session: Session, web: WebState, viewer: Viewer, occurrence: Occurrence,
               action: str, token: str, *, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    record = occurrence_record(session, web.rt, web.now(), occurrence.id)
    # A withdrawn task asks nothing more: its page says so instead of offering forms that would be refused.
    withdrawn = record.occurrence.status == Status.WITHDRAWN
    base = str(request.base_url).rstrip("/")
    links = {} if withdrawn else {
        name: action_link(base, occurrence.id, name, signer=web.signer, contact_id=viewer.contact_id, at=web.now())
        for name in LINK_ACTIONS}
    return page(request, "link_action.html.j2", viewer=viewer, record=record, action=action, token=token,
                links=links, error=error, status_code=status_code, settings=web.rt.settings, withdrawn=withdrawn)


@router.get("/l/{token}", response_class=HTMLResponse)
def open_link(token: str, request: Request, session: Session = Depends(db)) -> Response:
    web = state(request)
    try:
        signed = _read_action_token(web, token)
    except LinkError as exc:
        return _link_error(request, exc.reason)
    found = _link_context(session, web, signed)
    if found is None:
        return page(request, "message.html.j2", status_code=403, key="forbidden")
    viewer, occurrence = found
    if signed.data["a"] != "view" and _used(session, token):
        return _link_error(request, "used", viewer.language)
    return _task_page(request, session, web, viewer, occurrence, signed.data["a"], token)


def _checked_upload(web: WebState, upload: UploadFile | None, t) -> tuple[str, str, bytes] | str | None:
    """The upload's name, type and bytes; a message for the user when it breaks the limits; None if none."""
    if upload is None or not upload.filename:
        return None
    settings = web.rt.settings
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:255]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in settings.attachment_types:
        return t("file_type", types=", ".join(settings.attachment_types))
    content = upload.file.read(settings.attachment_max_bytes + 1)
    if len(content) > settings.attachment_max_bytes:
        return t("file_too_large", limit=f"{settings.attachment_max_bytes // (1024 * 1024)} MB")
    return name, (upload.content_type or "application/octet-stream")[:100], content


@router.post("/l/{token}", response_class=HTMLResponse)
def act_from_link(
    token: str, request: Request, session: Session = Depends(db),
    csrf_token: str | None = Form(None), note: str | None = Form(None), reason: str | None = Form(None),
    until: str | None = Form(None), text: str | None = Form(None), attachment: UploadFile | None = None,
) -> Response:
    web = state(request)
    check_csrf(request, csrf_token)
    try:
        signed = _read_action_token(web, token)
    except LinkError as exc:
        return _link_error(request, exc.reason)
    found = _link_context(session, web, signed)
    if found is None or signed.data["a"] == "view":
        return page(request, "message.html.j2", status_code=403, key="forbidden")
    viewer, occurrence = found
    if _used(session, token):
        return _link_error(request, "used", viewer.language)
    t = translator(viewer.language)
    action = signed.data["a"]
    upload = _checked_upload(web, attachment, t) if action == "submit" else None
    if isinstance(upload, str):
        return _task_page(request, session, web, viewer, occurrence, action, token, error=upload, status_code=400)
    try:
        fields = action_fields(LINK_ACTIONS[action], {"note": note, "reason": reason, "until": until, "text": text})
        confirmation = perform(session, web.rt, LINK_ACTIONS[action], occurrence.id, as_of=web.now(),
                               actor=viewer.actor, **fields)
        if upload is not None:
            store_attachment(session, web, occurrence.id, *upload)
        session.add(LinkUse(digest=token_digest(token), purpose=action, contact_id=viewer.contact_id,
                            occurrence_id=occurrence.id, used_at=web.now()))
        session.flush()
    except ActionError as exc:
        session.rollback()
        return _task_page(request, session, web, viewer, occurrence, action, token, error=str(exc), status_code=400)
    except IntegrityError:  # the same link sent twice at once: the other request used it
        session.rollback()
        return _link_error(request, "used", viewer.language)
    return page(request, "done.html.j2", viewer=viewer, confirmation=confirmation, occurrence=occurrence)


def store_attachment(session: Session, web: WebState, occurrence_id: int, name: str, content_type: str,
                     content: bytes) -> Attachment:
    """Keep the file with the submission just made (the newest of the occurrence)."""
    submission_id = session.scalar(select(Submission.id).where(Submission.occurrence_id == occurrence_id)
                                   .order_by(Submission.id.desc()).limit(1))
    attachment = Attachment(submission_id=submission_id, filename=name, content_type=content_type, size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), content=content, uploaded_at=web.now())
    session.add(attachment)
    return attachment


# ------------------------------------------------------------------------------ signing in


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request) -> Response:
    return page(request, "sign_in.html.j2", sent=False, minutes=state(request).rt.settings.sign_in_max_age_minutes)


@router.post("/sign-in", response_class=HTMLResponse)
def send_sign_in_link(request: Request, session: Session = Depends(db), csrf_token: str | None = Form(None),
                      address_given: str = Form("", alias="address")) -> Response:
    check_csrf(request, csrf_token)
    web = state(request)
    for contact in contacts_at(session, address_given)[:5]:
        token = web.signer.sign({"c": contact.id, "n": secrets.token_urlsafe(8)}, salt=SIGN_IN_SALT, at=web.now())
        _send_sign_in(web, contact, f"{str(request.base_url).rstrip('/')}/sign-in/{token}", address_given)
    # The same answer whether or not the address is known: the page does not tell who is registered.
    return page(request, "sign_in.html.j2", sent=True, minutes=web.rt.settings.sign_in_max_age_minutes)


def _send_sign_in(web: WebState, contact: Contact, link: str, asked_at: str) -> None:
    """Send the link on the channel of the address given (else the contact's first), now: not via the outbox,
    which waits for office hours."""
    channels = reachable_channels(contact)
    matching = [c for c in channels if (address(contact, c) or "").lower() == asked_at.strip().lower()]
    for channel in matching + [c for c in channels if c not in matching]:
        url = web.rt.settings.channel_url(channel)
        if not url:
            continue
        rendered = render(SIGN_IN, contact.language, {
            "recipient_name": contact.name, "recipient_title": contact.title, "recipient_agency_name": "",
            "coordinator_name": None, "plan_title": None, "minutes": web.rt.settings.sign_in_max_age_minutes,
            "link": link})
        result = web.sender(Message(channel=channel, url=recipient_url(url, address(contact, channel)),
                                    subject=rendered.subject, text=rendered.text,
                                    html=rendered.html if channel == "email" else None, sent_at=web.now(),
                                    kind=SIGN_IN))
        if result.ok:
            return
        log.warning("sign-in link to contact %s on %s failed", contact.id, channel)


def _read_sign_in(web: WebState, token: str) -> Signed:
    signed = web.signer.read(token, salt=SIGN_IN_SALT, now=web.now(),
                             max_age_seconds=web.rt.settings.sign_in_max_age_minutes * 60)
    if not isinstance(signed.data.get("c"), int):
        raise LinkError("tampered")
    return signed


@router.get("/sign-in/{token}", response_class=HTMLResponse)
def confirm_sign_in(token: str, request: Request, session: Session = Depends(db)) -> Response:
    web = state(request)
    try:
        signed = _read_sign_in(web, token)
    except LinkError as exc:
        return _link_error(request, exc.reason)
    contact = active_contact(session, signed.data["c"])
    if contact is None:
        return _link_error(request, "tampered")
    if _used(session, token):
        return _link_error(request, "used", contact.language)
    return page(request, "sign_in_confirm.html.j2", token=token, contact=contact, language=contact.language)


@router.post("/sign-in/{token}", response_class=HTMLResponse)
def finish_sign_in(token: str, request: Request, session: Session = Depends(db),
                   csrf_token: str | None = Form(None)) -> Response:
    web = state(request)
    check_csrf(request, csrf_token)
    try:
        signed = _read_sign_in(web, token)
    except LinkError as exc:
        return _link_error(request, exc.reason)
    contact = active_contact(session, signed.data["c"])
    if contact is None:
        return _link_error(request, "tampered")
    try:
        session.add(LinkUse(digest=token_digest(token), purpose="sign_in", contact_id=contact.id, used_at=web.now()))
        session.flush()
    except IntegrityError:
        session.rollback()
        return _link_error(request, "used", contact.language)
    sign_in(request, contact, web.now())
    return RedirectResponse("/", status_code=303)


@router.post("/sign-out")
def sign_out_now(request: Request, csrf_token: str | None = Form(None)) -> Response:
    check_csrf(request, csrf_token)
    sign_out(request)
    return RedirectResponse("/sign-in", status_code=303)
