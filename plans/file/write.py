"""A :class:`PlanFile` written as the coordinator's YAML file, with comments for its reviewer.

The one writer of the file's shape: ``obligations plan draft`` builds a PlanFile and writes it here with
its reading notes; :func:`to_yaml` of a file that was read gives a file that reads back the same. Keys
the PlanFile was not given (``model_fields_set``) are left out, so a draft shows what the plan said and
a default stays implicit. Layout: one line for each agency, contact, provision and schedule; texts in
double quotes; codes plain unless YAML would read them as something else ("2017", "no").
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from obligations.plans.file.errors import FieldPath
from obligations.plans.file.schema import PlanFile

__all__ = ["Comments", "to_yaml"]

# Keys whose values are free text, always quoted: a reader sees where they start and end.
_TEXT_KEYS = frozenset(
    {"title", "name", "text", "phrase", "number", "rrule", "checkin", "zalo_user_id", "phone", "after"}
)
# Lists whose entries are written one a line, as flow mappings.
_ONE_LINE_ENTRIES = frozenset({"agencies", "contacts", "provisions", "reminders", "escalation"})
_ONE_LINE_MAPPINGS = frozenset({"schedule"})
_ONE_LINE_LISTS = frozenset({"reminders"})
_PLAIN_UNSAFE = re.compile(
    r"^(?:[-+]?[0-9_.]+(?:e[-+]?[0-9]+)?|[0-9]{4}-[0-9]{2}-[0-9]{2}.*|true|false|yes|no|on|off|null|~)$", re.I
)


@dataclass
class Comments:
    """Comments for the file's reviewer, placed by the path of the key or list item they are about."""

    header: list[str] = field(default_factory=list)  # at the top of the file
    before: dict[FieldPath, list[str]] = field(default_factory=dict)  # lines above; top-level keys get a blank line
    beside: dict[FieldPath, str] = field(default_factory=dict)  # at the end of the line


def to_yaml(plan_file: PlanFile, comments: Comments | None = None) -> str:
    """The file's YAML text: the keys ``plan_file`` was given, in the schema's order, with ``comments``."""
    root = _node(plan_file.model_dump(mode="python", exclude_unset=True, exclude_none=True), ())
    if comments is not None:
        _comment(root, comments)
    yaml = YAML(typ="rt")
    yaml.allow_unicode = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.brace_single_entry_mapping_in_flow_sequence = True  # [{before: 3}], not [before: 3]
    yaml.representer.ignore_aliases = lambda data: True  # the same date twice is written twice, no &id001
    stream = io.StringIO()
    yaml.dump(root, stream)
    return stream.getvalue()


def _quoted(text: str) -> DoubleQuotedScalarString:
    return DoubleQuotedScalarString(text)


def _code(text: str) -> str | DoubleQuotedScalarString:
    """Codes and refs are written plain unless YAML would read them as something else ("1", "2017")."""
    return _quoted(text) if _PLAIN_UNSAFE.match(text) or text[:1] in "*&!%@`|>'\"#[]{}," else text


def _node(value: Any, path: FieldPath) -> Any:
    """``value`` (found at ``path``) as ruamel's nodes, in the file's layout."""
    key = next((p for p in reversed(path) if isinstance(p, str)), None)
    if isinstance(value, dict):
        out = CommentedMap((k, _node(v, (*path, k))) for k, v in value.items())
        if _one_line(path, key):
            out.fa.set_flow_style()
        return out
    if isinstance(value, list):
        seq = CommentedSeq(_node(item, (*path, i)) for i, item in enumerate(value))
        if key in _ONE_LINE_LISTS or not any(isinstance(item, dict | list) for item in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str):
        return _quoted(value) if key in _TEXT_KEYS else _code(value)
    return value


def _one_line(path: FieldPath, key: str | None) -> bool:
    """Whether the mapping at ``path`` is written on one line: an entry of a list of short entries, a
    schedule, a cycle."""
    if path and isinstance(path[-1], int):
        return key in _ONE_LINE_ENTRIES
    return key in _ONE_LINE_MAPPINGS or (len(path) == 2 and path[0] == "cycles")


def _container(root: CommentedMap, path: FieldPath) -> Any:
    node = root
    for element in path[:-1]:
        node = node[element]
    return node


def _comment(root: CommentedMap, comments: Comments) -> None:
    # In the order given: ruamel places a comment by the columns of those already beside its neighbours.
    for path, text in comments.beside.items():
        _container(root, path).yaml_add_eol_comment(text, path[-1])
    for path, lines in comments.before.items():
        text = "\n".join(lines)
        if len(path) == 1:
            root.yaml_set_comment_before_after_key(path[0], before="\n" + text)
        else:
            _container(root, path).yaml_set_comment_before_after_key(path[-1], before=text, indent=2 * (len(path) - 1))
    if comments.header:
        root.yaml_set_start_comment("\n".join(comments.header))
