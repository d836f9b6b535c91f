"""The commands that act on an occurrence or a blocker, made from ``entry.ACTIONS`` (one table for every
front end), and ``obligations blockers`` that lists what they raised and resolved."""

from __future__ import annotations

import inspect
import json
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from obligations.flows import entry
from obligations.flows.actions import ActionError
from obligations.flows.entry import ACTIONS, Action, ActionField
from obligations.terminal import Actor, AsOf, fail, out, parse_as_of, parse_day

OccurrenceId = Annotated[int, typer.Argument(help="The occurrence number (shown by `status --overdue`).")]
BlockerId = Annotated[int, typer.Argument(help="The blocker number (shown by `obligations blockers`).")]
MessageId = Annotated[int, typer.Argument(help="The message number (shown by `status` among dead or retrying).")]
# The first parameter of an action's command: its name and annotation, by what the number names.
TARGET_PARAMETERS = {"occurrence": ("occurrence", OccurrenceId), "blocker": ("blocker_id", BlockerId),
                     "notification": ("message_id", MessageId)}

GROUPS = {
    "extension": "Đề nghị gia hạn: cán bộ đầu mối đề nghị, cơ quan điều phối từ chối (đồng ý: `extend`). "
                 "Extension requests: a focal point asks, the coordinator refuses (or grants with `extend`).",
    "blocker": "Vướng mắc: nêu và giải quyết. Blockers: raise one, resolve one.",
    "message": "Tin nhắn trong hàng đợi gửi. Messages in the outbox: send a dead one again.",
}


def _action_parameter(field: ActionField) -> inspect.Parameter:
    option = f"--{field.name.replace('_', '-')}"
    if field.kind is bool:
        annotation = Annotated[bool, typer.Option(option, help=field.help)]
        default = False
    elif field.argument:
        annotation = Annotated[str, typer.Argument(help=field.help)]
        default = inspect.Parameter.empty
    else:
        annotation = Annotated[str if field.required else str | None, typer.Option(option, help=field.help)]
        default = inspect.Parameter.empty if field.required else None
    return inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


def _action_command(action: Action):
    """A Typer command for one action of the table: its number, the action's fields, --as-of and --by."""
    target_name, target_annotation = TARGET_PARAMETERS[action.target]

    def command(as_of: str | None, actor: str, **values) -> None:
        moment = parse_as_of(as_of)
        target_id = values.pop(target_name)
        fields = {
            name: parse_day(value, f"--{name}") if value is not None and action.field(name).kind is date else value
            for name, value in values.items()
        }
        try:
            message = entry.act(action.name, target_id, as_of=moment, actor=actor, **fields)
        except ActionError as exc:
            raise fail(str(exc)) from None
        out.print(message, highlight=False)

    fields = sorted(action.fields, key=lambda f: not (f.required or f.argument))  # no default before them
    parameters = [
        inspect.Parameter(target_name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=target_annotation),
        *(_action_parameter(f) for f in fields),
        inspect.Parameter("as_of", inspect.Parameter.KEYWORD_ONLY, annotation=AsOf, default=None),
        inspect.Parameter("actor", inspect.Parameter.KEYWORD_ONLY, annotation=Actor, default="cli"),
    ]
    command.__signature__ = inspect.Signature(parameters)
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__doc__ = action.help
    command.__name__ = action.name
    return command


def add_action_commands(app: typer.Typer) -> None:
    """Every action of the table on ``app``: ``extend`` at the top, ``blocker resolve`` in its group."""
    groups: dict[str, typer.Typer] = {}
    for action in ACTIONS.values():
        *group, name = action.words
        parent = app
        if group:
            if group[0] not in groups:
                groups[group[0]] = typer.Typer(help=GROUPS[group[0]], no_args_is_help=True)
                app.add_typer(groups[group[0]], name=group[0])
            parent = groups[group[0]]
        parent.command(name=name)(_action_command(action))
    app.command(name="blockers")(blockers)


def _local(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%d/%m/%Y %H:%M") if moment else "—"


def blockers(
    open_only: Annotated[bool, typer.Option("--open", help="Only the blockers not yet resolved.")] = False,
    plan: Annotated[str | None, typer.Option("--plan", help="Only this plan (code).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the blockers (vướng mắc), oldest first: who raised them, and who resolved them and how."""
    rows = entry.list_blockers(open_only=open_only, plan=plan)
    if as_json:
        out.print_json(json.dumps([row.as_dict() for row in rows], ensure_ascii=False))
        return
    if not rows:
        out.print("Không có vướng mắc nào đang mở." if open_only else "Chưa có vướng mắc nào.", highlight=False)
        return
    table = Table(title="Vướng mắc đang mở" if open_only else "Vướng mắc")
    for column in ("Số", "Kỳ", "Cơ quan", "Nhiệm vụ", "Vướng mắc", "Nêu lúc", "Giải quyết"):
        table.add_column(column)
    for row in rows:
        resolved = (f"{_local(row.resolved_at, row.zone)}, {row.resolved_by}: {row.resolution_note}"
                    if row.resolved_at else "chưa")
        table.add_row(str(row.id), str(row.occurrence_id), row.agency_name, f"{row.ref} — {row.title[:60]}",
                      row.text, f"{_local(row.raised_at, row.zone)}, {row.raised_by}", resolved)
    out.print(table)
