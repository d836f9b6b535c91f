"""Vietnamese text as plans write it: normalised for display, folded for matching.

Plans arrive typed in many ways: accents composed (NFC) or decomposed (NFD), tone marks placed the
old way ("hoà") or the new way ("hòa"), "hằng" or "hàng", sometimes no accents at all, with
non-breaking spaces copied from Word. :func:`normalize` gives the text to show and store (NFC, one
space); :func:`fold` gives the form to match on (no diacritics, "đ" -> "d", lower case).

``fold`` keeps the length of a normalised text, one character for one character, so a match found in
the folded text is sliced from the normalised text at the same offsets: the phrase reported is the
plan's own words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["ascii_slug", "fold", "match_key", "normalize"]

# Characters that Word and web pages put in text and that only mean "space" or nothing at all.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalize(text: str) -> str:
    """NFC, invisible characters removed, every run of spaces (non-breaking ones, tabs, line breaks)
    made one space, trimmed."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0]
    if unicodedata.combining(base):
        return ch  # a lone combining mark (rare in NFC text): keep it, one for one
    lower = base.lower()
    return lower if len(lower) == 1 else base


def fold(text: str) -> str:
    """The matching form of ``text``: no diacritics, "đ" -> "d", lower case, same length as ``text``.

    Apply it to normalised (NFC) text: each character then folds to exactly one character."""
    return "".join(_fold_char(ch) for ch in text)


# Abbreviations that name the same bodies as their full forms.
_ABBREVIATIONS = (
    (re.compile(r"\bubnd\b"), "uy ban nhan dan"),
    (re.compile(r"\bhdnd\b"), "hoi dong nhan dan"),
    (re.compile(r"\bmttq\b"), "mat tran to quoc"),
    (re.compile(r"\btp\.\s*"), "thanh pho "),
)
_PUNCTUATION = re.compile(r"[^\w\s]")


def match_key(name: str) -> str:
    """The key two agency names are compared by: folded, abbreviations spelled out, punctuation and
    spacing ignored ("Ủy ban nhân dân tỉnh" == "UBND Tỉnh" == "Uỷ ban Nhân dân tỉnh")."""
    key = fold(normalize(name))
    for pattern, replacement in _ABBREVIATIONS:
        key = pattern.sub(replacement, key)
    key = _PUNCTUATION.sub(" ", key)
    return " ".join(key.split())


# Long official words that have a short form everyone uses in codes.
_CODE_WORDS = (
    (re.compile(r"\buy ban nhan dan\b"), "ubnd"),
    (re.compile(r"\bhoi dong nhan dan\b"), "hdnd"),
    (re.compile(r"\bmat tran to quoc( viet nam)?\b"), "mttq"),
)


def ascii_slug(text: str, *, max_length: int = 64, upper: bool = True) -> str:
    """An ASCII code for ``text``: folded, "Ủy ban nhân dân" -> "UBND", words joined by "-", cut at a word
    boundary to at most ``max_length`` characters ("Sở Ngoại vụ" -> "SO-NGOAI-VU"). Empty if nothing
    letter-like is left."""
    key = fold(normalize(text))
    for pattern, replacement in _CODE_WORDS:
        key = pattern.sub(replacement, key)
    words = re.findall(r"[a-z0-9]+", key)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:max_length]
    return slug.upper() if upper else slug
