"""A plan's blocks read into its header (number, title, issuer, period) and its tasks.

Where the tasks are:

- Section "Tổ chức thực hiện" (any numbering: "III. Tổ chức thực hiện", "4. TỔ CHỨC THỰC HIỆN"): each
  numbered heading names the lead agency or a group of agencies ("1. Sở Ngoại vụ", "6. Các sở, ban,
  ngành; ..."); each "-" bullet, lettered item ("a)") or paragraph of prose under it is one task. A
  heading may carry its task itself ("2. Sở Tài chính: bố trí kinh phí ...", "2. Sở Tài chính chủ trì
  ..."), and an item may name its own lead the same way. A paragraph ending with ":" before the items is
  the heading's introduction; the closing paragraph of the section ("Trên cơ sở nhiệm vụ được phân công
  ... vướng mắc ... báo cáo ... ./.") is a note, not a task.
- Tables whose header has a task column and a lead or deadline column (the appendix, "Phụ lục": STT /
  Nội dung nhiệm vụ / Cơ quan chủ trì / Cơ quan phối hợp / Thời gian hoàn thành), wherever they are.

Refs: a task of section III under heading 6 is ``III.6.k`` (k counts the tasks under the heading);
a table row is ``PL1.<group>.<STT>`` after "Phụ lục 1" (or ``B<table>.<STT>``). :func:`parse_blocks`
never raises: it reads what it can. :func:`read_plan` also refuses a file with no task (DocumentError).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from obligations.plans.importer.documents import Block, DocumentError, blocks_from_text, read_document
from obligations.plans.importer.phrases import Deadline, find_deadlines
from obligations.plans.importer.text import fold, normalize

__all__ = [
    "ParsedPlan",
    "ParsedProvision",
    "ParsedTask",
    "PlanError",
    "is_group_name",
    "parse_blocks",
    "parse_text",
    "read_plan",
    "split_agencies",
]


class PlanError(DocumentError):
    """The document was read but holds no task to import."""


@dataclass
class ParsedTask:
    ref: str
    agency: str | None  # the lead, as written; None when the plan names none
    supporting: list[str]
    text: str
    deadlines: list[Deadline]
    provision: str
    group: bool = False  # the lead is a group of agencies ("Các sở, ban, ngành; ...")
    report_to: str | None = None  # "gửi ... cho Sở Ngoại vụ"
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "agency": self.agency,
            "supporting": list(self.supporting),
            "text": self.text,
            "deadlines": [d.to_dict() for d in self.deadlines],
        }


@dataclass
class ParsedProvision:
    ref: str
    title: str
    text: str = ""


@dataclass
class ParsedPlan:
    title: str | None = None
    number: str | None = None
    issuer: str | None = None
    period: tuple[date, date] | None = None
    signed: date | None = None  # the date under the header ("Khánh Hòa, ngày 31 tháng 3 năm 2017")
    tasks: list[ParsedTask] = field(default_factory=list)
    provisions: list[ParsedProvision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # closing paragraphs: not tasks, kept for the reader
    coordinator: str | None = None  # the agency matters go "thông qua" (through), else the first lead
    has_section: bool = False  # a "Tổ chức thực hiện" section was found
    task_tables: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``obligations plan parse --json``."""
        period = None
        if self.period is not None:
            period = {"start": self.period[0].isoformat(), "end": self.period[1].isoformat()}
        return {
            "title": self.title,
            "number": self.number,
            "issuer": self.issuer,
            "period": period,
            "tasks": [t.to_dict() for t in self.tasks],
        }


def read_plan(path: Path) -> ParsedPlan:
    """Read and parse a plan document; DocumentError (or PlanError) with a message for the user."""
    path = Path(path)
    plan = parse_blocks(read_document(path))
    check_plan(plan, str(path))
    return plan


