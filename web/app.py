"""The FastAPI app: ``create_app`` puts the routes, the session cookie and the error pages together;
``obligations web`` serves it with uvicorn."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from obligations.config.settings import Settings, get_settings
from obligations.flows.runtime import Runtime
from obligations.models.db import create_db_engine
from obligations.notifications.links import signer_for
from obligations.notifications.send import Sender, send_with_apprise
from obligations.web.auth import BadForm, Forbidden, NotSignedIn
from obligations.web.deps import WebState, page

STATIC = Path(__file__).resolve().parent / "static"
# Pages are self-contained: no script, styles from the app, images inline (the SVG chart) or from the app.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class WebConfigError(RuntimeError):
    """The settings cannot serve the web app; the message says which one to set."""


def create_app(settings: Settings | None = None, *, engine: Engine | None = None,
               clock: Callable[[], datetime] | None = None, sender: Sender | None = None) -> FastAPI:
    """The app for ``settings`` (the environment's by default). ``clock`` and ``sender`` stand in for the
    wall clock and apprise in tests; ``engine`` for the settings' database."""
    settings = settings or get_settings()
    signer = signer_for(settings.secret_key)
    if signer is None:
        raise WebConfigError("chưa đặt OBLIGATIONS_SECRET_KEY: khóa bí mật để ký liên kết và phiên đăng nhập "
                             "(set OBLIGATIONS_SECRET_KEY to a long random string)")
    app = FastAPI(
        title="obligations", version="1", docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json",
        description="Theo dõi nhiệm vụ của kế hoạch: trạng thái theo kế hoạch và cơ quan, các kỳ thực hiện, danh "
                    "sách quá hạn. Obligations of government plans: statuses, occurrences, the overdue list.",
    )
    app.state.web = WebState(engine=engine or create_db_engine(settings.database_url), rt=Runtime(settings),
                             signer=signer, clock=clock or (lambda: datetime.now(UTC)),
                             sender=sender or send_with_apprise)
    https = (settings.public_base_url or "").startswith("https://")
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key.get_secret_value(),
                       session_cookie="obligations_session", max_age=settings.session_max_age_hours * 3600,
                       same_site="lax", https_only=https)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    _error_pages(app)
    from obligations.web import acting, api, downloads, pages

    app.include_router(api.router)
    app.include_router(acting.router)
    app.include_router(downloads.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _error_pages(app: FastAPI) -> None:
    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "not signed in"}, status_code=401)
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _exc: Forbidden) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "forbidden"}, status_code=403)
        return page(request, "message.html.j2", status_code=403, key="forbidden")

    @app.exception_handler(BadForm)
    async def bad_form(request: Request, _exc: BadForm) -> Response:
        return page(request, "message.html.j2", status_code=403, key="bad_form")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if wants_json(request) or exc.status_code not in (404, 405):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return page(request, "message.html.j2", status_code=exc.status_code, key="not_found")


def serve(host: str, port: int) -> None:
    """Serve the app with uvicorn until interrupted (``obligations web``)."""
    import uvicorn

    # No access log: the paths of links, sign-in links and calendar feeds are their secrets.
    uvicorn.run(create_app(), host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                log_level="info", access_log=False)
