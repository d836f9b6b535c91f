"""Message text from Jinja2 templates: Vietnamese first, English per contact.

The caller passes data (names, dates, numbers, links); the templates say the words. Where each piece lives:

- ``{lang}/{kind}.txt.j2``: one message kind in one language, its subject (the first line) and its body.
  It extends ``_letter.txt.j2`` (greeting, body, one sign-off) and includes ``{lang}/_task.txt.j2`` (the
  task's details, its open blockers, the continuous tasks a report covers, how to act).
- ``{lang}/_words.txt.j2``: the words put around data (dates, periods, greetings, labels), as macros.
- ``_text.j2`` and ``_html.j2``: how a block looks (paragraph, notice, details table, buttons, grid),
  once as plain text, once as rows of an HTML email; ``_layout.html.j2``: the HTML document around them.

Each message template is rendered twice, as text with ``ui`` = ``_text.j2`` and as HTML with ``ui`` =
``_html.j2``, so the two parts of an email say the same words and each sentence has one home. The text
part is complete on its own (it is also what Zalo carries).
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
# A one-time sign-in link to the web app: sent at once by the web app, never written to the outbox.
SIGN_IN = "sign_in"
KINDS = (*NotificationKind, BUNDLE, SIGN_IN)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def nl2br(value: str) -> Markup:
    """Line breaks of an (escaped) block as ``<br>``."""
    lines = value.split("\n") if isinstance(value, Markup) else str(value).split("\n")  # Markup stays safe
    return Markup("<br>\n".join(str(escape(line)) for line in lines))


def capitalize_first(value: str) -> str:
    """The first letter in capitals, the rest untouched (Jinja's ``capitalize`` lowers the rest)."""
    text = str(value)
    result = text[:1].upper() + text[1:]
    return Markup(result) if isinstance(value, Markup) else result


def drop_blank(value: str) -> str:
    """A text block's lines without the blank ones that template lines leave between rows."""
    return "".join(line for line in str(value).splitlines(keepends=True) if line.strip())


@lru_cache
def _environment(html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=html,
        auto_reload=False,  # the templates ship with the package; a stat of each file per message bought nothing
    )
    env.filters["nl2br"] = nl2br
    env.filters["capitalize_first"] = capitalize_first
    env.filters["drop_blank"] = drop_blank
    env.globals["ui"] = env.get_template("_html.j2" if html else "_text.j2").module
    return env


@lru_cache
def _words(lang: str, html: bool) -> TemplateModule:
    return _environment(html).get_template(f"{lang}/_words.txt.j2").module


def _fold(text: str) -> str:
    """Optional blocks leave runs of blank lines and trailing spaces; one blank line is enough."""
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text.strip("\n")) + "\n"


def render(kind: str, language: str, context: dict) -> Rendered:
    """The subject, plain text and HTML of a message of ``kind`` in ``language`` (Vietnamese by default)."""
    if kind not in KINDS:
        raise ValueError(f"no template for message kind {kind!r}")
    lang = language if language in LANGUAGES else "vi"
    name = f"{lang}/{kind}.txt.j2"
    text = _environment(False).get_template(name).render(**context, words=_words(lang, False))
    subject, _, body = text.partition("\n")
    subject = " ".join(subject.split())
    rows = _environment(True).get_template(name).render(**context, words=_words(lang, True))
    html = _environment(True).get_template("_layout.html.j2").render(
        subject=subject, body=Markup(rows.partition("\n")[2].strip()), language=lang
    )
    return Rendered(subject, _fold(body), html)
