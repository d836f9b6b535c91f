"""The coordinator's file: read it, check it, and name the line of every problem.

``read_draft`` turns a YAML file (the shape is in docs/coordinator-file.md) into a :class:`Draft`, the
validated model of the whole file, or raises :class:`DraftError` with one ``FILE:LINE: field.path:
what is wrong`` message per problem (all of them, up to :data:`MAX_ERRORS`). It never touches the
database: codes the file uses without defining them (agencies, groups, policies) are looked up by
``plans.apply.apply_draft``, which cites the same lines through :meth:`Draft.message`.

The parser is ruamel.yaml's round-trip loader (YAML 1.2: ``yes`` and ``no`` are text, not booleans),
because it keeps the line of every key and list item.
"""

from __future__ import annotations

import difflib
import io
import re
import types
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from obligations.rules.ladder import ROLES, Policy, PolicyError
from obligations.rules.schedule import SCHEDULE_KINDS, Schedule, ScheduleError, validate_rrule

__all__ = [
    "MAX_ERRORS",
    "Draft",
    "DraftError",
    "FieldPath",
    "format_path",
    "parse_draft",
    "read_draft",
]

MAX_ERRORS = 50
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
DEFAULT_POLICY = "default"
CHANNELS = ("email", "zalo", "zns")  # zns: Zalo template messages to the phone number
CONTACT_ROLES = ("focal_point", "manager", "coordinator")
LANGUAGES = ("vi", "en")

FieldPath = tuple[str | int, ...]


class DraftError(Exception):
    """Everything wrong with a coordinator's file; each message is ``FILE:LINE: field.path: problem``."""

    def __init__(self, messages: list[str] | tuple[str, ...] | str) -> None:
        if isinstance(messages, str):
            messages = [messages]
        self.messages: list[str] = list(messages) or ["invalid draft"]
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
            out += f".{element}" if out else str(element)
    return out or "(file)"


# --------------------------------------------------------------------------------------------------
# Field types


def _show(value: Any) -> str:
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


def _clean_text(value: Any) -> str:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, bool | int | float | date):
        raise PydanticCustomError(
            "text_type",
            "expected text, got {value}; put it in quotes to keep it exactly as written",
            {"value": _show(value)},
        )
    raise PydanticCustomError("text_type", "expected text, got {value}", {"value": _show(value)})


def _clean_optional_text(value: Any) -> str | None:
    if value is None:
        return None
    text = _clean_text(value)
    return text or None


def _clean_blankable_text(value: Any) -> str:
    return "" if value is None else _clean_text(value)


def _no_space(value: str) -> str:
    if any(ch.isspace() for ch in value):
        raise PydanticCustomError(
            "code_space", "codes and refs contain no spaces, got {value}", {"value": repr(value)}
        )
    return value


