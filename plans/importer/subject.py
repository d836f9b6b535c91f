"""The subject of a directive or an official letter, as its title (docs/plan-import.md, "Header").

A plan has its title under "KẾ HOẠCH". Other documents state their subject (trích yếu) elsewhere:

- a công văn on the line under its number: "V/v báo cáo tình hình ..." (also "V/v:", "V/V", "Về việc");
- a chỉ thị, thông báo or quyết định on the line(s) under its kind: "CHỈ THỊ" / "Về việc tăng cường ...",
  "THÔNG BÁO" / "Kết luận của Chủ tịch UBND tỉnh tại ...", "QUYẾT ĐỊNH" / "BAN HÀNH QUY CHẾ ...".

The title is what documents cite each other by: the kind, its number, and the subject, as in "Công văn số
846/UBND-TH về việc báo cáo tình hình ...", "Chỉ thị số 08/CT-UBND về việc tăng cường ...". A subject in
capitals takes the casing the body gives the same words ("Ban Chỉ đạo", "tỉnh Hà Giang"); words the body
does not use are lower case. Pure functions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from obligations.plans.importer.agency_names import starts_with_agency
from obligations.plans.importer.text import fold

__all__ = ["SUBJECT_KINDS", "read_subject", "subject_source"]

# The kinds whose subject stands under their name, and how a title names them.
_HEADINGS = {"chi thi": "Chỉ thị", "thong bao": "Thông báo", "thong bao ket luan": "Thông báo kết luận",
             "quyet dinh": "Quyết định"}
SUBJECT_KINDS = ("Công văn", *dict.fromkeys(_HEADINGS.values()))
_HEADING = re.compile(r"^(?P<kind>chi\s+thi|thong\s+bao(?:\s+ket\s+luan)?|quyet\s+dinh)(?:\s+cua\s+.+)?$")
_ABOUT = re.compile(r"^(?:v\s*/\s*v|ve\s+viec)(?![a-z])\s*[.:]?\s*")
_ABOUT_WORDS = re.compile(r"^(?:v\s*/\s*v|về\s+việc)(?!\w)\s*[.:]?\s*", re.IGNORECASE)
# Lines that end a subject: the national motto, a number or date line, the address, the grounds.
_STOP = re.compile(
    r"^(?:cong\s+hoa\s+xa\s+hoi|doc\s+lap\s*-|so\s*[:.]\s*\d|so\s+\d\S*/\S*$|kinh\s+gui|-?\s*can\s+cu|xet\s|"
    r"theo\s+de\s+nghi|noi\s+nhan|dieu\s+\d|quyet\s+dinh\s*:|[a-z\s.]{2,40},\s*ngay\s+\d)"
)
_RULE = re.compile(r"[-_*=.\s]+")
_AUTHORITY = re.compile(r"^(?:(?:pho\s+)?(?:thu\s+tuong|bo\s+truong|chu\s+tich|giam\s+doc|chanh\s+an|vien\s+truong)|"
                        r"uy\s+ban|hoi\s+dong)(?![a-z])")
_WORD = re.compile(r"\w+")
_MAX_LINES = 5


def read_subject(lines: Sequence[str], cells: Sequence[int], number: str | None) -> str | None:
    """The title from the subject of ``lines`` (the header's lines, ``cells[i]`` the cell or paragraph line i
    is in), or None when the document states none."""
    folded = [fold(line) for line in lines]
    found = _under_heading(lines, folded, cells) or _under_number(lines, folded, cells)
    if found is None:
        return None
    kind, first, last = found
    subject = " ".join(lines[first:last]).strip(" .;/")
    if not subject:
        return None
    if subject.upper() == subject:
        body = [line for i, line in enumerate(lines) if not first <= i < last and line.upper() != line]
        subject = _recased(subject, body)
    about = _ABOUT_WORDS.match(subject)
    if about:
        subject = subject[about.end():]
        if not subject:
            return None
    subject = _lower_first(subject)
    number_part = f" số {number}" if number else ""
    return f"{kind}{number_part} {'về việc ' if about else ''}{subject}"


def subject_source(title: str | None) -> str | None:
    """Where a title read by :func:`read_subject` came from, in words for the draft's reviewer; None for a
    plan's own title."""
    if not title:
        return None
    for kind in SUBJECT_KINDS:
        if title.startswith(f"{kind} "):
            if kind == "Công văn":
                return "từ dòng trích yếu “V/v ...” dưới số hiệu công văn, ghép với tên loại và số hiệu"
            return f"từ dòng trích yếu dưới tên loại “{kind.upper()}”, ghép với tên loại và số hiệu"
    return None


def _under_heading(lines, folded, cells) -> tuple[str, int, int] | None:
    """"CHỈ THỊ" / "Về việc ..." : the kind and the subject's lines."""
    for index, key in enumerate(folded[:30]):
        heading = _HEADING.match(key.strip(" ."))
        if heading is None or key.rstrip().endswith(":") or len(lines[index]) > 80:
            continue
        if key.strip(" .") != heading.group("kind") and lines[index].upper() != lines[index]:
            continue  # "Quyết định của ..." in a sentence is no heading; "QUYẾT ĐỊNH CỦA CHỦ TỊCH UBND TỈNH" is
        end = _subject_end(lines, folded, cells, index + 1)
        if end > index + 1:
            return _HEADINGS[re.sub(r"\s+", " ", heading.group("kind"))], index + 1, end
    return None


