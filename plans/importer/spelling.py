"""One spelling for each agency name, whatever way the document typed it.

Real directives name the same body many ways: "UBND huyện Cam Lâm", "Uỷ ban nhân dân huyện Cam Lâm" (old-style
tone placement, as Windows-1258-era text pasted into Word has it), "ủy ban nhân dân huyện cam lâm", "Chủ tịch
UBND huyện Cam Lâm" (the body named through its head), "Ủy ban nhân dân huyện  CamLâm". A draft makes one
agency of each distinct name, so :func:`canonical_name` gives all of them one modern spelling: Unicode NFC, the
tone of "oa", "oe", "uy" on its first vowel ("hòa", "thủy", "Ủy"), "UBND" and "HĐND" spelled out, lost or
doubled spaces repaired, "đơn vi" read as "đơn vị", the head's title dropped, and a name typed in lower case
given the capitals of an official name ("Sở Văn hóa và Thể thao"). A Sở whose name is half in lower case ("Sở Văn
hóa và thể thao", "Sở Công thương") is written as its official name when it is one of the Sở a province has
(:data:`OFFICIAL_SO`); another name so typed is left as written, since which of its words start a proper part
cannot be told ("Sở Giao thông vận tải" is official as it is).
"""

from __future__ import annotations

import re

from obligations.plans.importer.agency_names import is_group_name, starts_with_agency
from obligations.plans.importer.text import fold, modern_tones, normalize, repair_spaces

__all__ = ["OFFICIAL_SO", "canonical_name", "strip_title", "title_length"]

# The Sở of a province, as their founding decrees write them: Nghị định 24/2014/NĐ-CP as amended by Nghị định
# 107/2020/NĐ-CP (to February 2025), Nghị định 45/2025/NĐ-CP (from March 2025), and those only some provinces
# have (Ngoại vụ, Du lịch, Văn hóa và Thể thao, Quy hoạch - Kiến trúc). Official names capitalise the first word
# of each proper part: "Công Thương" is one part, "Giao thông vận tải" one, "Văn hóa, Thể thao và Du lịch" three.
OFFICIAL_SO = (
    "Nội vụ", "Tư pháp", "Kế hoạch và Đầu tư", "Tài chính", "Công Thương", "Nông nghiệp và Phát triển nông thôn",
    "Giao thông vận tải", "Xây dựng", "Tài nguyên và Môi trường", "Thông tin và Truyền thông",
    "Lao động - Thương binh và Xã hội", "Văn hóa, Thể thao và Du lịch", "Khoa học và Công nghệ",
    "Giáo dục và Đào tạo", "Y tế", "Nông nghiệp và Môi trường", "Dân tộc và Tôn giáo", "Ngoại vụ", "Du lịch",
    "Văn hóa và Thể thao", "Quy hoạch - Kiến trúc",
)

# The heads of agencies, as directives address them ("Giám đốc Sở Tài chính", "Chủ tịch UBND huyện Cam Lâm",
# "Thủ trưởng các sở, ban, ngành", "Chánh Văn phòng UBND tỉnh", "Trưởng ban Dân tộc"). Folded.
_TITLE = re.compile(
    r"(?:(?:cac\s+)?(?:dong\s+chi\s+))?(?:pho\s+)?(?:tong\s+giam\s+doc|giam\s+doc|thu\s+truong|chu\s+tich|"
    r"chanh(?=\s+(?:van\s+phong|thanh\s+tra))|truong\s+ban(?=\s+ban(?![a-z]))|truong(?=\s+ban(?![a-z]))|"
    r"chi\s+cuc\s+truong|cuc\s+truong|"
    r"nguoi\s+dung\s+dau|bo\s+truong|hieu\s+truong|vien\s+truong|chi\s+huy\s+truong|chu\s+nhiem)\s+"
)
_ABBREVIATED = (
    (re.compile(r"(?<![\w])HĐND\s*(?:&|và)\s*UBND(?![\w])", re.IGNORECASE), "Hội đồng nhân dân và Ủy ban nhân dân"),
    (re.compile(r"(?<![\w])UBND(?![\w])", re.IGNORECASE), "Ủy ban nhân dân"),
    (re.compile(r"(?<![\w])HĐND(?![\w])", re.IGNORECASE), "Hội đồng nhân dân"),
    # The people's committee and council are written one way whatever the capitals ("Ủy ban Nhân dân tỉnh").
    (re.compile(r"(?<![\w])ủy ban nhân dân(?![\w])", re.IGNORECASE), "Ủy ban nhân dân"),
    (re.compile(r"(?<![\w])hội đồng nhân dân(?![\w])", re.IGNORECASE), "Hội đồng nhân dân"),
    (re.compile(r"(?<![\w])(?:TP|Tp)\.\s*(?=[A-ZÀ-Ỹ])"), "thành phố "),
)
_DON_VI = re.compile(r"(?<![\w])([Đđ])ơn vi(?![\w])")
# Words after which the name is a place's: "tỉnh Khánh Hòa", "huyện Cam Lâm".
_LEVELS = frozenset({"tỉnh", "huyện", "quận", "thị xã", "thành phố", "xã", "phường", "thị trấn"})
# Heads followed by a field that official names capitalise: "Sở Văn hóa và Thể thao", "Ban Quản lý ...".
_FIELD_HEADS = frozenset({"sở", "bộ", "cục", "chi cục", "tổng cục", "ban", "vụ"})
_PARTY_COMMITTEES = frozenset({"tỉnh ủy", "thành ủy", "huyện ủy", "quận ủy", "thị ủy", "đảng ủy"})
_DASHES = re.compile(r"\s*[-–—]\s*")


