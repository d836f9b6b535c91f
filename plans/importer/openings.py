"""Where the assignment of a directive's sentence starts, after what opens the sentence (docs/plan-import.md, "Tasks
in directives"), and who may assign.

A sentence that assigns often opens with something else: a connective ("Theo đó, ", "Cụ thể, ", "Về việc này, "), or
a clause that says on what ground, for what, or when ("Căn cứ Quy chế làm việc ..., ", "Để có cơ sở tổng hợp ...,
", "Thực hiện Công văn số ...; ", "Hằng năm, ", "Sau khi ban hành Kế hoạch, "). The one who assigns, or the agency
given the task, then follows one of the clause's commas; which one is found by trying each in turn.

A condition ("Nếu có khó khăn, vướng mắc, các đơn vị báo cáo ...") is the closing remark of a letter, not a task:
nothing after it is tried. Pure functions on normalised text and its fold (same offsets).
"""

from __future__ import annotations

import re

__all__ = ["assigner_at", "openings", "reported_at"]

# Connectives after which the sentence goes on: "Theo đó, Chủ tịch UBND tỉnh đề nghị ...", "Theo đó UBND tỉnh yêu
# cầu ..." (the comma left out). Folded.
_CONNECTIVE = re.compile(
    r"(?:(?:theo\s+do|dong\s+thoi|ben\s+canh\s+do|ngoai\s+ra|mat\s+khac|tren\s+co\s+so\s+(?:do|nay)|"
    r"sau\s+khi\s+xem\s+xet|can\s+cu\s+(?:noi\s+dung|y\s+kien(?:\s+chi\s+dao)?)\s+(?:nay|tren)|cu\s+the|trong\s+do|"
    r"cung\s+voi\s+do|ve\s+viec\s+nay|do\s+do|vi\s+vay|vi\s+the|sau\s+do|tiep\s+theo|them\s+vao\s+do)\s*,\s*"
    r"|theo\s+do\s+)"
)
# Words that open a clause ending at a comma: ground, purpose, time. Matched on the lower-case text with its accents,
# since the short ones fold like other words ("để" / "Đề án", "tại" / "Tài chính", "về" / "vệ sinh").
_OPENING = re.compile(
    r"(?:căn cứ|thực hiện|để|nhằm|trên cơ sở|sau khi|trước khi|khi|tại|theo|qua|trước (?:tình hình|thực tế|thực "
    r"trạng|diễn biến|yêu cầu)|về|đối với|xét thấy|h[ằà]ng (?:năm|quý|tháng|tuần|ngày)|định kỳ|trước ngày|chậm "
    r"nhất|ngày \d|trong (?:năm|tháng|quý|tuần|thời gian|giai đoạn|quá trình)|kể từ|phát biểu|kết luận|tiếp thu|"
    r"tiếp theo|sau|nhận được|cùng với|bên cạnh|từ (?:ngày|nay|năm))(?![^\W\d_])"
)
# A condition: what follows it is the closing remark ("Nếu có khó khăn, vướng mắc, ..."), not a task.
# On the lower-case text: "nếu" folds like "nêu" ("các nội dung nêu trên").
_CONDITION = re.compile(r"(?<![^\W\d_])(?:nếu|trường hợp)(?![^\W\d_])")
_MAX_COMMAS = 12
# Who may assign: "Chủ tịch UBND tỉnh", "Thủ tướng Chính phủ", "Chính phủ", "Lãnh đạo TP", "Bộ trưởng". Folded.
_ASSIGNER = re.compile(
    r"(?:pho\s+)?(?:thu\s+tuong|lanh\s+dao|thuong\s+truc|ban\s+thuong\s+vu|chu\s+tich|chinh\s+phu|bo\s+truong|bi\s+thu)"
    r"(?![a-z])"
)
# A person who assigns, named: "ông Hoan giao ...", "đồng chí Chủ tịch UBND tỉnh yêu cầu ...", "đồng chí cũng đề
# nghị ...". Matched on the normalised text: the name after "ông", "bà" has its capitals.
_PERSON = re.compile(r"(?:[ôÔ]ng|[bB]à)\s+(?=[A-ZÀ-Ỹ])|(?:[đĐ]ồng chí)(?![^\W\d_])")
# A report of an order, not the order: "UBND tỉnh vừa ban hành văn bản ... yêu cầu ...", "đã có công văn đề nghị".
_REPORTED = re.compile(r"(?:vua|moi|da)\s+(?:co|ban\s+hanh|ky|gui|phat\s+hanh)(?![a-z])")


def openings(norm: str, folded: str, start: int, end: int) -> list[int]:
    """Where the sentence between ``start`` and ``end`` may go on to assign: its start, after a connective, and
    after each comma or ";" of an opening clause, in order."""
    positions = [start]
    position = start
    connective = _CONNECTIVE.match(folded, start)
    if connective:
        position = connective.end()
        positions.append(position)
    if not (connective or _OPENING.match(norm[position : position + 30].lower())):
        return positions
    for count, mark in enumerate(re.finditer(r"[,;]\s+", norm[position:end])):
        after = position + mark.end()
        if count >= _MAX_COMMAS or _CONDITION.search(norm[start:after].lower()):
            break
        positions.append(after)
    return positions


def assigner_at(norm: str, folded: str, position: int) -> bool:
    """Whether one who may assign is named at ``position`` (a title, "Chính phủ", a person)."""
    return bool(_ASSIGNER.match(folded, position) or _PERSON.match(norm, position))


def reported_at(folded: str, position: int) -> bool:
    """Whether the words at ``position`` report an order given elsewhere ("vừa ban hành", "đã có")."""
    return bool(_REPORTED.match(folded, position))