def _under_number(lines, folded, cells) -> tuple[str, int, int] | None:
    """"Số: 846/UBND-TH" / "V/v ...": a letter's subject, near its number and before "Kính gửi"."""
    number_at = next((i for i, key in enumerate(folded[:20]) if re.match(r"so\s*[:.]?\s*\d", key)), None)
    for index, key in enumerate(folded[:20]):
        if key.startswith("kinh gui"):
            break
        if not _ABOUT.match(key) or key.rstrip().endswith(":") or len(lines[index]) > 300:
            continue
        if not re.match(r"v\s*/", key):
            # "Về việc ..." also starts sentences: only the line by the number is the subject.
            near = number_at is not None and (0 < index - number_at <= 2 or cells[index] == cells[number_at])
            if not near:
                continue
        end = _subject_end(lines, folded, cells, index)
        return "Công văn", index, end
    return None


def _subject_end(lines, folded, cells, first: int) -> int:
    """Where the subject starting at line ``first`` ends: after the lines of its own cell or paragraph, the
    lines that continue it (in lower case, or in capitals after capitals), before the issuing authority of a
    decision ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH ...") and the lines that end a subject."""
    end = first
    while end < len(lines) and end - first < _MAX_LINES:
        line, key = lines[end], folded[end]
        if _STOP.match(key) or _RULE.fullmatch(line) or (end > first and key.rstrip().endswith(":")):
            break
        if end > first:
            capitals = line.upper() == line and lines[first].upper() == lines[first]
            if not (cells[end] == cells[end - 1] or line[:1].islower() or capitals):
                break
            following = folded[end + 1] if end + 1 < len(lines) else ""
            if capitals and (_AUTHORITY.match(key) or starts_with_agency(key)) and (
                    not following or _STOP.match(following)):
                break  # the authority that decides, above "Căn cứ ..."
        end += 1
    return end


def _recased(subject: str, body: list[str]) -> str:
    """A subject typed in capitals in the casing of the body: runs of two words or more that the body
    writes take its casing; another word takes the casing the body always gives it away from a sentence's
    start ("Giang", "TTHC"), else lower case."""
    words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(subject)]
    tokens: list[tuple[str, bool]] = []  # each body word, and whether it starts a sentence or line
    for line in body:
        found = list(_WORD.finditer(line))
        for index, match in enumerate(found):
            before = line[: match.start()].rstrip()
            initial = not before or before[-1] in ".:;!?"
            following = found[index + 1].group(0) if index + 1 < len(found) else ""
            if initial and not before and following[:1].isupper() and not following.isupper():
                initial = False  # a name that starts a line ("Bắc Giang, ngày ...") is still a name
            tokens.append((match.group(0), initial))
    lower = [t.lower() for t, _ in tokens]
    forms: dict[str, Counter[str]] = {}
    for token, initial in tokens:
        if not initial:
            forms.setdefault(token.lower(), Counter())[token] += 1
    chosen: list[str] = [""] * len(words)
    index = 0
    while index < len(words):
        length, at = _longest_run([w.lower() for w, _, _ in words[index:]], lower)
        if length >= 2:
            for k in range(length):
                token, initial = tokens[at + k]
                chosen[index + k] = _alone(words[index + k][0], forms) if initial else token
            index += length
            continue
        chosen[index] = _alone(words[index][0], forms)
        index += 1
    out, last = [], 0
    for (_, start, end), word in zip(words, chosen, strict=True):
        out.append(subject[last:start].lower())
        out.append(word)
        last = end
    out.append(subject[last:].lower())
    return "".join(out)


def _longest_run(wanted: list[str], body: list[str]) -> tuple[int, int]:
    """The longest run of ``wanted``'s first words found in ``body``, and where: (length, index)."""
    best, where = 0, 0
    for start in range(len(body)):
        length = 0
        while length < len(wanted) and start + length < len(body) and body[start + length] == wanted[length]:
            length += 1
        if length > best:
            best, where = length, start
    return best, where


def _alone(word: str, forms: dict[str, Counter[str]]) -> str:
    seen = forms.get(word.lower())
    if seen and not any(form.islower() for form in seen):
        return seen.most_common(1)[0][0]
    return word.lower()


def _lower_first(text: str) -> str:
    """"Kết luận của ..." -> "kết luận của ..."; an acronym or an agency's name keeps its capital ("UBND tỉnh
    ...", "Sở Tài chính đề nghị ...")."""
    first = text.split(" ", 1)[0]
    second = text.split(" ", 2)[1] if len(text.split(" ")) > 1 else ""
    if len(first) > 1 and first.upper() == first:
        return text
    if starts_with_agency(fold(text)) and second[:1].isupper():
        return text
    return text[:1].lower() + text[1:]