def _case_key(text: str) -> str:
    """Words compared without regard to capitals or to the dash typed ("-", "–")."""
    return _DASHES.sub(" - ", text).lower()


_OFFICIAL_SO = {_case_key(f"Sở {name}"): f"Sở {name}" for name in OFFICIAL_SO}
# What may follow a Sở's name: its province or city ("Sở Công thương tỉnh Khánh Hòa").
_AFTER_SO = re.compile(r"\s+(?:tỉnh|thành phố|TP\.?)(?:\s|$)", re.IGNORECASE)


def title_length(folded: str, position: int = 0) -> int:
    """The length of the head's title at ``position`` ("giam doc " before "so tai chinh"), 0 if none."""
    match = _TITLE.match(folded, position)
    if match and starts_with_agency(folded, match.end()):
        return match.end() - position
    return 0


def strip_title(name: str) -> str:
    """"Giám đốc Sở Tài chính" -> "Sở Tài chính"; "Thủ trưởng các sở, ban, ngành" -> "các sở, ban, ngành"."""
    norm = normalize(name)
    length = title_length(fold(norm))
    return norm[length:] if length else norm


def canonical_name(name: str) -> str:
    """The one spelling of an agency's name (module docstring); "" for a blank name."""
    text = modern_tones(repair_spaces(name)).strip(" ,.;:")
    if _all_capitals(text):  # "SỞ NGOẠI VỤ" as a heading has it: the capitals of the name, acronyms kept
        text = re.sub(r"\([^)]*\)|[^()]+", lambda m: m.group(0) if m.group(0).startswith("(") else m.group(0).lower(),
                      text)
    text = strip_title(text)
    for pattern, replacement in _ABBREVIATED:
        text = pattern.sub(replacement, text)
    text = _DON_VI.sub(lambda m: f"{m.group(1)}ơn vị", text)
    text = normalize(text)
    if not text:
        return text
    official = _official_so(text)
    if official:
        return official
    if _typed_in_lower_case(text) and not is_group_name(text):
        text = _official_capitals(text)
    return text[0].upper() + text[1:]


def _official_so(text: str) -> str | None:
    """The official name of a Sở written with other capitals or dashes ("Sở Văn hóa và thể thao" -> "Sở Văn hóa và
    Thể thao", "sở công thương tỉnh Khánh Hòa" -> "Sở Công Thương tỉnh Khánh Hòa"), or with its fields in initials
    ("Sở TN&MT", "Bộ KH&ĐT", "Sở Nông nghiệp và PTNT"); None for another name."""
    after = _AFTER_SO.search(text)
    name, rest = (text[: after.start()], text[after.start() :]) if after else (text, "")
    official = _OFFICIAL_SO.get(_case_key(name)) or _abbreviated_field(name)
    if official is None:
        return None
    words = rest.split()
    if words and words[-1].islower():  # "tỉnh khánh hòa": the place in lower case too
        level = 2 if " ".join(words[:2]).lower() in _LEVELS else 1
        words[level:] = [_capital(word) for word in words[level:]]
    return " ".join([official, *words])


