"""``obligations``: the command line of the engine (Typer + Rich)."""

from __future__ import annotations

import json
import os
import sys
import time as clock
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from obligations import terminal
from obligations.action_cli import add_action_commands
from obligations.api_token_cli import add_api_token_commands
from obligations.backup_cli import add_backup_commands
from obligations.config.settings import CONFIG_DIR, get_settings, settings_in_force
from obligations.flows import entry
from obligations.plan_cli import UpdateTwin, plan_app, say_loaded
from obligations.rules.status import SHORT_LABELS_VI, Status
from obligations.terminal import (
    Actor,
    AsOf,
    FriendlyErrors,
    database_shown,
    err,
    fail,
    jobs,
    not_loaded,
    out,
    parse_as_of,
    parse_day,
)
from obligations.web_cli import add_web_commands
from obligations.zalo_cli import add_zalo_commands

app = typer.Typer(
    help="Theo dõi nhiệm vụ của kế hoạch: nhắc việc và đôn đốc theo hạn. "
    "Tracks the obligations of a government plan and sends reminders and escalations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=FriendlyErrors,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(plan_app, name="plan")

EXAMPLE = CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml"


@app.callback()
def main(
    ctx: typer.Context,
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="OBLIGATIONS_DATABASE_URL",
                                 help="SQLAlchemy URL (default: the SQLite file obligations.db in OBLIGATIONS_HOME).")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")] = False,
) -> None:
    terminal.showing_tracebacks = debug
    # Prefect keeps its run history in its home: in the data directory, beside the database, so that it
    # survives restarts and moves with the rest (Prefect is imported later, by the commands that run flows).
    os.environ.setdefault("PREFECT_HOME", str(get_settings().home / "prefect"))
    if database_url:
        ctx.with_resource(settings_in_force(get_settings().model_copy(update={"database_url": database_url})))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create or migrate the schema to the latest revision."""
    from obligations.models.db import create_db_engine, current_revision, upgrade

    engine = create_db_engine(get_settings().database_url)
    upgrade(engine, revision)
    out.print(f"Cơ sở dữ liệu ở phiên bản {current_revision(engine)}.")


@app.command()
def load(
    file: Annotated[Path, typer.Argument(help="The coordinator's YAML file (see docs/coordinator-file.md).")],
    update: UpdateTwin = False,
    as_of: AsOf = None,
    actor: Actor = "cli",
) -> None:
    """Load agencies, groups, contacts, policies, a plan and its obligations: all or nothing.

    A plan already loaded under another code with the same number or title is refused (use --update);
    agencies no message can reach are warned of on stderr.
    """
    from obligations.plans.file.errors import FileError

    moment = parse_as_of(as_of)
    try:
        summary = entry.load_plan_file(file, as_of=moment, actor=actor, update=update)
    except FileError as exc:
        raise not_loaded(file, exc) from None
    say_loaded(summary)


def _run_flow(name: str, moment: datetime, direct: bool) -> dict:
    if direct:
        return {"sweep": entry.run_sweep, "dispatch": entry.run_dispatch}[name](moment)
    with jobs() as flows:
        if name == "sweep":  # the one who waits sees a database error at once, not after the retries
            return flows.sweep_flow(as_of=moment, retry=False)
        return flows.dispatch_flow(as_of=moment)


Direct = Annotated[bool, typer.Option("--direct", help="Run without Prefect (no flow run is recorded).")]


@app.command()
def sweep(as_of: AsOf = None, direct: Direct = False) -> None:
    """Create due occurrences, update statuses and write the reminders and escalations due to the outbox."""
    result = _run_flow("sweep", parse_as_of(as_of), direct)
    out.print_json(json.dumps(result))


@app.command()
def dispatch(as_of: AsOf = None, direct: Direct = False) -> None:
    """Send the messages due in the outbox (inside office hours) and record each result."""
    result = _run_flow("dispatch", parse_as_of(as_of), direct)
    out.print_json(json.dumps(result))


@app.command()
def channels(as_of: AsOf = None) -> None:
    """Show the configured channels (apprise URLs with their secrets masked) and each Zalo app's tokens."""
    from obligations.notifications.send import private
    from obligations.zalo_cli import token_lines

    moment = parse_as_of(as_of)
    settings = get_settings()
    for channel in ("email", "zalo", "zns"):
        out.print(f"{channel}: {private(settings.channel_url(channel))}", soft_wrap=True, highlight=False,
                  markup=False)
    for line in token_lines(settings, moment):
        out.print(line, soft_wrap=True, highlight=False, markup=False)


