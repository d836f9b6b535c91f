"""The field types of the project's YAML files: what a code, a text, a date or an RRULE may be.

Each type cleans what YAML gives (text to NFC, stripped) and refuses what it must not guess at (a
number where text is meant, a date with a time), with a message written for the file's reader.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

from obligations.plans.file.errors import show
from obligations.rules.limits import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_LONG_TEXT,
    character_name,
    forbidden_character,
    year_in_range,
)
from obligations.rules.schedule import ScheduleError, validate_rrule


def _clean_text(value: Any, *, multiline: bool = False) -> str:
    if isinstance(value, str):
        return _check_characters(unicodedata.normalize("NFC", value).strip(), multiline)
    if isinstance(value, bool | int | float | date):
        raise PydanticCustomError(
            "text_type",
            "expected text, got {value}; put it in quotes to keep it exactly as written",
            {"value": show(value)},
        )
    raise PydanticCustomError("text_type", "expected text, got {value}", {"value": show(value)})


def _check_characters(text: str, multiline: bool) -> str:
    """Refuse what no stored text may hold (NUL, control characters, lone surrogates: written in the file
    as escapes such as "\\0" or "\\ud800"), and line breaks in a one-line field (a code, a name)."""
    character = forbidden_character(text, multiline=multiline)
    if character is None:
        return text
    if character in "\t\n":
        raise PydanticCustomError(
            "text_character",
            "contains a line break or a tab ({what}): write this field on one line",
            {"what": character_name(character)},
        )
    raise PydanticCustomError(
        "text_character",
        "contains the character {what}, which a text cannot hold; remove it",
        {"what": character_name(character)},
    )


def _clean_long_text(value: Any) -> str:
    return _clean_text(value, multiline=True)


def _clean_optional_text(value: Any) -> str | None:
    if value is None:
        return None
    text = _clean_text(value)
    return text or None


def _clean_optional_long_text(value: Any) -> str | None:
    if value is None:
        return None
    return _clean_long_text(value) or None


def _clean_blankable_text(value: Any) -> str:
    return "" if value is None else _clean_long_text(value)


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
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise PydanticCustomError(
                "date_value", "invalid date {value}: {reason}", {"value": repr(value), "reason": str(exc)}
            ) from None
    if not isinstance(value, date):
        raise PydanticCustomError(
            "date_type", "expected a date written YYYY-MM-DD, got {value}", {"value": show(value)}
        )
    if not year_in_range(value):
        # Working days are added to deadlines: a date near year 1 or 9999 would overflow in a sweep.
        raise PydanticCustomError(
            "date_value",
            "the date {value} is out of range: give a year from {first} to {last}",
            {"value": value.isoformat(), "first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


_INTERVAL = re.compile(r"(?i)(?:^|;)\s*INTERVAL\s*=\s*([^;]*)")


def _check_rrule(rule: str) -> str:
    try:
        validate_rrule(rule)
    except ScheduleError as exc:
        raise ValueError(str(exc)) from None
    # dateutil accepts INTERVAL=0 (its expansion never ends) and a negative one (it fails in the sweep).
    for interval in _INTERVAL.findall(rule):
        if not interval.strip().isdigit() or int(interval) < 1:
            raise ValueError(f"invalid RRULE {rule!r}: INTERVAL must be a whole number >= 1, got {interval.strip()!r}")
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


def none_to_list(value: Any) -> Any:
    return [] if value is None else value


def none_to_dict(value: Any) -> Any:
    return {} if value is None else value


# Each text field has the bound of the column it is stored in (models/tables.py): String(n) -> n,
# Text -> MAX_LONG_TEXT. Texts stored in Text columns may run over several lines; the others may not.


def _text(max_length: int) -> Any:
    return Annotated[
        str, BeforeValidator(_clean_text), StringConstraints(min_length=1, max_length=max_length)
    ]


def _long_text() -> Any:
    return Annotated[
        str, BeforeValidator(_clean_long_text), StringConstraints(min_length=1, max_length=MAX_LONG_TEXT)
    ]


def _optional_text(max_length: int, *, multiline: bool = False) -> Any:
    inner = Annotated[str, StringConstraints(max_length=max_length)]
    clean = _clean_optional_long_text if multiline else _clean_optional_text
    return Annotated[inner | None, BeforeValidator(clean)]


def _code(max_length: int = 64) -> Any:
    return Annotated[
        str,
        BeforeValidator(_clean_text),
        StringConstraints(min_length=1, max_length=max_length),
        AfterValidator(_no_space),
    ]


Code = _code(64)
PlanCode = _code(100)
Text = _long_text()
OptionalText = _optional_text(MAX_LONG_TEXT, multiline=True)
Name200 = _text(200)
Name300 = _text(300)
Name500 = _text(500)
Title = _optional_text(300, multiline=True)
ContactTitle = _optional_text(200)
Number = _optional_text(100)
Email = Annotated[_optional_text(320), AfterValidator(_check_email)]
ZaloId = _optional_text(64)
Phone = _optional_text(32)
Zone = Annotated[
    str, BeforeValidator(_clean_text), StringConstraints(min_length=1, max_length=64), AfterValidator(_check_zone)
]
OptionalCode = Annotated[Code | None, BeforeValidator(_clean_optional_text)]
Ref = _code(64)
OptionalRef = Annotated[Ref | None, BeforeValidator(_clean_optional_text)]
Day = Annotated[date, BeforeValidator(_clean_date)]
Rrule = Annotated[
    str,
    BeforeValidator(_clean_text),
    StringConstraints(min_length=1, max_length=300),
    AfterValidator(_check_rrule),
]
BlankableText = Annotated[str, BeforeValidator(_clean_blankable_text), StringConstraints(max_length=MAX_LONG_TEXT)]


