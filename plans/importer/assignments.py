"""Who a directive's sentence gives a task to (docs/plan-import.md, "Tasks in directives").

Directives and official letters (chỉ thị, công văn, thông báo kết luận) assign work inside their sentences,
not under a heading naming the agency:

- "Giao Sở X chủ trì, phối hợp với Sở Y ...": X leads, Y supports;
- "Chủ tịch UBND tỉnh giao Giám đốc các Sở: Xây dựng, Giao thông vận tải, ...": each Sở of the list leads;
- "Yêu cầu Thủ trưởng các cơ quan, đơn vị ...", "đề nghị UBND các huyện ...": a group of agencies leads;
- "Sở Giao thông vận tải chủ trì, phối hợp với ...": the agency the sentence starts with leads.

An agency may be named through its head ("Giám đốc Sở Tài chính", "Chủ tịch UBND huyện Cam Lâm") or by a
short form the document defined ("Sở Văn hóa và Thể thao (sau đây gọi tắt là Sở VHTT)"). Names come out in
one spelling (:func:`~obligations.plans.importer.spelling.canonical_name`). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from obligations.plans.importer.agency_names import (
    LOWER_VERB,
    TRINH,
    is_named,
    name_end,
    short_form_at,
    starts_with_agency,
    supporting_in,
    verb_at,
)
from obligations.plans.importer.openings import assigner_at, openings, reported_at
from obligations.plans.importer.spelling import canonical_name, title_length
from obligations.plans.importer.text import fold, normalize

__all__ = ["Assignment", "assignments_in", "short_forms"]


@dataclass
class Assignment:
    """The task a sentence assigns: one task for each lead, (name in the one spelling, is a group of agencies)."""

    leads: list[tuple[str, bool]]
    supporting: list[str]
    text: str


# "Giao", "yêu cầu", "đề nghị", "phân công" (and "Giaocho", as legal libraries print it glued); "chỉ đạo" only after
# the one who assigns ("UBND tỉnh cũng chỉ đạo Sở Nội vụ ..."), not opening a report ("Chỉ đạo các huyện ...").
_TRIGGER = re.compile(
    r"(?<!duoc\s)(?:giao(?:\s+(?:trach\s+nhiem|nhiem\s+vu))?(?:\s*cho)?|yeu\s+cau|de\s+nghi|phan\s+cong(?:\s+cho)?)"
    r"\s*:?\s+(?:(?:cac\s+)?dong\s+chi\s+)?"
)
_SUBJECT_TRIGGER = re.compile(r"chi\s+dao\s+(?:(?:cac\s+)?dong\s+chi\s+)?")
# What an agency that starts a sentence does, when the sentence gives it the task: "Sở X chủ trì, ...".
_DUTY = re.compile(
    r"(?:chu\s+tri|phoi\s+hop|co\s+trach\s+nhiem|chiu\s+trach\s+nhiem|thuc\s+hien|trien\s+khai|to\s+chuc|"
    r"tham\s+muu|huong\s+dan|kiem\s+tra|ra\s+soat|bao\s+cao|xay\s+dung|theo\s+doi|tong\s+hop|chu\s+dong|"
    r"khan\s+truong|tiep\s+tuc|tang\s+cuong|day\s+manh|can\s+cu|quan\s+ly|bo\s+tri|lam\s+dau\s+moi|"
    r"la\s+co\s+quan\s+dau\s+moi|theo\s+(?:tham\s+quyen|chuc\s+nang)|nghien\s+cuu|de\s+xuat|tap\s+trung|"
    r"cung\s+cap|giam\s+sat|don\s+doc|tham\s+dinh|hoan\s+thanh|can|phai|duoc\s+giao|co\s+nhiem\s+vu|"
    r"van\s+dong|dinh\s+ky|thuong\s+xuyen|hang\s+(?:nam|quy|thang|tuan)|pho\s+bien|tuyen\s+truyen|quan\s+triet|"
    r"danh\s+gia|chuan\s+bi|tham\s+gia|tao\s+dieu\s+kien|nang\s+cao|phat\s+huy|dam\s+bao|bao\s+dam|thuc\s+thi|"
    r"(?<!ban\s)chi\s+dao|kip\s+thoi|tich\s+cuc|xem\s+xet|" + TRINH + r")(?![a-z])"
)
# "các Sở: Xây dựng, Giao thông vận tải, ...", "Bộ: Tài chính, ...": one lead for each name of the list.
_KIND_LIST = re.compile(r"(?:cac\s+)?(?P<kind>so|bo|cuc|ban)\s*:\s*")
# "Giao Giám đốc: Sở Văn hóa, ..., Đài Phát thanh - Truyền hình Hậu Giang phối hợp ...": the heads of the agencies
# listed after the colon.
_HEADS_OF = re.compile(r"(?:giam\s+doc|thu\s+truong|chu\s+tich|nguoi\s+dung\s+dau)(?:\s+cac)?\s*:\s*")
_LEVEL = r"(?:huyen|quan|thi\s+xa|thanh\s+pho|xa|phuong|thi\s+tran|thanh)"
_PLACE_LIST = re.compile(
    rf"(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+(?:cac\s+)?(?P<levels>{_LEVEL}(?:\s*,\s*{_LEVEL})*)\s*:\s*"
)
# The fields of Sở and Bộ, so that "Xây dựng" in a list is a Sở, not the verb, and "Văn hóa, Thể thao và Du
# lịch" stays one.
_FIELDS = sorted(
    (
        "van hoa, the thao va du lich", "lao dong - thuong binh va xa hoi", "lao dong, thuong binh va xa hoi",
        "ke hoach va dau tu", "tai nguyen va moi truong", "nong nghiep va phat trien nong thon",
        "nong nghiep va moi truong", "giao duc va dao tao", "thong tin va truyen thong", "khoa hoc va cong nghe",
        "giao thong van tai", "van hoa va the thao", "dan toc va ton giao", "quy hoach - kien truc", "xay dung",
        "tai chinh", "noi vu", "ngoai vu", "tu phap", "y te", "cong thuong", "du lich", "cong an", "quoc phong",
        "ngoai giao",
    ),
    key=len,
    reverse=True,
)
# A group: "các ...", "UBND các huyện", "UBND cấp xã", and without "các": "UBND quận, huyện", "UBND quận-huyện",
# "Sở, ban, ngành" (every body of those kinds).
_GROUP_START = re.compile(
    rf"cac\s|(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+(?:(?:cac|cap)\s|{_LEVEL}\s*[,/\-\u2013]\s*{_LEVEL}(?![a-z]))|"
    r"(?:so|bo)\s*,\s*(?:ban|nganh)(?![a-z])"
)
# A kind of body named bare inside a group's list, not a new agency: "các Sở, Ban, ngành", "Sở, Ban ngành tỉnh"
# (followed by punctuation or a word in lower case; "Ban Quản lý ..." starts a name).
_BARE_KIND = re.compile(r"(?:so|ban|bo|nganh|cuc|doan\s+the|hoi|dia\s+phuong|co\s+quan|don\s+vi)(?![a-z])")
# A head before a body that is no agency's name: "Thủ trưởng cơ sở giáo dục đại học", "Thủ trưởng cơ quan, đơn vị".
_HEAD_TITLE = re.compile(r"(?:thu\s+truong|giam\s+doc|nguoi\s+dung\s+dau|hieu\s+truong)\s+(?!cac\s)")
_RELATED = re.compile(r"(?:co\s+)?lien\s+quan(?![a-z])")
_GENERIC = re.compile(r"(?<![a-z])lien\s+quan(?![a-z])")
_EXECUTION = re.compile(r"thi\s+hanh\s+(?:quyet\s+dinh|chi\s+thi|van\s+ban)\s+nay|can\s+cu\s+quyet\s+dinh\s+thi\s+hanh")


def short_forms(texts: Iterable[str]) -> dict[str, str]:
    """The short forms a document defines, to the full names: "Sở Văn hóa và Thể thao (sau đây gọi tắt là Sở
    VHTT)" -> {"Sở VHTT": "Sở Văn hóa và Thể thao"}. A bare head word ("(gọi tắt là Sở)") is no short form."""
    found: dict[str, str] = {}
    for text in texts:
        norm = normalize(text)
        folded = fold(norm)
        for paren in re.finditer(r"\(", folded):
            opening = short_form_at(folded, paren.start())
            close = folded.find(")", paren.start())
            if not opening or close == -1:
                continue
            alias = re.sub(r"^(?:la|:)\s*", "", norm[opening.end() : close].strip(" :")).strip(" \"'“”:")
            alias = re.sub(r"^là\s+", "", alias)
            full = _name_before(norm, folded, paren.start())
            if full and alias and len(alias.split()) <= 5 and (len(alias.split()) > 1 or alias.isupper()):
                found[alias] = canonical_name(full)
    return found


