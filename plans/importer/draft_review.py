"""What a draft tells its reviewer, beside the lines it is about: where each plan field came from and what
was guessed, how each deadline was read, and which stored agencies a group named by kind may hold.

The coordinator reviews what is marked "xem lại" (a guess) and can skip what the document stated. Pure:
the parsed plan and what is stored come in, comments and proposals go out (docs/plan-import.md).
"""

from __future__ import annotations

import re
from datetime import date

from obligations.plans.importer.agency_codes import KnownAgencies
from obligations.plans.importer.parsed import ParsedPlan
from obligations.plans.importer.phrases import Deadline
from obligations.plans.importer.subject import subject_source
from obligations.plans.importer.text import fold, match_key, normalize

__all__ = ["PlanNotes", "group_kinds", "propose_members", "reading"]

REVIEW = "xem lại: "  # the mark of a guess
_UNITS_VI = {"days": "ngày", "working_days": "ngày làm việc", "months": "tháng"}
_PERIOD_WORDS = re.compile(r"(?:giai doan|thoi ky|nam)\s+\d{4}(?:\s*[-–]\s*\d{4})?|\d{4}\s*[-–]\s*\d{4}")


class PlanNotes:
    """The comment beside each field of ``plan:``: its source in the document, or what was guessed."""

    def __init__(self, plan: ParsedPlan) -> None:
        self.plan = plan

    def code(self, given: bool) -> str:
        if given:
            return "theo --code"
        if self.plan.number:
            return f"từ số hiệu {self.plan.number}"
        return f"{REVIEW}đặt từ tiêu đề và năm; đổi trước khi nạp nếu muốn (đổi sau khi nạp là một kế hoạch mới)"

    def title(self) -> str:
        if self.plan.title:
            return subject_source(self.plan.title) or "từ tiêu đề văn bản"
        return f"{REVIEW}không thấy tiêu đề trong văn bản: ghi tên kế hoạch"

    def number(self) -> str:
        return f"từ dòng “Số: {self.plan.number}”"

    def issuer(self) -> str:
        return f"cơ quan ban hành, từ phần đầu văn bản: “{self.plan.issuer}”"

    def manager(self) -> str:
        return f"{REVIEW}đoán là cơ quan ban hành: nhận báo cáo tổng hợp, không nhận đôn đốc từng việc"

    def coordinator(self, texts: list[str]) -> str:
        name = self.plan.coordinator or ""
        said = f"thong qua {fold(normalize(name))}"
        if any(said in fold(normalize(text)) for text in texts):
            return f"từ văn bản: “báo cáo ... thông qua {name}”"
        return f"{REVIEW}đoán là cơ quan chủ trì đầu tiên ({name}); ghi cơ quan thường trực theo dõi kế hoạch"

    def period(self, start: date, end: date, guessed: bool) -> tuple[str, str]:
        """The comments beside ``start`` and ``end``."""
        signed = self.plan.signed
        if guessed:
            basis = "năm của các hạn trong văn bản" if start.year != end.year or not signed else "năm của văn bản"
            end_note = f"{REVIEW}văn bản không nêu thời gian thực hiện; đoán đến hết năm theo {basis}"
            if signed and start == signed:
                return f"từ dòng ngày tháng của văn bản ({signed:%d/%m/%Y})", end_note
            return f"{REVIEW}văn bản không nêu thời gian thực hiện; đoán từ {basis}", end_note
        source = self._period_source()
        if signed and start == signed:
            return f"từ dòng ngày tháng của văn bản ({signed:%d/%m/%Y})", source
        if signed and signed < start:
            return f"{source} (văn bản ký ngày {signed:%d/%m/%Y}, trước giai đoạn)", source
        return f"{source}; văn bản không ghi ngày ký", source

    def _period_source(self) -> str:
        title = normalize(self.plan.title or "")
        found = _PERIOD_WORDS.search(fold(title))
        if found:
            return f"từ tiêu đề: {title[found.start():found.end()]}"
        assert self.plan.period is not None
        first, last = self.plan.period
        return f"từ phần mở đầu văn bản: {first.year}-{last.year}"


