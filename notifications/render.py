"""Message text from Jinja2 templates: Vietnamese first, English per contact. The first line is the subject."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("vi", "en")

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
LEVELS_VI = {1: "Quá hạn", 2: "Đôn đốc lần 2", 3: "Đôn đốc lần 3"}


def weekday_vi(day: date) -> str:
    return WEEKDAYS_VI[day.weekday()]


def date_vi(day: date) -> str:
    """``Thứ Hai, 15/12/2025``."""
    return f"{weekday_vi(day)}, {day:%d/%m/%Y}"


def date_en(day: date) -> str:
    return f"{day:%A, %d %B %Y}"


def level_label_vi(level: int) -> str:
    return LEVELS_VI.get(level, f"Đôn đốc lần {level}")


@lru_cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # plain text; the HTML part (issue: email channel) escapes on its own
    )


def render(kind: str, language: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a message of ``kind`` in ``language`` (falls back to Vietnamese)."""
    lang = language if language in LANGUAGES else "vi"
    text = _environment().get_template(f"{lang}/{kind}.txt.j2").render(**context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n")
