"""YAML read as plain data with the line of every key and list item, for messages that name the line.

The parser is ruamel.yaml's round-trip loader (YAML 1.2: ``yes``, ``no``, ``on`` and ``off`` are text,
not booleans), because it keeps the line of every key and list item. Syntax errors, invalid dates and
text that is not UTF-8 become :class:`~obligations.plans.file.errors.FileError` naming the line.

A file is bounded before it is held whole: its size is checked before it is parsed, and its nesting
and its size once aliases are expanded are counted while it is composed, so that a file nested
thousands deep or a "billion laughs" (aliases of aliases) is refused at the bound, in milliseconds,
instead of exhausting the stack or the memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, SequenceNode
from ruamel.yaml.reader import Reader
from ruamel.yaml.scalarbool import ScalarBoolean

from obligations.plans.file.errors import FieldPath, FileError
from obligations.rules.limits import character_name

__all__ = ["MAX_DEPTH", "MAX_FILE_SIZE", "MAX_VALUES", "Tree", "load_tree", "read_text"]

# A coordinator's file is a few hundred kilobytes, nests five levels and holds a few thousand values;
# these bounds are far above that and far below what would exhaust the stack or the memory.
MAX_FILE_SIZE = 5_000_000  # bytes (characters, for text given directly)
MAX_DEPTH = 20  # levels of lists and mappings, aliases expanded
MAX_VALUES = 250_000  # keys, values and list items, aliases expanded


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

    def construct_yaml_int(self, node: Any) -> Any:
        try:
            return super().construct_yaml_int(node)
        except ValueError as exc:  # more digits than Python converts (4300)
            raise ConstructorError(None, None, f"invalid number: {exc}", node.start_mark) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)
_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)


class _BoundedComposer(Composer):
    """ruamel's composer, counting each node's size and depth as its aliases would expand them.

    An alias is composed as the node it names (shared, not copied), so the counts of a node are known
    when it is complete and an alias adds them without expanding anything. A node past MAX_VALUES or
    MAX_DEPTH, or an alias to a list or mapping that contains it (a loop), is refused on its line.
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self._measures: dict[int, tuple[int, int]] = {}  # id(node) -> (values, levels), aliases expanded

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._measures:
                problem = f"the alias *{event.anchor} refers to a list or mapping that contains it"
                raise ComposerError(None, None, problem, event.start_mark)
            return super().compose_node(parent, index)
        if self.depth >= MAX_DEPTH:  # refused before descending further: the composer recurses
            problem = f"nested too deeply: more than {MAX_DEPTH} levels of lists and mappings"
            raise ComposerError(None, None, problem, self.parser.peek_event().start_mark)
        node = super().compose_node(parent, index)
        values, levels = self._measure(node)
        if values > MAX_VALUES:
            problem = f"too many values: more than {MAX_VALUES:,} once aliases (*name) are expanded"
            raise ComposerError(None, None, problem, node.start_mark)
        if levels > MAX_DEPTH:
            problem = f"nested too deeply once aliases (*name) are expanded: more than {MAX_DEPTH} levels"
            raise ComposerError(None, None, problem, node.start_mark)
        self._measures[id(node)] = (values, levels)
        return node

    def _measure(self, node: Any) -> tuple[int, int]:
        if isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, SequenceNode):
            children = node.value
        else:
            return 1, 1
        measures = [self._measures[id(child)] for child in children]
        return 1 + sum(m[0] for m in measures), 1 + max((m[1] for m in measures), default=0)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.Composer = _BoundedComposer
    return yaml


def read_text(path: Path) -> str:
    """The file's text; FileError naming the line of the first byte that is not UTF-8. A file larger than
    MAX_FILE_SIZE is refused before it is read whole."""
    source = str(path)
    try:
        with Path(path).open("rb") as stream:
            data = stream.read(MAX_FILE_SIZE + 1)
    except OSError as exc:
        raise FileError([f"{source}:1: (file): cannot read the file: {exc.strerror or exc}"]) from None
    if len(data) > MAX_FILE_SIZE:
        raise FileError([_too_large(source)])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise FileError(
            [f"{source}:{line}: (file): not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"]
        ) from None


def _too_large(source: str) -> str:
    return f"{source}:1: (file): the file is larger than {MAX_FILE_SIZE // 1_000_000} MB; a plan's file is far smaller"


def _unreadable_character(text: str, source: str) -> str | None:
    """A message naming the line of the first character YAML cannot hold (NUL, other control characters,
    a lone surrogate), which ruamel would report without its line."""
    found = Reader.NON_PRINTABLE.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    return f"{source}:{line}: (file): the character {character_name(found.group())} cannot be in the file; remove it"


def load_tree(text: str, source: str) -> Tree | None:
    """The document in ``text`` (None when it holds nothing); FileError when it is not valid YAML, or
    is beyond the bounds above."""
    if len(text) > MAX_FILE_SIZE:
        raise FileError([_too_large(source)])
    problem = _unreadable_character(text, source)
    if problem is not None:
        raise FileError([problem])
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
