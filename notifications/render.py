"""Message text from Jinja2 templates: Vietnamese first, English per contact.

The caller passes data (names, dates, numbers, links); the templates say the words, the ones put
around the data included (``{lang}/_words.txt.j2``: dates, level labels, how to act).

A text template's first line is the subject. The HTML part of an email is built from the same text
(paragraphs, the task's "label: value" lines as a table, links made clickable), so the two parts
never say different things and each message kind has one template per language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2.environment import TemplateModule
from markupsafe import Markup, escape

from obligations.models.outbox import NotificationKind

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("vi", "en")
# A message listing several ladder rows for one person (flows.messages.bundle_context).
BUNDLE = "bundle"
KINDS = (*NotificationKind, BUNDLE)

URL = re.compile(r"https?://[^\s<>\"']+")
DETAIL = re.compile(r"^ {2}([^:]{1,40}): (.+)$")


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


def _words(lang: str) -> TemplateModule:
    return _text_environment().get_template(f"{lang}/_words.txt.j2").module


def render(kind: str, language: str, context: dict) -> Rendered:
    """The subject, plain text and HTML of a message of ``kind`` in ``language`` (Vietnamese by default)."""
    if kind not in KINDS:
        raise ValueError(f"no template for message kind {kind!r}")
    lang = language if language in LANGUAGES else "vi"
    words = {"words": _words(lang), "vi": _words("vi")}
    text = _text_environment().get_template(f"{lang}/{kind}.txt.j2").render(**context, **words)
    subject, _, body = text.partition("\n")
    # Optional lines and includes leave runs of blank lines; one is enough.
    subject, body = subject.strip(), re.sub(r"\n{3,}", "\n\n", body.strip("\n")) + "\n"
    html = _html_environment().get_template("email.html.j2").render(
        subject=subject, blocks=_blocks(body), language=lang
    )
    return Rendered(subject, body, html)
