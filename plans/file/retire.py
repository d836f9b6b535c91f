"""Retiring what was loaded, and bringing it back: ``active:`` in the coordinator's file, and
``obligations plan retire``.

Retiring an obligation stops it where it stands. Its open occurrences (on track, due soon, overdue,
today's included) become ``withdrawn`` with no next action, so the sweep passes them by; their messages
not yet sent are cancelled; and the sweep expands no new period of an inactive obligation. Submitted and
settled occurrences keep their status: they are the record of work done.

Bringing an obligation back reopens its withdrawn occurrences whose deadline is still ahead, for the next
sweep to take up (their ladder resumes from where it stood), and has the sweep expand it again from the
day of the re-activation: periods that fell due while it was retired are not owed.

Each change writes to the audit log who did it, when, to what, and how many occurrences it withdrew or
reopened: one row for a whole plan, else one row an obligation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlmodel import Session

from obligations.models.outbox import NotificationStatus
from obligations.models.tables import AuditLog, Notification, Obligation, Occurrence, Plan
from obligations.plans.file.plan_rows import EXPAND_NOW
from obligations.plans.file.schema import PlanFile
from obligations.rules.status import OPEN, Status

__all__ = ["Activity", "RetireError", "apply_file_activity", "reactivate", "retire", "retire_target"]

_CHUNK = 500
_OPEN = sorted(s.value for s in OPEN)
CANCELLED_BECAUSE = "cancelled: its task or plan was retired"


class RetireError(ValueError):
    """A plan or obligation that is not there to retire."""


@dataclass
class Activity:
    """What a retirement or a re-activation changed."""

    retired: list[str] = field(default_factory=list)  # obligation refs
    reactivated: list[str] = field(default_factory=list)
    withdrawn: int = 0  # occurrences
    cancelled: int = 0  # outbox rows
    reopened: int = 0  # occurrences

    def __bool__(self) -> bool:
        return bool(self.retired or self.reactivated)

    def add(self, other: Activity) -> None:
        self.retired += other.retired
        self.reactivated += other.reactivated
        self.withdrawn += other.withdrawn
        self.cancelled += other.cancelled
        self.reopened += other.reopened

    def lines(self) -> list[str]:
        lines = []
        if self.retired:
            lines.append(f"Ngừng theo dõi {len(self.retired)} nhiệm vụ: rút {self.withdrawn} kỳ đang mở, hủy "
                         f"{self.cancelled} tin nhắn chưa gửi.")
        if self.reactivated:
            lines.append(f"Theo dõi lại {len(self.reactivated)} nhiệm vụ: mở lại {self.reopened} kỳ chưa đến hạn; "
                         "lần quét tới tạo các kỳ tiếp theo.")
        return lines


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    values = list(values)
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _withdraw(session: Session, obligation_ids: list[int]) -> tuple[Counter, Counter]:
    """Withdraw the open occurrences of ``obligation_ids`` and cancel their unsent messages; the counts of
    both, by obligation id."""
    withdrawn: Counter = Counter()
    cancelled: Counter = Counter()
    for chunk in _chunks(obligation_ids):
        opened = (Occurrence.obligation_id.in_(chunk), Occurrence.status.in_(_OPEN))
        pending = (
            select(Occurrence.obligation_id, func.count())
            .join(Notification, Notification.occurrence_id == Occurrence.id)
            .where(*opened, Notification.status == NotificationStatus.PENDING)
            .group_by(Occurrence.obligation_id)
        )
        cancelled.update(dict(session.execute(pending).all()))
        session.execute(
            update(Notification)
            .where(Notification.occurrence_id.in_(select(Occurrence.id).where(*opened)),
                   Notification.status == NotificationStatus.PENDING)
            .values(status=NotificationStatus.CANCELLED, last_error=CANCELLED_BECAUSE)
            .execution_options(synchronize_session=False)
        )
        counts = select(Occurrence.obligation_id, func.count()).where(*opened).group_by(Occurrence.obligation_id)
        withdrawn.update(dict(session.execute(counts).all()))
        session.execute(
            update(Occurrence).where(*opened).values(status=Status.WITHDRAWN.value, next_action_at=None)
            .execution_options(synchronize_session=False)
        )
    return withdrawn, cancelled


def _reopen(session: Session, obligation_ids: list[int], as_of: datetime) -> Counter:
    """Reopen the withdrawn occurrences of ``obligation_ids`` still ahead of their deadline; counts by obligation."""
    reopened: Counter = Counter()
    for chunk in _chunks(obligation_ids):
        ahead = (Occurrence.obligation_id.in_(chunk), Occurrence.status == Status.WITHDRAWN.value,
                 Occurrence.effective_deadline > as_of)
        counts = select(Occurrence.obligation_id, func.count()).where(*ahead).group_by(Occurrence.obligation_id)
        reopened.update(dict(session.execute(counts).all()))
        # The sweep at ``as_of`` sets the status the moment calls for and sends the step due now, if any.
        session.execute(
            update(Occurrence).where(*ahead).values(status=Status.ON_TRACK.value, next_action_at=as_of)
            .execution_options(synchronize_session=False)
        )
    return reopened


def _audit(session: Session, plan: Plan, obligations: list[Obligation], action: str, counts: dict[str, Counter],
           *, as_of: datetime, actor: str, source: str | None, whole_plan: bool) -> None:
    base = {"plan": plan.code} | ({"source": source} if source else {})
    if whole_plan:
        details = base | {"obligations": len(obligations)}
        details |= {name: sum(c.values()) for name, c in counts.items()}
        session.add(AuditLog(at=as_of, actor=actor, action=action, entity="plan", entity_id=plan.id, details=details))
        return
    for o in obligations:
        details = base | {"ref": o.ref} | {name: c.get(o.id, 0) for name, c in counts.items()}
        session.add(AuditLog(at=as_of, actor=actor, action=action, entity="obligation", entity_id=o.id,
                             details=details))


def retire(session: Session, plan: Plan, obligations: list[Obligation], *, as_of: datetime, actor: str,
           source: str | None = None, whole_plan: bool = False) -> Activity:
    """Retire the active ones of ``obligations`` (of ``plan``), in the caller's transaction."""
    targets = [o for o in obligations if o.active]
    if not targets:
        return Activity()
    for o in targets:
        o.active = False
        session.add(o)
    session.flush()
    withdrawn, cancelled = _withdraw(session, [o.id for o in targets])
    counts = {"occurrences_withdrawn": withdrawn, "notifications_cancelled": cancelled}
    _audit(session, plan, targets, "retire", counts, as_of=as_of, actor=actor, source=source, whole_plan=whole_plan)
    return Activity(retired=[o.ref for o in targets], withdrawn=sum(withdrawn.values()),
                    cancelled=sum(cancelled.values()))


