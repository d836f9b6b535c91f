"""``obligations backup`` and ``obligations restore``: the database to one file and back (models/backup.py)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from obligations.config.settings import get_settings
from obligations.terminal import database_shown, err, fail, out


def add_backup_commands(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")  # Vietnamese groups thousands with a dot


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


def _waiting(url: str, what: str):
    """A status line while pg_dump or pg_restore runs (SQLite is done before one would show)."""
    from sqlalchemy.engine import make_url

    sqlite = make_url(url).get_backend_name() == "sqlite"
    return nullcontext() if sqlite else err.status(f"{what} (PostgreSQL)…")


def backup_command(
    file: Annotated[Path | None, typer.Argument(
        help="Tệp sao lưu mới (không ghi đè tệp có sẵn). Mặc định: backups/obligations-YYYYMMDD-HHMMSS.db "
        "(SQLite) hoặc .dump (PostgreSQL). The new backup file.")] = None,
) -> None:
    """Sao lưu cơ sở dữ liệu vào một tệp, kể cả khi chương trình đang chạy. Back the database up to one file."""
    from obligations.models.backup import BackupError, backup, default_backup_path

    settings = get_settings()
    url = settings.database_url
    destination = file if file is not None else default_backup_path(url, settings.home)
    try:
        with _waiting(url, f"Đang sao lưu {database_shown(url)} vào {destination}"):
            info = backup(url, destination)
    except BackupError as exc:
        raise fail(str(exc)) from None
    rows = sum(count for name, count in info.counts.items() if name != "alembic_version")
    out.print(f"Đã sao lưu {database_shown(url)} vào {info.path.resolve()} ({_size(info.size)}, phiên bản lược đồ "
              f"{info.revision or 'không rõ'}): {_number(rows)} dòng trong {len(info.counts)} bảng.",
              highlight=False, markup=False, soft_wrap=True)
    table = Table(title="Số dòng theo bảng")
    table.add_column("Bảng")
    table.add_column("Số dòng", justify="right")
    for name, count in sorted(info.counts.items()):
        if count and name != "alembic_version":
            table.add_row(name, _number(count))
    empty = sum(1 for name, count in info.counts.items() if not count)
    table.caption = f"và {empty} bảng trống" if empty else None
    out.print(table)


def restore_command(
    file: Annotated[Path, typer.Argument(help="Tệp sao lưu do `obligations backup` tạo. The backup file.")],
    yes: Annotated[bool, typer.Option(
        "--yes", help="Xác nhận thay toàn bộ nội dung cơ sở dữ liệu bằng bản sao lưu. Confirm that the "
        "database's whole content is replaced.")] = False,
) -> None:
    """Khôi phục cơ sở dữ liệu từ tệp sao lưu: thay toàn bộ nội dung hiện có. Restore the database from a backup."""
    from obligations.models.backup import BackupError, restore

    url = get_settings().database_url
    if not file.is_file():
        raise fail(f"không có tệp sao lưu {file}")
    if not yes:
        raise fail(f"khôi phục sẽ thay toàn bộ nội dung của cơ sở dữ liệu {database_shown(url)} bằng nội dung "
                   f"của {file}; chạy lại với --yes để xác nhận")
    try:
        with _waiting(url, f"Đang khôi phục {file} vào {database_shown(url)}"):
            info = restore(url, file)
    except BackupError as exc:
        raise fail(str(exc)) from None
    out.print(f"Đã khôi phục {database_shown(url)} từ {file}: cơ sở dữ liệu ở phiên bản lược đồ {info.revision}.",
              highlight=False, markup=False, soft_wrap=True)
    if info.behind:
        out.print(f"Phiên bản này cũ hơn phiên bản mới nhất ({info.head}): chạy `obligations db upgrade`.",
                  highlight=False, markup=False, soft_wrap=True)