def check_plan(plan: ParsedPlan, name: str) -> None:
    if plan.tasks:
        return
    if plan.has_section:
        raise PlanError(
            f"{name}: có mục \"Tổ chức thực hiện\" nhưng không tìm thấy nhiệm vụ nào trong đó "
            "(cần các đề mục đánh số tên cơ quan, với các gạch đầu dòng \"-\" hoặc đoạn văn bên dưới)"
        )
    raise PlanError(
        f"{name}: không giống một kế hoạch: không có mục \"Tổ chức thực hiện\" và không có bảng nhiệm vụ "
        "(Phụ lục: STT / Nội dung nhiệm vụ / Cơ quan chủ trì / Cơ quan phối hợp / Thời gian hoàn thành); "
        "không có nhiệm vụ nào để nhập"
    )


def parse_text(text: str) -> ParsedPlan:
    return parse_blocks(blocks_from_text(text))


def parse_blocks(blocks: Iterable[Block]) -> ParsedPlan:
    """Everything the blocks say about the plan; never raises."""
    blocks = [b for b in blocks if normalize(b.text)]
    plan = ParsedPlan()
    _Header(plan, blocks).read()
    _Body(plan, blocks).read()
    plan.coordinator = _coordinator(plan)
    return plan


def _coordinator(plan: ParsedPlan) -> str | None:
    """The agency that follows the plan for the issuer: the one reports go "thông qua" (through), as in
    the closing formula "báo cáo Ủy ban nhân dân tỉnh thông qua Sở Ngoại vụ"; else the first lead."""
    for text in [*plan.notes, *(t.text for t in plan.tasks)]:
        norm = normalize(text)
        folded = fold(norm)
        for match in re.finditer(r"(?<![a-z])thong\s+qua\s+", folded):
            names = _agencies_at(norm, folded, match.end())
            if names and _is_named(names[0]):
                return names[0]
    for task in plan.tasks:
        if task.agency and not task.group:
            return task.agency
    return None


# --------------------------------------------------------------------------------------------------
# Agency names

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
    r"benh\s+vien|thu\s+truong|chu\s+tich|giam\s+doc|nha\s+xuat\s+ban)"
)
_HEAD_WORD = re.compile(rf"{_HEAD}(?![a-z0-9])")
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
    r"danh\s+gia|tiep\s+tuc|chuan\s+bi|tham\s+gia|tao\s+dieu\s+kien"
    r")(?![a-z0-9])"
)
_GROUP = re.compile(
    r"^(?:cac\s|thu\s+truong\s+cac\s|chu\s+tich\s+(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+cac\s|"
    r"(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+(?:cac|cap)\s|"
    r"(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+(?:huyen|quan|thi\s+xa|thanh\s+pho|xa)\s*(?:,|$))"
)
_GENERIC = re.compile(r"(?<![a-z])(?:lien\s+quan|cac\s+cap|cac\s+nganh)(?![a-z])")
_PREFIXES = re.compile(r"^(?:de\s+nghi|giao|yeu\s+cau|dong\s+chi)\s+")
_MAX_NAME_WORDS = 16


def is_group_name(name: str) -> bool:
    """"Các sở, ban, ngành; ...", "Ủy ban nhân dân các huyện, thị xã, thành phố": many agencies."""
    key = fold(normalize(name))
    return bool(_GROUP.match(key)) or ";" in key


def _starts_with_agency(folded: str, position: int = 0) -> bool:
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
            close = folded.find(")", position)
            if 0 < close - position <= 30 and close != -1:  # "(PACCOM)" belongs to the name
                position = close + 1
                continue
            return position, False
        if ch == ",":
            after = position + 1
            while after < length and folded[after] == " ":
                after += 1
            if _starts_with_agency(folded, after):
                return position, True
            if _VERB.match(folded, after) or words >= _MAX_NAME_WORDS:
                return position, False
            position = after
            continue
        if ch == " ":
            after = position + 1
            if folded.startswith("va ", after):
                if _starts_with_agency(folded, after + 3):
                    return position, True
                if _VERB.match(folded, after + 3):
                    return position, False
                position = after + 3
                words += 1
                continue
            if _VERB.match(folded, after) and words > 0:
                return position, False
            words += 1
            if words > _MAX_NAME_WORDS:
                return position, False
            position = after
            continue
        position += 1
    return position, False


