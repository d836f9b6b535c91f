"""The grammar of agency names in a plan's Vietnamese text: where a name starts and ends, lists of names
("Sở Tài chính, Sở Nội vụ và Ủy ban nhân dân tỉnh"), group names ("Các sở, ban, ngành; ..."), and the
roles a sentence gives them: the lead a heading or item starts with, the agencies it "phối hợp" with,
the one a result is "gửi ... cho".

Matching is done on folded text (:func:`~obligations.plans.importer.text.fold`); names are sliced from
the normalised text, in the plan's own words.
"""

from __future__ import annotations

import re

from obligations.plans.importer.text import fold, glued_at, modern_tones, normalize

__all__ = [
    "LOWER_VERB",
    "TRINH",
    "agencies_at",
    "is_group_name",
    "is_named",
    "is_specific",
    "lead_of",
    "name_end",
    "report_to_in",
    "short_form_at",
    "split_agencies",
    "starts_with_agency",
    "supporting_in",
    "verb_at",
]

# Words an agency's name starts with (folded). "các" starts a group or a generic phrase. Each excludes
# the common words it folds the same as: "Báo" not "báo cáo", "Bộ" not "bố trí", "Sở" not "số liệu".
_HEAD = (
    r"(?:so(?!\s+(?:lieu|luong|ket|bo|do|yeu|\d))|uy\s+ban|ubnd|hdnd|mttq|ban(?!\s+(?:be|tin|hanh|sac|chat|linh|than|dau))|"
    r"bo(?!\s+(?:tri|may|phan|sung))|van\s+phong|lien\s+hiep|lien\s+doan|cong\s+an|"
    r"dai(?!\s+(?:dien|hoi|bieu|ly|su|tra))|bao(?!\s+(?:cao|dam|ve|gom|quan|hiem|ton|tri))|"
    r"hoi(?!\s+(?:nghi|thao|nhap|cho|tu))|truong(?!\s+hop)|tinh\s+doan|thanh\s+doan|tinh\s+uy|"
    r"thanh\s+uy|huyen\s+uy|dang\s+uy|mat\s+tran|cuc|chi\s+cuc|kho\s+bac|thanh\s+tra|"
    r"vien(?!\s+(?:chuc|tro))|trung\s+tam|cac|ngan\s+hang|cong\s+ty|tong\s+cong\s+ty|"
    r"doan(?!\s+(?:the|ra|vao|ket))|toa\s+an|chi\s+nhanh|to\s+cong\s+tac|hiep\s+hoi|hoc\s+vien|"
    r"benh\s+vien|thu\s+truong|chu\s+tich|giam\s+doc|tong\s+giam\s+doc|nha\s+xuat\s+ban|nguoi\s+dung\s+dau|"
    r"chanh(?=\s+(?:van\s+phong|thanh\s+tra))|hieu\s+truong|chi\s+huy\s+truong)"
)
_HEAD_WORD = re.compile(rf"{_HEAD}(?![a-z0-9])")
# "trình" (submit: "Sở Tư pháp trình UBND tỉnh ..."), not in "công trình", "chương trình", "quy trình", "trình độ".
TRINH = (r"(?<!cong\s)(?<!chuong\s)(?<!quy\s)(?<!lo\s)(?<!tien\s)(?<!hanh\s)(?<!to\s)(?<!giao\s)"
         r"(?<!phuong\s)(?<!nghi\s)trinh(?!\s+do(?![a-z]))")
