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

__all__ = ["ascii_slug", "fold", "glued_at", "match_key", "modern_tones", "normalize", "repair_spaces"]

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


# Old-style tone placement ("hoà", "thuỷ", "Uỷ", as Windows-1258-era text and some keyboards write it) and the
# style plans use today ("hòa", "thủy", "Ủy"): the tone moves to the first vowel of a final "oa", "oe", "uy".
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_OLD_TONE = re.compile(
    "(?<![qQ])([oO])([aeAE])([" + _TONE_MARKS + "])(?![^\\W\\d_])"
    "|(?<![qQ])([uU])([yY])([" + _TONE_MARKS + "])(?![^\\W\\d_])"
)


def modern_tones(text: str) -> str:
    """``text`` in NFC with the tone of a final "oa", "oe", "uy" on its first vowel: "Uỷ ban" -> "Ủy ban",
    "Khánh Hoà" -> "Khánh Hòa"; "quý", "hoàng", "toán" are left as they are."""

    def move(match: re.Match) -> str:
        first, second, tone = (match.group(1), match.group(2), match.group(3)) if match.group(1) else (
            match.group(4), match.group(5), match.group(6))
        return first + tone + second

    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _OLD_TONE.sub(move, decomposed))


# One Vietnamese syllable, folded: onset, one to three vowels, coda. Used to find two syllables typed without the
# space between them ("Kế hoạchvà Đầu tư", "thànhphố"), as text copied from PDF and old web pages often has.
_SYLLABLE = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|nh|ng|[cmnpt])?"
_ONE_SYLLABLE = re.compile(rf"{_SYLLABLE}")
_GLUED = re.compile(r"\b[^\W\d_]{4,}\b")
# Words of agency names, to choose between two readings of glued syllables ("cáchuyện": "các huyện").
_NAME_WORDS = frozenset(
    "các và của sở ban bộ cục ủy nhân dân tỉnh huyện xã phố thành thị trấn phường quận hội đồng kế hoạch đầu tư "
    "tài chính nội vụ ngoại y tế giáo dục đào tạo xây dựng giao thông vận tải lao động khoa học công nghệ văn hóa "
    "thể thao du lịch nông nghiệp môi trường nguyên thông tin truyền tư pháp thương an ninh quốc phòng đoàn".split()
)


def glued_at(word: str) -> int | None:
    """Where two syllables typed without the space between them meet ("trườngchủ" -> 6), if that can be told:
    one split only, or one into words of agency names; None for one syllable, a loanword or a name in capitals."""
    if word.isascii() or word.isupper() or not word[1:].islower():
        return None
    key = fold(word)
    if _ONE_SYLLABLE.fullmatch(key):
        return None
    splits = [i for i in range(1, len(key)) if _ONE_SYLLABLE.fullmatch(key[:i]) and _ONE_SYLLABLE.fullmatch(key[i:])]
    if len(splits) > 1:
        splits = [i for i in splits if word[:i].lower() in _NAME_WORDS and word[i:].lower() in _NAME_WORDS]
    return splits[0] if len(splits) == 1 else None


def _split_glued(word: str) -> str:
    split = glued_at(word)
    return word if split is None else f"{word[:split]} {word[split:]}"


def _split_case(word: str) -> str:
    """ "HàNội" -> "Hà Nội" (a capital after a small letter), "UBNDtỉnh" -> "UBND tỉnh" (a word after an acronym)."""
    out = []
    for index, ch in enumerate(word):
        if index and ch.isupper() and word[index - 1].islower():
            out.append(" ")
        elif (index >= 2 and ch.islower() and word[index - 1].isupper() and word[index - 2].isupper()
              and word[index:index + 3].isalpha() and word[index:index + 3].islower() and len(word) - index >= 3):
            out.append(" ")
        out.append(ch)
    return "".join(out)


def repair_spaces(text: str) -> str:
    """Spaces that copying lost, put back: "HàNội" -> "Hà Nội", "UBNDtỉnh" -> "UBND tỉnh", "Kế hoạchvà" ->
    "Kế hoạch và" (two syllables glued, read only where one split is possible). Normalised (NFC) text."""
    text = re.sub(r"[^\W\d_]{3,}", lambda m: _split_case(m.group(0)), normalize(text))
    return _GLUED.sub(lambda m: _split_glued(m.group(0)), text)


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
    spacing ignored, lost spaces put back ("Ủy ban nhân dân tỉnh" == "UBND Tỉnh" == "Uỷ ban Nhân dân tỉnh")."""
    key = fold(repair_spaces(name))
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