def _clean_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise PydanticCustomError(
            "date_type",
            "expected a date (YYYY-MM-DD), got the date and time {value}",
            {"value": value.isoformat()},
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise PydanticCustomError(
                "date_value", "invalid date {value}: {reason}", {"value": repr(value), "reason": str(exc)}
            ) from None
    raise PydanticCustomError(
        "date_type", "expected a date written YYYY-MM-DD, got {value}", {"value": _show(value)}
    )


def _check_rrule(rule: str) -> str:
    try:
        validate_rrule(rule)
    except ScheduleError as exc:
        raise ValueError(str(exc)) from None
    return rule


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    from zoneinfo import available_timezones

    return frozenset(available_timezones() - {"localtime", "posixrules", "Factory"})


def _check_zone(zone: str) -> str:
    if zone not in _zones():
        close = difflib.get_close_matches(zone, _zones(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; use an IANA name such as Asia/Ho_Chi_Minh"
        raise ValueError(f"unknown time zone {zone!r}{hint}")
    return zone


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _check_email(value: str | None) -> str | None:
    if value is not None and not _EMAIL.fullmatch(value):
        raise ValueError(f"not an email address: {value!r}")
    return value


def _none_to_list(value: Any) -> Any:
    return [] if value is None else value


def _none_to_dict(value: Any) -> Any:
    return {} if value is None else value


def _text(max_length: int | None = None) -> Any:
    return Annotated[
        str, BeforeValidator(_clean_text), StringConstraints(min_length=1, max_length=max_length)
    ]


def _optional_text(max_length: int | None = None) -> Any:
    inner = Annotated[str, StringConstraints(max_length=max_length)]
    return Annotated[inner | None, BeforeValidator(_clean_optional_text)]


def _code(max_length: int = 64) -> Any:
    return Annotated[
        str,
        BeforeValidator(_clean_text),
        StringConstraints(min_length=1, max_length=max_length),
        AfterValidator(_no_space),
    ]


Code = _code(64)
PlanCode = _code(100)
Text = _text()
OptionalText = _optional_text()
Name200 = _text(200)
Name300 = _text(300)
Name500 = _text(500)
Title = _optional_text(300)
Number = _optional_text(100)
Email = Annotated[_optional_text(320), AfterValidator(_check_email)]
ZaloId = _optional_text(64)
Phone = _optional_text(32)
Zone = Annotated[str, BeforeValidator(_clean_text), AfterValidator(_check_zone)]
OptionalCode = Annotated[Code | None, BeforeValidator(_clean_optional_text)]
Ref = _code(64)
Day = Annotated[date, BeforeValidator(_clean_date)]
Rrule = Annotated[
    str,
    BeforeValidator(_clean_text),
    StringConstraints(min_length=1, max_length=300),
    AfterValidator(_check_rrule),
]
BlankableText = Annotated[str, BeforeValidator(_clean_blankable_text)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


# --------------------------------------------------------------------------------------------------
# The file's shape. Field names are the YAML keys, so ``model_dump`` writes the same file back.


class PlanSpec(_Model):
    code: PlanCode
    title: Text
    number: Number = None
    issuer: OptionalCode = None
    zone: Zone = DEFAULT_ZONE
    start: Day
    end: Day
    coordinator: OptionalCode = None
    manager: OptionalCode = None


class AgencySpec(_Model):
    code: Code
    name: Name300
    parent: OptionalCode = None


class GroupSpec(_Model):
    code: Code
    name: Name500
    members: Annotated[list[Code], BeforeValidator(_none_to_list), Field(min_length=1)]


class ContactSpec(_Model):
    name: Name200
    agency: Code
    role: Literal[CONTACT_ROLES]  # type: ignore[valid-type]
    email: Email = None
    zalo_user_id: ZaloId = None
    phone: Phone = None
    channels: Annotated[
        list[Literal[CHANNELS]], BeforeValidator(_none_to_list), Field(min_length=1)  # type: ignore[valid-type]
    ] = Field(default_factory=lambda: ["email"])
    language: Literal[LANGUAGES] = "vi"  # type: ignore[valid-type]


class ReminderSpec(_Model):
    before: Annotated[StrictInt, Field(ge=0)]


class EscalationSpec(_Model):
    after: Annotated[StrictInt, Field(ge=1)]
    notify: Literal[ROLES]  # type: ignore[valid-type]
    repeat: Annotated[StrictInt, Field(ge=1)] | None = None


class PolicySpec(_Model):
    reminders: Annotated[list[ReminderSpec], BeforeValidator(_none_to_list)] = Field(default_factory=list)
    escalation: Annotated[list[EscalationSpec], BeforeValidator(_none_to_list)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ladder(self) -> PolicySpec:
        self.to_policy()
        return self

    def to_policy(self) -> Policy:
        try:
            return Policy.from_dict(self.model_dump(exclude_none=True))
        except PolicyError as exc:
            raise ValueError(f"invalid policy: {exc}") from None


class CycleSpec(_Model):
    rrule: Rrule
    inclusive: StrictBool
    phrase: OptionalText = None


class OnceSchedule(_Model):
    kind: Literal["once"]
    due: Day
    inclusive: StrictBool
    phrase: OptionalText = None


class RecurringSchedule(_Model):
    kind: Literal["recurring"]
    rrule: Rrule
    inclusive: StrictBool
    phrase: OptionalText = None


class ContinuousSchedule(_Model):
    kind: Literal["continuous"]
    phrase: OptionalText = None
    checkin: Rrule | None = None


class CycleSchedule(_Model):
    kind: Literal["cycle"]
    cycle: Code
    phrase: OptionalText = None


ScheduleSpec = Annotated[
    Union[OnceSchedule, RecurringSchedule, ContinuousSchedule, CycleSchedule],  # noqa: UP007
    Field(discriminator="kind"),
]


def schedule_of(spec: OnceSchedule | RecurringSchedule | ContinuousSchedule | CycleSchedule) -> Schedule:
    """The pure rule's view of a schedule from the file."""
    return Schedule(
        kind=spec.kind,
        due=getattr(spec, "due", None),
        rrule=getattr(spec, "rrule", None),
        inclusive=getattr(spec, "inclusive", False),
        phrase=spec.phrase or "",
        cycle=getattr(spec, "cycle", None),
        checkin=getattr(spec, "checkin", None),
    )


class ProvisionSpec(_Model):
    ref: Ref
    title: Title = None
    text: BlankableText = ""


class ObligationSpec(_Model):
    ref: Ref
    provision: Annotated[Ref | None, BeforeValidator(_clean_optional_text)] = None
    title: Title = None
    text: Text
    lead: Code
    supporting: Annotated[list[Code], BeforeValidator(_none_to_list)] = Field(default_factory=list)
    report_to: OptionalCode = None
    schedule: ScheduleSpec
    policy: Code = DEFAULT_POLICY

    @property
    def provision_ref(self) -> str | None:
        """The provision this obligation belongs to: as given, or its ref less the last dotted part."""
        if self.provision:
            return self.provision
        head, dot, _ = self.ref.rpartition(".")
        return head if dot and head else None


class Draft(_Model):
    """The validated coordinator's file. Lines of keys are kept (privately) for error messages."""

    plan: PlanSpec
    agencies: Annotated[list[AgencySpec], BeforeValidator(_none_to_list)] = Field(default_factory=list)
    groups: Annotated[list[GroupSpec], BeforeValidator(_none_to_list)] = Field(default_factory=list)
    contacts: Annotated[list[ContactSpec], BeforeValidator(_none_to_list)] = Field(default_factory=list)
    policies: Annotated[dict[Code, PolicySpec], BeforeValidator(_none_to_dict)] = Field(default_factory=dict)
    cycles: Annotated[dict[Code, CycleSpec], BeforeValidator(_none_to_dict)] = Field(default_factory=dict)
    provisions: Annotated[list[ProvisionSpec], BeforeValidator(_none_to_list)] = Field(default_factory=list)
    obligations: Annotated[list[ObligationSpec], BeforeValidator(_none_to_list)] = Field(default_factory=list)

    _source: str = PrivateAttr(default="<draft>")
    _lines: dict[FieldPath, int] = PrivateAttr(default_factory=dict)
    _defaults: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> str:
        return self._source

    @property
    def defaults(self) -> dict[str, Any]:
        """The defaults (config/defaults.yaml) the draft was checked against."""
        return self._defaults

    def line(self, path: FieldPath) -> int | None:
        """The line of ``path`` in the file, or of its nearest ancestor that has one."""
        return _line_of(self._lines, path)

    def message(self, path: FieldPath, problem: str) -> str:
        line = self.line(path)
        where = f"{self._source}:{line}" if line else self._source
        return f"{where}: {format_path(path)}: {problem}"

    def to_data(self) -> dict[str, Any]:
        """Plain data with the file's keys (dates stay dates), omitting keys left empty."""
        return self.model_dump(mode="python", exclude_none=True)

    def to_yaml(self) -> str:
        """The draft as a coordinator's file; ``parse_draft(draft.to_yaml())`` gives the same draft."""
        yaml = YAML(typ="rt")
        yaml.allow_unicode = True
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=4, offset=2)
        stream = io.StringIO()
        yaml.dump(self.to_data(), stream)
        return stream.getvalue()


def _line_of(lines: dict[FieldPath, int], path: FieldPath) -> int | None:
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line:
            return line
    return None


# --------------------------------------------------------------------------------------------------
# Reading


class _Constructor(RoundTripConstructor):
    """Round-trip constructor whose invalid timestamps (2017-02-30) are errors with a line, not a bare
    ValueError."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError as exc:
            raise ConstructorError(
                None, None, f"invalid date or time {node.value!r}: {exc}", node.start_mark
            ) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return yaml


def read_draft(path: Path, *, defaults: dict[str, Any]) -> Draft:
    """Read and check a coordinator's file; raise DraftError listing every problem found."""
    path = Path(path)
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DraftError([f"{source}:1: (file): cannot read the file: {exc.strerror or exc}"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise DraftError(
            [f"{source}:{line}: (file): not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"]
        ) from None
    return parse_draft(text, source=source, defaults=defaults)


def parse_draft(text: str, *, source: str = "<draft>", defaults: dict[str, Any] | None = None) -> Draft:
    """As :func:`read_draft`, from text; ``source`` names the file in messages."""
    defaults = defaults or {}
    try:
        tree = _yaml().load(text)
    except MarkedYAMLError as exc:
        raise DraftError([_yaml_message(source, exc)]) from None
    except (YAMLError, ValueError) as exc:
        raise DraftError([f"{source}:1: (yaml): {exc}"]) from None
    if tree is None:
        raise DraftError([f"{source}:1: (file): the file is empty; it needs at least a `plan:` section"])
    if not isinstance(tree, CommentedMap):
        expected = "expected a mapping with the keys plan, agencies, ... obligations"
        raise DraftError([f"{source}:1: (file): {expected}; got {_show(tree)}"])

    lines: dict[FieldPath, int] = {(): 1}
    errors: list[tuple[FieldPath, str]] = []
    plain = _plain(tree, (), lines, errors)
    naive_paths = {p for p, _ in errors}

    draft: Draft | None = None
    try:
        draft = Draft.model_validate(plain)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            path, problem = _translate(error, plain)
            if path not in naive_paths:
                errors.append((path, problem))
    errors.extend(_cross_checks(plain, lines, defaults))

    if errors:
        raise DraftError(_messages(source, lines, errors))
    assert draft is not None
    draft._source = source
    draft._lines = lines
    draft._defaults = defaults
    return draft


def _yaml_message(source: str, exc: MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = exc.problem or exc.context or "invalid YAML"
    context = f" ({exc.context})" if exc.problem and exc.context else ""
    if (
        exc.context_mark is not None
        and exc.problem_mark is not None
        and exc.context_mark.line != exc.problem_mark.line
    ):
        context = f" ({exc.context}, from line {exc.context_mark.line + 1})" if exc.context else context
    return f"{source}:{line}: (yaml): {problem}{context}"


def _messages(source: str, lines: dict[FieldPath, int], errors: list[tuple[FieldPath, str]]) -> list[str]:
    seen = set()
    located = []
    for order, (path, problem) in enumerate(errors):
        if (path, problem) in seen:
            continue
        seen.add((path, problem))
        line = _line_of(lines, path) or 1
        located.append((line, order, f"{source}:{line}: {format_path(path)}: {problem}"))
    located.sort()
    messages = [m for _, _, m in located]
    if len(messages) > MAX_ERRORS:
        extra = len(messages) - MAX_ERRORS
        messages = messages[:MAX_ERRORS] + [f"{source}: ... and {extra} more problems not shown"]
    return messages


def _key_line(node: CommentedMap, key: Any) -> int:
    try:
        return node.lc.key(key)[0] + 1
    except (KeyError, TypeError, AttributeError):
        return node.lc.line + 1  # a key merged in with <<:


def _plain(
    node: Any, path: FieldPath, lines: dict[FieldPath, int], errors: list[tuple[FieldPath, str]]
) -> Any:
    """ruamel's tree as plain Python data, recording each key's line; naive datetimes are errors."""
    if isinstance(node, CommentedMap):
        out = {}
        for key in node:
            plain_key = _plain(key, path, lines, errors) if not isinstance(key, str) else str(key)
            if not isinstance(plain_key, str | int | date | bool | float) and plain_key is not None:
                plain_key = str(plain_key)
            child = (*path, plain_key)
            lines[child] = _key_line(node, key)
            out[plain_key] = _plain(node[key], child, lines, errors)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for index, item in enumerate(node):
            child = (*path, index)
            try:
                lines[child] = node.lc.item(index)[0] + 1
            except (KeyError, TypeError, AttributeError):
                lines[child] = node.lc.line + 1
            out_list.append(_plain(item, child, lines, errors))
        return out_list
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, ScalarBoolean):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, datetime):
        value = datetime(
            node.year,
            node.month,
            node.day,
            node.hour,
            node.minute,
            node.second,
            node.microsecond,
            tzinfo=node.tzinfo,
        )
        if value.tzinfo is None or value.utcoffset() is None:
            errors.append((path, f"naive datetime {value.isoformat()}: give an offset such as +07:00"))
        return value
    if isinstance(node, date):
        return date(node.year, node.month, node.day)
    tag = getattr(getattr(node, "tag", None), "value", None) or type(node).__name__
    errors.append(
        (path, f"unsupported YAML value (tag {tag}); write plain text, numbers, dates, lists or mappings")
    )
    return None


# --------------------------------------------------------------------------------------------------
# Pydantic's errors, in the file's words


def _translate(error: dict[str, Any], plain: Any) -> tuple[FieldPath, str]:
    path: list[str | int] = []
    node = plain
    is_key = False
    for element in error["loc"]:
        if element == "[key]":
            is_key = True
            continue
        if isinstance(node, dict):
            if element in node:
                path.append(element)
                node = node[element]
                continue
            if element in SCHEDULE_KINDS and node.get("kind") == element:
                continue  # the discriminated union's tag, not a key of the file
        elif isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node):
            path.append(element)
            node = node[element]
            continue
        path.append(element)
        node = None
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    msg = error["msg"]
    if is_key:
        return tuple(path), f"invalid key: {msg}"
    if kind == "missing":
        return tuple(path), "required key is missing"
    if kind == "extra_forbidden":
        return tuple(path), _unknown_key(tuple(path), plain)
    if kind == "union_tag_not_found":
        return (*path, "kind"), "required key is missing: kind (once, recurring, continuous or cycle)"
    if kind == "union_tag_invalid":
        expected = "expected once, recurring, continuous or cycle"
        return (*path, "kind"), f"unknown schedule kind {ctx.get('tag')!r}; {expected}"
    if kind == "literal_error":
        return tuple(path), f"{_show(value)} is not allowed; expected {ctx.get('expected')}"
    if kind == "bool_type":
        return tuple(path), f"expected true or false, got {_show(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return tuple(path), f"expected a whole number, got {_show(value)}"
    if kind == "greater_than_equal":
        return tuple(path), f"must be at least {ctx.get('ge')}, got {_show(value)}"
    if kind == "string_too_short":
        return tuple(path), "must not be empty"
    if kind == "string_too_long":
        return tuple(path), f"too long: at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        if len(path) == 3 and path[0] == "groups" and path[2] == "members":
            return tuple(path), "needs at least one member: list the codes of the agencies in this group"
        return tuple(path), "needs at least one entry"
    if kind == "list_type":
        return tuple(path), f"expected a list, got {_show(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return tuple(path), f"expected a mapping (key: value), got {_show(value)}"
    if kind == "value_error":
        return tuple(path), msg.removeprefix("Value error, ")
    if kind in ("text_type", "code_space", "date_type", "date_value"):
        return tuple(path), msg
    if not isinstance(value, dict | list):
        msg = f"{msg}, got {_show(value)}"
    return tuple(path), msg


def _unknown_key(path: FieldPath, plain: Any) -> str:
    key = path[-1]
    model = _model_at(path[:-1], plain)
    allowed = list(model.model_fields) if model is not None else []
    text = f"unknown key {key!r}"
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6) if allowed else []
    if close:
        text += f"; did you mean {close[0]!r}?"
    if allowed:
        text += f" (allowed here: {', '.join(allowed)})"
    return text


def _resolve(annotation: Any, node: Any) -> Any:
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


def _model_at(path: FieldPath, plain: Any) -> type[BaseModel] | None:
    annotation: Any = Draft
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


# --------------------------------------------------------------------------------------------------
# Checks across entries (on the plain data, so they run even when some entries are malformed)


def _norm(value: Any) -> str | None:
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).strip()
        return text or None
    return None


def _entries(plain: dict, key: str) -> list[tuple[int, dict]]:
    value = plain.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _cross_checks(
    plain: dict, lines: dict[FieldPath, int], defaults: dict[str, Any]
) -> list[tuple[FieldPath, str]]:
    errors: list[tuple[FieldPath, str]] = []

    def first_seen(kind: str, key: str, owner: str) -> dict[Any, FieldPath]:
        seen: dict[Any, FieldPath] = {}
        for i, item in _entries(plain, owner):
            value = _norm(item.get(key))
            if value is None:
                continue
            here = (owner, i, key)
            if value in seen:
                errors.append(
                    (here, f"duplicate {kind} {value!r} (already on line {_line_of(lines, seen[value])})")
                )
            else:
                seen[value] = here
        return seen

    agencies = first_seen("agency code", "code", "agencies")
    groups = first_seen("group code", "code", "groups")
    first_seen("provision ref", "ref", "provisions")
    first_seen("obligation ref", "ref", "obligations")
    for code, here in groups.items():
        if code in agencies:
            errors.append(
                (
                    here,
                    f"{code!r} is also an agency code (line {_line_of(lines, agencies[code])}); "
                    "an agency and a group cannot share a code",
                )
            )

    # Agencies: the parent chain must end.
    parents = {}
    for i, item in _entries(plain, "agencies"):
        code, parent = _norm(item.get("code")), _norm(item.get("parent"))
        if code and parent:
            parents.setdefault(code, (parent, ("agencies", i, "parent")))
    reported: set[str] = set()
    for start in parents:
        seen_chain, code = [], start
        while code in parents and code not in seen_chain:
            seen_chain.append(code)
            code = parents[code][0]
        if code in seen_chain and code not in reported:
            loop = seen_chain[seen_chain.index(code) :]
            reported.update(loop)
            errors.append((parents[code][1], f"parent loop: {' -> '.join([*loop, code])}"))

    # Groups: members are agencies, each once.
    for i, item in _entries(plain, "groups"):
        members = item.get("members")
        if not isinstance(members, list):
            continue
        seen_members: set[str] = set()
        for j, member in enumerate(members):
            code = _norm(member)
            if code is None:
                continue
            if code in seen_members:
                errors.append((("groups", i, "members", j), f"{code!r} is listed twice"))
            elif code in groups:
                errors.append(
                    (("groups", i, "members", j), f"{code!r} is a group; list its agencies instead")
                )
            seen_members.add(code)

    # Contacts: one per (agency, name); each channel needs its address.
    contacts: dict[tuple[str, str], FieldPath] = {}
    for i, item in _entries(plain, "contacts"):
        key = (_norm(item.get("agency")), _norm(item.get("name")))
        if key[0] and key[1]:
            if key in contacts:
                errors.append(
                    (
                        ("contacts", i, "name"),
                        f"duplicate contact {key[1]!r} of {key[0]!r}"
                        f" (already on line {_line_of(lines, contacts[key])})",
                    )
                )
            else:
                contacts[key] = ("contacts", i, "name")
        channels = item.get("channels", ["email"])
        if not isinstance(channels, list):
            continue
        address = {"email": "email", "zalo": "zalo_user_id", "zns": "phone"}
        seen_channels: set[str] = set()
        for j, channel in enumerate(channels):
            if channel in seen_channels:
                errors.append((("contacts", i, "channels", j), f"channel {channel!r} is listed twice"))
            seen_channels.add(channel)
            if channel in address and _norm(item.get(address[channel])) is None:
                errors.append(
                    (
                        ("contacts", i, "channels"),
                        f"channel {channel} needs `{address[channel]}`, which is missing",
                    )
                )

    # Plan: the period must not end before it starts.
    plan = plain.get("plan")
    if isinstance(plan, dict):
        start, end = plan.get("start"), plan.get("end")
        if _is_day(start) and _is_day(end) and end < start:
            errors.append((("plan", "end"), f"the plan ends ({end}) before it starts ({start})"))

    # Obligations: supporting agencies, known cycles.
    cycles = set((defaults.get("cycles") or {}).keys())
    if isinstance(plain.get("cycles"), dict):
        cycles.update(str(k) for k in plain["cycles"])
    for i, item in _entries(plain, "obligations"):
        lead = _norm(item.get("lead"))
        supporting = item.get("supporting")
        if isinstance(supporting, list):
            seen_support: set[str] = set()
            for j, code in enumerate(supporting):
                code = _norm(code)
                if code is None:
                    continue
                here = ("obligations", i, "supporting", j)
                if code in seen_support:
                    errors.append((here, f"{code!r} is listed twice"))
                elif code == lead:
                    errors.append((here, f"{code!r} is already the lead"))
                elif code in groups:
                    errors.append((here, f"{code!r} is a group; supporting takes agencies"))
                seen_support.add(code)
        report_to = _norm(item.get("report_to"))
        if report_to and report_to in groups:
            errors.append(
                (("obligations", i, "report_to"), f"{report_to!r} is a group; report_to takes one agency")
            )
        schedule = item.get("schedule")
        if isinstance(schedule, dict) and schedule.get("kind") == "cycle":
            name = _norm(schedule.get("cycle"))
            if name and name not in cycles:
                known = ", ".join(sorted(cycles)) or "none"
                errors.append(
                    (
                        ("obligations", i, "schedule", "cycle"),
                        f"unknown cycle {name!r}; known: {known} (define it under `cycles:`)",
                    )
                )
    return errors


def _is_day(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)