# Words that start the task after an agency's name ("Sở Ngoại vụ chủ trì, ..."): never part of a name.
# Some are names after certain words: "các tổ chức" (organisations), "Sở Xây dựng", "Ban Quản lý",
# "Ban Chỉ đạo". Short words that fold like parts of names are left out ("tại"/"Tài chính", "có"/"Cơ quan",
# "cần"/"Cần Thơ").
_VERB = re.compile(
    r"(?<![a-z0-9])(?:"
    r"chu\s+tri|phoi\s+hop|co\s+trach\s+nhiem|chiu\s+trach\s+nhiem|tham\s+muu|thuc\s+hien|trien\s+khai|"
    r"huong\s+dan|(?<!ban\s)chi\s+dao|(?<!cac\s)(?<!nhung\s)to\s+chuc|bo\s+tri|(?<!so\s)xay\s+dung|"
    r"theo\s+doi|kiem\s+tra|bao\s+cao|tong\s+hop|ra\s+soat|day\s+manh|tang\s+cuong|la\s+co\s+quan|"
    r"can\s+cu|tren\s+co\s+so|nghien\s+cuu|cung\s+cap|de\s+xuat|pho\s+bien|tuyen\s+truyen|quan\s+triet|"
    r"(?<!ban\s)(?<!cuc\s)quan\s+ly|giam\s+sat|phat\s+huy|van\s+dong|dinh\s+ky|thuong\s+xuyen|"
    r"chu\s+dong|tich\s+cuc|kip\s+thoi|nang\s+cao|gui|lam\s+dau\s+moi|de(?!\s+(?:dieu|an))|nham|trong|"
    r"theo|truoc|cham\s+nhat|hang\s+(?:nam|quy|thang|tuan)|ve\s+viec|cung\s+(?:voi|cac)|dam\s+bao|"
    r"bao\s+dam|can\s+(?:phai|thiet)|phai|duoc|se|lien\s+quan|thuc\s+thi|de\s+nghi|gioi\s+thieu|"
    r"danh\s+gia|tiep\s+tuc|chuan\s+bi|tham\s+gia|tao\s+dieu\s+kien|khan\s+truong|co\s+nhiem\s+vu|xem\s+xet|"
    r"yeu\s+cau|" + TRINH +
    r")(?![a-z0-9])"
)
# Verbs that end a name only as typed in lower case, with their accents: "làm" (not "Cam Lâm"), "lập" (not "Lập
# Thạch"), "có" (not "Cơ quan"), "cần" (not "Cần Thơ"). "là đơn vị" / "là cơ quan" in any capitals: letters pasted
# from slides capitalise every word ("Công an tỉnh Là Đơn Vị chủ trì").
LOWER_VERB = re.compile(
    r"(?:làm|lập|có|cần|xử\s+lý|cập\s+nhật|hỗ\s+trợ|giải\s+quyết|khắc\s+phục|đẩy\s+nhanh|tiến\s+hành|thành\s+lập|"
    r"ban\s+hành|đôn\s+đốc|thẩm\s+định|hoàn\s+thiện|hoàn\s+thành|chịu|nghiêm\s+túc|sớm|tập\s+trung|quan\s+tâm|lưu\s+ý|"
    r"(?i:là\s+(?:đơn\s+vị|cơ\s+quan)))(?![^\W\d_])"
)
# Words of tense that end a name and start no task: "Sở Giao thông Vận tải (GTVT) vừa chủ trì ...", "đã tham mưu".
_TENSE = re.compile(r"(?:đã|vừa|đang|mới)(?![^\W\d_])")
_GROUP = re.compile(
    r"^(?:cac\s|(?:thu\s+truong|giam\s+doc|nguoi\s+dung\s+dau)\s+cac\s|"
    r"chu\s+tich\s+(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+(?:cac|cap)\s|"
    r"(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+(?:cac|cap)\s|"
    r"(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+(?:huyen|quan|thi\s+xa|thanh\s+pho|xa|phuong|thi\s+tran)\s*(?:[,/\-\u2013]|$)|"
    r"(?:so|bo)\s*,\s*(?:ban|nganh)(?![a-z]))"
)
_GENERIC = re.compile(r"(?<![a-z])(?:lien\s+quan|cac\s+cap|cac\s+nganh)(?![a-z])")
_PREFIXES = re.compile(r"^(?:de\s+nghi|giao|yeu\s+cau|dong\s+chi)\s+")
# "(sau đây gọi tắt là Sở VHTT)", "(viết tắt là ...)", "(sau đây gọi chung là ...)": a short form, not part of the name.
_SHORT_FORM = re.compile(r"\(\s*(?:sau\s+day\s+(?:duoc\s+)?)?(?:goi|viet)\s+(?:tat|chung|la)(?![a-z])")
_MAX_NAME_WORDS = 16
# "Chủ tịch UBND tỉnh giao Giám đốc các Sở: ...": a sentence that assigns, not "Sở Y tế: <its task>".
_ASSIGNS = re.compile(
    r"(?<![a-z])(?:giao(?:\s+cho)?\s+(?:giam\s+doc|thu\s+truong|chu\s+tich|so|bo|ubnd|uy\s+ban|cac)|yeu\s+cau|"
    r"de\s+nghi)(?![a-z])"
)
# Heads whose accents tell them from common words even in lower case ("sở" / "số", "sơ kết").
_NAMED_IN_LOWER_CASE = frozenset({"sở", "bộ", "cục", "ủy", "ubnd", "hđnd"})


