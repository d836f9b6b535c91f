"""A plan loaded twice under two codes: refused, or with ``--update`` the stored one is updated.

The same plan loaded under another code would remind every task twice, so a file whose plan has the
number (số hiệu) or the title of a plan already stored under another code is refused, naming that plan
and what to do. With ``--update`` the file's plan code is mapped onto the stored plan's, and the load
updates it like any reload of the same code.

Numbers and titles are compared as a reader would: Unicode NFC, case and runs of spaces ignored (a number
also without its spaces: "377 /KH-UBND" is "377/KH-UBND"). The same title under two different numbers is
two documents ("Kế hoạch cải cách hành chính năm 2024" of two departments), not a twin. A retired plan
(every obligation inactive) is no twin: it sends nothing, so a corrected file may be loaded under a new
code beside it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from obligations.models.tables import Obligation, Plan
from obligations.plans.file.errors import FieldPath, FileError
from obligations.plans.file.schema import PlanFile

__all__ = ["Twin", "find_twins", "without_twins"]

_TITLE_SHOWN = 90


def _norm(text: str | None, *, spaces: bool = True) -> str | None:
    if not text:
        return None
    folded = unicodedata.normalize("NFC", text).casefold()
    key = " ".join(folded.split()) if spaces else "".join(folded.split())
    return key or None


def _keys(number: str | None, title: str | None) -> dict[str, str | None]:
    return {"number": _norm(number, spaces=False), "title": _norm(title)}


@dataclass(frozen=True)
class Twin:
    """A stored plan under another code, and what it shares with the file: ``number``, ``title`` or both."""

    code: str
    number: str | None
    title: str
    shared: tuple[str, ...]

    def describe(self) -> str:
        title = self.title if len(self.title) <= _TITLE_SHOWN else self.title[: _TITLE_SHOWN - 1].rstrip() + "…"
        number = f", số {self.number}" if self.number else ""
        return f"mã {self.code}{number}, “{title}”"


def find_twins(session: Session, plan_file: PlanFile) -> tuple[Plan | None, list[Twin]]:
    """The stored plan with the file's code (None: a new plan), and the other plans sharing its number or title.

    When the plan of the file's code already shares a value with another plan, that pair was there before
    this load (loaded before twins were refused): it is not held against the file.
    """
    spec = plan_file.plan
    wanted = _keys(spec.number, spec.title)
    plans = session.execute(select(Plan.id, Plan.code, Plan.number, Plan.title)).all()
    same_code = next((p for p in plans if p.code == spec.code), None)
    before = _keys(same_code.number, same_code.title) if same_code else {}
    candidates = []
    for p in plans:
        if p.code == spec.code:
            continue
        theirs = _keys(p.number, p.title)
        shared = tuple(k for k in ("number", "title") if wanted[k] and wanted[k] == theirs[k] != before.get(k))
        if shared == ("title",) and wanted["number"] and theirs["number"]:
            continue  # two numbers, two documents: a yearly plan's title is often the same as another's
        if shared:
            candidates.append((p, shared))
    retired = _retired({p.id for p, _ in candidates}, session)
    twins = [Twin(p.code, p.number, p.title, shared) for p, shared in candidates if p.id not in retired]
    target = session.get(Plan, same_code.id) if same_code else None
    return target, twins


def _retired(plan_ids: set[int], session: Session) -> set[int]:
    """Those of ``plan_ids`` that have obligations, none of them active."""
    if not plan_ids:
        return set()
    rows = session.execute(select(Obligation.plan_id, Obligation.active).where(Obligation.plan_id.in_(plan_ids)))
    with_any, with_active = set(), set()
    for plan_id, active in rows:
        with_any.add(plan_id)
        if active:
            with_active.add(plan_id)
    return with_any - with_active


def without_twins(session: Session, plan_file: PlanFile, *, update: bool) -> PlanFile:
    """``plan_file`` as it may be written: as given, or with ``update`` mapped onto its one twin's code.

    Raises FileError (nothing written yet) when the file would make a twin.
    """
    target, twins = find_twins(session, plan_file)
    if not twins:
        return plan_file
    if update and target is None and len(twins) == 1:
        mapped = plan_file.plan.model_copy(update={"code": twins[0].code})
        return plan_file.model_copy(update={"plan": mapped})
    raise FileError([_refusal(plan_file, twin, update=update, taken=target is not None, several=len(twins) > 1)
                     for twin in twins])


def _refusal(plan_file: PlanFile, twin: Twin, *, update: bool, taken: bool, several: bool) -> str:
    code = plan_file.plan.code
    what = {("number",): "cùng số hiệu", ("title",): "cùng tên", ("number", "title"): "cùng số hiệu và tên"}
    path: FieldPath = ("plan", twin.shared[0])
    said = (f"kế hoạch này đã được nạp dưới mã khác ({what[twin.shared]}): {twin.describe()}; nạp thêm sẽ tạo "
            "một kế hoạch trùng, mọi nhiệm vụ bị nhắc hai lần. ")
    if taken:
        todo = (f"Mã {code} cũng đã có trong cơ sở dữ liệu, nên không thể gộp: sửa số hiệu hoặc tên trong tệp "
                f"nếu đây là kế hoạch khác, hoặc ngừng theo dõi bản thừa (`obligations plan retire {twin.code}`)")
    elif several:
        todo = (f"Tệp trùng với nhiều kế hoạch nên --update không biết cập nhật kế hoạch nào: đặt `code: {twin.code}` "
                "trong tệp để cập nhật kế hoạch này")
    else:
        todo = (f"Để cập nhật kế hoạch đó, chạy lại với --update (hoặc đặt `code: {twin.code}` trong tệp); nếu đây "
                "là kế hoạch khác, sửa số hiệu hoặc tên")
    english = f" / a plan with this {' and '.join(twin.shared)} is already loaded as {twin.code}"
    if not (taken or several or update):
        english += ": use --update to update it"
    return plan_file.message(path, said + todo + english)
