"""The sweep: create the occurrences entering the horizon, then act on every occurrence that is due.

Both steps read only what is due, through indexed columns (``Obligation.next_expand_at``,
``Occurrence.next_action_at``), and write with insert-or-ignore on unique keys, so the cost follows
the work due and a sweep run twice, or by two workers at once, writes nothing twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine, Row
from sqlmodel import Session

from obligations.flows.runtime import Runtime
from obligations.models.contacts import Recipients, rows_for_role
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationStatus, for_occurrence, outbox_row
from obligations.models.queries import due_occurrences, group_members, insert_ignoring_duplicates, set_next_actions
from obligations.models.tables import Blocker, Notification, Obligation, Occurrence, Plan
from obligations.rules.calendar import require_aware
from obligations.rules.ladder import Pause, PolicyError, Step, catch_up, chain_end, reminder_window_opens
from obligations.rules.schedule import Schedule, periods
from obligations.rules.status import OPEN, Status, next_status_change, open_status

FAR_FUTURE = date(9999, 12, 31)
log = logging.getLogger(__name__)


@dataclass
class SweepStats:
    occurrences_created: int = 0
    occurrences_processed: int = 0
    notifications: int = 0
    skipped_steps: int = 0
    undeliverable: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: SweepStats) -> None:
        self.occurrences_created += other.occurrences_created
        self.occurrences_processed += other.occurrences_processed
        self.notifications += other.notifications
        self.skipped_steps += other.skipped_steps
        self.undeliverable += other.undeliverable
        for kind, count in other.by_kind.items():
            self.by_kind[kind] += count

    def as_dict(self) -> dict:
        return {
            "occurrences_created": self.occurrences_created,
            "occurrences_processed": self.occurrences_processed,
            "notifications": self.notifications,
            "skipped_steps": self.skipped_steps,
            "undeliverable": self.undeliverable,
            "by_kind": dict(self.by_kind),
        }


def schedule_of(obligation: Obligation) -> Schedule:
    return Schedule(
        kind=obligation.schedule_kind,  # type: ignore[arg-type]
        due=obligation.due,
        rrule=obligation.rrule,
        inclusive=obligation.inclusive,
        phrase=obligation.phrase or "",
        cycle=obligation.cycle,
        checkin=obligation.checkin_rrule,
    )


def plan_ids(session: Session, codes: list[str] | None) -> set[int] | None:
    """The ids of the plans ``codes`` names (None: every plan); a code that names no plan is an error,
    so that a partition with a typo fails its runs rather than sweep nothing, unseen."""
    if codes is None:
        return None
    found = dict(session.execute(select(Plan.code, Plan.id).where(Plan.code.in_(codes))).all())
    if missing := sorted(set(codes) - set(found)):
        raise ValueError(f"không có kế hoạch nào mang mã: {', '.join(missing)}")
    return set(found.values())


def materialise(session: Session, rt: Runtime, as_of: datetime, *, within: set[int] | None = None) -> int:
    """Create the occurrences whose deadline enters the horizon (of the obligations of the plans whose ids
    are ``within``, None: all); returns how many were new."""
    horizon = timedelta(days=rt.settings.horizon_days)
    due = select(Obligation).where(Obligation.active, Obligation.next_expand_at <= as_of).order_by(Obligation.id)
    if within is not None:
        due = due.where(Obligation.plan_id.in_(within))
    obligations = list(session.scalars(due))
    if not obligations:
        return 0
    plans = rt.plans(session, {o.plan_id for o in obligations})
    members = group_members(session, {o.lead_group_id for o in obligations if o.lead_group_id})
    rows = []
    for obligation in obligations:
        plan = plans[obligation.plan_id]
        calendar = rt.calendar(plan.zone)
        schedule = schedule_of(obligation)
        cycles = rt.cycles(plan)
        until = calendar.local_date(as_of + horizon)
        agencies = [obligation.lead_agency_id] if obligation.lead_agency_id else members[obligation.lead_group_id]
        window = dict(plan_start=plan.start, plan_end=plan.end, cycles=cycles)
        for period in periods(schedule, until=until, after=obligation.expanded_through, **window):
            nominal = calendar.deadline_for(period.due, inclusive=period.inclusive)
            effective = calendar.effective_deadline(nominal)
            for agency_id in agencies:
                rows.append(
                    {
                        "obligation_id": obligation.id,
                        "agency_id": agency_id,
                        "period_key": period.key,
                        "checkin": period.checkin,
                        "nominal_deadline": nominal,
                        "effective_deadline": effective,
                        "status": Status.ON_TRACK.value,
                        "next_action_at": as_of,
                        "created_at": as_of,
                    }
                )
        following = periods(schedule, until=FAR_FUTURE, after=until, **window)[:1]
        obligation.expanded_through = until
        obligation.next_expand_at = calendar.start_of_day(following[0].due) - horizon if following else None
        session.add(obligation)
    return insert_ignoring_duplicates(session, Occurrence, rows)


@dataclass(frozen=True)
class Outcome:
    """What the ladder says of a due occurrence now: the step to send, the steps skipped, its new status
    and next action time. Rows with the same deadline, policy, plan and ladder mark share one."""

    send: Step | None
    skipped: tuple[Step, ...]
    status: str
    next_action_at: datetime | None


def _outcome(session: Session, rt: Runtime, due: Row, policy_id: int | None, plan: Plan, as_of: datetime,
             pauses: list[Pause]) -> Outcome | Exception:
    """The ladder of ``due`` at ``as_of``, or why it cannot be read: a stored row the ladder cannot read (a
    policy or a deadline out of bounds, written before the inputs were bounded) must not stop the sweep
    for every plan; that one waits a day."""
    calendar = rt.calendar(plan.zone)
    deadline = due.effective_deadline
    try:
        policy = rt.policy(session, policy_id)
        window = reminder_window_opens(deadline, policy, calendar)
        ladder = catch_up(deadline, policy, calendar, done_until=due.ladder_done_until, as_of=as_of,
                          ends=chain_end(plan.end, policy, calendar), pauses=pauses)
    except (PolicyError, OverflowError) as exc:
        return exc
    upcoming = [t for t in (ladder.next_step_at, next_status_change(as_of, deadline, window)) if t is not None]
    return Outcome(ladder.send, ladder.skipped, open_status(as_of, deadline, window).value,
                   min(upcoming) if upcoming else None)


def _pauses(session: Session, occurrence_ids: set[int]) -> dict[int, list[Pause]]:
    """Each occurrence's blockers as pauses of its escalation (rules.ladder.Pause)."""
    pauses: dict[int, list[Pause]] = defaultdict(list)
    rows = session.execute(
        select(Blocker.occurrence_id, Blocker.raised_at, Blocker.resolved_at)
        .where(Blocker.occurrence_id.in_(occurrence_ids))
        .order_by(Blocker.raised_at)
    )
    for occurrence_id, raised_at, resolved_at in rows:
        pauses[occurrence_id].append(Pause(raised_at, resolved_at))
    return pauses


