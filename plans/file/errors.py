"""Problems in a YAML file the project reads, in the file's words: ``FILE:LINE: field.path: problem``.

:class:`FileError` carries every problem found (up to :data:`MAX_ERRORS`), sorted by line, so a
coordinator fixes a file in one pass. :func:`translate` rewrites pydantic's errors into those words,
with the path as the file writes it (``obligations[3].schedule.rrule``), never pydantic's own.
"""

from __future__ import annotations

import difflib
import types
from datetime import date, datetime
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from obligations.rules.limits import forbidden_character
from obligations.rules.schedule import SCHEDULE_KINDS

__all__ = ["MAX_ERRORS", "FieldPath", "FileError", "cap", "format_path", "line_of", "messages", "show", "translate"]

MAX_ERRORS = 50

FieldPath = tuple[str | int, ...]


class FileError(Exception):
    """Everything wrong with a file; each message is ``FILE:LINE: field.path: problem``."""

    def __init__(self, messages: list[str] | tuple[str, ...] | str) -> None:
        if isinstance(messages, str):
            messages = [messages]
        self.messages: list[str] = list(messages) or ["invalid file"]
        super().__init__("\n".join(self.messages))

    def __str__(self) -> str:
        return "\n".join(self.messages)


def format_path(path: FieldPath) -> str:
    """``("obligations", 3, "schedule", "rrule")`` -> ``obligations[3].schedule.rrule``."""
    out = ""
    for element in path:
        if isinstance(element, int) and not isinstance(element, bool):
            out += f"[{element}]"
        else:
            out += f".{_key(element)}" if out else _key(element)
    return out or "(file)"


def _key(element: Any) -> str:
    """A key as the path shows it: quoted and cut short when it is a paragraph or holds a character that a
    terminal would not show (an unknown key may hold anything; a lone surrogate cannot even be printed)."""
    text = str(element)
    if len(text) > 64 or forbidden_character(text, multiline=False) is not None:
        return show(text)
    return text


def show(value: Any) -> str:
    """A value as a message quotes it: short, and in YAML's words for booleans and dates."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def line_of(lines: dict[FieldPath, int], path: FieldPath) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one."""
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line:
            return line
    return None


def cap(located: list[str], source: str) -> list[str]:
    """At most MAX_ERRORS messages, and a last one saying how many more there are."""
    if len(located) <= MAX_ERRORS:
        return located
    extra = len(located) - MAX_ERRORS
    return located[:MAX_ERRORS] + [f"{source}: ... and {extra} more problems not shown"]


def messages(source: str, lines: dict[FieldPath, int], errors: list[tuple[FieldPath, str]]) -> list[str]:
    """The problems as ``FILE:LINE: path: problem`` lines, once each, in line order, capped."""
    seen = set()
    located = []
    for order, (path, problem) in enumerate(errors):
        if (path, problem) in seen:
            continue
        seen.add((path, problem))
        line = line_of(lines, path) or 1
        message = f"{source}:{line}: {format_path(path)}: {problem}"
        # A lone surrogate quoted from the file (a code in a loop, a cycle's name) could not be printed.
        located.append((line, order, message.encode("utf-8", "backslashreplace").decode("utf-8")))
    located.sort()
    return cap([m for _, _, m in located], source)


# --------------------------------------------------------------------------------------------------
# Pydantic's errors, in the file's words

# Error types whose message only needs the offending value, keyed by pydantic's type.
_SIMPLE: dict[str, str] = {
    "bool_type": "expected true or false, got {value}",
    "int_type": "expected a whole number, got {value}",
    "int_parsing": "expected a whole number, got {value}",
    "int_from_float": "expected a whole number, got {value}",
    "list_type": "expected a list, got {value}",
    "dict_type": "expected a mapping (key: value), got {value}",
    "model_type": "expected a mapping (key: value), got {value}",
    "model_attributes_type": "expected a mapping (key: value), got {value}",
    # pydantic cannot read a key holding a lone surrogate (written "\\ud800"); it names no key.
    "string_unicode": "a key holds a character that is not text, {value}; remove it",
}
# The field types' own errors (fields.py) are already written for the file.
_OWN = ("text_type", "text_character", "code_space", "date_type", "date_value")
_KINDS = "once, recurring, continuous, cycle or relative"
# The file's schedule kinds: the stored ones, and ``relative``, which load stores as the ``once`` it gives.
_FILE_KINDS = (*SCHEDULE_KINDS, "relative")