def short_form_at(folded: str, position: int) -> re.Match | None:
    """The opening of "(sau đây gọi tắt là ...)" at ``position`` of a folded text, if it is there."""
    return _SHORT_FORM.match(folded, position)


def is_group_name(name: str) -> bool:
    """"Các sở, ban, ngành; ...", "Ủy ban nhân dân các huyện, thị xã, thành phố": many agencies."""
    key = fold(normalize(name))
    return bool(_GROUP.match(key)) or ";" in key


def starts_with_agency(folded: str, position: int = 0) -> bool:
    return bool(_HEAD_WORD.match(folded, position))


def _name_end(norm: str, folded: str, start: int) -> tuple[int, bool]:
    """Where the agency name starting at ``start`` ends, and whether another agency follows it (joined by
    "," or "và"). The name runs until punctuation, a verb, or a comma or "và" that is followed by
    something other than more of the name."""
    position = start
    words = 0
    length = len(folded)
    while position < length:
        ch = folded[position]
        if ch in ";:.!?\u2026\n":  # not "-": "Sở Lao động - Thương binh và Xã hội" is one name
            return position, False
        if ch == "(":
            if _SHORT_FORM.match(folded, position):
                return position, False
            close = folded.find(")", position)
            if 0 < close - position <= 30 and close != -1:  # "(PACCOM)" belongs to the name
                position = close + 1
                continue
            return position, False
        if ch == ",":
            after = position + 1
            while after < length and folded[after] == " ":
                after += 1
            if starts_with_agency(folded, after):
                return position, True
            if _VERB.match(folded, after) or words >= _MAX_NAME_WORDS:
                return position, False
            position = after
            continue
        if ch == " ":
            glued = _glued_verb(norm, folded, position) if words else None
            if glued is not None:
                return glued, False  # "Sở Tài nguyên và Môi trườngchủ trì": the verb glued to the name
            after = position + 1
            if folded.startswith("va ", after):
                if starts_with_agency(folded, after + 3):
                    return position, True
                if _VERB.match(folded, after + 3):
                    return position, False
                position = after + 3
                words += 1
                continue
            if words > 0 and (_VERB.match(folded, after) or LOWER_VERB.match(norm, after) or _TENSE.match(norm, after)):
                return position, False
            words += 1
            if words > _MAX_NAME_WORDS:
                return position, False
            position = after
            continue
        position += 1
    return position, False


def _glued_verb(norm: str, folded: str, space: int) -> int | None:
    """Where a verb starts inside the word before ``space``, glued to the name's last word as PDF copies do
    ("Môi trườngchủ trì"): the word is two syllables, and the second one and the words after it are a verb."""
    word_start = norm.rfind(" ", 0, space) + 1
    split = glued_at(norm[word_start:space])
    if split is None:
        return None
    match = _VERB.match(folded[word_start + split : space + 30])
    return word_start + split if match and match.end() > space - word_start - split else None


def verb_at(folded: str, position: int, norm: str | None = None) -> bool:
    """Whether a word that starts a task ("chủ trì", "phối hợp", "theo", ...) is at ``position``; given the
    normalised text too, also a verb that only its lower case tells from a name ("làm", "lập", "có")."""
    return bool(_VERB.match(folded, position)) or bool(norm and LOWER_VERB.match(norm, position))


def name_end(norm: str, folded: str, start: int) -> tuple[int, bool]:
    """Where the agency name starting at ``start`` ends, and whether another agency follows it."""
    return _name_end(norm, folded, start)


def agencies_at(norm: str, folded: str, start: int) -> list[str]:
    """The agency names listed from ``start`` ("Sở Tài chính, Sở Nội vụ và Ủy ban nhân dân tỉnh")."""
    return _agency_list(norm, folded, start)[0]


