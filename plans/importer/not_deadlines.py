"""Dates in official letters that are not deadlines, on folded text: the date of a document cited
("Công văn số 11034/VPCP-KGVX ngày 17/10/2017"), a data cut-off ("số liệu tính đến ngày 30/6", "chốt số
liệu đến ngày 31/12"), an event's date ("Hội nghị ... dự kiến tổ chức vào tháng 12"), a period's name
("tầm nhìn đến năm 2030"), a report's name ("báo cáo tháng 12 hàng năm") and a duty that is waived ("không
phải báo cáo định kỳ hàng tháng"). :mod:`~obligations.plans.importer.phrases` asks these before it reads a
date as a deadline.
"""

from __future__ import annotations

import re

__all__ = ["cuts_off", "is_not_deadline", "negated_spans"]

_B = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"

# A document's number just before the date: "số 1448/SNV-CCHC ngày", "(3585/VP-KTN, ngày", "04-CT/TW ngày".
_REFERENCE = re.compile(r"(?<![a-z0-9])[0-9]+[a-z0-9]*(?:[/\-][a-z0-9.\-]*[a-z][a-z0-9.\-]*)+\s*,?\s*(?:ngay\s*)?$")
# Words that date the data a report covers, not when it is sent.
_CUTOFF = re.compile(
    rf"{_B}(?:so\s+lieu|chot|thoi\s+diem\s+bao\s+cao|uoc\s+(?:tinh|thuc\s+hien)|tinh\s+(?:tu|den)|ky\s+bao\s+cao){_E}"
)
# Words that say what is due after a cut-off word: "Số liệu phải được gửi về Bộ Nội vụ trước 30/8".
_DUE = re.compile(rf"{_B}(?:gui|goi|nop|truoc|cham\s+nhat|hoan\s+thanh|thoi\s+han|han\s+chot){_E}")
# An event that takes place on the date, rather than work due by it.
_EVENT_NOUN = re.compile(
    rf"{_B}(?:hoi\s+nghi|dai\s+hoi|le|cuoc\s+hop|phien\s+hop|buoi\s+lam\s+viec|ky\s+hop|hoi\s+thao|toa\s+dam"
    rf"|hoi\s+thi|cuoc\s+thi|ngay\s+hoi|tiep\s+cong\s+dan|dot\s+kiem\s+tra){_E}"
)
_EVENT_VERB = re.compile(
    r"(?:to\s+chuc|dien\s+ra|khai\s+mac|hop|ket\s+thuc)\s*(?:vao\s*)?(?:(?:dau|giua|cuoi)\s*)?(?:luc\s+[0-9h\s]+,?\s*)?$"
)
# A period's name: "tầm nhìn đến năm 2030", "giai đoạn 2021 - 2025 đến năm 2030", "nhiệm kỳ 2021-2026".
_PERIOD = re.compile(rf"{_B}(?:tam\s+nhin|dinh\s+huong|giai\s+doan|nhiem\s+ky|chien\s+luoc|quy\s+hoach)[^;.]{{0,30}}$")
# A report named by its period: "báo cáo tháng 12", "báo cáo quý II/2026", "báo cáo năm 2020".
_REPORT_NAME = re.compile(rf"{_B}bao\s+cao(?:\s+(?:ket\s+qua|so\s+ket|tong\s+ket|dinh\s+ky))?\s*$")
# A duty waived: everything after it in the clause is not owed.
_NEGATION = re.compile(
    rf"{_B}(?:khong\s+(?:phai|can|yeu\s+cau|thuc\s+hien)|bai\s+bo|mien)\s+(?:thuc\s+hien\s+)?(?:che\s+do\s+)?"
    rf"(?:bao\s+cao|gui|goi|nop){_E}"
)


def is_not_deadline(folded: str, clause_start: int, start: int, marker: str | None) -> bool:
    """Whether the date at ``start`` (its marker, if any, excluded) is one of the dates above.

    ``marker`` is the deadline word read before it ("trước", "đến", "vào"), or None."""
    before = folded[clause_start:start]
    if _REFERENCE.search(before):
        return True
    if marker is None and _REPORT_NAME.search(before):
        return True
    cutoffs = list(_CUTOFF.finditer(before))
    as_of = marker is None or marker.split()[0] in ("den", "trong", "vao")  # "trước", "thời hạn": due words
    if cutoffs and as_of and not _DUE.search(before, cutoffs[-1].end()):
        return True
    if marker in (None, "vao", "trong") and _EVENT_NOUN.search(before) and _EVENT_VERB.search(before):
        return True
    return marker in ("den", "den het", "trong") and bool(_PERIOD.search(before[-40:]))


def cuts_off(folded: str, start: int, end: int) -> bool:
    """Whether the clause between ``start`` and ``end`` dates data ("Số liệu ... tính từ ngày 01/01")."""
    return _CUTOFF.search(folded, start, end) is not None


def negated_spans(folded: str, clause_ends: list[int]) -> list[tuple[int, int]]:
    """The spans, from a waiving word to its clause's end, that owe nothing."""
    spans = []
    for match in _NEGATION.finditer(folded):
        end = next((b for b in clause_ends if b > match.start()), len(folded))
        spans.append((match.start(), end))
    return spans
