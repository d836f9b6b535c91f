"""``obligations``: the command line of the engine (Typer + Rich)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time as clock
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from obligations.config.settings import CONFIG_DIR, get_settings

app = typer.Typer(
    help="Theo dõi nhiệm vụ của kế hoạch: nhắc việc và đôn đốc theo hạn. "
    "Tracks the obligations of a government plan and sends reminders and escalations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
plan_app = typer.Typer(
    help="Nhập kế hoạch: đọc văn bản (.txt, .docx), soạn tệp cho điều phối viên, nạp. "
    "Import a plan document: parse it, draft the coordinator's file, apply it.",
    no_args_is_help=True,
)
app.add_typer(plan_app, name="plan")

out = Console()
err = Console(stderr=True)

EXAMPLE = CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml"

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


def engine_and_runtime():
    from obligations.flows.runtime import Runtime
    from obligations.models.db import create_db_engine

    settings = get_settings()
    return create_db_engine(settings.database_url), Runtime(settings)


@app.callback()
def main(
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="OBLIGATIONS_DATABASE_URL",
                                 help="SQLAlchemy URL (default: SQLite file var/obligations.db).")
    ] = None,
) -> None:
    if database_url:
        os.environ["OBLIGATIONS_DATABASE_URL"] = database_url
        get_settings.cache_clear()


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
    as_of: AsOf = None,
    actor: Actor = "cli",
) -> None:
    """Load agencies, groups, contacts, policies, a plan and its obligations: all or nothing."""
    from obligations.config.settings import load_yaml_defaults
    from obligations.models.db import create_db_engine, upgrade
    from obligations.plans.file.apply import load_file
    from obligations.plans.file.schema import DraftError

    moment = parse_as_of(as_of)
    settings = get_settings()
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    try:
        summary = load_file(engine, file, defaults=load_yaml_defaults(settings.defaults_file), actor=actor,
                            as_of=moment)
    except DraftError as exc:
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        raise fail(f"{file}: không nạp được, cơ sở dữ liệu không thay đổi (nothing was written)") from None
    out.print(str(summary))


# ------------------------------------------------------------------------- obligations plan ...

PlanDocument = Annotated[Path, typer.Argument(help="The plan document: .docx, or .txt in UTF-8.")]
PlanCode = Annotated[str | None, typer.Option("--code", help="The plan's code (default: from its number or title).")]


def _read_plan(file: Path):
    """The parsed plan, or exit 2 with the reason (empty, not a plan, damaged .docx, legacy encoding)."""
    from obligations.plans.importer.documents import DocumentError
    from obligations.plans.importer.parse import read_plan

    try:
        return read_plan(file)
    except DocumentError as exc:
        raise fail(f"{exc} (không ghi gì / nothing was written)") from None


def _local_day(moment: datetime) -> date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(get_settings().zone)).date()


def _known_agencies():
    """The stored agencies and groups, to match the plan's names against; none if there is no database yet."""
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from obligations.models.db import create_db_engine
    from obligations.plans.importer.draft import KnownAgencies, known_from_db

    url = get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        return KnownAgencies()  # drafting never creates a database
    try:
        engine = create_db_engine(url)
        try:
            return known_from_db(engine) if inspect(engine).has_table("agency") else KnownAgencies()
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        err.print(f"Cảnh báo: không đọc được danh sách cơ quan trong cơ sở dữ liệu ({exc.__class__.__name__}); "
                  "mọi cơ quan được coi là mới.", highlight=False)
        return KnownAgencies()


