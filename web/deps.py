"""What every route shares: the app's engine, runtime and clock, one transaction per request, the viewer,
and pages rendered in the viewer's language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine
from sqlmodel import Session

from obligations.flows.actions import ActionError
from obligations.flows.entry import ACTIONS
from obligations.flows.runtime import Runtime
from obligations.models.db import session_scope
from obligations.notifications.links import TokenSigner
from obligations.notifications.send import Sender
from obligations.web import words
from obligations.web.auth import (
    SESSION_CONTACT,
    NotSignedIn,
    Viewer,
    active_contact,
    csrf_token,
    session_contact_id,
    viewer_for,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class WebState:
    """What the app was made with (``web.app.create_app``)."""

    engine: Engine
    rt: Runtime
    signer: TokenSigner
    clock: Callable[[], datetime]
    sender: Sender

    def now(self) -> datetime:
        return self.clock()


def state(request: Request) -> WebState:
    return request.app.state.web


def db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back whole if it raises."""
    with session_scope(state(request).engine) as session:
        yield session


def current_viewer(request: Request, session: Session = Depends(db)) -> Viewer:
    web = state(request)
    contact_id = session_contact_id(request, web.now(), web.rt.settings.session_max_age_hours * 3600)
    contact = active_contact(session, contact_id)
    if contact is None:
        raise NotSignedIn()
    return viewer_for(session, contact)


def _environment() -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2", "html"]),
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters["day"] = lambda value: value.strftime("%d/%m/%Y") if value else "—"
    return environment


ENVIRONMENT = _environment()


def action_fields(name: str, form: dict) -> dict:
    """The action's fields from a form (a page's or a link's), as ``flows.entry.ACTIONS`` types them; the
    action checks their values (flows.arguments)."""
    fields = {}
    for field in ACTIONS[name].fields:
        value = (form.get(field.name) or "").strip()
        if field.kind is bool:
            fields[field.name] = value in ("on", "true", "1")
        elif field.kind is date:
            try:
                fields[field.name] = date.fromisoformat(value)
            except ValueError:
                if not value:
                    raise ActionError("cần chọn ngày (a date is required)") from None
                raise ActionError(f"ngày không hợp lệ: “{value}” (not a date)") from None
        elif value or field.required:
            fields[field.name] = value
    return fields


def download(content: bytes, media_type: str, filename: str) -> Response:
    """A file to save (an export, an attachment), named in UTF-8 as RFC 6266 allows, never cached."""
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
        "Cache-Control": "no-store"})


def local_time(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%d/%m/%Y %H:%M") if moment else "—"


def as_day(value: str | date) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def page(request: Request, template: str, *, language: str = "vi", status_code: int = 200,
         viewer: Viewer | None = None, **context) -> HTMLResponse:
    """A page in ``language`` (the viewer's when there is one); every form on it carries the CSRF token."""
    language = viewer.language if viewer is not None else language
    # A link's visitor is shown as who the link was sent to, without the signed-in user's places to go.
    signed_in = viewer is not None and request.session.get(SESSION_CONTACT) == viewer.contact_id
    body = ENVIRONMENT.get_template(template).render(
        request=request, viewer=viewer, signed_in=signed_in, lang=language, t=words.translator(language),
        status_label=words.status_label(language), event_label=words.event_label(language), csrf=csrf_token(request),
        local_time=local_time,
        as_day=as_day, now=state(request).now().astimezone(UTC), **context,
    )
    return HTMLResponse(body, status_code=status_code)