def _agency_list(norm: str, folded: str, start: int) -> tuple[list[str], int]:
    """The agency names listed from ``start``, and where the list ends."""
    names: list[str] = []
    position = end = start
    while position < len(folded) and starts_with_agency(folded, position):
        end, more = _name_end(norm, folded, position)
        name = norm[position:end].strip(" ,")
        if name:
            names.append(name)
        if not more:
            break
        position = end
        while position < len(folded) and folded[position] in ", ":
            position += 1
        if folded.startswith("va ", position):
            position += 3
    return names, end


def split_agencies(text: str) -> list[str]:
    """The agencies of a table cell or heading: one a line or ";"-part, then split at "," or "và" only
    where a new name starts ("Sở Văn hóa, Thể thao và Du lịch" stays whole). A group name stays whole."""
    out: list[str] = []
    for part in re.split(r"[\n;]+", text):
        part = normalize(part).strip(" ,.-\u2013+•*")
        if not part:
            continue
        if is_group_name(part):
            out.append(part)
            continue
        folded = fold(part)
        prefix = _PREFIXES.match(folded)
        start = prefix.end() if prefix else 0
        names = agencies_at(part, folded, start) if starts_with_agency(folded, start) else []
        out.extend(names or [part])
    return out


def is_specific(name: str) -> bool:
    """A named agency, not "các cơ quan, đơn vị liên quan" or "các ngành, các cấp"."""
    key = fold(name)
    return not key.startswith("cac ") and not _GENERIC.search(key) and len(key.split()) >= 2


def is_named(name: str) -> bool:
    """An agency named in running text: specific, and written with a capital ("báo cáo Sở Tài chính"), which
    tells it from words that fold alike ("báo cáo sơ kết")."""
    if not is_specific(name) or is_group_name(name):
        return False
    first = modern_tones(normalize(name)).split()[0].lower()
    return name[:1].isupper() or first in _NAMED_IN_LOWER_CASE  # "sở kế hoạch và đầu tư": "sở" is no "sơ", "số"


def lead_of(text: str) -> tuple[str | None, str | None, bool]:
    """The agency a heading or item starts with, and the task after it: (name, task text, heading only).

    "Sở Ngoại vụ" -> (name, None, True); "Sở Tài chính: bố trí ..." -> (name, "bố trí ...", False);
    "Sở Ngoại vụ chủ trì, phối hợp ..." -> (name, the whole text, False); a text that does not start
    with an agency -> (None, None, False).
    """
    norm = normalize(text)
    folded = fold(norm)
    prefix = _PREFIXES.match(folded)
    start = prefix.end() if prefix else 0
    if not starts_with_agency(folded, start):
        return None, None, False
    colon = norm.find(":", start)
    if start < colon <= start + 300:
        head = norm[start:colon].strip()
        if head and _VERB.search(fold(head)) is None and _ASSIGNS.search(fold(head)) is None:
            rest = norm[colon + 1 :].strip()
            return head, rest or None, not rest
    if is_group_name(norm[start:]) and _VERB.search(folded, start) is None:
        return norm[start:].rstrip(" :.").strip(), None, True  # "Các sở, ban, ngành; các tổ chức đoàn thể; ..."
    names, end = _agency_list(norm, folded, start)  # "Sở Tài chính, Sở Nội vụ chủ trì ..." names them all
    name = norm[start:end].strip(" ,")
    if not names or not name:
        return None, None, False
    rest = folded[end:].lstrip(" ,")
    if not rest.strip(" .:"):
        return (name, None, True) if len(norm) <= 300 else (None, None, False)
    if _VERB.match(rest):
        if norm.endswith(":") and len(rest.split()) <= 6:
            return name, None, True  # "Sở Ngoại vụ có trách nhiệm:": a heading, the tasks follow
        return name, norm, False  # the agency is the subject of the task's sentence
    return None, None, False


def supporting_in(text: str) -> list[str]:
    """Agencies after "phối hợp (chặt chẽ) (với)": the named ones, not "các cơ quan liên quan"."""
    norm = normalize(text)
    folded = fold(norm)
    found: list[str] = []
    for match in re.finditer(r"(?<![a-z])phoi\s+hop(?:\s+chat\s+che)?(?:\s+(?:voi|cung))?\s+", folded):
        if folded.startswith("giua", match.end()):
            continue  # "cơ chế phối hợp giữa A với B": a mechanism, not a partner
        for name in agencies_at(norm, folded, match.end()):
            if is_named(name) and name not in found:
                found.append(name)
    return found