def translate(error: dict[str, Any], plain: Any, root: type[BaseModel]) -> tuple[FieldPath, str]:
    """One pydantic error as (the path in the file, the problem); ``root`` is the model of the whole file."""
    path, is_key = _file_path(error["loc"], plain)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    msg = error["msg"]
    if is_key:  # a year key of calendar.yaml that is not a number (or past the last year), a code key
        return path, f"invalid key: {_problem(kind, ctx, value, msg)}"
    if kind == "extra_forbidden":
        return path, _unknown_key(path, plain, root)
    if kind == "union_tag_not_found":
        return (*path, "kind"), f"required key is missing: kind ({_KINDS})"
    if kind == "union_tag_invalid":
        return (*path, "kind"), f"unknown schedule kind {ctx.get('tag')!r}; expected {_KINDS}"
    if kind == "too_short" and len(path) == 3 and path[0] == "groups" and path[2] == "members":
        return path, "needs at least one member: list the codes of the agencies in this group"
    return path, _problem(kind, ctx, value, msg)


def _problem(kind: str, ctx: dict[str, Any], value: Any, msg: str) -> str:
    """The words of one pydantic error about ``value``."""
    if kind in ("too_short", "too_long") and isinstance(value, str):
        # A text's bounds checked after its cleaning validator are reported as a list's: say characters.
        kind = f"string_{kind}"
    problem = {
        "missing": "required key is missing",
        "literal_error": f"{show(value)} is not allowed; expected {ctx.get('expected')}",
        "greater_than_equal": f"must be at least {ctx.get('ge')}, got {show(value)}",
        "less_than_equal": f"must be at most {ctx.get('le')}, got {show(value)}",
        "string_too_short": "must not be empty",
        "string_too_long": f"too long: at most {ctx.get('max_length')} characters",
        "too_short": "needs at least one entry",
        "value_error": msg.removeprefix("Value error, "),
    }.get(kind)
    if problem is not None:
        return problem
    if kind in _SIMPLE:
        return _SIMPLE[kind].format(value=show(value))
    if kind in _OWN or isinstance(value, dict | list):
        return msg
    return f"{msg}, got {show(value)}"


def _file_path(loc: tuple[Any, ...], plain: Any) -> tuple[FieldPath, bool]:
    """Pydantic's location as the file's path (without the schedule union's tag), and whether the error
    is about a mapping's key rather than its value."""
    path: list[str | int] = []
    node = plain
    is_key = False
    for element in loc:
        if element == "[key]":
            is_key = True
            continue
        if isinstance(node, dict):
            if element in node:
                path.append(element)
                node = node[element]
                continue
            if element in _FILE_KINDS and node.get("kind") == element:
                continue  # the discriminated union's tag, not a key of the file
        elif isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node):
            path.append(element)
            node = node[element]
            continue
        path.append(element)
        node = None
    return tuple(path), is_key


def _unknown_key(path: FieldPath, plain: Any, root: type[BaseModel]) -> str:
    key = path[-1]
    model = _model_at(path[:-1], plain, root)
    allowed = list(model.model_fields) if model is not None else []
    text = f"unknown key {show(key)}"  # show(): a key may be a whole paragraph, or hold any character
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6) if allowed else []
    if close:
        text += f"; did you mean {close[0]!r}?"
    if allowed:
        text += f" (allowed here: {', '.join(allowed)})"
    return text


def _resolve(annotation: Any, node: Any) -> Any:
    """The type an annotation stands for at ``node``: Annotated and Optional unwrapped, and the schedule
    union narrowed to the member its ``kind`` names."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
            continue
        if origin is Union or origin is types.UnionType:
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
            kind = node.get("kind") if isinstance(node, dict) else None
            for member in members:
                member = _resolve(member, node)
                field = member.model_fields.get("kind") if _is_model(member) else None
                if field is not None and kind in get_args(field.annotation):
                    return member
            return None
        return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _model_at(path: FieldPath, plain: Any, root: type[BaseModel]) -> type[BaseModel] | None:
    """The model that describes the mapping at ``path``, to list the keys allowed there."""
    annotation: Any = root
    node = plain
    for element in path:
        annotation = _resolve(annotation, node)
        if _is_model(annotation):
            field = annotation.model_fields.get(element)
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
        try:
            node = node[element]
        except (KeyError, IndexError, TypeError):
            node = None
    annotation = _resolve(annotation, node)
    return annotation if _is_model(annotation) else None
