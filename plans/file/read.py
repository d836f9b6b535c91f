"""Read and check the project's YAML files, naming the line of every problem.

``read_plan_file`` turns a coordinator's file (docs/coordinator-file.md) into a :class:`PlanFile`, or
raises :class:`FileError` with one ``FILE:LINE: field.path: what is wrong`` message per problem (all of
them, up to MAX_ERRORS). It never touches the database: codes the file uses without defining them
(agencies, groups, policies) are looked up by :func:`obligations.plans.file.apply.apply_file`, which
cites the same lines through :meth:`PlanFile.message`.

``read_defaults`` and ``read_calendar`` read config/defaults.yaml and config/calendar.yaml through the
same reader (YAML 1.2) and models, so a typo there is reported the same way instead of surfacing later
as a KeyError in a flow.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from obligations.plans.file.checks import cross_checks
from obligations.plans.file.errors import FieldPath, FileError, messages, show, translate
from obligations.plans.file.lines import Tree, load_tree, read_text
from obligations.plans.file.schema import CalendarFile, DefaultsFile, PlanFile

__all__ = ["parse_plan_file", "read_calendar", "read_defaults", "read_plan_file"]

M = TypeVar("M", bound=BaseModel)


def read_plan_file(path: Path, *, defaults: dict[str, Any]) -> PlanFile:
    """Read and check a coordinator's file; raise FileError listing every problem found."""
    return parse_plan_file(read_text(Path(path)), source=str(path), defaults=defaults)


def parse_plan_file(text: str, *, source: str = "<draft>", defaults: dict[str, Any] | None = None) -> PlanFile:
    """As :func:`read_plan_file`, from text; ``source`` names the file in messages. ``defaults`` (the data
    of :func:`read_defaults`) supply the cycles an obligation may name without defining."""
    defaults = defaults or {}
    tree = load_tree(text, source)
    if tree is None:
        raise FileError([f"{source}:1: (file): the file is empty; it needs at least a `plan:` section"])
    if not isinstance(tree.data, dict):
        expected = "expected a mapping with the keys plan, agencies, ... obligations"
        raise FileError([f"{source}:1: (file): {expected}; got {show(tree.data)}"])
    plan_file, errors = _validate(PlanFile, tree)
    errors.extend(cross_checks(tree.data, tree.lines, defaults))
    if errors:
        raise FileError(messages(source, tree.lines, errors))
    assert plan_file is not None
    return plan_file.located(source, tree.lines, defaults)


def read_defaults(path: Path) -> dict[str, Any]:
    """config/defaults.yaml, checked: its policies and cycles as plain data (the
    shape policies are stored in), keys left out omitted."""
    return _read_config(Path(path), DefaultsFile).model_dump(mode="python", exclude_none=True)


def read_calendar(path: Path) -> tuple[set[date], set[date]]:
    """config/calendar.yaml, checked: (days off, make-up working days), all years together."""
    return _read_config(Path(path), CalendarFile).overrides()


def _read_config(path: Path, model: type[M]) -> M:
    """A configuration file checked against ``model``; an empty file is an empty mapping."""
    source = str(path)
    tree = load_tree(read_text(path), source) or Tree(data={})
    if not isinstance(tree.data, dict):
        expected = f"expected a mapping with the keys {', '.join(model.model_fields)}"
        raise FileError([f"{source}:1: (file): {expected}; got {show(tree.data)}"])
    checked, errors = _validate(model, tree)
    if errors:
        raise FileError(messages(source, tree.lines, errors))
    assert checked is not None
    return checked


def _validate(model: type[M], tree: Tree) -> tuple[M | None, list[tuple[FieldPath, str]]]:
    """The tree as ``model``, and every problem: the reader's, then pydantic's in the file's words (one
    problem a path: a naive date-time is not also reported as a wrong type)."""
    errors = list(tree.errors)
    already = {path for path, _ in tree.errors}
    try:
        return model.model_validate(tree.data), errors
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            path, problem = translate(error, tree.data, model)
            if path not in already:
                errors.append((path, problem))
    return None, errors