def _agencies_at(norm: str, folded: str, start: int) -> list[str]:
    """The agency names listed from ``start`` ("Sở Tài chính, Sở Nội vụ và Ủy ban nhân dân tỉnh")."""
    return _agency_list(norm, folded, start)[0]


def _agency_list(norm: str, folded: str, start: int) -> tuple[list[str], int]:
    """The agency names listed from ``start``, and where the list ends."""
    names: list[str] = []
    position = end = start
    while position < len(folded) and _starts_with_agency(folded, position):
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
        names = _agencies_at(part, folded, start) if _starts_with_agency(folded, start) else []
        out.extend(names or [part])
    return out


def _is_specific(name: str) -> bool:
    """A named agency, not "các cơ quan, đơn vị liên quan" or "các ngành, các cấp"."""
    key = fold(name)
    return not key.startswith("cac ") and not _GENERIC.search(key) and len(key.split()) >= 2


def _is_named(name: str) -> bool:
    """An agency named in running text: specific, and written with a capital ("báo cáo Sở Tài chính"), which
    tells it from words that fold alike ("báo cáo sơ kết")."""
    return _is_specific(name) and name[:1].isupper() and not is_group_name(name)


def _lead_of(text: str) -> tuple[str | None, str | None, bool]:
    """The agency a heading or item starts with, and the task after it: (name, task text, heading only).

    "Sở Ngoại vụ" -> (name, None, True); "Sở Tài chính: bố trí ..." -> (name, "bố trí ...", False);
    "Sở Ngoại vụ chủ trì, phối hợp ..." -> (name, the whole text, False); a text that does not start
    with an agency -> (None, None, False).
    """
    norm = normalize(text)
    folded = fold(norm)
    prefix = _PREFIXES.match(folded)
    start = prefix.end() if prefix else 0
    if not _starts_with_agency(folded, start):
        return None, None, False
    colon = norm.find(":", start)
    if start < colon <= start + 300:
        head = norm[start:colon].strip()
        if head and _VERB.search(fold(head)) is None:
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


def _supporting_in(text: str) -> list[str]:
    """Agencies after "phối hợp (chặt chẽ) (với)": the named ones, not "các cơ quan liên quan"."""
    norm = normalize(text)
    folded = fold(norm)
    found: list[str] = []
    for match in re.finditer(r"(?<![a-z])phoi\s+hop(?:\s+chat\s+che)?(?:\s+(?:voi|cung))?\s+", folded):
        if folded.startswith("giua", match.end()):
            continue  # "cơ chế phối hợp giữa A với B": a mechanism, not a partner
        for name in _agencies_at(norm, folded, match.end()):
            if _is_named(name) and name not in found:
                found.append(name)
    return found


_REPORT = re.compile(r"(?<![a-z])(?:gui|nop|bao\s+cao)(?![a-z])")
_REPORT_TO = re.compile(r"(?<![a-z])(?:cho|ve|den|len|toi)\s+")


def _report_to_in(text: str) -> str | None:
    """The agency a result is sent to: "gửi ... cho Sở Ngoại vụ", "gửi về Sở Tài chính", "báo cáo Ủy ban
    nhân dân tỉnh"."""
    norm = normalize(text)
    folded = fold(norm)
    for verb in _REPORT.finditer(folded):
        window_end = min(len(folded), verb.end() + 220)
        clause = re.search(r"[;.](?:\s|$)", folded[verb.end() : window_end])
        if clause:
            window_end = verb.end() + clause.start()
        candidates = [verb.end() + 1] if folded.startswith("bao", verb.start()) else []
        candidates += [m.end() for m in _REPORT_TO.finditer(folded, verb.end(), window_end)]
        for position in sorted(candidates):
            if position < len(folded) and _starts_with_agency(folded, position):
                names = _agencies_at(norm, folded, position)
                if names and _is_named(names[0]):
                    return names[0]
    return None


# --------------------------------------------------------------------------------------------------
# The header


