"""``obligations web``: the web app for focal points, coordinators and managers (``obligations.web``)."""

from __future__ import annotations

from typing import Annotated

import typer

from obligations.terminal import fail


def add_web_commands(app: typer.Typer) -> None:
    app.command("web")(web)


def web(
    host: Annotated[str, typer.Option(help="Address to listen on; behind a reverse proxy keep 127.0.0.1.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web app (links in messages, sign-in, dashboard, exports, JSON API); stop with Ctrl+C."""
    from obligations.web.app import WebConfigError, serve

    try:
        serve(host, port)
    except WebConfigError as exc:
        raise fail(str(exc)) from None
