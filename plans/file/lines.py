"""YAML read as plain data with the line of every key and list item, for messages that name the line.

The parser is ruamel.yaml's round-trip loader (YAML 1.2: ``yes``, ``no``, ``on`` and ``off`` are text,
not booleans), because it keeps the line of every key and list item. Syntax errors, invalid dates and
text that is not UTF-8 become :class:`~obligations.plans.file.errors.FileError` naming the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from obligations.plans.file.errors import FieldPath, FileError

__all__ = ["Tree", "load_tree", "read_text"]


@dataclass
class Tree:
    """A YAML document as plain Python data, with the line of each path and the problems found reading it
    (naive date-times, values YAML tags as something else)."""

    data: Any
    lines: dict[FieldPath, int] = field(default_factory=lambda: {(): 1})
    errors: list[tuple[FieldPath, str]] = field(default_factory=list)


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


def read_text(path: Path) -> str:
    """The file's text; FileError naming the line of the first byte that is not UTF-8."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileError([f"{source}:1: (file): cannot read the file: {exc.strerror or exc}"]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise FileError(
            [f"{source}:{line}: (file): not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"]
        ) from None


def load_tree(text: str, source: str) -> Tree | None:
    """The document in ``text`` (None when it holds nothing); FileError when it is not valid YAML."""
    try:
        node = _yaml().load(text)
    except MarkedYAMLError as exc:
        raise FileError([_yaml_message(source, exc)]) from None
    except (YAMLError, ValueError) as exc:
        raise FileError([f"{source}:1: (yaml): {exc}"]) from None
    if node is None:
        return None
    tree = Tree(data=None)
    tree.data = _plain(node, (), tree.lines, tree.errors)
    return tree


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


def _key_line(node: CommentedMap, key: Any) -> int:
    try:
        return node.lc.key(key)[0] + 1
    except (KeyError, TypeError, AttributeError):
        return node.lc.line + 1  # a key merged in with <<:


def _item_line(node: CommentedSeq, index: int) -> int:
    try:
        return node.lc.item(index)[0] + 1
    except (KeyError, TypeError, AttributeError):
        return node.lc.line + 1


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
            lines[child] = _item_line(node, index)
            out_list.append(_plain(item, child, lines, errors))
        return out_list
    return _scalar(node, path, errors)


def _scalar(node: Any, path: FieldPath, errors: list[tuple[FieldPath, str]]) -> Any:
    """ruamel's scalar types as Python's own (its subclasses carry formatting the models need not see)."""
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