@app.command()
def digest(as_of: AsOf = None, direct: Direct = False) -> None:
    """Queue this week's digest for managers and coordinators (once a week each), then send it."""
    moment = parse_as_of(as_of)
    if direct:
        result = {"queued": entry.run_digest(moment), "dispatch": entry.run_dispatch(moment)}
    else:
        with jobs() as flows:
            result = flows.digest_flow(as_of=moment)
    out.print_json(json.dumps(result))


def status_table(title: str, first_column: str, rows: dict) -> Table:
    """One row per key (an agency, a year), one column per status."""
    table = Table(title=title)
    table.add_column(first_column, no_wrap=True)
    for status in Status:
        table.add_column(SHORT_LABELS_VI[status], justify="right")
    for key, counts in sorted(rows.items()):
        table.add_row(str(key), *[str(counts.get(status, 0) or "") for status in Status])
    return table


@app.command()
def status(
    as_of: AsOf = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="List the overdue occurrences.")] = False,
    agency: Annotated[str | None, typer.Option("--agency", help="Only this agency (code).")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="Only this plan (code).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Occurrences by agency and status, and the outbox in motion; with --overdue, the overdue ones one by one."""
    from obligations.flows.report import counts_by_agency

    moment = parse_as_of(as_of)
    report = entry.status_report(moment, agency=agency, plan=plan)
    motion = report.motion
    late = [v for v in report.views if v.status == Status.OVERDUE]
    by_agency = counts_by_agency(report.views)
    if as_json:
        payload = {
            "as_of": moment.isoformat(),
            "by_agency": {code: dict(counts) for code, counts in by_agency.items()},
            "outbox": report.outbox,
            "in_motion": motion.counts,
            "retrying": motion.retrying,
            "sending": motion.sending,
            "dead": report.dead,
        }
        if overdue:
            payload["overdue"] = [v.as_dict() for v in sorted(late, key=lambda v: -v.working_days_overdue)]
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    if not report.views:
        out.print(f"Chưa có kỳ thực hiện nào trong {database_shown(get_settings().database_url)} (thư mục dữ liệu "
                  f"{get_settings().home}): nạp một kế hoạch bằng `obligations load TỆP.yaml`, hoặc chạy `make demo`.",
                  highlight=False, soft_wrap=True)
    out.print(status_table(f"Tình hình thực hiện đến {moment.isoformat()}", "Cơ quan", by_agency))
    out.print("Hộp thư đi: " + ", ".join(f"{motion.counts[key]} {label}" for key, label in OUTBOX_VI.items()) + ".",
              highlight=False)
    for table in outbox_tables(motion, report.dead, moment):
        out.print(table)
    if overdue:
        out.print(overdue_table(late))


OUTBOX_VI = {"pending": "chờ gửi", "retrying": "chờ gửi lại", "sending": "đang gửi", "dead": "không gửi được"}
SHOWN = 20  # rows of each outbox table; --json lists them all


def outbox_tables(motion, dead: list[dict], moment: datetime) -> list[Table]:
    """The messages retrying, being sent and given up on, times in the settings' zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(get_settings().zone)

    def local(iso: str | None) -> str:
        return datetime.fromisoformat(iso).astimezone(zone).strftime("%d/%m/%Y %H:%M") if iso else "—"

    def lease(iso: str | None) -> str:
        passed = iso is not None and datetime.fromisoformat(iso) <= moment
        return local(iso) + (" (đã hết hạn: lần chạy sau gửi lại)" if passed else "")

    tables = []
    for rows, title, columns in (
        (motion.retrying, "[bold yellow]{} tin nhắn chờ gửi lại[/]",
         {"Lần thử": lambda r: str(r["attempts"]), "Gửi lại lúc": lambda r: local(r["next_attempt_at"]),
          "Lỗi gần nhất": lambda r: r["error"] or ""}),
        (motion.sending, "{} tin nhắn đang gửi", {"Giữ đến": lambda r: lease(r["lease_until"])}),
        (dead, "[bold red]{} tin nhắn không gửi được[/]", {"Lý do": lambda r: r["error"] or ""}),
    ):
        if not rows:
            continue
        table = Table(title=title.format(len(rows)))
        for column in ("Số", "Người nhận", "Cơ quan", "Kênh", "Tin nhắn", *columns):
            table.add_column(column)
        for row in rows[:SHOWN]:
            table.add_row(str(row["id"]), row["recipient"] or "—", row["agency"] or "—", row["channel"],
                          row["subject"] or row["step"], *(cell(row) for cell in columns.values()))
        tables.append(table)
    return tables


def overdue_table(late) -> Table:
    table = Table(title="Nhiệm vụ quá hạn")
    for column in ("Số", "Cơ quan", "Mục", "Nhiệm vụ", "Hạn", "Quá (ngày làm việc)"):
        table.add_column(column)
    for view in sorted(late, key=lambda v: (-v.working_days_overdue, v.agency_code)):
        table.add_row(str(view.id), view.agency_code, view.ref, view.title[:60], view.deadline_day,
                      str(view.working_days_overdue))
    return table


add_action_commands(app)
add_web_commands(app)
add_api_token_commands(app)
add_backup_commands(app)
add_zalo_commands(app)


def _replay_with_progress(start: date, end: date) -> dict:
    total = (end - start).days + 1
    with jobs() as flows, Progress(TextColumn("[bold]Mô phỏng[/] {task.fields[day]}"), BarColumn(),
                                   MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                                   transient=False) as progress:
        task = progress.add_task("replay", total=total, day="")
        flows.listen_to_replay(lambda day: progress.update(task, advance=1, day=day.isoformat()))
        try:
            return flows.simulate_flow(start=start, end=end)
        finally:
            flows.listen_to_replay(None)


@app.command()
def simulate(
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
) -> None:
    """Replay each day: sweep, dispatch and a deterministic pattern of submissions, in one flow run."""
    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    if last < first:
        raise fail("--to (ngày cuối) đứng trước --from (ngày đầu)")
    out.print_json(json.dumps(_replay_with_progress(first, last)))


@app.command()
def demo(
    example: Annotated[Path, typer.Option(help="The plan file to load.")] = EXAMPLE,
    start: Annotated[str, typer.Option("--from", help="First day.")] = "2017-04-01",
    end: Annotated[str, typer.Option("--to", help="Last day.")] = "2021-01-31",
) -> None:
    """A fresh SQLite database in the data directory, the Khánh Hòa plan loaded, 2017-04 to 2021-01 replayed.

    Afterwards every command (status, web) shows the demo's data; the next demo replaces it.
    """
    from obligations.flows.demo import NotADemoDatabase, run_demo
    from obligations.plans.file.errors import FileError

    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    started = clock.monotonic()
    try:
        result = run_demo(example, first, last, replay=_replay_with_progress,
                          on_loaded=lambda summary: out.print(f"[bold]Đã nạp[/] {example.name}: {summary}"))
    except FileError as exc:
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        raise fail(f"{example}: không nạp được") from None
    except NotADemoDatabase as exc:
        raise fail(str(exc)) from None
    table = status_table("Kỳ thực hiện theo năm (theo hạn) và tin nhắn đã gửi", "Năm", {})
    table.add_column("Nhắc việc", justify="right")
    table.add_column("Đôn đốc", justify="right")
    for year in sorted(set(result.by_year) | set(result.sent_by_year)):
        counts, messages = result.by_year.get(year, {}), result.sent_by_year.get(year, {})
        reminders = messages.get("reminder", 0) + messages.get("due_today", 0)
        table.add_row(str(year), *[str(counts.get(status, 0)) for status in Status], str(reminders),
                      str(messages.get("escalation", 0)))
    out.print(table)
    summary_table = Table(title=f"Quá hạn theo cơ quan đến {last:%d/%m/%Y}")
    summary_table.add_column("Cơ quan")
    summary_table.add_column("Số kỳ quá hạn", justify="right")
    summary_table.add_column("Lâu nhất (ngày làm việc)", justify="right")
    for name, count, longest in result.overdue_by_agency():
        summary_table.add_row(name, str(count), str(longest))
    out.print(summary_table)
    _print_inbox(result)
    out.print(
        f"{result.replay['days']} ngày, {result.replay['dispatch'].get('sent', 0)} tin nhắn đã gửi, {result.mails} "
        f"tệp .eml trong {result.maildir}/new; cơ sở dữ liệu {result.database}; "
        f"{clock.monotonic() - started:.0f} giây."
    )


def _print_inbox(result) -> None:
    """What one person receives in a day, read back from the mailbox, and what the chain promises."""
    inbox, checks = result.inbox, result.checks
    spread = ", ".join(f"{n} tin: {days} lượt" for n, days in inbox.spread().items())
    most_reminders = max(inbox.reminders_per_day.values(), default=0)
    out.print(
        f"Mỗi người mỗi ngày nhận ({len(inbox.per_day)} lượt người-ngày): {spread}. Nhắc việc và đôn đốc: nhiều "
        f"nhất {most_reminders} tin một người một ngày (mỗi lần gửi gộp các nhiệm vụ của một người vào một tin)."
    )
    busiest = Table(title="Những ngày một người nhận nhiều tin nhất")
    for column in ("Người nhận", "Ngày", "Số tin"):
        busiest.add_column(column, justify="right" if column == "Số tin" else "left")
    for name, day, count in inbox.busiest():
        busiest.add_row(name, f"{day:%d/%m/%Y}", str(count))
    out.print(busiest)
    out.print(
        f"Lãnh đạo kế hoạch nhận {checks.leadership_items} tin về từng nhiệm vụ (chỉ nhận báo cáo tháng); "
        f"{checks.after_the_end} tin gửi sau khi kế hoạch kết thúc và hết thời hạn đôn đốc."
    )


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="When to sweep and dispatch (cron, local time).")] = "*/30 7-17 * * 1-6",
    digest_cron: Annotated[str, typer.Option("--digest-cron", help="When to send the weekly digest.")] = "0 8 * * 1",
    partition: Annotated[list[str] | None, typer.Option(
        "--partition", help="Plan codes, comma-separated, swept by a deployment of their own; repeat for "
        "several partitions (default: one sweep of every plan).")] = None,
) -> None:
    """Run the sweep-and-dispatch and digest flows on schedules (Prefect serve); stop with Ctrl+C.

    Uses the Prefect server of PREFECT_API_URL, else starts one on 127.0.0.1:4200 (its database in
    PREFECT_HOME) for as long as it runs. Several machines: the workers of a work pool (prefect.yaml)."""
    from prefect import serve as prefect_serve
    from prefect.schedules import Cron

    from obligations.flows.jobs import deployments
    from obligations.flows.server import ServerUnavailable, prefect_api

    partitions = [[code.strip() for code in p.split(",") if code.strip()] for p in partition or []]
    if any(not codes for codes in partitions):
        raise fail("--partition cần ít nhất một mã kế hoạch.")
    zone = get_settings().zone
    served = deployments(Cron(cron, timezone=zone), Cron(digest_cron, timezone=zone), partitions=partitions or None)
    try:
        with prefect_api():
            prefect_serve(*served)
    except ServerUnavailable as exc:
        raise fail(str(exc)) from None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