def reading(deadline: Deadline | None) -> str:
    """The comment beside a schedule: the plan's words, how they were read, and what was guessed."""
    if deadline is None:
        return (f"{REVIEW}không thấy hạn: tạm đọc là thường xuyên, được hỏi trong báo cáo định kỳ của cơ quan "
                "chủ trì, hoặc thêm `checkin: quarterly`; ghi lịch nếu văn bản có hạn")
    words = f"“{deadline.phrase}”"
    if deadline.kind == "once":
        assert deadline.due is not None
        day = f"{deadline.due:%d/%m/%Y}"
        text = f"{words}: hạn hết ngày {day}" if deadline.inclusive else f"{words}: trước khi sang ngày {day}"
    elif deadline.kind == "recurring":
        when = "hết ngày đó" if deadline.inclusive else "trước ngày đó"
        text = f"{words}: {rule_words(deadline.rrule or '')}, {when}"
    elif deadline.kind == "cycle":
        text = f"{words}: theo các mốc của chu kỳ {deadline.cycle} (config/defaults.yaml, hoặc `cycles:` trong tệp)"
    elif deadline.kind == "relative":
        event = deadline.event or "sự kiện"
        text = (f"{words}: {deadline.count} {_UNITS_VI.get(deadline.unit or '', deadline.unit)} sau “{event}”; "
                "TODO: ghi anchor: YYYY-MM-DD, ngày của sự kiện (load từ chối khi chưa có)")
    else:
        text = f"{words}: thường xuyên"
    return f"{text}; {REVIEW}{deadline.inferred}" if deadline.inferred else text


_FREQUENCIES = {"YEARLY": "hàng năm", "MONTHLY": "hàng tháng", "WEEKLY": "hàng tuần", "DAILY": "hàng ngày"}
_WEEKDAYS = {"MO": "thứ Hai", "TU": "thứ Ba", "WE": "thứ Tư", "TH": "thứ Năm", "FR": "thứ Sáu", "SA": "thứ Bảy",
             "SU": "Chủ nhật"}


def rule_words(rule: str) -> str:
    """A recurrence rule as a coordinator reads it: "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1" -> "hàng năm,
    ngày cuối tháng 6 và tháng 12"; the rule itself when it says more than this knows how to put."""
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    frequency = _FREQUENCIES.get(parts.pop("FREQ", ""))
    interval = parts.pop("INTERVAL", "1")
    months, days, weekdays = parts.pop("BYMONTH", None), parts.pop("BYMONTHDAY", None), parts.pop("BYDAY", None)
    if frequency is None or parts or interval != "1" or (weekdays and (months or days)):
        return rule
    if weekdays:
        return f"{frequency}, {' và '.join(_WEEKDAYS.get(day, day) for day in weekdays.split(','))}"
    day_words = _listed("ngày cuối" if day == "-1" else f"ngày {day}" for day in (days or "").split(",") if day)
    if months:
        month_list = months.split(",")
        month_words = f"tháng {month_list[0]}" if len(month_list) == 1 else f"các tháng {_listed(month_list)}"
        return f"{frequency}, {day_words or 'trong'} {month_words}"
    return f"{frequency}, {day_words or 'trong kỳ'}" + (" tháng" if days == "-1" else "")


def _listed(items) -> str:
    """"a, b và c"."""
    items = list(items)
    return " và ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


# --------------------------------------------------------------------------------------------------
# A group named by kind, and the stored agencies of that kind