class _Outbox:
    """A batch's outbox rows. A morning sends the same step to the same people about many occurrences
    (an agency's reports share a deadline): each such message is built once (``models.outbox.outbox_row``,
    ``models.contacts.rows_for_role``) and copied for every occurrence it is about."""

    def __init__(self, recipients: Recipients, as_of: datetime) -> None:
        self.recipients = recipients
        self.as_of = as_of
        self.rows: list[dict] = []
        self.stats = SweepStats()
        self._messages: dict[tuple, list[dict]] = {}
        self._payloads: dict[tuple, dict] = {}

    def _message(self, step: Step, notify: str | None = None) -> dict:
        """What every row of ``step`` carries; ``notify``: the role actually told, when the step's own has
        nobody (a manager's step to the coordinator)."""
        payload = step.message() | ({"notify": notify} if notify else {})
        return dict(kind=step.kind, step=step.key, level=step.level, due_at=step.due_at, occurrence_id=0,
                    created_at=self.as_of, payload=payload)

    def send(self, step: Step, due: Row, plan: Plan, send_at: datetime) -> None:
        key = (step, due.agency_id, plan.coordinator_id, send_at)
        if (rows := self._messages.get(key)) is None:
            role, contacts = self.recipients.reach(step.notify, due, plan)
            rows = self._messages[key] = list(rows_for_role(role, contacts, send_at, **self._message(step, role)))
            # One payload object for every row of the same step and role: models.batch converts it once.
            payload = self._payloads.setdefault((step, role), rows[0]["payload"])
            for row in rows:
                row["payload"] = payload
        self._copy(rows, due.id)

    def skip(self, steps: tuple[Step, ...], due: Row) -> None:
        for step in steps:
            if (rows := self._messages.get((step,))) is None:
                rows = self._messages[(step,)] = [outbox_row(
                    **self._message(step), status=NotificationStatus.SKIPPED,
                    last_error="skipped: a later step was already due when the sweep ran")]
            self._copy(rows, due.id)

    def _copy(self, rows: list[dict], occurrence_id: int) -> None:
        for row in rows:
            self.rows.append(for_occurrence(row, occurrence_id))
            if row["status"] is NotificationStatus.PENDING:
                self.stats.by_kind[row["kind"]] += 1
            elif row["status"] is NotificationStatus.SKIPPED:
                self.stats.skipped_steps += 1
            else:
                self.stats.undeliverable += 1


