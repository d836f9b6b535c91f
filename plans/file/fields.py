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
from obligations.rules.schedule import ScheduleError, validate_rrule


def _clean_text(value: Any) -> str:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, bool | int | float | date):
        raise PydanticCustomError(
            "text_type",
            "expected text, got {value}; put it in quotes to keep it exactly as written",
            {"value": show(value)},
        )
    raise PydanticCustomError("text_type", "expected text, got {value}", {"value": show(value)})


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
        "date_type", "expected a date written YYYY-MM-DD, got {value}", {"value": show(value)}
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


def none_to_list(value: Any) -> Any:
    return [] if value is None else value


def none_to_dict(value: Any) -> Any:
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
OptionalRef = Annotated[Ref | None, BeforeValidator(_clean_optional_text)]
Day = Annotated[date, BeforeValidator(_clean_date)]
Rrule = Annotated[
    str,
    BeforeValidator(_clean_text),
    StringConstraints(min_length=1, max_length=300),
    AfterValidator(_check_rrule),
]
BlankableText = Annotated[str, BeforeValidator(_clean_blankable_text)]


