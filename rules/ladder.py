"""Reminder and escalation ladders, as escalation chains in the manner of Grafana OnCall.

A policy says who is told and when; the steps of one deadline are computed from the calendar. A
step falls due at the start of its working day, so that a sweep before the office opens writes it
and the dispatch sends it at the opening, the same day. The sweep asks :func:`catch_up` which step
to send now: only the latest one due, the others it records as skipped, so a sweep after downtime
does not flood anyone and nothing is sent twice.

A chain ends: its last step repeats at most ``max`` times (:data:`DEFAULT_MAX_REPEATS` unless the
policy says), and no step falls due after the plan's period plus the policy's ``grace`` working days
(:func:`chain_end`). Escalations are numbered 1, 2, 3 with no gap, repeats included, and the chain's
last one knows it is the last, so a message can say so.

The chain of command: per-item escalations go to the responsible agency (its focal point, its own
manager) and to the plan's coordinating agency, never above it; the leadership gets a periodic report.

A blocker (vướng mắc) pauses the escalation, not the reminders: escalation steps falling due after
it was raised wait while it is open, and once it is resolved they come as many working days after
the resolution as they were after the raising (:class:`Pause`), so the chain resumes from where it stood.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from obligations.rules.calendar import WorkCalendar
from obligations.rules.limits import MAX_REPEATS, MAX_WORKING_DAYS

ROLES: tuple[str, ...] = ("focal_point", "manager", "coordinator")
# The leadership above the coordinating agency: told by the periodic report, never item by item.
LEADERSHIP_ROLE = "plan_manager"
# A repeating last step without `max` repeats this many times, then the chain ends.
DEFAULT_MAX_REPEATS = 3
# Working days after the plan's last day during which its chains may still escalate.
DEFAULT_GRACE = 10
# A morning's due rows share a handful of deadlines, policies and last sweeps: the ladder's answers are
# computed once per distinct question (the arguments are immutable values), not once per row.
CACHED_ANSWERS = 8192


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class EscalationStep:
    after: int
    notify: str
    repeat: int | None = None
    max: int | None = None  # repeats of a repeating step; set (the default filled in) whenever it repeats


@dataclass(frozen=True)
class Policy:
    reminders: tuple[int, ...] = ()
    escalation: tuple[EscalationStep, ...] = ()
    grace: int = DEFAULT_GRACE

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        try:
            reminders = tuple(sorted({int(r["before"]) for r in data.get("reminders") or []}, reverse=True))
            escalation = tuple(
                EscalationStep(
                    int(e["after"]), str(e.get("notify", "focal_point")), e.get("repeat"),
                    e.get("max", DEFAULT_MAX_REPEATS) if e.get("repeat") else e.get("max"),
                )
                for e in data.get("escalation") or []
            )
            grace = data.get("grace", DEFAULT_GRACE)
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise PolicyError(f"malformed policy: {exc}") from exc
        policy = cls(reminders, tuple(sorted(escalation, key=lambda e: e.after)), grace)
        policy.check()
        return policy

    def check(self) -> None:
        """Refuse a policy the calendar cannot count: a stored one too (a row written by hand, or before
        the file had bounds), since a step a million working days away overflows every sweep."""
        if any(not 0 <= r <= MAX_WORKING_DAYS for r in self.reminders):
            raise PolicyError(f"reminders need `before` from 0 to {MAX_WORKING_DAYS} working days")
        for step in self.escalation:
            if not 1 <= step.after <= MAX_WORKING_DAYS:
                raise PolicyError(f"escalation steps need `after` from 1 to {MAX_WORKING_DAYS} working days")
            if step.notify == LEADERSHIP_ROLE:
                raise PolicyError(
                    "plan_manager receives the plan's periodic report, never per-item escalations: "
                    "end the chain with the coordinator"
                )
            if step.notify not in ROLES:
                raise PolicyError(f"unknown role {step.notify!r}; expected one of {', '.join(ROLES)}")
            if step.repeat is not None and (
                not isinstance(step.repeat, int)
                or isinstance(step.repeat, bool)
                or not 1 <= step.repeat <= MAX_WORKING_DAYS
            ):
                raise PolicyError(f"`repeat` must be a whole number of working days from 1 to {MAX_WORKING_DAYS}")
            if step.max is not None and (
                not step.repeat or not _whole(step.max) or not 1 <= step.max <= MAX_REPEATS
            ):
                raise PolicyError(f"`max` goes with `repeat`: a whole number of repeats from 1 to {MAX_REPEATS}")
        if any(s.repeat for s in self.escalation[:-1]):
            raise PolicyError("only the last escalation step may repeat")
        if not _whole(self.grace) or not 0 <= self.grace <= MAX_WORKING_DAYS:
            raise PolicyError(f"`grace` must be a whole number of working days from 0 to {MAX_WORKING_DAYS}")

    def to_dict(self) -> dict[str, Any]:
        escalation = []
        for step in self.escalation:
            item: dict[str, Any] = {"after": step.after, "notify": step.notify}
            if step.repeat:
                item["repeat"] = step.repeat
                item["max"] = step.max
            escalation.append(item)
        return {"reminders": [{"before": r} for r in self.reminders], "escalation": escalation,
                "grace": self.grace}


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Step:
    key: str  # unique within an occurrence: the deadline's last day and the step's name
    kind: str  # reminder | due_today | escalation
    due_at: datetime
    notify: str
    level: int  # 0 for reminders, 1.. for escalation steps (a repeat keeps its step's level)
    number: int = 0  # escalations counted 1, 2, 3 ... with no gap, repeats included; 0 for reminders
    last: bool = False  # the chain's last escalation: nothing follows it

    def message(self) -> dict[str, object]:
        """What a message about this step needs to know of it (an outbox row's payload)."""
        if self.kind != "escalation":
            return {"notify": self.notify}
        return {"notify": self.notify, "number": self.number, "last": self.last}


@dataclass(frozen=True)
class Pause:
    """A blocker's time: escalation steps due after ``start`` wait; ``end`` None while it is open."""

    start: datetime
    end: datetime | None = None


def _escalation_days(last: date, policy: Policy, calendar: WorkCalendar) -> list[tuple[str, date, EscalationStep, int]]:
    """(key suffix, day, step, level) of every escalation, repeats included, in order."""
    days = []
    for level, esc in enumerate(policy.escalation, start=1):
        days.append((f"escalation-{level}", calendar.add_working_days(last, esc.after), esc, level))
    if policy.escalation and policy.escalation[-1].repeat:
        esc = policy.escalation[-1]
        level = len(policy.escalation)
        day = days[-1][1]
        for round_ in range(1, (esc.max or DEFAULT_MAX_REPEATS) + 1):
            day = calendar.add_working_days(day, esc.repeat)
            days.append((f"escalation-{level}.{round_}", day, esc, level))
    return days


def _after_pauses(day: date, pauses: Sequence[Pause], calendar: WorkCalendar) -> date | None:
    """``day`` moved later by every pause that began before it; None while one of them is still open."""
    for pause in sorted(pauses, key=lambda p: p.start):
        if calendar.start_of_day(day) <= pause.start:
            continue
        if pause.end is None:
            return None
        length = calendar.working_days_between(calendar.local_date(pause.start), calendar.local_date(pause.end))
        day = calendar.add_working_days(day, max(length, 0))
    return day


def steps(deadline: datetime, policy: Policy, calendar: WorkCalendar, pauses: Sequence[Pause] = ()) -> Iterator[Step]:
    """Every step of one deadline in time order, the last one's repeats included.

    Escalations due after an open pause's start are left out: they do not exist until it ends.
    """
    last = calendar.last_day(deadline)
    tag = last.isoformat()
    for before in policy.reminders:
        day = calendar.add_working_days(calendar.previous_working_day(last), -before)
        kind = "due_today" if before == 0 else "reminder"
        yield Step(f"{tag}/reminder-{before}", kind, calendar.start_of_day(day), "focal_point", 0)
    escalations = _escalation_days(last, policy, calendar)
    for number, (name, day, esc, level) in enumerate(escalations, start=1):
        moved = _after_pauses(day, pauses, calendar) if pauses else day
        if moved is None:
            return
        yield Step(f"{tag}/{name}", "escalation", calendar.start_of_day(moved), esc.notify, level,
                   number=number, last=number == len(escalations))


@dataclass(frozen=True)
class CatchUp:
    send: Step | None
    skipped: tuple[Step, ...]
    next_step_at: datetime | None


@lru_cache(maxsize=CACHED_ANSWERS)
def chain_end(plan_end: date, policy: Policy, calendar: WorkCalendar) -> datetime:
    """The last moment a step of the plan's chains may fall due: the start of the ``grace``-th working
    day after the plan's last day (steps fall due at the start of their day)."""
    return calendar.start_of_day(calendar.add_working_days(plan_end, policy.grace))


def catch_up(
    deadline: datetime, policy: Policy, calendar: WorkCalendar, *, done_until: datetime | None, as_of: datetime,
    ends: datetime | None = None, pauses: Sequence[Pause] = (),
) -> CatchUp:
    """The step to send at ``as_of``: the latest one due since ``done_until``; earlier ones are skipped.

    Steps due at or before ``done_until`` were handled by an earlier sweep and are left alone. A new
    occurrence (``done_until`` None) gets the step due now, so one created inside its reminder window
    is still reminded. No step due after ``ends`` (:func:`chain_end`) is ever sent. While a pause is
    open, ``next_step_at`` is None once the reminders are done: resolving the blocker wakes the sweep.
    """
    return _catch_up(deadline, policy, calendar, done_until, as_of, ends, tuple(pauses))


@lru_cache(maxsize=CACHED_ANSWERS)
def _steps(deadline: datetime, policy: Policy, calendar: WorkCalendar, pauses: tuple[Pause, ...]) -> tuple[Step, ...]:
    return tuple(steps(deadline, policy, calendar, pauses))


@lru_cache(maxsize=CACHED_ANSWERS)
def _catch_up(deadline: datetime, policy: Policy, calendar: WorkCalendar, done_until: datetime | None,
              as_of: datetime, ends: datetime | None, pauses: tuple[Pause, ...]) -> CatchUp:
    due: list[Step] = []
    next_at = None
    for step in _steps(deadline, policy, calendar, pauses):
        if ends is not None and step.due_at > ends:
            break
        if step.due_at > as_of:
            next_at = step.due_at
            break
        if done_until is None or step.due_at > done_until:
            due.append(step)
    if not due:
        return CatchUp(None, (), next_at)
    return CatchUp(due[-1], tuple(due[:-1]), next_at)


def reminder_window_opens(deadline: datetime, policy: Policy, calendar: WorkCalendar) -> datetime:
    """When an open occurrence becomes "due soon": its first reminder, or the deadline without one."""
    if policy.reminders:
        return _steps(deadline, policy, calendar, ())[0].due_at
    return deadline