def _name_before(norm: str, folded: str, paren: int) -> str | None:
    """The longest agency name that ends right before the "(" at ``paren``."""
    for match in re.finditer(r"(?<![a-z0-9])\S", folded[max(0, paren - 160) : paren]):
        start = max(0, paren - 160) + match.start()
        if starts_with_agency(folded, start):
            end, _ = name_end(norm, folded, start)
            if norm[start:end].strip() and end >= len(norm[:paren].rstrip()):
                return norm[start:end].strip()
    return None


def assignments_in(text: str, aliases: dict[str, str] | None = None) -> list[Assignment]:
    """The tasks a paragraph assigns, in order. A sentence that names no one continues the task before it ("...
    Yêu cầu hoàn thiện gửi ... trước ngày 28/9/2018."); sentences before the first assignment are context."""
    norm = normalize(text)
    folded = fold(norm)
    aliases = aliases or {}
    spans: list[tuple[list[tuple[str, bool]], bool, int, int]] = []
    for start, end in _clauses(norm, folded):
        if _EXECUTION.search(folded, start, end):
            continue  # "... chịu trách nhiệm thi hành Quyết định này": the closing formula, not a task
        found = _assigned(norm, folded, start, end, aliases)
        if found and not (spans and _same_leads(spans[-1][0], found[0])):
            spans.append((found[0], found[1], start, end))
        elif spans:
            spans[-1] = (spans[-1][0], spans[-1][1], spans[-1][2], end)
    return [_assignment(leads, joint, norm[start:end].strip()) for leads, joint, start, end in spans]


