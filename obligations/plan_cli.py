"""``obligations plan ...``: read a plan document, draft the coordinator's file, apply it."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from obligations.config.settings import get_settings
from obligations.flows import entry
from obligations.terminal import Actor, AsOf, err, fail, not_loaded, out, parse_as_of

plan_app = typer.Typer(
    help="Nhập kế hoạch: đọc văn bản (.txt, .docx, .pdf có lớp chữ), soạn tệp cho điều phối viên, nạp. "
    "Import a plan document: parse it, draft the coordinator's file, apply it.",
    no_args_is_help=True,
)

PlanDocument = Annotated[
    Path, typer.Argument(help="The plan document: .docx, a PDF with a text layer, or .txt in UTF-8.")
]
PlanCode = Annotated[str | None, typer.Option("--code", help="The plan's code (default: from its number or title).")]
ContactList = Annotated[Path | None, typer.Option(
    "--contacts", help="Danh bạ đầu mối (contact list): CSV with a header row (agency/cơ quan, name/họ tên, role/vai "
    "trò, email, phone/điện thoại, zalo), or a YAML list of the same; merged into the draft.")]


def _draft(file: Path, moment: datetime, code: str | None, contacts: Path | None = None):
    """The draft of a plan document, or exit 2 with the reason (empty, not a plan, damaged .docx, legacy encoding,
    a contact list's bad rows)."""
    from zoneinfo import ZoneInfo

    from obligations.plans.file.errors import FileError
    from obligations.plans.importer.documents import DocumentError

    known, warning = entry.known_agencies()
    if warning:
        err.print(warning, highlight=False)
    today = moment.astimezone(ZoneInfo(get_settings().zone)).date()
    try:
        return entry.draft_plan(file, today=today, code=code, known=known, contacts=contacts)
    except DocumentError as exc:
        raise fail(f"{exc} (không ghi gì / nothing was written)") from None
    except FileError as exc:
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        raise fail(f"{contacts}: danh bạ có dòng sai, không ghi gì (nothing was written)") from None


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
    if draft.groups_proposed:
        lines.append("Thành viên nhóm được đề xuất, cần xem lại: " + "; ".join(
            f"{group} ({len(members)} cơ quan)" for group, members in draft.groups_proposed.items()) + ".")
    if draft.inferred:
        lines.append(f"Hạn có phần suy đoán, cần xem lại ({len(draft.inferred)}): {', '.join(draft.inferred)}.")
    if draft.to_anchor:
        lines.append(f"Hạn tính từ một sự kiện chưa có ngày, cần ghi anchor ({len(draft.to_anchor)}): "
                     f"{', '.join(draft.to_anchor)}.")
    if draft.contacts:
        lines.append(f"Người nhận nhắc việc từ danh bạ: {draft.contacts}.")
    if draft.no_focal_point:
        lines.append(f"Cơ quan chưa có đầu mối nhận nhắc việc ({len(draft.no_focal_point)}): "
                     f"{', '.join(draft.no_focal_point)} (xem cuối tệp).")
    return "\n".join(lines)


@plan_app.command("parse")
def plan_parse(
    file: PlanDocument,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    """Read a plan document and show what was found: number, title, issuer, period, tasks and deadlines."""
    from obligations.plans.importer.documents import DocumentError
    from obligations.plans.importer.parse import read_plan

    try:
        plan = read_plan(file)
    except DocumentError as exc:
        raise fail(f"{exc} (không ghi gì / nothing was written)") from None
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
    contacts: ContactList = None,
    as_of: AsOf = None,
) -> None:
    """Write the coordinator's YAML file for a plan document, to review and then `obligations load`."""
    moment = parse_as_of(as_of)
    if output is not None and output.exists() and not force:
        raise fail(f"{output} đã có; dùng --force để ghi đè (it exists; nothing was written)")
    draft = _draft(file, moment, code, contacts)
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


# Shared with `obligations load`, so that both ways of loading take the same option and say the same things.
UpdateTwin = Annotated[bool, typer.Option(
    "--update", help="Cập nhật kế hoạch đã nạp dưới mã khác có cùng số hiệu hoặc tên (không có tùy chọn này thì "
    "bị từ chối). Update the plan already loaded under another code with the same number or title.")]


def say_loaded(summary) -> None:
    """What a load did on stdout, then each agency no message reaches on stderr (one line each)."""
    out.print(str(summary), highlight=False, markup=False, soft_wrap=True)
    for warning in summary.unreachable:
        err.print(warning, highlight=False, markup=False, soft_wrap=True)


@plan_app.command("apply")
def plan_apply(
    file: PlanDocument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    code: PlanCode = None,
    contacts: ContactList = None,
    update: UpdateTwin = False,
    as_of: AsOf = None,
    actor: Actor = "cli",
) -> None:
    """Draft a plan document and load the draft in one transaction, after a confirmation: all or nothing.

    As with `load`, a plan already loaded under another code with the same number or title is refused (use
    --update), and agencies no message can reach are warned of on stderr.
    """
    from obligations.plans.file.errors import FileError

    moment = parse_as_of(as_of)
    draft = _draft(file, moment, code, contacts)
    out.print(_draft_summary(draft), highlight=False, soft_wrap=True)
    if draft.groups_to_fill:
        raise fail(
            "văn bản giao việc cho nhóm cơ quan chưa có trong cơ sở dữ liệu, và không nêu thành viên của nhóm: "
            f"chạy `obligations plan draft {file} -o draft.yaml`, điền members (hoặc xem lại các thành viên đề "
            "xuất), rồi `obligations load draft.yaml` (nothing was written)"
        )
    if draft.to_anchor:
        raise fail(
            f"có hạn tính từ một sự kiện văn bản không ghi ngày ({', '.join(draft.to_anchor)}): chạy "
            f"`obligations plan draft {file} -o draft.yaml`, ghi anchor: YYYY-MM-DD cho các hạn đó, rồi "
            "`obligations load draft.yaml` (nothing was written)"
        )
    if not yes and not typer.confirm("Nạp vào cơ sở dữ liệu?", default=False):
        err.print("Đã hủy; cơ sở dữ liệu không thay đổi.")
        raise typer.Exit(1)
    try:
        summary = entry.load_draft(draft.text, source=file.name, as_of=moment, actor=actor, update=update)
    except FileError as exc:
        raise not_loaded(file, exc) from None
    say_loaded(summary)


def _say(text: str) -> None:
    out.print(text, highlight=False, markup=False, soft_wrap=True)  # codes and titles are not Rich markup


@plan_app.command("retire")
def plan_retire(
    code: Annotated[str, typer.Argument(help="Mã kế hoạch (the plan's code).")],
    obligation: Annotated[list[str] | None, typer.Option(
        "--obligation", help="Chỉ nhiệm vụ có mã này, có thể nêu nhiều lần (only this obligation's ref; "
        "repeatable). Default: the whole plan.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Không hỏi xác nhận (do not ask for confirmation).")] = False,
    as_of: AsOf = None,
    actor: Actor = "cli",
) -> None:
    """Ngừng theo dõi một kế hoạch hoặc nhiệm vụ nạp nhầm: rút các kỳ đang mở, hủy tin nhắn chưa gửi, không nhắc gì
    thêm; ghi vào nhật ký. Retire a plan, or some of its obligations: open occurrences withdrawn, unsent
    messages cancelled, nothing more sent. Bring it back with `active: true` in the file and `obligations load`."""
    from obligations.plans.file.retire import RetireError

    moment = parse_as_of(as_of)
    try:
        preview = entry.retire_preview(code, obligation)
    except RetireError as exc:
        raise fail(f"{exc} (không ghi gì / nothing was written)") from None
    what = f"kế hoạch {preview.code}" + (f" (số {preview.number})" if preview.number else "")
    if obligation:
        what = f"nhiệm vụ {', '.join(obligation)} của {what}"
    if not preview.refs:
        _say(f"{what[0].upper()}{what[1:]} đã ngừng theo dõi từ trước; không có gì thay đổi.")
        return
    _say(f"Sẽ ngừng theo dõi {what}: {len(preview.refs)} nhiệm vụ, rút {preview.open_occurrences} kỳ đang mở, "
         f"hủy {preview.pending_messages} tin nhắn chưa gửi.\n{preview.title}")
    if not yes and not typer.confirm("Ngừng theo dõi?", default=False):
        err.print("Đã hủy; cơ sở dữ liệu không thay đổi.")
        raise typer.Exit(1)
    try:
        activity = entry.retire_plan(code, obligation, as_of=moment, actor=actor)
    except RetireError as exc:
        raise fail(f"{exc} (không ghi gì / nothing was written)") from None
    _say(f"Đã ngừng theo dõi {what}: {len(activity.retired)} nhiệm vụ, rút {activity.withdrawn} kỳ đang mở, "
         f"hủy {activity.cancelled} tin nhắn chưa gửi. Để theo dõi lại: ghi `active: true` trong tệp rồi "
         "`obligations load`.")
