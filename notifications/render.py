"""Message text from Jinja2 templates: Vietnamese first, English per contact.

A text template's first line is the subject. The HTML part of an email is built from the same text
(paragraphs, the task's "label: value" lines as a table, links made clickable), so the two parts
never say different things and each message kind has one template per language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("vi", "en")
KINDS = ("reminder", "due_today", "escalation", "blocker", "undeliverable", "digest")

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
LEVELS_VI = {1: "Quá hạn", 2: "Đôn đốc lần 2", 3: "Đôn đốc lần 3"}
URL = re.compile(r"https?://[^\s<>\"']+")
DETAIL = re.compile(r"^ {2}([^:]{1,40}): (.+)$")


def weekday_vi(day: date) -> str:
    return WEEKDAYS_VI[day.weekday()]


def date_vi(day: date) -> str:
    """``Thứ Hai, 15/12/2025``."""
    return f"{weekday_vi(day)}, {day:%d/%m/%Y}"


def date_en(day: date) -> str:
    return f"{day:%A, %d %B %Y}"


def level_label_vi(level: int) -> str:
    return LEVELS_VI.get(level, f"Đôn đốc lần {level}")


def linkify(text: str) -> Markup:
    escaped = str(escape(text))
    return Markup(URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache
def _text_environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # plain text; the HTML is escaped when it is built from this text
    )


@lru_cache
def _html_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=True)
    env.filters["linkify"] = linkify
    return env


def _blocks(text: str) -> list[dict]:
    """Paragraphs, and runs of "  label: value" lines as tables."""
    blocks: list[dict] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = chunk.splitlines()
        details = [DETAIL.match(line) for line in lines]
        if all(details):
            blocks.append({"kind": "table", "rows": [(m.group(1), m.group(2)) for m in details]})
        else:
            blocks.append({"kind": "paragraph", "lines": [line.strip() for line in lines]})
    return blocks


def render(kind: str, language: str, context: dict) -> Rendered:
    """The subject, plain text and HTML of a message of ``kind`` in ``language`` (Vietnamese by default)."""
    if kind not in KINDS:
        raise ValueError(f"no template for message kind {kind!r}")
    lang = language if language in LANGUAGES else "vi"
    text = _text_environment().get_template(f"{lang}/{kind}.txt.j2").render(**context)
    subject, _, body = text.partition("\n")
    # Optional lines and includes leave runs of blank lines; one is enough.
    subject, body = subject.strip(), re.sub(r"\n{3,}", "\n\n", body.strip("\n")) + "\n"
    html = _html_environment().get_template("email.html.j2").render(
        subject=subject, blocks=_blocks(body), language=lang
    )
    return Rendered(subject, body, html)