def reactivate(session: Session, plan: Plan, obligations: list[Obligation], *, as_of: datetime, actor: str,
               source: str | None = None, whole_plan: bool = False) -> Activity:
    """Bring back the inactive ones of ``obligations`` (of ``plan``), in the caller's transaction."""
    targets = [o for o in obligations if not o.active]
    if not targets:
        return Activity()
    day = as_of.astimezone(ZoneInfo(plan.zone)).date()
    for o in targets:
        o.active = True
        # Expanded from the day it comes back: the periods due while it was retired are not owed now.
        o.expanded_through = day if o.expanded_through is None else max(o.expanded_through, day)
        o.next_expand_at = EXPAND_NOW
        session.add(o)
    session.flush()
    reopened = _reopen(session, [o.id for o in targets], as_of)
    _audit(session, plan, targets, "reactivate", {"occurrences_reopened": reopened}, as_of=as_of, actor=actor,
           source=source, whole_plan=whole_plan)
    return Activity(reactivated=[o.ref for o in targets], reopened=sum(reopened.values()))


def apply_file_activity(session: Session, plan: Plan, plan_file: PlanFile, *, as_of: datetime, actor: str,
                        source: str) -> Activity:
    """What the file's ``active:`` keys ask of the plan's obligations, done.

    A key left out leaves the stored state alone (a reload never revives what was retired); ``false`` on
    the plan retires all its obligations, listed or not; ``true`` on the plan brings back all of them but
    those the file itself sets to ``false``.
    """
    plan_says = plan_file.plan.active if "active" in plan_file.plan.model_fields_set else None
    own = {spec.ref: spec.active for spec in plan_file.obligations if "active" in spec.model_fields_set}
    rows = list(session.scalars(select(Obligation).where(Obligation.plan_id == plan.id).order_by(Obligation.id)))
    to_retire, to_bring_back = [], []
    for row in rows:
        mine = own.get(row.ref)
        if plan_says is False or mine is False:
            to_retire.append(row)
        elif plan_says is True or mine is True:
            to_bring_back.append(row)
    activity = retire(session, plan, to_retire, as_of=as_of, actor=actor, source=source,
                      whole_plan=plan_says is False)
    activity.add(reactivate(session, plan, to_bring_back, as_of=as_of, actor=actor, source=source,
                            whole_plan=plan_says is True))
    return activity


def retire_target(session: Session, code: str, refs: list[str] | None) -> tuple[Plan, list[Obligation]]:
    """The plan ``code`` and the obligations to retire: those of ``refs``, or all of them; RetireError if
    the plan or a ref is not stored."""
    plan = session.scalars(select(Plan).where(Plan.code == code)).first()
    if plan is None:
        known = sorted(session.scalars(select(Plan.code)))
        hint = f"; các mã đã có: {', '.join(known[:10])}" if known else ""
        raise RetireError(f"không có kế hoạch nào mang mã {code!r}{hint} (no such plan)")
    rows = list(session.scalars(select(Obligation).where(Obligation.plan_id == plan.id).order_by(Obligation.id)))
    if not refs:
        return plan, rows
    by_ref = {o.ref: o for o in rows}
    if missing := [r for r in dict.fromkeys(refs) if r not in by_ref]:
        raise RetireError(f"kế hoạch {code} không có nhiệm vụ {', '.join(missing)} (no such obligation)")
    return plan, [by_ref[r] for r in dict.fromkeys(refs)]
