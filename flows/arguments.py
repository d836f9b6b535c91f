"""The arguments of the actions on an occurrence, checked before the database is opened, whoever calls
(the command line, a web app): what the columns cannot hold, and dates the deadline arithmetic cannot
reach, are refused in the user's words.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from obligations.rules.calendar import require_aware
from obligations.rules.limits import (
    CLOCK_FIRST_YEAR,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ACTOR_LENGTH,
    MAX_LONG_TEXT,
    MAX_ROW_ID,
    character_name,
    forbidden_character,
    year_in_range,
)


class ActionError(ValueError):
    """An action that the occurrence's state, or its arguments, do not allow; the message is for the user."""


_FIELD_NAMES = {"note": "ghi chú", "reason": "lý do", "text": "mô tả vướng mắc"}  # the fields of entry.ACTIONS
# What an action's number names: (in Vietnamese, in English).
TARGETS = {"occurrence": ("số kỳ thực hiện", "occurrence id"), "blocker": ("số vướng mắc", "blocker id"),
           "notification": ("số tin nhắn", "message id")}


def check_arguments(
    target_id: Any, *, as_of: datetime, actor: str, target: str = "occurrence", **fields: Any
) -> None:
    """Raise ActionError for an argument out of bounds; nothing is read or written.

    ``target_id`` is the number of what the action is about: an occurrence, or a blocker (``target``).
    """
    if isinstance(target_id, bool) or not isinstance(target_id, int) or not 1 <= target_id <= MAX_ROW_ID:
        vietnamese, english = TARGETS[target]
        raise ActionError(
            f"{vietnamese} phải là số nguyên từ 1 đến {MAX_ROW_ID}, không phải {target_id} ({english} out of range)"
        )
    require_aware(as_of)
    if not year_in_range(as_of, CLOCK_FIRST_YEAR, LAST_YEAR):
        raise ActionError(
            f"thời điểm {as_of.isoformat()} nằm ngoài khoảng từ năm {CLOCK_FIRST_YEAR} đến năm {LAST_YEAR} "
            "(as-of out of range)"
        )
    check_actor(actor)
    for name, value in fields.items():
        if isinstance(value, str):
            _check_text(_FIELD_NAMES.get(name, name), value, MAX_LONG_TEXT, multiline=True)
        elif isinstance(value, date) and not year_in_range(value):
            raise ActionError(
                f"ngày {value:%d/%m/%Y} nằm ngoài khoảng từ năm {FIRST_YEAR} đến năm {LAST_YEAR} (date out of range)"
            )


def check_actor(actor: str) -> str:
    """Who acts, as the audit log's ``actor`` column holds it: one line, at most MAX_ACTOR_LENGTH characters."""
    if not isinstance(actor, str) or not actor.strip():
        raise ActionError("cần ghi tên người thực hiện (who acts is required)")
    return _check_text("tên người thực hiện", actor, MAX_ACTOR_LENGTH, multiline=False)


def _check_text(label: str, text: str, limit: int, *, multiline: bool) -> str:
    if len(text) > limit:
        raise ActionError(f"{label} dài {len(text)} ký tự, quá giới hạn {limit} ký tự (at most {limit} characters)")
    character = forbidden_character(text, multiline=multiline)
    if character is not None:  # named in English in the parentheses: U+0000 (NUL), U+000A (line break)
        raise ActionError(f"{label} chứa ký tự không được phép {character_name(character)}")
    return text
