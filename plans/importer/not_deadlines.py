"""Dates in official letters that are not deadlines, on folded text: the date of a document cited
("Công văn số 11034/VPCP-KGVX ngày 17/10/2017"), a data cut-off ("số liệu tính đến ngày 30/6", "chốt số
liệu đến ngày 31/12"), an event's date ("Hội nghị ... dự kiến tổ chức vào tháng 12"), a period's name
("tầm nhìn đến năm 2030"), a report's name ("báo cáo tháng 12 hàng năm") and a duty that is waived ("không
phải báo cáo định kỳ hàng tháng"). :mod:`~obligations.plans.importer.phrases` asks these before it reads a
date as a deadline.
"""

from __future__ import annotations

import re

__all__ = ["counts_reports", "cuts_off", "dates_data", "is_not_deadline", "negated_spans", "states_as_of"]

_B = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"

# A document's number just before the date: "số 1448/SNV-CCHC ngày", "(3585/VP-KTN, ngày", "04-CT/TW ngày".
_REFERENCE = re.compile(r"(?<![a-z0-9])[0-9]+[a-z0-9]*(?:[/\-][a-z0-9.\-]*[a-z][a-z0-9.\-]*)+\s*,?\s*(?:ngay\s*)?$")
# Words that date the data a report covers, not when it is sent.
_CUTOFF = re.compile(
    rf"{_B}(?:so\s+lieu|chot|thoi\s+diem\s+bao\s+cao|uoc\s+(?:tinh|thuc\s+hien)|tinh\s+(?:tu|den)|ky\s+bao\s+cao){_E}"
)
_WINDOW = re.compile(rf"{_B}(?:so\s+lieu|chot|tinh\s+(?:tu|den)){_E}")
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
# A target or a plan's horizon: "phấn đấu đến năm 2020 số xã đạt chuẩn ...", "mục tiêu ... vào năm 2030".
_TARGET = re.compile(rf"{_B}(?:phan\s+dau|muc\s+tieu|chi\s+tieu|tam\s+nhin|dinh\s+huong){_E}")
# A planned event's day: "Thời gian công bố kết quả thi dự kiến vào 8 giờ 00 ngày 17/7/2024".
_PLANNED = re.compile(rf"{_B}du\s+kien(?:\s+(?:se|duoc))*\s*$")
# The results or data a report covers, right before "đến (hết)": "báo cáo kết quả thực hiện (số liệu tính) đến ngày
# 24/4/2020", "cập nhật tình hình từ ngày 25/7/2020 đến 18h00 ngày 05/8/2020". A due word in between ends it.
_REPORTED = re.compile(rf"{_B}(?:ket\s+qua|tinh\s+hinh|so\s+lieu)(?P<rest>[^,;.]{{0,70}})$")
_DUE_WORD = re.compile(rf"{_B}(?:gui|goi|nop|truoc|cham\s+nhat|hoan\s+thanh|thoi\s+han|han\s+chot|xong){_E}")
# What was so on a day, not what is due by it: "đến ngày 02/01/2019 vẫn còn nhiều đơn vị chưa nộp", "đến 22.4 mới
# chỉ có Lào Cai ... thực hiện".
_AS_OF_STATE = re.compile(rf"\s*,?\s*(?:van|moi|da|chua|con){_E}")
# How many reports a year has, not when one is due: "hàng năm chỉ thực hiện 02 kỳ báo cáo".
_REPORT_COUNT = re.compile(
    rf"\s*,?\s*(?:chi\s+)?(?:thuc\s+hien|co|gom|lap)?\s*(?:[0-9]{{1,2}}|mot|hai|ba|bon)\s+(?:ky|lan|bao\s+cao)"
    rf"(?:\s+bao\s+cao)?{_E}"
)
# A duty waived: everything after it in the clause is not owed.
_NEGATION = re.compile(
    rf"{_B}(?:khong\s+(?:phai|can|yeu\s+cau|thuc\s+hien)|bai\s+bo|mien)\s+(?:thuc\s+hien\s+)?(?:che\s+do\s+)?"
    rf"(?:bao\s+cao|gui|goi|nop){_E}"
)


def is_not_deadline(folded: str, clause_start: int, start: int, marker: str | None, kind: str | None = None) -> bool:
    """Whether the date at ``start`` (its marker, if any, excluded) is one of the dates above.

    ``marker`` is the deadline word read before it ("trước", "đến", "vào"), or None; ``kind`` the kind of time
    expression ("year", "month", "dnum", ...)."""
    before = folded[clause_start:start]
    if _REFERENCE.search(before):
        return True
    if _is_target(before, marker, kind) or (marker in (None, "vao", "trong") and _PLANNED.search(before)):
        return True
    reported = _REPORTED.search(before) if marker in ("den", "den het") else None
    if reported is not None and not _DUE_WORD.search(reported.group("rest")):
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


def _is_target(before: str, marker: str | None, kind: str | None) -> bool:
    """"đến năm 2020" is a horizon, never a deadline (the plan's own period says when it ends); after "phấn đấu",
    "mục tiêu", any "đến", "vào", "trong" date is a target."""
    if marker == "den" and kind == "year":
        return True
    return marker in ("den", "den het", "vao", "trong") and _TARGET.search(before) is not None


def dates_data(folded: str, start: int, end: int) -> bool:
    """Whether the clause between ``start`` and ``end`` gives the window of a report's data ("Báo cáo định kỳ hằng
    năm: tính từ ngày 15 tháng 12 năm trước ..."): its rhythm words say which report, not when it is due."""
    return _WINDOW.search(folded, start, end) is not None


def states_as_of(folded: str, end: int) -> bool:
    """Whether the words after a date ending at ``end`` tell what was so by then ("... vẫn còn", "... mới có")."""
    return _AS_OF_STATE.match(folded, end) is not None


def counts_reports(folded: str, end: int) -> bool:
    """Whether the rhythm word ending at ``end`` is followed by a number of reports ("hàng năm chỉ thực hiện 02 kỳ
    báo cáo"): how many, not when."""
    return _REPORT_COUNT.match(folded, end) is not None