def _same_leads(one: list[tuple[str, bool]], other: list[tuple[str, bool]]) -> bool:
    return [(canonical_name(n), g) for n, g in one] == [(canonical_name(n), g) for n, g in other]


def _clauses(norm: str, folded: str) -> list[tuple[int, int]]:
    """Sentences, and the clauses after ":" or ";" that open with "Giao", "Yêu cầu", "Đề nghị"."""
    cuts = [0]
    for match in re.finditer(r"[.!?;:]+\s+", norm):
        after = match.end()
        before = norm[: match.start()].split()[-1:] or [""]
        mark = norm[match.start()]
        if mark in ".!?" and (norm[after : after + 1].isupper() or norm[after : after + 1].isdigit()):
            if len(before[0]) > 3 or not before[0].isupper():  # not "TP. Hồ Chí Minh"
                cuts.append(after)
        elif mark in ";:" and _TRIGGER.match(folded, after) and norm[after : after + 1].isupper():
            cuts.append(after)
    cuts.append(len(norm))
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if norm[a:b].strip()]


def _assigned(norm: str, folded: str, start: int, end: int, aliases: dict[str, str]) -> tuple[list, bool] | None:
    """The leads the clause from ``start`` to ``end`` assigns, and whether they lead jointly ("Sở A, Sở B chủ trì"),
    read where the assignment starts, after what opens the sentence (:func:`~.openings.openings`)."""
    for position in openings(norm, folded, start, end):
        found = _assigned_at(norm, folded, position, aliases)
        if found or _subject_at(norm, folded, position, aliases):
            return found  # a subject that assigns nothing ("Sở GTVT vừa chủ trì ..."): the sentence is a report
    return None


def _subject_at(norm: str, folded: str, position: int, aliases: dict[str, str]) -> bool:
    return bool(starts_with_agency(folded, position) or assigner_at(norm, folded, position) or _alias_at(
        norm, position, aliases))


def _assigned_at(norm: str, folded: str, position: int, aliases: dict[str, str]) -> tuple[list, bool] | None:
    subject = _subject_at(norm, folded, position, aliases)
    words = 0
    cursor = position
    while cursor < len(folded) and words <= 14:
        trigger = _trigger_at(norm, folded, cursor) or (words and subject and _SUBJECT_TRIGGER.match(folded, cursor))
        if trigger and (cursor == position or subject):
            leads, _ = _addressees(norm, folded, trigger.end(), aliases)
            if leads:
                return leads, False
        if not subject or folded[cursor] in ",;:.(" or reported_at(folded, cursor) or (
                words and verb_at(folded, cursor) and not trigger):
            break
        next_space = folded.find(" ", cursor)
        if next_space == -1:
            break
        cursor, words = next_space + 1, words + 1
    leads, end = _addressees(norm, folded, position, aliases)
    rest = end
    while rest < len(folded) and folded[rest] in " ,":
        rest += 1
    if leads and (_DUTY.match(folded, rest) or LOWER_VERB.match(norm, rest) or folded.startswith(":", rest)):
        joint = len(leads) > 1 and not any(group for _, group in leads) and folded.startswith("chu tri", rest)
        return leads, joint
    return None