# The fields of a Sở or a Bộ in initials, as letters write them: "TN&MT", "KH&ĐT", "LĐ-TB&XH", "GD&ĐT", "VH,TT&DL",
# "GTVT", or some parts in initials and some spelled out ("Nông nghiệp và PTNT"). A written field matches an
# official one when, with "và" and punctuation dropped, each proper part is spelled out or its words' initials,
# and at least one part is in initials: "Sở kế hoạch – Đầu tư" is no abbreviation, and stays as written.
_FIELD_PART = re.compile(r"\s*(?:,|\s-\s|\svà\s)\s*")
_MINISTRIES = ("Nội vụ", "Tư pháp", "Kế hoạch và Đầu tư", "Tài chính", "Công Thương",
               "Nông nghiệp và Phát triển nông thôn", "Giao thông vận tải", "Xây dựng", "Tài nguyên và Môi trường",
               "Thông tin và Truyền thông", "Lao động - Thương binh và Xã hội", "Văn hóa, Thể thao và Du lịch",
               "Khoa học và Công nghệ", "Giáo dục và Đào tạo", "Y tế", "Nông nghiệp và Môi trường",
               "Dân tộc và Tôn giáo")


def _field_keys(field: str) -> dict[str, bool]:
    """Each way of writing ``field`` (folded, no spaces), to whether some part of it is in initials."""
    keys = {"": False}
    for part in _FIELD_PART.split(field):
        words = fold(part).split()
        spelled, initials = "".join(words), "".join(w[0] for w in words)
        keys = {k + spelled: a for k, a in keys.items()} | {k + initials: True for k in keys}
    return keys


_ABBREVIATED_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {"sở": {}, "bộ": {}}
for _head, _fields in (("sở", OFFICIAL_SO), ("bộ", _MINISTRIES)):
    for _field in _fields:
        for _key, _initials in _field_keys(_field).items():
            if len(_key) >= 3:  # "Sở CT", "Sở YT": too short to tell
                _ABBREVIATED_FIELDS[_head].setdefault(_key, (f"{_head.capitalize()} {_field}", _initials))


def _abbreviated_field(name: str) -> str | None:
    """"Sở TN&MT" -> "Sở Tài nguyên và Môi trường", "Bộ KH&ĐT" -> "Bộ Kế hoạch và Đầu tư", "Sở Khoa học & Công
    nghệ" ("&" for "và") -> "Sở Khoa học và Công nghệ"; None for another name."""
    head, _, field = name.partition(" ")
    table = _ABBREVIATED_FIELDS.get(head.lower())
    if table is None or not any(ch.isupper() for ch in field[1:]):
        return None
    words = [w for w in re.split(r"[^\w]+", fold(field)) if w and w != "va"]
    official, initials = table.get("".join(words), (None, False))
    return official if initials or "&" in field else None


def _all_capitals(text: str) -> bool:
    letters = [ch for ch in re.sub(r"\([^)]*\)", "", text) if ch.isalpha()]
    return len(letters) > 3 and all(ch.isupper() for ch in letters)


def _typed_in_lower_case(text: str) -> bool:
    words = [w for w in text.split()[1:] if w[:1].isalpha()]
    return bool(words) and all(w.islower() for w in words)


def _official_capitals(text: str) -> str:
    """Capitals for a name typed in lower case: the head, its field and each part of it after ",", "và", "-"
    ("sở văn hóa, thể thao và du lịch" -> "Sở Văn hóa, Thể thao và Du lịch"), the body in "ủy ban nhân dân",
    and the place after "tỉnh", "huyện" ... ("... huyện Cam Lâm")."""
    words = [w if w.startswith("(") or w.endswith(")") else w.lower() for w in text.split()]
    head = " ".join(words[:2]) if " ".join(words[:2]) in _FIELD_HEADS else words[0]
    in_field = head in _FIELD_HEADS
    capital_next = in_field
    in_place = False
    out: list[str] = []
    index = len(head.split())
    out.extend(head.split())
    while index < len(words):
        word = words[index]
        pair = " ".join(words[index : index + 2])
        level = pair if pair in _LEVELS else (
            word if word in _LEVELS and pair != "xã hội" and pair not in _PARTY_COMMITTEES else None)
        if level and not capital_next:
            out.extend(level.split())
            index += len(level.split())
            in_place, in_field = True, False
            continue
        if word in ("và", "-", "–") or word.endswith(","):
            out.append(_capital(word.rstrip(",")) + "," if word.endswith(",") and capital_next else word)
            capital_next = in_field
            index += 1
            continue
        if pair in ("ủy ban", "hội đồng"):
            word = _capital(word)
        if pair in _PARTY_COMMITTEES:  # "tỉnh ủy": the province's party committee, a name of its own
            out.extend((_capital(word), words[index + 1]))
            index += 2
            capital_next = False
            continue
        out.append(_capital(word) if capital_next or in_place else word)
        capital_next = False
        index += 1
    return " ".join(out)


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:]
