"""``obligations api-token ...``: the tokens other government systems read the JSON API with (``/api/v1``).

A token is shown once, when it is made; the database keeps only its SHA-256, so a lost token is revoked
and a new one made, never read back.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from obligations.config.settings import get_settings
from obligations.terminal import AsOf, err, fail, out, parse_as_of

api_token_app = typer.Typer(
    help="Mã truy cập API cho các hệ thống khác: tạo, thu hồi, liệt kê. "
    "Tokens other government systems read the JSON API with: add, revoke, list.",
    no_args_is_help=True,
)

LONGEST_NAME = 200  # ApiToken.name's column

TokenName = Annotated[str, typer.Argument(help="Tên của mã, thường là hệ thống dùng nó (the token's name, e.g. the "
                                               "system that uses it).")]


def add_api_token_commands(app: typer.Typer) -> None:
    app.add_typer(api_token_app, name="api-token")


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise fail("tên mã truy cập trống (the name is empty)")
    if len(name) > LONGEST_NAME:
        raise fail(f"tên mã truy cập dài {len(name)} ký tự, quá giới hạn {LONGEST_NAME} ký tự (too long)")
    if not name.isprintable():
        raise fail("tên mã truy cập chứa ký tự không in được (a control character in the name)")
    return name


@contextmanager
def _session():
    """One transaction on the settings' database, its engine disposed after (flows.entry.opened)."""
    from obligations.flows.entry import opened
    from obligations.models.db import session_scope

    with opened() as (engine, _), session_scope(engine) as session:
        yield session


@api_token_app.command("add")
def add(name: TokenName, as_of: AsOf = None) -> None:
    """Tạo mã truy cập và in ra một lần duy nhất. Make a token and print it, this once only."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from obligations.models.tables import ApiToken
    from obligations.notifications.links import token_digest

    name, moment = _checked_name(name), parse_as_of(as_of)
    def duplicate() -> typer.Exit:  # a function: fail() prints as soon as it is called
        return fail(f"đã có mã truy cập tên {name!r}; chọn tên khác (a token with this name exists)")

    token = secrets.token_urlsafe(32)
    try:
        with _session() as session:
            if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
                raise duplicate()
            session.add(ApiToken(name=name, sha256=token_digest(token), created_at=moment))
    except IntegrityError:  # made by another command between the check and the insert
        raise duplicate() from None
    err.print(f"Đã tạo mã truy cập {name!r}. Lưu lại ngay: mã chỉ hiện một lần, cơ sở dữ liệu chỉ giữ mã băm. "
              "Saved; the token below is shown once only.", highlight=False, soft_wrap=True)
    # Alone on standard output, so that a script can take it: TOKEN=$(obligations api-token add NAME)
    typer.echo(token)


@api_token_app.command("revoke")
def revoke(name: TokenName, as_of: AsOf = None) -> None:
    """Thu hồi mã truy cập: hệ thống dùng nó bị từ chối từ nay. Revoke a token: refused from now on."""
    from sqlalchemy import select

    from obligations.models.tables import ApiToken

    moment = parse_as_of(as_of)
    with _session() as session:
        token = session.scalar(select(ApiToken).where(ApiToken.name == name.strip()))
        if token is None:
            raise fail(f"không có mã truy cập tên {name!r} (no such token)")
        if token.revoked_at is not None:
            out.print(f"Mã truy cập {token.name!r} đã bị thu hồi từ trước (already revoked).", highlight=False)
            return
        token.revoked_at = moment
    out.print(f"Đã thu hồi mã truy cập {token.name!r} (revoked).", highlight=False)


@api_token_app.command("list")
def list_tokens() -> None:
    """Liệt kê mã truy cập (tên, ngày tạo, ngày thu hồi), không hiện mã. List the tokens, never one's value."""
    from sqlalchemy import select

    from obligations.models.tables import ApiToken

    zone = ZoneInfo(get_settings().zone)
    table = Table(title="Mã truy cập API (API tokens)")
    for column in ("Tên (name)", "Tạo lúc (created)", "Thu hồi lúc (revoked)"):
        table.add_column(column)
    with _session() as session:
        for token in session.scalars(select(ApiToken).order_by(ApiToken.created_at, ApiToken.name)):
            revoked = token.revoked_at.astimezone(zone).strftime("%d/%m/%Y %H:%M") if token.revoked_at else "—"
            table.add_row(token.name, token.created_at.astimezone(zone).strftime("%d/%m/%Y %H:%M"), revoked)
    out.print(table)