def _trigger_at(norm: str, folded: str, position: int) -> re.Match | None:
    """"Giao", "yêu cầu", "đề nghị" at ``position``; not "giáo" ("Ban Tuyên giáo Thành ủy"), which folds alike."""
    trigger = _TRIGGER.match(folded, position)
    if trigger and folded.startswith("giao", position) and norm[position + 1 : position + 4].lower() != "iao":
        return None
    return trigger


def _alias_at(norm: str, position: int, aliases: dict[str, str]) -> str | None:
    for alias in sorted(aliases, key=len, reverse=True):
        if norm.startswith(alias, position) and not norm[position + len(alias) : position + len(alias) + 1].isalnum():
            return alias
    return None


def _addressees(norm: str, folded: str, position: int, aliases: dict[str, str]) -> tuple[list[tuple[str, bool]], int]:
    """The agencies listed from ``position`` ("Giám đốc Sở Tài chính, Thủ trưởng các sở, ban, ngành và Chủ tịch
    UBND các huyện"), each (name as written, is a group), and where the list ends."""
    found: list[tuple[str, bool]] = []
    end = position
    while True:
        while position < len(folded) and folded[position] == " ":
            position += 1
        heads = _HEADS_OF.match(folded, position)
        if heads and starts_with_agency(folded, heads.end()):
            position = heads.end()
        start = position
        position += title_length(folded, position)
        read = _one_addressee(norm, folded, start, position, aliases)
        if read is None:
            return found, end
        names, end = read
        found.extend(names)
        following = end
        while following < len(folded) and folded[following] in " ,;":
            following += 1
        if folded.startswith("va ", following):
            following += 3
        if following == end or not _can_start(norm, folded, following, aliases):
            return found, end
        position = following


def _can_start(norm: str, folded: str, position: int, aliases: dict[str, str]) -> bool:
    return bool(title_length(folded, position) or starts_with_agency(folded, position) or _alias_at(
        norm, position, aliases))


def _one_addressee(norm, folded, start, position, aliases) -> tuple[list[tuple[str, bool]], int] | None:
    alias = _alias_at(norm, position, aliases)
    if alias:
        return [(aliases[alias], False)], position + len(alias)
    kinds = _KIND_LIST.match(folded, position)
    if kinds:
        kind = norm[kinds.start("kind") : kinds.end("kind")]
        items, end = _list_items(norm, folded, kinds.end(), proper=False)
        return [(f"{kind[0].upper()}{kind[1:]} {item}", False) for item in items], end
    places = _PLACE_LIST.match(folded, position)
    if places:
        items, end = _list_items(norm, folded, places.end(), proper=True)
        levels = places.group("levels")
        if not items:  # "UBND các xã, thị trấn:" heading the items after it
            colon = norm.rfind(":", position, places.end())
            return [(norm[start:colon], True)], colon
        if "," in levels:  # "UBND các huyện, thị xã: A, B": of two kinds, one group as written
            return [(norm[position:end], True)], end
        level = norm[places.start("levels") : places.end("levels")]
        return [(f"Ủy ban nhân dân {level} {item}", False) for item in items], end
    if _GROUP_START.match(folded, position):
        end = _group_end(norm, folded, position, aliases)
        return [(norm[start:end], True)], end
    head = _HEAD_TITLE.match(folded, position) if start == position else None
    if head and norm[head.end() : head.end() + 1].islower() and not verb_at(folded, head.end(), norm):
        end = _group_end(norm, folded, head.end(), aliases)
        return [(norm[head.end() : end], True)], end
    if starts_with_agency(folded, position):
        end, _ = name_end(norm, folded, position)
        name = norm[start:end].strip(" ,")
        bare = start < position and len(norm[position:end].split()) == 1 and folded.startswith(",", end)
        return ([(name, bare)], end) if name else None  # "Giám đốc Sở, ...": the Sở of every province
    return None


