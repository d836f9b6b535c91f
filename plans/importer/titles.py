"""Short titles for tasks: the task's own words, cut at a word boundary. Pure.

A reminder, a dashboard row and a digest line name an obligation by its title; a plan's task is a
paragraph. The title is its first clause when that is long enough to say what the task is, else its
opening words up to the limit (up to their last comma when that is near the limit); it never ends on
punctuation, an opened bracket or quote, or a word that only joins ("và", "của", "để"), which would read
as a cut mid-thought.
"""

from __future__ import annotations

import re

from obligations.plans.importer.text import normalize

__all__ = ["TITLE_LENGTH", "short_title"]

TITLE_LENGTH = 80
_MIN_CLAUSE = 30  # a first clause shorter than this ("Chủ trì, phối hợp") does not say what the task is
_MARKER = re.compile(r"^(?:[-–—•+*]\s*|\(?[0-9a-zđ]{1,3}[.)]\s+)", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[;:.!?](?=\s|$)")
_TRAILING = " ,;:.!?…-–—/(“\"'‘"
# Words that join what follows to what comes before: a title does not end on one. Compared in lower case
# with their accents ("động" is not "đồng").
_JOINING = frozenset(
    (
        "và", "hoặc", "của", "để", "cho", "với", "các", "những", "một", "trong", "về", "theo", "tại", "từ",
        "đến", "nhằm", "là", "cùng", "như", "trên", "dưới", "đối", "khi", "mà", "thì", "được", "bị", "do", "vào",
        "giữa", "tới", "vì", "nên", "thông qua", "đối với", "nhất là", "đồng thời", "cũng như", "trong đó",
    )
)
_PAIRS = (("(", ")"), ("“", "”"), ("[", "]"))


def short_title(text: str, limit: int = TITLE_LENGTH) -> str:
    """A title of at most ``limit`` characters from the words of ``text`` (empty for an empty text)."""
    text = _MARKER.sub("", normalize(text))
    clause = _CLAUSE_END.search(text)
    if clause and _MIN_CLAUSE <= clause.start() <= limit:
        return _tidy(text[: clause.start()], cut=False)
    if len(text) <= limit:
        return _tidy(text, cut=False)
    cut = text[: limit + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else text[:limit]
    comma = cut.rfind(",")
    if comma >= limit * 3 // 4:
        cut = cut[:comma]  # a list cut after its last whole item reads better than one cut inside an item
    return _tidy(cut, cut=True)


def _tidy(title: str, *, cut: bool) -> str:
    """No unclosed bracket or quote, no punctuation at the end, nor, where the text was cut, a joining word
    (a whole sentence may end on one: "đoàn vào", the incoming delegations)."""
    for opening, closing in _PAIRS:
        if title.count(opening) > title.count(closing):
            title = title[: title.rfind(opening)]
    while True:
        before = title
        title = title.rstrip(_TRAILING)
        words = title.split(" ")
        for n in (2, 1) if cut else ():
            if len(words) > n and " ".join(words[-n:]).lower() in _JOINING:
                title = " ".join(words[:-n])
                break
        if title == before:
            return title