_NUMBER = re.compile(r"^so\s*[:.]?\s*(?P<number>[0-9][^\s,;]*[/\-][^\s,;]*)")
_SIGNED = re.compile(r",?\s*ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
_SIGNED_NUMERIC = re.compile(r",\s*ngay\s+(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_PERIOD = re.compile(
    r"(?:giai\s+doan|thoi\s+ky|tu\s+nam|nam)\s+(?P<a>(?:19|20)\d{2})\s*(?:-|\u2013|\u2014|den(?:\s+nam)?)\s*"
    r"(?P<b>(?:19|20)\d{2})(?![0-9])"
)
_YEAR_ONLY = re.compile(r"(?<!thang\s\d)(?<!thang\s\d\d)(?<![0-9/])\bnam\s+(?P<a>(?:19|20)\d{2})(?![0-9/\-])")
_NATIONAL = re.compile(r"^(?:cong\s+hoa\s+xa\s+hoi|doc\s+lap\s*-)")
_ISSUED = re.compile(r"(?<![a-z])ban\s+hanh\s+(?:ke\s+hoach)")


def _lines(block: Block) -> list[str]:
    parts = block.cells if block.is_row else (block.text,)
    return [normalize(line) for cell in parts for line in cell.split("\n") if normalize(line)]


class _Header:
    def __init__(self, plan: ParsedPlan, blocks: list[Block]) -> None:
        self.plan = plan
        head: list[str] = []
        for block in blocks[:40]:
            if _section_heading(normalize(block.text)) is not None:
                break
            head.extend(_lines(block))
        self.lines = head

    def read(self) -> None:
        plan = self.plan
        folded = [fold(line) for line in self.lines]
        for line, key in zip(self.lines, folded, strict=True):
            match = _NUMBER.match(key)
            if match and plan.number is None:
                plan.number = line[match.start("number") : match.end("number")].rstrip(".")
            if plan.signed is None and len(line) <= 120:
                signed = _SIGNED.search(key) or _SIGNED_NUMERIC.search(key)
                if signed and not key.startswith(("can cu", "thuc hien")):
                    day, month, year = (int(g) for g in signed.groups())
                    try:
                        plan.signed = date(year, month, day)
                    except ValueError:
                        pass
        intro = " ".join(line for line in self.lines if len(line) > 60 and not line.isupper())
        plan.title = self._title(folded, intro)
        plan.issuer = self._issuer(folded, intro)
        plan.period = self._period(plan.title or "", intro)

    def _title(self, folded: list[str], intro: str) -> str | None:
        for index, key in enumerate(folded):
            if key.strip(" .:") != "ke hoach":
                continue
            parts = []
            for line in self.lines[index + 1 : index + 5]:
                lkey = fold(line)
                if len(line) > 250 or re.fullmatch(r"[-_*=.\s]+", line) or lkey.startswith(("can cu", "kinh gui")):
                    break
                parts.append(line)
            if not parts:
                continue
            subtitle = " ".join(parts)
            title = f"{self.lines[index].strip(' .:')} {subtitle}"
            # The intro usually repeats the title in sentence case ("... ban hành Kế hoạch triển khai ...").
            wanted = fold(f"ke hoach {subtitle}")
            where = fold(intro).find(wanted)
            if where >= 0:
                return intro[where : where + len(wanted)]
            if subtitle.isupper():
                return title
            return f"Kế hoạch {subtitle[0].lower()}{subtitle[1:]}"
        for line, key in zip(self.lines[:12], folded[:12], strict=False):
            if key.startswith("ke hoach ") and len(line) <= 300:
                return line
        return None

    def _issuer(self, folded: list[str], intro: str) -> str | None:
        """The issuing body: the header's "ỦY BAN NHÂN DÂN / TỈNH KHÁNH HÒA" (in the intro's casing when the
        intro repeats it), else the body that "ban hành Kế hoạch" in the intro."""
        header = self._header_issuer(folded)
        key = fold(intro)
        if header:
            where = key.find(fold(header))
            return intro[where : where + len(header)] if where >= 0 else header
        issued = _ISSUED.search(key)
        if issued:
            before = intro[: issued.start()].rstrip()
            cut = max(before.rfind(","), before.rfind(";"), before.rfind("."))
            name = re.sub(r"(?:\s+(?:đã|vừa|sẽ|chính thức))+$", "", before[cut + 1 :].strip())
            if name and _starts_with_agency(fold(name)) and len(name.split()) <= 15:
                return name
        return None

    def _header_issuer(self, folded: list[str]) -> str | None:
        """The block above "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM": "ỦY BAN NHÂN DÂN / TỈNH KHÁNH HÒA"."""
        parts: list[str] = []
        for line, lkey in zip(self.lines[:10], folded[:10], strict=False):
            if _NATIONAL.match(lkey) or _NUMBER.match(lkey) or re.fullmatch(r"[-_*=.\s]+", line):
                if parts:
                    break
                continue
            if lkey.strip(" .:") == "ke hoach":
                break
            if line.isupper() and len(line) <= 80:
                parts.append(line)
            elif parts:
                break
        if parts and _starts_with_agency(fold(parts[0])):
            return " ".join(parts)
        return None

    @staticmethod
    def _period(title: str, intro: str) -> tuple[date, date] | None:
        for text in (title, intro):
            key = fold(normalize(text))
            match = _PERIOD.search(key)
            if match:
                a, b = int(match.group("a")), int(match.group("b"))
                if a <= b:
                    return date(a, 1, 1), date(b, 12, 31)
        single = _YEAR_ONLY.search(fold(normalize(title)))
        if single:
            year = int(single.group("a"))
            return date(year, 1, 1), date(year, 12, 31)
        return None


# --------------------------------------------------------------------------------------------------
# The body


_SECTION = re.compile(r"^(?:(?:phan|muc|chuong)\s+)?(?P<roman>[ivxl]{1,6})\s*[.\-:/)]\s*(?P<title>\S.*)$")
_NUMBERED = re.compile(r"^(?P<label>\d{1,2})\s*[.)/]\s*(?P<rest>\S.*)$")
_SUBNUMBERED = re.compile(r"^(?P<label>\d{1,2}(?:\.\d{1,2})+)\.?\)?\s+(?P<rest>\S.*)$")
_LETTERED = re.compile(r"^(?P<label>[a-zđ])\s*[).]\s+(?P<rest>\S.*)$")
_BULLET = re.compile(r"^[-\u2010-\u2015\u2022\u2023\u25cf\u25e6\u2043\u2219+*\u00b7\uf0b7\uf0a7]\s*(?P<rest>\S.*)$")
_TCTH = "to chuc thuc hien"
_APPENDIX = re.compile(r"^phu\s+luc(?:\s+(?:so\s+)?(?P<label>[ivx]+|\d+|[a-z]))?(?![a-z0-9])")
_END_OF_TEXT = re.compile(r"^(?:noi\s+nhan|tm\.?\s|kt\.?\s|chu\s+tich$|tm\s*\.|kt\s*\.)")
_CLOSING = re.compile(
    r"(?:\./\.\s*$|/\.\s*$|^tren\s+co\s+so\s+(?:nhiem\s+vu|noi\s+dung)|^trong\s+qua\s+trinh\s+(?:to\s+chuc\s+)?"
    r"thuc\s+hien|vuong\s+mac)"
)


def _section_heading(norm: str) -> tuple[str, str] | None:
    """("III", "Tổ chức thực hiện") for a heading numbered with a Roman numeral, in capitals."""
    match = _SECTION.match(fold(norm))
    if not match or len(norm) > 250:
        return None
    roman = norm[match.start("roman") : match.end("roman")]
    if not roman.isupper():
        return None  # "i) ..." is an item, not a section
    return roman, norm[match.start("title") :].strip()


def _is_tcth(norm: str) -> tuple[str | None, bool]:
    """Whether a block opens the "Tổ chức thực hiện" section, and the label it is numbered with."""
    section = _section_heading(norm)
    if section is not None:
        return section[0], fold(section[1]).strip(" .:").startswith(_TCTH)
    key = fold(norm).strip(" .:")
    numbered = re.match(r"^(?P<label>\d{1,2})\s*[.)]\s*(?P<rest>.*)$", key)
    if numbered and numbered.group("rest").strip(" .:").startswith(_TCTH) and len(key) < 60:
        return numbered.group("label"), True
    return None, key == _TCTH


@dataclass
class _Item:
    kind: str  # number, sub, letter, bullet, prose
    label: str
    text: str
    line: int


def _item(block: Block) -> _Item:
    norm = normalize(block.text)
    for kind, pattern in (("sub", _SUBNUMBERED), ("number", _NUMBERED), ("letter", _LETTERED), ("bullet", _BULLET)):
        match = pattern.match(norm)
        if match:
            label = match.groupdict().get("label") or ""
            return _Item(kind, label, match.group("rest").strip(), block.line)
    return _Item("prose", "", norm, block.line)


@dataclass
class _Heading:
    label: str
    agency: str | None
    title: str
    group: bool = False
    count: int = 0
    has_items: bool = False


class _Body:
    def __init__(self, plan: ParsedPlan, blocks: list[Block]) -> None:
        self.plan = plan
        self.blocks = blocks
        self.period_end = plan.period[1] if plan.period else None
        self.refs: set[str] = set()

    def read(self) -> None:
        section: str | None = None  # the ref of the "Tổ chức thực hiện" section while inside it
        section_blocks: list[Block] = []
        appendix: str | None = None
        appendices = 0
        index = 0
        blocks = self.blocks
        while index < len(blocks):
            block = blocks[index]
            if block.is_row:
                table = [block]
                while index + 1 < len(blocks) and blocks[index + 1].is_row and blocks[index + 1].table == block.table:
                    index += 1
                    table.append(blocks[index])
                prefix = appendix or (section if section else f"B{block.table}")
                self._table(table, prefix)
                index += 1
                continue
            norm = normalize(block.text)
            key = fold(norm)
            label, opens = _is_tcth(norm)
            appendix_match = _APPENDIX.match(key)
            if opens:
                if section is not None:
                    self._section(section, section_blocks)
                section, section_blocks = (label.upper() if label else "TCTH"), []
                self.plan.has_section = True
            elif section is not None and (
                _section_heading(norm) is not None or appendix_match or _END_OF_TEXT.match(key)
            ):
                self._section(section, section_blocks)
                section, section_blocks = None, []
            elif section is not None:
                section_blocks.append(block)
            if appendix_match and len(norm) < 200:
                appendices += 1
                found = appendix_match.group("label")
                appendix = f"PL{(found.upper().lstrip('0') or '0') if found else appendices}"
            index += 1
        if section is not None:
            self._section(section, section_blocks)

    # --------------------------------------------------------------------------- the section

    def _unique(self, ref: str) -> str:
        ref = re.sub(r"\s+", "", ref)
        candidate, n = ref, 1
        while candidate in self.refs:
            n += 1
            candidate = f"{ref}-{n}"
        self.refs.add(candidate)
        return candidate

    def _section(self, section: str, blocks: list[Block]) -> None:
        items = [_item(b) for b in blocks if not b.is_row]
        heading: _Heading | None = None
        sub_agency: tuple[str, bool] | None = None  # a lettered sub-heading naming an agency
        loose = 0  # tasks before the first heading
        for item in items:
            if item.kind == "number":
                agency, task, _ = _lead_of(item.text)
                heading = _Heading(label=item.label, agency=agency, title=agency or item.text.rstrip(" :"),
                                   group=bool(agency) and is_group_name(agency))
                sub_agency = None
                self.plan.provisions.append(ParsedProvision(ref=f"{section}.{item.label}", title=heading.title,
                                                            text=item.text))
                if task:
                    self._task(section, heading, task, item.line, agency, heading.group)
                elif agency is None and (len(item.text) > 80 or item.text.rstrip().endswith(".")):
                    # A sentence, not a title like "Nhiệm vụ chung": a task whose lead the plan does not name.
                    self._task(section, heading, item.text, item.line, None, False)
                continue
            if item.kind in ("letter", "sub"):
                agency, task, heading_only = _lead_of(item.text)
                if agency and heading_only:
                    sub_agency = (agency, is_group_name(agency))
                    continue
                if heading is None:
                    loose += 1
                lead, group = (agency, is_group_name(agency)) if agency else (sub_agency or self._heading_lead(heading))
                self._task(section, heading, task or item.text, item.line, lead, group, loose=loose)
                if heading is not None:
                    heading.has_items = True
                continue
            if item.kind == "bullet":
                agency, task, heading_only = _lead_of(item.text)
                if agency and heading_only and item.text.rstrip().endswith(":"):
                    sub_agency = (agency, is_group_name(agency))  # "- Sở Y tế:" over "+ ..." items
                    continue
                if heading is None:
                    loose += 1
                if agency and task:
                    lead, group = agency, is_group_name(agency)
                else:
                    lead, group = sub_agency or self._heading_lead(heading)
                    task = item.text
                self._task(section, heading, task, item.line, lead, group, loose=loose)
                if heading is not None:
                    heading.has_items = True
                continue
            # Prose.
            key = fold(item.text)
            if _CLOSING.search(key) and (heading is None or heading.count > 0):
                self.plan.notes.append(item.text)
                continue
            if item.text.rstrip().endswith(":") and (heading is None or not heading.has_items):
                if heading is not None:  # the heading's introduction: part of its provision
                    self.plan.provisions[-1].text += "\n" + item.text
                continue
            if heading is None:
                agency, task, heading_only = _lead_of(item.text)
                if agency is None or heading_only:
                    continue  # an introduction to the section
                loose += 1
                self._task(section, None, task or item.text, item.line, agency, is_group_name(agency), loose=loose)
                continue
            self._task(section, heading, item.text, item.line, *(sub_agency or self._heading_lead(heading)))

    @staticmethod
    def _heading_lead(heading: _Heading | None) -> tuple[str | None, bool]:
        if heading is None:
            return None, False
        return heading.agency, heading.group

    def _task(
        self,
        section: str,
        heading: _Heading | None,
        text: str,
        line: int,
        lead: str | None,
        group: bool,
        *,
        loose: int = 0,
    ) -> None:
        text = normalize(text)
        if not text:
            return
        if heading is not None:
            heading.count += 1
            ref = f"{section}.{heading.label}.{heading.count}"
            provision = f"{section}.{heading.label}"
        else:
            ref = f"{section}.{loose}"
            provision = section
        supporting = [s for s in _supporting_in(text) if s != lead]
        if lead and not group:
            names = split_agencies(lead)
            if len(names) > 1:  # "Sở Tài chính, Sở Nội vụ": the first leads, the others support
                lead = names[0]
                joint = [n for n in names[1:] if n not in supporting and _is_specific(n)]
                supporting = joint + supporting
        report_to = _report_to_in(text)
        if report_to == lead:
            report_to = None
        self.plan.tasks.append(
            ParsedTask(
                ref=self._unique(ref),
                agency=lead,
                supporting=supporting,
                text=text,
                deadlines=find_deadlines(text, period_end=self.period_end),
                provision=provision,
                group=group,
                report_to=report_to,
                line=line,
            )
        )

    # ------------------------------------------------------------------------------------ tables

    def _table(self, rows: list[Block], prefix: str) -> None:
        columns, first = _table_columns(rows)
        if columns is None:
            return
        self.plan.task_tables += 1
        group_label: str | None = None
        last_lead: str | None = None
        counter = 0
        for row in rows[first:]:
            cells = [normalize(c) for c in row.cells]

            def cell(name: str, cells: list[str] = cells) -> str:
                position = columns.get(name)
                return cells[position] if position is not None and position < len(cells) else ""

            text, lead = cell("text"), cell("lead")
            filled = [c for c in cells if c]
            if not filled:
                continue
            ref_cell = cell("ref").rstrip(".")
            if _column_of(ref_cell) == "ref" or all(re.fullmatch(r"\(?\d{1,2}\)?", c) for c in filled):
                continue  # the header again (on a new page), or the row that numbers the columns "(1) (2) ..."
            if not lead and not cell("deadline") and (not text or len(set(filled)) == 1 or _is_section_label(ref_cell)):
                # A group row spanning the table ("I | Nhiệm vụ chung") or a repeated header.
                title = text or filled[-1]
                label = ref_cell if _is_section_label(ref_cell) else (_label_in(title) or str(len(self.refs) + 1))
                group_label = re.sub(r"\s+", "", label).upper()
                self.plan.provisions.append(
                    ParsedProvision(ref=f"{prefix}.{group_label}", title=title[:300], text=title)
                )
                continue
            if not text:
                continue
            counter += 1
            lead_names = split_agencies(lead) if lead else ([last_lead] if last_lead else [])
            last_lead = lead_names[0] if lead_names else last_lead
            supporting = [s for s in split_agencies(cell("supporting")) if _is_specific(s)]
            for extra in lead_names[1:]:
                if extra not in supporting:
                    supporting.append(extra)
            supporting = [s for s in supporting if s != (lead_names[0] if lead_names else None)]
            number = re.sub(r"\s+", "", ref_cell) or str(counter)
            base = f"{prefix}.{group_label}" if group_label else prefix
            deadlines = find_deadlines(cell("deadline"), table_cell=True, period_end=self.period_end)
            seen = {d.reading for d in deadlines}
            deadlines += [d for d in find_deadlines(text, period_end=self.period_end) if d.reading not in seen]
            product = cell("product")
            agency = lead_names[0] if lead_names else None
            self.plan.tasks.append(
                ParsedTask(
                    ref=self._unique(f"{base}.{number}"),
                    agency=agency,
                    supporting=supporting,
                    text=text + (f" (Sản phẩm: {product})" if product else ""),
                    deadlines=deadlines,
                    provision=base,
                    group=bool(agency) and is_group_name(agency),
                    report_to=_report_to_in(text),
                    line=row.line,
                )
            )


def _is_section_label(label: str) -> bool:
    return bool(re.fullmatch(r"[IVXL]{1,6}|[A-Z]", label.strip().rstrip(".")))


def _label_in(title: str) -> str | None:
    match = re.match(r"^([IVXL]{1,6}|[A-Z])\s*[.)]\s", title)
    return match.group(1) if match else None


def _column_of(header: str) -> str | None:
    key = fold(normalize(header))
    if not key:
        return None
    if "phoi hop" in key:
        return "supporting"
    if "chu tri" in key:
        return "lead"
    if re.fullmatch(r"(?:so\s*)?(?:stt|tt)\.?", key):
        return "ref"
    if re.search(r"thoi\s+(?:gian|han|diem)|tien\s+do|han\s+hoan\s+thanh", key):
        return "deadline"
    if re.search(r"noi\s+dung|nhiem\s+vu|cong\s+viec|hoat\s+dong|^ten\s", key):
        return "text"
    if re.search(r"(?:co\s+quan|don\s+vi)(?:\s+thuc\s+hien)?|trach\s+nhiem", key):
        return "lead"
    if re.search(r"san\s+pham|ket\s+qua", key):
        return "product"
    return None


def _table_columns(rows: list[Block]) -> tuple[dict[str, int] | None, int]:
    """The columns of a task table (name -> position) and the first data row; (None, 0) for other tables."""
    for index, row in enumerate(rows[:3]):
        headers = list(row.cells)
        following = rows[index + 1].cells if index + 1 < len(rows) else ()
        # A header on two rows: "Cơ quan thực hiện" over "Chủ trì" | "Phối hợp".
        second = [fold(normalize(c)) for c in following]
        two_rows = any(("chu tri" in c or "phoi hop" in c) for c in second) and not re.fullmatch(
            r"\d+\.?", second[0] if second else ""
        )
        if two_rows:
            headers = [
                normalize(f"{a} {b}") if normalize(a) != normalize(b) else normalize(a)
                for a, b in zip(headers, list(following) + [""] * (len(headers) - len(following)), strict=False)
            ]
        columns: dict[str, int] = {}
        for position, header in enumerate(headers):
            name = _column_of(header)
            if name and name not in columns:
                columns[name] = position
        if "text" in columns and ("lead" in columns or "deadline" in columns):
            return columns, index + (2 if two_rows else 1)
    return None, 0