def _list_items(norm: str, folded: str, position: int, *, proper: bool) -> tuple[list[str], int]:
    """The names after "các Sở:" (fields: "Xây dựng", "Văn hóa, Thể thao và Du lịch") or "UBND các huyện:"
    (places: "Cam Lâm", "Diên Khánh"), until ";", ".", a verb, or the next addressee."""
    items: list[str] = []
    end = position
    while position < len(folded):
        known = next((f for f in _FIELDS if folded.startswith(f, position) and not folded[
            position + len(f) : position + len(f) + 1].isalnum()), None)
        item_end = position + len(known) if known and not proper else _item_end(norm, folded, position, proper)
        if item_end <= position:
            break
        items.append(norm[position:item_end].strip())
        end = item_end
        following = item_end
        while following < len(folded) and folded[following] == " ":
            following += 1
        if following >= len(folded) or folded[following] != ",":
            break
        following += 1
        while following < len(folded) and folded[following] == " ":
            following += 1
        if _can_start(norm, folded, following, {}) and not (proper and norm[following : following + 1].isupper()
                                                             and not starts_with_agency(folded, following)):
            break
        position = following
    return items, end


def _item_end(norm: str, folded: str, position: int, proper: bool) -> int:
    cursor = position
    while cursor < len(folded):
        if folded[cursor] in ",;:.()":
            break
        if cursor > position and folded[cursor - 1] == " ":
            if (proper and not norm[cursor].isupper()) or verb_at(folded, cursor, norm) or _DUTY.match(folded, cursor):
                return cursor - 1
            if folded.startswith("va ", cursor) and _can_start(norm, folded, cursor + 3, {}):
                return cursor - 1
        cursor += 1
    return cursor


def _group_end(norm: str, folded: str, position: int, aliases: dict[str, str]) -> int:
    """Where a group ("các sở, ban, ngành, đoàn thể tỉnh", "UBND các huyện, thị xã, thành phố") ends: before
    ";", a verb, or ", " / " và " and a new addressee written with a capital ("Chủ tịch UBND ...")."""
    cursor, words = position, 0
    while cursor < len(folded):
        ch = folded[cursor]
        if ch in ";:.!?(":
            return cursor
        if ch in ", ":
            after = cursor + 1
            while after < len(folded) and folded[after] == " ":
                after += 1
            joined = folded.startswith("va ", after)
            target = after + 3 if joined else after
            new = _can_start(norm, folded, target, aliases) and (
                norm[target : target + 1].isupper() or folded.startswith("cac ", target) or title_length(
                    folded, target))
            bare = _BARE_KIND.match(folded, target)
            if bare and (bare.end() >= len(norm) or norm[bare.end()] in ",;.:" or norm[bare.end() + 1 :][:1].islower()):
                new = False  # "các Sở, Ban, ngành": one list of kinds
            if (ch == "," or joined) and new and target > cursor + 1:
                return cursor
            related = _RELATED.match(folded, after)
            if related:
                cursor = related.end()
                continue
            if ch == " " and words and (verb_at(folded, after, norm) or _DUTY.match(folded, after)):
                return cursor
            words += 1
            if words > 24:
                return cursor
            cursor = after
            continue
        cursor += 1
    return cursor


def _assignment(leads: list[tuple[str, bool]], joint: bool, text: str) -> Assignment:
    """Leads named once each, in the one spelling; a generic group ("các đơn vị liên quan") beside a named lead
    is dropped; groups together are one group lead ("Các sở, ban, ngành; Ủy ban nhân dân các huyện")."""
    named = list(dict.fromkeys(canonical_name(n) for n, group in leads if not group))
    groups = list(dict.fromkeys(canonical_name(n) for n, group in leads if group))
    if named or any(not _GENERIC.search(fold(g)) for g in groups):
        groups = [g for g in groups if not _GENERIC.search(fold(g))]
    supporting = [s for s in (canonical_name(n) for n in supporting_in(text)) if s not in named and is_named(s)]
    if joint:
        named, supporting = named[:1], [*named[1:], *[s for s in supporting if s not in named]]
    joined = "; ".join(g[0].upper() + g[1:] for g in groups)
    return Assignment(
        leads=[(n, False) for n in named] + ([(joined, True)] if joined else []), supporting=supporting, text=text
    )
