"""How far input may go: the bounds shared by the coordinator's file, the policies, the actions and the
command line, so that each refuses with its own message what the database or the calendar cannot hold
instead of failing later, in a flow that runs for every plan.

The numbers follow the storage: text columns are ``String(n)`` (the file's fields have the same n),
ids are PostgreSQL ``integer``, and date arithmetic (working days added to a deadline) must stay far
from ``date.max``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

__all__ = [
    "CLOCK_FIRST_YEAR",
    "EXTENSION_YEARS",
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_ACTOR_LENGTH",
    "MAX_LONG_TEXT",
    "MAX_REPEATS",
    "MAX_ROW_ID",
    "MAX_WORKING_DAYS",
    "character_name",
    "forbidden_character",
    "year_in_range",
]

# Dates of a plan, of the calendar's overrides, of an extension: wide enough for any real plan, and
# far enough from year 9999 that a deadline plus a year of working days is still a date.
FIRST_YEAR, LAST_YEAR = 1900, 2200
# The clock (--as-of): stored instants are UTC, and a sweep looks a horizon ahead of it.
CLOCK_FIRST_YEAR = 1970
# A policy's `before`, `after`, `repeat` and `grace`: about one working year.
MAX_WORKING_DAYS = 250
# How many times the last escalation step may repeat: a chain ends.
MAX_REPEATS = 20
# The audit log's `actor` and the `*_by` columns are String(200).
MAX_ACTOR_LENGTH = 200
# Texts stored in Text columns (a plan's title, an obligation's text, a note): unbounded in the
# database, bounded here so that one field cannot fill a message, a page or memory.
MAX_LONG_TEXT = 20_000
# Every id column is a PostgreSQL integer.
MAX_ROW_ID = 2_147_483_647
# An extension may run past the plan's end by at most this many years.
EXTENSION_YEARS = 5

# Control characters (C0, DEL, C1) and lone surrogates: PostgreSQL refuses NUL in text, a surrogate
# cannot be encoded as UTF-8, and the others are invisible in a message or a page.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_OR_LINE_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_character(text: str, *, multiline: bool) -> str | None:
    """The first character of ``text`` that stored text may not hold, or None; a tab and a line break
    are allowed only in a ``multiline`` text."""
    found = (_CONTROL if multiline else _CONTROL_OR_LINE_BREAK).search(text)
    return found.group() if found else None


def character_name(character: str) -> str:
    """``U+0000 (NUL)``, ``U+000A (line break)``, ``U+D800 (lone surrogate)``: how a message names it."""
    code = ord(character)
    if 0xD800 <= code <= 0xDFFF:
        name = "lone surrogate"
    elif character == "\n":
        name = "line break"
    elif character == "\t":
        name = "tab"
    else:
        name = unicodedata.name(character, "NUL" if code == 0 else "control character")
    return f"U+{code:04X} ({name})"


def year_in_range(value: date | datetime, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> bool:
    return first <= value.year <= last