_REPORT = re.compile(r"(?<![a-z])(?:gui|goi|nop|bao\s+cao)(?![a-z])")
_REPORT_TO = re.compile(r"(?<![a-z])(?:cho|ve|den|len|toi)\s+")
# "gửi" in other senses: copies the assigner forwards ("Sao gửi Quyết định kèm theo"), a deposit ("tiền gửi").
_NOT_SENDING = re.compile(r"(?<![a-z])(?:sao|tien|ky)\s+$")
# The one who assigns sending, not the task's result: "UBND tỉnh gửi ...", "Văn phòng UBND tỉnh gửi văn bản đến
# ...", "tham mưu UBND tỉnh gửi Bộ Tài chính" (the Sở advises; the letter to the ministry is the committee's).
_ASSIGNER_SENDS = re.compile(
    r"(?<![a-z])(?:(?:chu\s+tich|van\s+phong)\s+)?(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+(?:tinh|thanh\s+pho|tp)"
    r"(?P<place>(?:\s+[a-z]+){0,4}?)\s+(?:se\s+|da\s+)?$"
)
# A report of the assigner's own letter: "UBND TP Cần Thơ vừa có công văn gửi Giám đốc Sở ...", "UBND tỉnh vừa ban
# hành văn bản số 4099/UBND-KGVX, gửi Sở ...": its addressees, not where a result goes.
_ASSIGNER_WROTE = re.compile(
    r"(?<![a-z])(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+(?:tinh|thanh\s+pho|tp)(?:\s+[a-z]+){0,3}?\s+"
    r"(?:vua|da|moi)\s+(?:co|ban\s+hanh|ky)(?![a-z])"
)


def _sends(norm: str, folded: str, verb: re.Match) -> bool:
    """Whether this "gửi" sends the task's result: not "gọi", "gói" (which fold to "goi" like the older spelling
    "gởi"), not a copy forwarded or a deposit, not the assigner sending."""
    if folded.startswith("goi", verb.start()) and norm[verb.start() : verb.end()].lower() != "gởi":
        return False
    sentence = re.split(r"[;:.](?:\s|$)", folded[max(0, verb.start() - 200) : verb.start()])[-1]
    if _ASSIGNER_WROTE.search(sentence):
        return False
    start = max(0, verb.start() - 80)
    before = re.split(r"[,;:.()]", folded[start : verb.start()])[-1]
    offset = verb.start() - len(before)
    assigner = _ASSIGNER_SENDS.search(before)
    if assigner:  # "UBND tỉnh Khánh Hòa gửi": only a place's name between; "UBND tỉnh đề nghị Sở gửi" is the Sở's
        place = norm[offset + assigner.start("place") : offset + assigner.end("place")].split()
        if all(word[:1].isupper() or word in "-–" for word in place):
            return False
    return not _NOT_SENDING.search(before)


def report_to_in(text: str) -> str | None:
    """The agency a result is sent to: "gửi ... cho Sở Ngoại vụ", "gửi về Sở Tài chính", "gửi Văn phòng UBND
    tỉnh", "gởi Sở Nội vụ" (the older spelling), "báo cáo Ủy ban nhân dân tỉnh"; not where the assigner sends
    ("UBND tỉnh gửi văn bản đến ...") nor what it forwards ("Sao gửi ... kèm theo")."""
    norm = normalize(text)
    folded = fold(norm)
    for verb in _REPORT.finditer(folded):
        sending = not folded.startswith(("bao", "nop"), verb.start())
        if sending and not _sends(norm, folded, verb):
            continue
        window_end = min(len(folded), verb.end() + 220)
        clause = re.search(r"[;.](?:\s|$)", folded[verb.end() : window_end])
        if clause:
            window_end = verb.end() + clause.start()
        # "báo cáo Sở X", "gửi Văn phòng UBND tỉnh": the agency right after the verb.
        candidates = [verb.end() + 1] if not folded.startswith("nop", verb.start()) else []
        candidates += [m.end() for m in _REPORT_TO.finditer(folded, verb.end(), window_end)]
        for position in sorted(candidates):
            if position < len(folded) and starts_with_agency(folded, position):
                names = agencies_at(norm, folded, position)
                if names and is_named(names[0]):
                    return names[0]
    return None