# (a kind of agency, its word in a group's name (folded), the match keys of the names of its agencies)
_KINDS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (label, re.compile(words), re.compile(names))
    for label, words, names in (
        ("sở", r"\bso\b", r"^so "),
        ("ban", r"(?<!uy )\bban\b", r"^ban "),
        ("ngành", r"\bnganh\b", r"^(?:thanh tra tinh|van phong uy ban nhan dan tinh|cong an tinh|bo chi huy|"
                                r"kho bac|cuc |ngan hang nha nuoc|dai phat thanh)"),
        ("đoàn thể", r"\bdoan the\b|\bchinh tri xa hoi\b|\bmat tran\b",
         r"^(?:uy ban mat tran|mat tran|tinh doan|doan thanh nien|hoi lien hiep phu nu|hoi nong dan|"
         r"hoi cuu chien binh|lien doan lao dong)"),
        ("trường đại học", r"\bdai hoc\b", r"^(?:truong )?dai hoc "),
        ("trường cao đẳng", r"\bcao dang\b", r"^(?:truong )?cao dang "),
        ("doanh nghiệp", r"\bdoanh nghiep\b", r"^(?:tong )?cong ty "),
    )
)
_UNITS = ("huyen", "quan", "thi xa", "thanh pho", "xa", "phuong", "thi tran")
_UNIT_LABELS = {"huyen": "huyện", "quan": "quận", "thi xa": "thị xã", "thanh pho": "thành phố", "xa": "xã",
                "phuong": "phường", "thi tran": "thị trấn"}
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
# "Ủy ban nhân dân các huyện, thị xã, thành phố": the committees, and the levels they are at.
_COMMITTEES = re.compile(rf"(?:uy ban nhan dan|ubnd)\s+(?:cac\s+)?((?:(?:{_UNIT})\b(?:\s*,\s*|\s+va\s+|\s*)?)+)")


def group_kinds(name: str) -> list[tuple[str, re.Pattern[str]]]:
    """The kinds of agency a group's name lists, each with the pattern its agencies' names match: "Các sở,
    ban, ngành; UBND các huyện, thị xã" -> sở, ban, ngành, UBND huyện, UBND thị xã."""
    key = fold(normalize(name))
    kinds: list[tuple[str, re.Pattern[str]]] = []
    rest = key
    for found in _COMMITTEES.finditer(key):
        for unit in re.findall(rf"\b(?:{_UNIT})\b", found.group(1)):
            label = f"UBND {_UNIT_LABELS[unit]}"
            if all(label != k for k, _ in kinds):
                kinds.append((label, re.compile(rf"^uy ban nhan dan {unit} ")))
        rest = rest.replace(found.group(0), " ; ")
    kinds[:0] = [(label, names) for label, words, names in _KINDS if words.search(rest)]
    return kinds


def _province(issuer: str | None) -> str | None:
    found = re.search(r"\b(?:tinh|thanh pho) ([a-z ]+)$", match_key(issuer or ""))
    return found.group(1) if found else None


def _of_the_province(code: str, known: KnownAgencies, province: str | None) -> bool:
    """Not a body of another province, nor one under a body that is not a people's committee (PACCOM, under
    the national union of friendship organisations)."""
    keys = [match_key(known.agencies[code])]
    parent = known.parents.get(code)
    if parent in known.agencies:
        parent_key = match_key(known.agencies[parent])
        if not parent_key.startswith("uy ban nhan dan"):
            return False
        keys.append(parent_key)
    if province is None:
        return True
    for key in keys:
        if province in key:
            continue
        if re.search(r"\btinh [a-z ]+$", key):  # "... tỉnh Phú Yên", "Tỉnh đoàn Phú Yên"
            return False
    return True


def propose_members(
    name: str, known: KnownAgencies, *, issuer: str | None, issuer_code: str | None, coordinator: str | None,
    drafted: dict[str, str] | None = None,
) -> tuple[list[str], list[str]]:
    """The agencies of the kinds a group's name lists, and the kinds' labels: the stored ones of its
    province, and ``drafted`` (code -> name: the agencies the draft adds under the issuer, those the plan
    names); the issuer and the coordinating agency (which compiles what the members report) are left out.

    So a plan loaded into an empty database still has its group's members (the Sở it names, for "các sở,
    ban, ngành"), marked for review, instead of a group nobody in it receives."""
    kinds = group_kinds(name)
    province = _province(issuer)
    candidates = {code: agency for code, agency in known.agencies.items() if _of_the_province(code, known, province)}
    candidates |= drafted or {}
    members: list[str] = []
    for _, names in kinds:
        found = [
            code for code, agency in candidates.items()
            if names.search(match_key(agency)) and code not in (issuer_code, coordinator) and code not in members
        ]
        members.extend(sorted(found, key=lambda c: match_key(candidates[c])))
    return members, [label for label, _ in kinds]