def advance(session: Session, rt: Runtime, as_of: datetime, *, limit: int = 1000, within: set[int] | None = None,
            recipients: Recipients | None = None) -> SweepStats:
    """Act on up to ``limit`` due occurrences (of the plans whose ids are ``within``, None: all): statuses,
    the ladder step due now, the next action time; the occurrences' changes go in one statement.
    ``recipients``: the contacts earlier batches of the same sweep read."""
    due_rows = due_occurrences(session, as_of, limit, plan_ids=within)
    if not due_rows:
        return SweepStats()
    obligations = {oid: (plan_id, policy_id) for oid, plan_id, policy_id in session.execute(
        select(Obligation.id, Obligation.plan_id, Obligation.policy_id)
        .where(Obligation.id.in_({x.obligation_id for x in due_rows})))}
    plans = rt.plans(session, {plan_id for plan_id, _ in obligations.values()})
    agencies = {x.agency_id for x in due_rows} | {p.coordinator_id for p in plans.values() if p.coordinator_id}
    if recipients is None:
        recipients = Recipients(session, agencies)
    else:
        recipients.include(session, agencies)
    outbox = _Outbox(recipients, as_of)
    pauses = _pauses(session, {x.id for x in due_rows})
    send_at = {zone: rt.calendar(zone).next_office_moment(as_of) for zone in {p.zone for p in plans.values()}}
    outcomes: dict[tuple, Outcome | Exception] = {}
    changes: list[dict] = []
    for due in due_rows:
        if due.status not in OPEN:  # Status is a StrEnum: the stored string is found among its members
            changes.append({"id": due.id, "status": due.status, "ladder_done_until": due.ladder_done_until,
                            "next_action_at": None})
            continue
        plan_id, policy_id = obligations[due.obligation_id]
        plan = plans[plan_id]
        key = (plan_id, policy_id, due.effective_deadline, due.ladder_done_until)
        if due.id in pauses:
            outcome = _outcome(session, rt, due, policy_id, plan, as_of, pauses[due.id])
        elif (outcome := outcomes.get(key)) is None:
            outcome = outcomes[key] = _outcome(session, rt, due, policy_id, plan, as_of, [])
        if isinstance(outcome, Exception):
            log.error("occurrence %s skipped until tomorrow: %s", due.id, outcome)
            changes.append({"id": due.id, "status": due.status, "ladder_done_until": due.ladder_done_until,
                            "next_action_at": as_of + timedelta(days=1)})
            continue
        if outcome.send is not None:
            outbox.send(outcome.send, due, plan, send_at[plan.zone])
        outbox.skip(outcome.skipped, due)
        changes.append({"id": due.id, "status": outcome.status, "ladder_done_until": as_of,
                        "next_action_at": outcome.next_action_at})
    set_next_actions(session, changes)
    stats = outbox.stats
    stats.occurrences_processed = len(due_rows)
    stats.notifications = insert_ignoring_duplicates(session, Notification, outbox.rows)
    return stats


def sweep(engine: Engine, rt: Runtime, as_of: datetime, *, batch: int = 1000,
          plans: list[str] | None = None) -> SweepStats:
    """Materialise, then advance due occurrences batch by batch, each batch its own transaction.

    ``plans``: the codes of the plans to sweep (a partition), None for every plan.
    """
    require_aware(as_of)
    stats = SweepStats()
    with session_scope(engine) as session:
        ids = plan_ids(session, plans)
        stats.occurrences_created = materialise(session, rt, as_of, within=ids)
    recipients = None
    while True:
        with session_scope(engine) as session:
            recipients = recipients or Recipients(session, set())
            done = advance(session, rt, as_of, limit=batch, within=ids, recipients=recipients)
        stats.add(done)
        if done.occurrences_processed < batch:
            return stats
