"""``obligations zalo ...``: the Zalo OA's token pair, kept in the database and shared by every worker.

Zalo's refresh token is single-use and the access token lives 25 hours; the workers refresh the pair
themselves (``notifications.zalo_tokens``). When Zalo refuses a refresh (the OA was re-authorised, the
refresh token expired after three months unused), an operator authorises the OA again in Zalo's
developer console and puts the new pair in with ``obligations zalo authorize``. No token is ever printed.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from obligations.config.settings import Settings, get_settings
from obligations.terminal import AsOf, fail, out, parse_as_of

zalo_app = typer.Typer(
    help="Token của Zalo OA, lưu trong cơ sở dữ liệu, dùng chung cho mọi tiến trình gửi. "
    "The Zalo OA's token pair, kept in the database and shared by every worker.",
    no_args_is_help=True,
)

AUTHORIZE = "obligations zalo authorize --access-token ... --refresh-token ..."
LONGEST_TOKEN = 4096  # Zalo's tokens are a few hundred characters; more is a paste gone wrong


def add_zalo_commands(app: typer.Typer) -> None:
    app.add_typer(zalo_app, name="zalo")


@contextmanager
def _store(settings: Settings, app_id: str) -> Iterator:
    """The app's token store on the settings' database, which must exist (no empty SQLite file is made)."""
    from obligations.models.db import create_db_engine, require_existing
    from obligations.notifications.zalo_tokens import DbTokenStore

    require_existing(settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        yield DbTokenStore(engine, app_id)
    finally:
        engine.dispose()


def _store_problem(exc: Exception) -> str:
    from obligations.notifications.zalo_tokens import TokenStoreUnavailable

    if isinstance(exc, TokenStoreUnavailable) and exc.missing_table:
        return "cơ sở dữ liệu chưa có bảng zalo_token; chạy `obligations db upgrade` trước"
    if isinstance(exc, TimeoutError):
        return "một tiến trình khác đang làm mới token và giữ khóa quá lâu; thử lại sau ít phút"
    return f"không dùng được kho token Zalo trong cơ sở dữ liệu ({exc})"


def _checked_token(value: str, option: str) -> str:
    value = value.strip()
    if not value:
        raise fail(f"{option} trống (empty)")
    if len(value) > LONGEST_TOKEN or not value.isprintable() or any(c.isspace() for c in value):
        raise fail(f"{option} không giống một token của Zalo: có khoảng trắng, ký tự lạ hoặc quá dài "
                   "(not a Zalo token)")
    return value


def _app_id(settings: Settings, given: str | None) -> str:
    from obligations.notifications.zalo_tokens import configured_app_ids

    if given is not None:
        if not given.strip() or not given.strip().isprintable() or len(given.strip()) > 64:
            raise fail(f"--app-id {given!r} không phải mã ứng dụng Zalo (not an app id)")
        return given.strip()
    apps = configured_app_ids(settings)
    if not apps:
        raise fail("chưa cấu hình kênh Zalo nào (OBLIGATIONS_ZALO_URL hoặc OBLIGATIONS_ZNS_URL, dạng "
                   "zalo://APP_ID:SECRET_KEY@oa); cho biết ứng dụng bằng --app-id")
    if len(apps) > 1:
        raise fail(f"hai kênh Zalo dùng hai ứng dụng khác nhau ({', '.join(apps)}); chọn một bằng --app-id")
    return apps[0]


def _operator() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "?"


@zalo_app.command("authorize")
def authorize(
    access_token: Annotated[str, typer.Option(
        "--access-token", help="Access token mới, lấy khi cấp quyền lại cho OA (the new access token).")],
    refresh_token: Annotated[str, typer.Option(
        "--refresh-token", help="Refresh token đi cùng (the refresh token issued with it).")],
    app_id: Annotated[str | None, typer.Option(
        "--app-id", help="Mã ứng dụng Zalo của OA; mặc định lấy từ URL kênh zalo:// hoặc zns:// đã cấu hình "
        "(the app id; default: the user part of the configured Zalo URL).")] = None,
    expires_in: Annotated[int | None, typer.Option(
        "--expires-in", min=1, help="Access token còn dùng được bao nhiêu giây (Zalo trả expires_in, thường "
        "90000); bỏ trống nếu không rõ (seconds the access token lives; default unknown).")] = None,
    as_of: AsOf = None,
) -> None:
    """Lưu cặp token mới của Zalo OA, thay cặp cũ. Store the OA's new token pair in place of the old one."""
    from obligations.notifications.zalo_tokens import TokenPair, TokenStoreError, who

    settings, moment = get_settings(), parse_as_of(as_of)
    access, refresh = _checked_token(access_token, "--access-token"), _checked_token(refresh_token, "--refresh-token")
    app = _app_id(settings, app_id)
    expires_at = moment + timedelta(seconds=expires_in) if expires_in else None
    try:
        with _store(settings, app) as store:
            saved = store.replace(TokenPair(access, refresh, expires_at), who(f"authorize:{_operator()}"), at=moment)
    except (TokenStoreError, TimeoutError) as exc:
        raise fail(_store_problem(exc)) from None
    out.print(f"Đã lưu cặp token mới của ứng dụng Zalo {app} (phiên bản {saved.version}); "
              "các tiến trình gửi dùng nó từ lần gửi tới.", highlight=False, markup=False, soft_wrap=True)


