"""What every command shares: the consoles, the one-line error, reading the clock and days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

out = Console()
err = Console(stderr=True)

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="The moment to act as of: ISO 8601 with an offset, e.g. 2020-12-14T08:00+07:00. "
                 "Default: now."),
]
Actor = Annotated[str, typer.Option("--by", help="Who acts (recorded in the audit log).")]


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Lỗi:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def parse_as_of(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--as-of {value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise fail(f"--as-of {value!r} has no UTC offset; write e.g. {value}+07:00") from None
    return moment.astimezone(UTC)


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def not_loaded(file: Path, exc: Exception) -> typer.Exit:
    err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
    return fail(f"{file}: không nạp được, cơ sở dữ liệu không thay đổi (nothing was written)")
