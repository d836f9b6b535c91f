"""What every command shares: the consoles, the one-line error, reading the clock and days."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
import typer.core
from rich.console import Console

from obligations.rules.limits import CLOCK_FIRST_YEAR, FIRST_YEAR, LAST_YEAR, year_in_range

out = Console()
err = Console(stderr=True)

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="The moment to act as of: ISO 8601 with an offset, e.g. 2020-12-14T08:00+07:00. "
                 "Default: now."),
]


def _checked_actor(value: str) -> str:
    """``--by`` as the audit log can hold it (the same check as every action's, flows.actions)."""
    from obligations.flows.actions import ActionError, check_actor

    try:
        return check_actor(value)
    except ActionError as exc:
        raise fail(f"--by: {exc}") from None


Actor = Annotated[
    str, typer.Option("--by", help="Who acts (recorded in the audit log).", callback=_checked_actor)
]


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Lỗi:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _out_of_range(option: str, value: str, first: int) -> typer.Exit:
    return fail(f"{option} {value} nằm ngoài khoảng từ năm {first} đến năm {LAST_YEAR} (out of range)")


def parse_as_of(value: str | None) -> datetime:
    """The clock given as ``--as-of``, in UTC; refused (exit code 2) unless ISO 8601 with an offset, and
    between CLOCK_FIRST_YEAR and LAST_YEAR (year 1 or 9999 would overflow on the way to UTC or a deadline)."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(
            f"--as-of {value!r} không phải thời điểm ISO 8601, ví dụ 2020-12-14T08:00+07:00 "
            "(not an ISO 8601 date-time)"
        ) from None
    if moment.tzinfo is None:
        raise fail(f"--as-of {value!r} thiếu độ lệch múi giờ; viết ví dụ {value}+07:00 (no UTC offset)") from None
    if not year_in_range(moment, CLOCK_FIRST_YEAR, LAST_YEAR):
        raise _out_of_range("--as-of", value, CLOCK_FIRST_YEAR) from None
    return moment.astimezone(UTC)


def parse_day(value: str, option: str) -> date:
    """A day given as ``option`` (YYYY-MM-DD), between FIRST_YEAR and LAST_YEAR; else exit code 2."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} không phải ngày dạng YYYY-MM-DD (not a date)") from None
    if not year_in_range(day):
        raise _out_of_range(option, value, FIRST_YEAR) from None
    return day


def not_loaded(file: Path, exc: Exception) -> typer.Exit:
    err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
    return fail(f"{file}: không nạp được, cơ sở dữ liệu không thay đổi (nothing was written)")


# Set from the command line's --debug.
showing_tracebacks = False

# Exit codes: 2 the input was wrong, 3 the database cannot be used, 1 anything unforeseen.
BAD_INPUT, DATABASE_UNAVAILABLE, UNFORESEEN = 2, 3, 1


def _database_problem(exc: BaseException) -> str | None:
    """What to tell the user when ``exc`` means the database cannot be used, else None."""
    from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

    from obligations.config.settings import get_settings
    from obligations.models.db import MissingDatabase

    if isinstance(exc, MissingDatabase):
        return str(exc)
    if not isinstance(exc, DBAPIError):
        return None
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else ""
    missing = ("no such table", "does not exist", "undefinedtable")
    if isinstance(exc, (OperationalError, ProgrammingError)) and any(m in detail.lower() for m in missing):
        return f"cơ sở dữ liệu chưa có bảng ({detail}); chạy `obligations db upgrade` trước"
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        from sqlalchemy.engine import make_url

        where = make_url(get_settings().database_url).render_as_string(hide_password=True)
        return f"không dùng được cơ sở dữ liệu {where}: {detail}"
    return None


# Typer vendors its own click (typer._click): a usage error (an unknown option, a number that is not
# one) is an instance of that copy's ClickException, a TyperException, and must reach the handler
# that prints the usage and exits with 2, rather than be reported as unforeseen.
_PASSED_THROUGH = (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt)


class FriendlyErrors(typer.core.TyperGroup):
    """Every command's failure as one line in the user's language; ``--debug`` shows the traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _PASSED_THROUGH:
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            problem = _database_problem(exc)
            if problem is not None:
                raise fail(problem, DATABASE_UNAVAILABLE) from None
            raise fail(
                f"lỗi không lường trước ({exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                "chạy lại với --debug để xem chi tiết",
                UNFORESEEN,
            ) from None


def database_shown(url: str) -> str:
    """The database as a user may see it: a SQLite file's path, a server's URL without its password."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.database if parsed.get_backend_name() == "sqlite" else parsed.render_as_string(hide_password=True)


# How long a command waits for Prefect's temporary server to start (Prefect's own default is 20 s).
EPHEMERAL_STARTUP_SECONDS = 120


@contextmanager
def jobs() -> Iterator:
    """The Prefect flows, imported on demand (Prefect takes a second to import), for runs started here.

    Those runs send Prefect no heartbeats. A heartbeat lets a Prefect server mark a run as crashed when
    its worker dies; here the person who started the run sees it end either way. And a sync run ends
    by joining the heartbeat's thread, which sleeps in one-second steps: without it a run costs what
    its work costs, not a second more.

    Prefect logs a failed run's traceback to the console; a user gets one line instead, while the
    run's log in Prefect keeps the traceback for the operator, and ``--debug`` shows it here too.
    Prefect configures its console logging anew when it starts its temporary server, so it is the
    console's formatter class that leaves tracebacks out; the record itself is left whole for the
    handler that stores the run's log.
    """
    from prefect.logging.formatters import PrefectFormatter
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    from obligations.flows import jobs as flows

    if not showing_tracebacks and not getattr(PrefectFormatter, "_one_line", False):
        whole = PrefectFormatter.format

        def without_traceback(self, record):
            kept = record.exc_info, record.exc_text, record.stack_info
            record.exc_info = record.exc_text = record.stack_info = None
            try:
                return whole(self, record)
            finally:
                record.exc_info, record.exc_text, record.stack_info = kept

        PrefectFormatter.format = without_traceback
        PrefectFormatter._one_line = True
    # Prefect gives its temporary server 20 s to start; a busy two-core machine has been seen to need more,
    # and a person who typed a command would rather wait than see it fail.
    startup = max(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value(), EPHEMERAL_STARTUP_SECONDS)
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
                                     PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: startup}):
        yield flows