# ------------------------------------------------------------------------------ shown by `obligations channels`

SAVED_BY = {"refresh": "làm mới tự động", "settings": "nạp từ cấu hình", "authorize": "nạp bằng lệnh authorize"}


def ago(seconds: float) -> str:
    """A span before now in Vietnamese, coarse: vừa xong, 5 phút trước, 3 giờ trước, 2 ngày trước."""
    if seconds < 60:
        return "vừa xong"
    for unit, name in ((86400, "ngày"), (3600, "giờ"), (60, "phút")):
        if seconds >= unit:
            return f"{int(seconds // unit)} {name} trước"
    raise AssertionError("unreachable")


def _describe(record, moment: datetime, zone: ZoneInfo) -> str:
    def clock(at: datetime) -> str:
        return at.astimezone(zone).strftime("%d/%m/%Y %H:%M")

    how = SAVED_BY.get(record.updated_by.partition("@")[0].partition(":")[0], "cập nhật")
    age = (moment - record.updated_at).total_seconds()
    when = f"{ago(age)} ({clock(record.updated_at)})" if age >= 0 else f"lúc {clock(record.updated_at)}"
    expires = record.pair.expires_at
    if expires is None:
        expiry = "chưa rõ hạn (dùng đến khi Zalo báo hết hạn rồi tự làm mới)"
    elif expires <= moment:
        expiry = f"đã hết hạn lúc {clock(expires)}, sẽ tự làm mới ở lần gửi tới"
    else:
        expiry = f"hết hạn lúc {clock(expires)}"
    return f"phiên bản {record.version}, {how} {when}, bởi {record.updated_by}; {expiry}"


def token_lines(settings: Settings, moment: datetime) -> list[str]:
    """One line for each configured Zalo app: its token row's version, age and expiry, or what to do."""
    from obligations.models.db import MissingDatabase
    from obligations.notifications.zalo_tokens import TokenStoreError, configured_app_ids

    zone = ZoneInfo(settings.zone)
    lines = []
    for app in configured_app_ids(settings):
        try:
            with _store(settings, app) as store:
                record = store.record()
        except MissingDatabase as exc:
            state = f"chưa có token — {exc}"
        except TokenStoreError as exc:
            state = _store_problem(exc)
        else:
            state = _describe(record, moment, zone) if record else f"chưa có token — chạy `{AUTHORIZE}`"
        lines.append(f"Token Zalo của ứng dụng {app}: {state}")
    return lines