def _draft_summary(draft) -> str:
    lines = [f"Kế hoạch {draft.plan_code}: {draft.tasks} nhiệm vụ trong văn bản, "
             f"{draft.obligations} nhiệm vụ được giao."]
    if draft.matched:
        lines.append(f"Cơ quan đã có trong cơ sở dữ liệu: {', '.join(sorted(set(draft.matched.values())))}.")
    if draft.new_agencies:
        lines.append(f"Cơ quan mới ({len(draft.new_agencies)}): {', '.join(draft.new_agencies)}.")
    if draft.groups_to_fill:
        lines.append(f"Nhóm cơ quan cần điền thành viên (members): {', '.join(draft.groups_to_fill)}.")
    if draft.to_review:
        lines.append(f"Không thấy hạn, tạm đọc là thường xuyên ({len(draft.to_review)}): {', '.join(draft.to_review)}.")
    return "\n".join(lines)


@plan_app.command("parse")
def plan_parse(
    file: PlanDocument,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    """Read a plan document and show what was found: number, title, issuer, period, tasks and deadlines."""
    plan = _read_plan(file)
    if as_json:
        typer.echo(json.dumps(plan.to_dict(), ensure_ascii=False, indent=2))
        return
    period = f"{plan.period[0]:%d/%m/%Y} – {plan.period[1]:%d/%m/%Y}" if plan.period else "không nêu"
    for label, value in (("Kế hoạch", plan.title), ("Số", plan.number), ("Cơ quan ban hành", plan.issuer),
                         ("Thời gian", period)):
        out.print(f"[bold]{label}:[/] {value or 'không thấy'}", highlight=False, soft_wrap=True)
    table = Table(title=f"{len(plan.tasks)} nhiệm vụ")
    table.add_column("Mục", no_wrap=True)
    for column in ("Cơ quan chủ trì", "Phối hợp"):
        table.add_column(column)
    table.add_column("Hạn", overflow="fold")  # an RRULE has no spaces: fold it rather than cut it
    for task in plan.tasks:
        deadlines = "; ".join(
            (f"{d.kind}: {d.due or d.rrule or d.cycle or ''} “{d.phrase}”").replace(":  ", ": ") for d in task.deadlines
        )
        table.add_row(task.ref, task.agency or "(chưa rõ)", ", ".join(task.supporting), deadlines or "(không thấy hạn)")
    out.print(table)


@plan_app.command("draft")
def plan_draft(
    file: PlanDocument,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the YAML here (default: print it).")
    ] = None,
    code: PlanCode = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")] = False,
    as_of: AsOf = None,
) -> None:
    """Write the coordinator's YAML file for a plan document, to review and then `obligations load`."""
    from obligations.plans.importer.draft import build_draft

    moment = parse_as_of(as_of)
    if output is not None and output.exists() and not force:
        raise fail(f"{output} đã có; dùng --force để ghi đè (it exists; nothing was written)")
    plan = _read_plan(file)
    draft = build_draft(plan, source=file.name, today=_local_day(moment), known=_known_agencies(), code=code)
    if output is None:
        typer.echo(draft.text, nl=False)
        return
    # Write beside the target and rename, so a failure never leaves half a file behind.
    partial = output.with_name(f".{output.name}.partial")
    try:
        partial.write_text(draft.text, encoding="utf-8")
        os.replace(partial, output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise fail(f"{output}: không ghi được ({exc.strerror or exc})") from None
    out.print(f"Đã ghi {output}.\n{_draft_summary(draft)}\nXem lại rồi nạp: obligations load {output}",
              highlight=False, soft_wrap=True)


@plan_app.command("apply")
def plan_apply(
    file: PlanDocument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    code: PlanCode = None,
    as_of: AsOf = None,
    actor: Actor = "cli",
) -> None:
    """Draft a plan document and load the draft in one transaction, after a confirmation: all or nothing."""
    from obligations.config.settings import load_yaml_defaults
    from obligations.models.db import create_db_engine, session_scope, upgrade
    from obligations.plans.file.apply import apply_draft
    from obligations.plans.file.schema import DraftError, parse_draft
    from obligations.plans.importer.draft import build_draft

    moment = parse_as_of(as_of)
    plan = _read_plan(file)
    settings = get_settings()
    draft = build_draft(plan, source=file.name, today=_local_day(moment), known=_known_agencies(), code=code)
    out.print(_draft_summary(draft), highlight=False, soft_wrap=True)
    if draft.groups_to_fill:
        raise fail(
            "văn bản giao việc cho nhóm cơ quan chưa có trong cơ sở dữ liệu, và không nêu thành viên của nhóm: "
            f"chạy `obligations plan draft {file} -o draft.yaml`, điền members, rồi `obligations load draft.yaml` "
            "(nothing was written)"
        )
    if not yes and not typer.confirm("Nạp vào cơ sở dữ liệu?", default=False):
        err.print("Đã hủy; cơ sở dữ liệu không thay đổi.")
        raise typer.Exit(1)
    defaults = load_yaml_defaults(settings.defaults_file)
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    try:
        checked = parse_draft(draft.text, source=f"{file.name} (bản nháp)", defaults=defaults)
        with session_scope(engine) as session:
            summary = apply_draft(session, checked, source=file.name, actor=actor, as_of=moment)
    except DraftError as exc:
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        raise fail(f"{file}: không nạp được, cơ sở dữ liệu không thay đổi (nothing was written)") from None
    out.print(str(summary), highlight=False, soft_wrap=True)


def _run_flow(name: str, moment: datetime, direct: bool) -> dict:
    if direct:
        from obligations.flows.dispatch import dispatch
        from obligations.flows.sweep import sweep

        engine, rt = engine_and_runtime()
        return sweep(engine, rt, moment).as_dict() if name == "sweep" else dict(dispatch(engine, rt, moment))
    from obligations.flows.jobs import dispatch_flow, sweep_flow

    return (sweep_flow if name == "sweep" else dispatch_flow)(as_of=moment)


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
def channels() -> None:
    """Show the configured channels (apprise URLs with their secrets masked) and the Zalo token store."""
    from obligations.notifications.send import private
    from obligations.notifications.zalo_tokens import FileTokenStore, TokenStoreError

    settings = get_settings()
    for channel in ("email", "zalo", "zns"):
        out.print(f"{channel}: {private(settings.channel_url(channel))}", soft_wrap=True, highlight=False)
    try:
        pair = FileTokenStore(settings.zalo_token_store).load()
    except TokenStoreError as exc:
        raise fail(f"kho token Zalo hỏng: {exc}") from None
    state = "chưa có token" if pair is None else f"có token (hết hạn: {pair.expires_at or 'chưa rõ'})"
    out.print(f"Kho token Zalo {settings.zalo_token_store}: {state}", soft_wrap=True, highlight=False)


@app.command()
def digest(as_of: AsOf = None, direct: Direct = False) -> None:
    """Queue this week's digest for managers and coordinators (once a week each), then send it."""
    moment = parse_as_of(as_of)
    if direct:
        from obligations.flows.digest import digest as queue
        from obligations.flows.dispatch import dispatch as send

        engine, rt = engine_and_runtime()
        result = {"queued": queue(engine, rt, moment), "dispatch": dict(send(engine, rt, moment))}
    else:
        from obligations.flows.jobs import digest_flow

        result = digest_flow(as_of=moment)
    out.print_json(json.dumps(result))


STATUS_ORDER = ["on_track", "due_soon", "submitted", "overdue", "done_on_time", "done_late", "waived"]
# Column headers narrow enough for an 80-column terminal; the full labels are rules.status.LABELS_VI.
SHORT_LABELS = {
    "on_track": "Trong hạn",
    "due_soon": "Sắp hạn",
    "submitted": "Chờ duyệt",
    "overdue": "Quá hạn",
    "done_on_time": "Xong đúng hạn",
    "done_late": "Xong trễ hạn",
    "waived": "Miễn",
}


@app.command()
def status(
    as_of: AsOf = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="List the overdue occurrences.")] = False,
    agency: Annotated[str | None, typer.Option("--agency", help="Only this agency (code).")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="Only this plan (code).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Occurrences by agency and status; with --overdue, the overdue ones one by one."""
    from obligations.flows.report import counts_by_agency, dead_messages, occurrences_at, outbox_counts
    from obligations.models.db import session_scope
    from obligations.rules.status import Status

    moment = parse_as_of(as_of)
    engine, rt = engine_and_runtime()
    with session_scope(engine) as session:
        views = occurrences_at(session, rt, moment, agency=agency, plan=plan)
        outbox = outbox_counts(session)
        dead = dead_messages(session, agency=agency)
    late = [v for v in views if v.status == Status.OVERDUE]
    by_agency = counts_by_agency(views)
    if as_json:
        payload = {
            "as_of": moment.isoformat(),
            "by_agency": {code: dict(counts) for code, counts in by_agency.items()},
            "outbox": outbox,
            "dead": dead,
        }
        if overdue:
            payload["overdue"] = [v.as_dict() for v in sorted(late, key=lambda v: -v.working_days_overdue)]
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    table = Table(title=f"Tình hình thực hiện đến {moment.isoformat()}")
    table.add_column("Cơ quan", no_wrap=True)
    for key in STATUS_ORDER:
        table.add_column(SHORT_LABELS[key], justify="right")
    for code, counts in sorted(by_agency.items()):
        table.add_row(code, *[str(counts.get(key, 0) or "") for key in STATUS_ORDER])
    out.print(table)
    if dead:
        table = Table(title=f"[bold red]{len(dead)} tin nhắn không gửi được[/]")
        for column in ("Số", "Người nhận", "Cơ quan", "Kênh", "Tin nhắn", "Lý do"):
            table.add_column(column)
        for row in dead[:20]:
            table.add_row(str(row["id"]), row["recipient"] or "—", row["agency"] or "—", row["channel"],
                          row["subject"] or row["step"], row["error"] or "")
        out.print(table)
    if overdue:
        out.print(overdue_table(late))


def overdue_table(late) -> Table:
    table = Table(title="Nhiệm vụ quá hạn")
    for column in ("Số", "Cơ quan", "Mục", "Nhiệm vụ", "Hạn", "Quá (ngày làm việc)"):
        table.add_column(column)
    for view in sorted(late, key=lambda v: (-v.working_days_overdue, v.agency_code)):
        table.add_row(str(view.id), view.agency_code, view.ref, view.title[:60], view.deadline_day,
                      str(view.working_days_overdue))
    return table


def _act(action) -> None:
    from obligations.flows.actions import ActionError
    from obligations.models.db import session_scope

    engine, rt = engine_and_runtime()
    try:
        with session_scope(engine) as session:
            message = action(session, rt)
    except ActionError as exc:
        raise fail(str(exc)) from None
    out.print(message)


OccurrenceId = Annotated[int, typer.Argument(help="The occurrence number (shown by `status --overdue`).")]


@app.command()
def submit(occurrence: OccurrenceId, note: Annotated[str | None, typer.Option(help="A short note.")] = None,
           as_of: AsOf = None, actor: Actor = "cli") -> None:
    """Record a submission (the report, or the progress note of a check-in); stops the reminders."""
    from obligations.flows import actions

    moment = parse_as_of(as_of)

    def act(session, rt) -> str:
        actions.submit(session, occurrence, as_of=moment, actor=actor, note=note)
        return f"Đã ghi nhận báo cáo của kỳ {occurrence}, chờ duyệt."

    _act(act)


@app.command()
def accept(occurrence: OccurrenceId, note: Annotated[str | None, typer.Option(help="A note.")] = None,
           as_of: AsOf = None, actor: Actor = "cli") -> None:
    """Accept the pending submission: the occurrence is done, on time or late."""
    from obligations.flows import actions
    from obligations.rules.status import LABELS_VI

    moment = parse_as_of(as_of)

    def act(session, rt) -> str:
        outcome = actions.accept(session, occurrence, as_of=moment, actor=actor, note=note)
        return f"Kỳ {occurrence}: {LABELS_VI[outcome]}."

    _act(act)


@app.command(name="return")
def return_(occurrence: OccurrenceId, note: Annotated[str, typer.Option(help="What is missing.")],
            as_of: AsOf = None, actor: Actor = "cli") -> None:
    """Return the pending submission: the occurrence reopens and the ladder resumes."""
    from obligations.flows import actions
    from obligations.rules.status import LABELS_VI

    moment = parse_as_of(as_of)

    def act(session, rt) -> str:
        outcome = actions.return_submission(session, rt, occurrence, as_of=moment, actor=actor, note=note)
        return f"Đã trả lại kỳ {occurrence}; trạng thái: {LABELS_VI[outcome]}."

    _act(act)


@app.command()
def extend(occurrence: OccurrenceId,
           until: Annotated[str, typer.Option("--until", help="New last day (YYYY-MM-DD), inclusive.")],
           reason: Annotated[str | None, typer.Option(help="Why.")] = None,
           as_of: AsOf = None, actor: Actor = "cli") -> None:
    """Grant an extension: the deadline moves and the ladder restarts from the new one."""
    from obligations.flows import actions

    moment = parse_as_of(as_of)
    day = parse_day(until, "--until")

    def act(session, rt) -> str:
        actions.extend(session, rt, occurrence, until=day, as_of=moment, actor=actor, reason=reason)
        return f"Đã gia hạn kỳ {occurrence} đến hết ngày làm việc {day:%d/%m/%Y} (hoặc ngày làm việc kế tiếp)."

    _act(act)


@app.command()
def waive(occurrence: OccurrenceId, reason: Annotated[str, typer.Option(help="Why (required).")],
          as_of: AsOf = None, actor: Actor = "cli") -> None:
    """Waive an occurrence: nothing more is asked or sent for it."""
    from obligations.flows import actions

    moment = parse_as_of(as_of)

    def act(session, rt) -> str:
        actions.waive(session, occurrence, as_of=moment, actor=actor, reason=reason)
        return f"Đã miễn thực hiện kỳ {occurrence}."

    _act(act)


@app.command()
def blocker(occurrence: OccurrenceId, text: Annotated[str, typer.Argument(help="The difficulty (vướng mắc).")],
            as_of: AsOf = None, actor: Actor = "cli") -> None:
    """Raise a blocker on an occurrence for the coordinator."""
    from obligations.flows import actions

    moment = parse_as_of(as_of)

    def act(session, rt) -> str:
        raised = actions.raise_blocker(session, rt, occurrence, as_of=moment, actor=actor, text=text)
        return f"Đã ghi nhận vướng mắc số {raised.id} của kỳ {occurrence}."

    _act(act)


def _replay_with_progress(start: date, end: date) -> dict:
    from obligations.flows.jobs import listen_to_replay, simulate_flow

    total = (end - start).days + 1
    with Progress(TextColumn("[bold]Mô phỏng[/] {task.fields[day]}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=False) as progress:
        task = progress.add_task("replay", total=total, day="")
        listen_to_replay(lambda day: progress.update(task, advance=1, day=day.isoformat()))
        try:
            return simulate_flow(start=start, end=end, database_url=get_settings().database_url)
        finally:
            listen_to_replay(None)


@app.command()
def simulate(
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
) -> None:
    """Replay each day: sweep, dispatch and a deterministic pattern of submissions, in one flow run."""
    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    if last < first:
        raise fail("--to is before --from")
    out.print_json(json.dumps(_replay_with_progress(first, last)))


@app.command()
def demo(
    example: Annotated[Path, typer.Option(help="The plan file to load.")] = EXAMPLE,
    start: Annotated[str, typer.Option("--from", help="First day.")] = "2017-04-01",
    end: Annotated[str, typer.Option("--to", help="Last day.")] = "2021-01-31",
) -> None:
    """A fresh SQLite database, the Khánh Hòa plan loaded, 2017-04 to 2021-01 replayed; prints the results."""
    from obligations.flows.report import counts_by_agency, counts_by_year, messages_by_year, occurrences_at
    from obligations.models.db import session_scope, upgrade
    from obligations.plans.file.apply import load_file
    from obligations.plans.file.schema import DraftError
    from obligations.rules.status import Status

    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    started = clock.monotonic()
    database = Path("var/demo.db")
    maildir = Path("var/maildir")
    for path in (database, Path("var/demo.db-wal"), Path("var/demo.db-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(maildir, ignore_errors=True)
    os.environ["OBLIGATIONS_DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["OBLIGATIONS_EMAIL_URL"] = os.environ["OBLIGATIONS_ZALO_URL"] = f"maildir://{maildir}"
    get_settings.cache_clear()
    engine, rt = engine_and_runtime()
    calendar = rt.calendar()
    upgrade(engine)
    try:
        summary = load_file(engine, example, defaults=rt.defaults, actor="demo", as_of=calendar.start_of_day(first))
    except DraftError as exc:
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        raise fail(f"{example}: không nạp được") from None
    out.print(f"[bold]Đã nạp[/] {example.name}: {summary}")
    result = _replay_with_progress(first, last)
    end_moment = calendar.at_local(last, rt.settings.office_end)
    with session_scope(engine) as session:
        views = occurrences_at(session, rt, end_moment)
        sent = messages_by_year(session)
    by_year = counts_by_year(views)
    table = Table(title="Kỳ thực hiện theo năm (theo hạn) và tin nhắn đã gửi")
    table.add_column("Năm")
    for key in STATUS_ORDER:
        table.add_column(SHORT_LABELS[key], justify="right")
    table.add_column("Nhắc việc", justify="right")
    table.add_column("Đôn đốc", justify="right")
    for year in sorted(set(by_year) | set(sent)):
        counts, messages = by_year.get(year, {}), sent.get(year, {})
        reminders = messages.get("reminder", 0) + messages.get("due_today", 0)
        table.add_row(str(year), *[str(counts.get(k, 0)) for k in STATUS_ORDER], str(reminders),
                      str(messages.get("escalation", 0)))
    out.print(table)
    late = [v for v in views if v.status == Status.OVERDUE]
    summary_table = Table(title=f"Quá hạn theo cơ quan đến {last:%d/%m/%Y}")
    summary_table.add_column("Cơ quan")
    summary_table.add_column("Số kỳ quá hạn", justify="right")
    summary_table.add_column("Lâu nhất (ngày làm việc)", justify="right")
    names = {v.agency_code: v.agency_name for v in late}
    for code, counts in sorted(counts_by_agency(late).items(), key=lambda kv: -kv[1]["overdue"]):
        longest = max(v.working_days_overdue for v in late if v.agency_code == code)
        summary_table.add_row(names[code], str(counts["overdue"]), str(longest))
    out.print(summary_table)
    mails = sum(1 for _ in (maildir / "new").iterdir()) if (maildir / "new").exists() else 0
    out.print(
        f"{result['days']} ngày, {result['dispatch'].get('sent', 0)} tin nhắn đã gửi, {mails} tệp .eml trong "
        f"{maildir}/new; cơ sở dữ liệu {database}; {clock.monotonic() - started:.0f} giây."
    )


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="When to sweep and dispatch (cron, local time).")] = "*/30 7-17 * * 1-6",
    digest_cron: Annotated[str, typer.Option("--digest-cron", help="When to send the weekly digest.")] = "0 8 * * 1",
) -> None:
    """Run the sweep-and-dispatch and digest flows on schedules (Prefect serve); stop with Ctrl+C."""
    from prefect import serve as prefect_serve
    from prefect.schedules import Cron

    from obligations.flows.jobs import deployments

    zone = get_settings().zone
    prefect_serve(*deployments(Cron(cron, timezone=zone), Cron(digest_cron, timezone=zone)))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
