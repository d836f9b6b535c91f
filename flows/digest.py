"""The weekly digest and the monthly report: where a plan stands, by agency, for those who oversee it.

Who reads what follows the chain of command (issue 9):

- the plan's coordinators (role ``coordinator`` at the coordinating agency; its focal points when it
  has none) read every agency, and how many messages of the plan died in the past week;
- the coordinating agency's managers (its director) read every agency;
- the managers of each agency with something outstanding (overdue, due soon, awaiting review, an
  open blocker) read their own agency's row;
- the plan's manager agency (the leadership above the coordinating agency, e.g. the Provincial
  People's Committee) gets no digest and nothing item by item: once a month its managers (else its
  focal points) get a report from the coordinating agency (``REPORT``), with every agency. When the
  plan's manager is the coordinating agency itself there is no report: the digest covers it.

A week with nothing outstanding in the plan and no message of it lost writes no digest; the report
goes every month whatever it says. A contact in more than one audience gets one message, the widest. The payload (below,
``_payload``) holds facts only, JSON-safe; the ``digest`` and ``report`` templates phrase them.

Nothing is written about a plan once its chains have ended (its last day plus the default policy's
grace, ``rules.ladder.chain_end``), nor before it starts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from obligations.flows.report import BlockerView, OccurrenceView, list_blockers, occurrences_at
from obligations.flows.runtime import Runtime
from obligations.models.db import session_scope
from obligations.models.outbox import NotificationKind, NotificationStatus, digest_step, outbox_row
from obligations.models.queries import insert_ignoring_duplicates
from obligations.models.tables import Agency, Contact, Notification, Obligation, Occurrence, Plan
from obligations.notifications.channels import sendable_channel
from obligations.rules.calendar import WorkCalendar, require_aware
from obligations.rules.ladder import chain_end
from obligations.rules.status import Status

# An agency's overdue items listed by name; the rest are counted in its row's ``more``.
LATE_ITEMS_SHOWN = 10
COUNTS = ("overdue", "due_soon", "submitted", "done_on_time", "done_late", "blocked")
# What makes an agency's managers receive the digest: something for them to act on.
OUTSTANDING = ("overdue", "due_soon", "submitted", "blocked")
COORDINATOR, MANAGER, LEADERSHIP = "coordinator", "manager", "leadership"
UNDELIVERABLE_WINDOW = timedelta(days=7)


def _blocker_payload(blocker: BlockerView, calendar: WorkCalendar) -> dict:
    return {"id": blocker.id, "ref": blocker.ref, "agency": blocker.agency_name, "text": blocker.text,
            "raised_on": calendar.local_date(blocker.raised_at).isoformat()}


def undeliverable_count(session: Session, plan: Plan, as_of: datetime) -> int:
    """Messages about ``plan`` given up on in the week before ``as_of``.

    A dead row keeps the time of its last scheduled attempt in ``next_attempt_at`` (a row that never had
    one, nobody to send it to, died when written), so that is when it died. The week is [as_of - 7 days,
    as_of): weekly runs count each death once, a row dying at a run's own moment in the next one. A row
    about an occurrence belongs to the occurrence's plan; a digest or report names its plan in its payload.
    """
    died = func.coalesce(Notification.next_attempt_at, Notification.created_at)
    dead = (Notification.status == NotificationStatus.DEAD, died >= as_of - UNDELIVERABLE_WINDOW, died < as_of)
    about_occurrences = session.scalar(
        select(func.count())
        .select_from(Notification)
        .join(Occurrence, Occurrence.id == Notification.occurrence_id)
        .join(Obligation, Obligation.id == Occurrence.obligation_id)
        .where(*dead, Obligation.plan_id == plan.id)
    )
    about_plans = session.scalars(select(Notification.payload).where(*dead, Notification.occurrence_id.is_(None)))
    return about_occurrences + sum(1 for payload in about_plans if (payload or {}).get("plan_id") == plan.id)


def _late_item(view: OccurrenceView, blocker: BlockerView | None) -> dict:
    return {"ref": view.ref, "title": view.title, "deadline": view.deadline_day,
            "overdue": view.working_days_overdue, "occurrence_id": view.id,
            "blocker": blocker.text if blocker else None}


def agency_rows(views: list[OccurrenceView], blockers: list[BlockerView], *, year: int) -> list[dict]:
    """One row per agency with anything to show, most overdue first.

    ``done_on_time`` and ``done_late`` count the occurrences settled so whose deadline falls in ``year``
    (in the plan's zone), those done ahead of a deadline later in the year included: the year's record
    so far. ``blocked`` counts open blockers. ``late`` lists the overdue items, longest overdue first,
    up to ``LATE_ITEMS_SHOWN``; ``more`` counts the others.
    """
    by_agency: dict[str, list[OccurrenceView]] = defaultdict(list)
    for view in views:
        by_agency[view.agency_code].append(view)
    blocked = Counter(b.agency_code for b in blockers)
    latest_blocker = {b.occurrence_id: b for b in blockers}  # oldest first, so the latest one wins
    rows = []
    for code, items in by_agency.items():
        this_year = [v for v in items if int(v.deadline_day[:4]) == year]
        late = sorted((v for v in items if v.status == Status.OVERDUE),
                      key=lambda v: (-v.working_days_overdue, v.deadline_day, v.ref, v.id))
        counts = {
            "overdue": len(late),
            "due_soon": sum(v.status == Status.DUE_SOON for v in items),
            "submitted": sum(v.status == Status.SUBMITTED for v in items),
            "done_on_time": sum(v.status == Status.DONE_ON_TIME for v in this_year),
            "done_late": sum(v.status == Status.DONE_LATE for v in this_year),
            "blocked": blocked[code],
        }
        if not any(counts.values()):
            continue
        rows.append(
            {"code": code, "agency": items[0].agency_name, **counts,
             "late": [_late_item(v, latest_blocker.get(v.id)) for v in late[:LATE_ITEMS_SHOWN]],
             "more": max(len(late) - LATE_ITEMS_SHOWN, 0)}
        )
    return sorted(rows, key=lambda r: (-r["overdue"], -r["blocked"], r["agency"], r["code"]))


def _payload(plan: Plan, rt: Runtime, audience: str, rows: list[dict], blockers: list[BlockerView], *,
             undeliverable: int, month: str | None = None) -> dict:
    """What a digest or a report says, as facts: the shape the ``digest`` and ``report`` templates read."""
    codes = {r["code"] for r in rows}
    totals = {name: sum(r[name] for r in rows) for name in COUNTS}
    base = rt.settings.public_base_url
    payload = {
        "plan_id": plan.id,
        "audience": audience,
        "rows": rows,
        "totals": totals,
        "total_overdue": totals["overdue"],
        "undeliverable": undeliverable if audience == COORDINATOR else 0,
        "link": f"{base.rstrip('/')}/plans/{plan.code}" if base else None,
        "blockers": [_blocker_payload(b, rt.calendar(plan.zone)) for b in blockers if b.agency_code in codes],
    }
    if month is not None:
        payload["month"] = month
    return payload


def digest_audiences(session: Session, plan: Plan, rows: list[dict]) -> list[tuple[Contact, str, list[dict]]]:
    """Each reader of the plan's digest, once, with their audience and the rows they read."""
    with_items = [r for r in rows if any(r[name] for name in OUTSTANDING)]
    agency_ids = dict(session.execute(select(Agency.code, Agency.id).where(
        Agency.code.in_([r["code"] for r in with_items]))).all()) if with_items else {}
    wanted = {plan.coordinator_id, *agency_ids.values()} - {None}
    if plan.manager_id != plan.coordinator_id:
        wanted.discard(plan.manager_id)  # the leadership reads the monthly report instead
    people: dict[tuple[int, str], list[Contact]] = defaultdict(list)
    for contact in session.scalars(select(Contact).where(Contact.active, Contact.agency_id.in_(wanted))
                                   .order_by(Contact.id)):
        people[(contact.agency_id, contact.role)].append(contact)
    coordinators = people[(plan.coordinator_id, "coordinator")] or people[(plan.coordinator_id, "focal_point")]
    chosen: dict[int, tuple[Contact, str, list[dict]]] = {}
    for contact in coordinators:
        chosen.setdefault(contact.id, (contact, COORDINATOR, rows))
    for contact in people[(plan.coordinator_id, "manager")]:
        chosen.setdefault(contact.id, (contact, MANAGER, rows))
    for row in with_items:
        agency_id = agency_ids.get(row["code"])
        if agency_id in wanted:
            for contact in people[(agency_id, "manager")]:
                chosen.setdefault(contact.id, (contact, MANAGER, [row]))
    return list(chosen.values())


def report_recipients(session: Session, plan: Plan) -> list[Contact]:
    """The plan's manager agency's managers, else its focal points; nobody when it coordinates the plan."""
    if plan.manager_id is None or plan.manager_id == plan.coordinator_id:
        return []
    contacts = session.scalars(select(Contact).where(Contact.active, Contact.agency_id == plan.manager_id,
                                                     Contact.role.in_(("manager", "focal_point")))
                               .order_by(Contact.id)).all()
    managers = [c for c in contacts if c.role == "manager"]
    return managers or [c for c in contacts if c.role == "focal_point"]


def _message(rt: Runtime, kind: NotificationKind, step: str, plan: Plan, contact: Contact | None,
             payload: dict, as_of: datetime, send_at: datetime) -> dict:
    """The outbox row of one digest or report: pending, or dead (and so shown) when it cannot go."""
    common = dict(kind=kind, step=step, plan_id=plan.id, due_at=as_of, created_at=as_of, payload=payload)
    if contact is None:
        return outbox_row(**common, status=NotificationStatus.DEAD, unreached_role="plan_manager",
                          last_error="no manager or focal point contact at the plan's manager agency")
    channel = sendable_channel(rt.settings, contact, kind)
    if channel is None:
        return outbox_row(**common, status=NotificationStatus.DEAD, recipient_id=contact.id,
                          last_error=f"contact {contact.name} has no address on a configured channel "
                                     f"among {contact.channels}")
    return outbox_row(**common, status=NotificationStatus.PENDING, recipient_id=contact.id, channel=channel,
                      next_attempt_at=send_at)


def month_reported(today: date) -> date:
    """The first day of the month a report written on ``today`` covers: the month just ended."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def running(plan: Plan, rt: Runtime, calendar: WorkCalendar, as_of: datetime) -> bool:
    """Whether messages about ``plan`` may go out from ``as_of``: it has started, and what is written now
    would be sent (at the next office moment) no later than its chains' end."""
    today = calendar.local_date(as_of)
    return plan.start <= today and calendar.next_office_moment(as_of) <= chain_end(
        plan.end, rt.default_policy, calendar)


def _plan_messages(session: Session, rt: Runtime, plan: Plan, as_of: datetime) -> list[dict]:
    """This week's digests of ``plan`` and, unless written already, last month's report."""
    calendar = rt.calendar(plan.zone)
    today, send_at = calendar.local_date(as_of), calendar.next_office_moment(as_of)
    month = month_reported(today)
    # Settled occurrences count only in their deadline's year: the oldest year read is the report's.
    views = occurrences_at(session, rt, as_of, plan=plan.code,
                           settled_after=calendar.start_of_day(date(month.year, 1, 1)))
    blockers = list_blockers(session, open_only=False, plan=plan.code, open_at=as_of)
    rows = agency_rows(views, blockers, year=today.year)
    undeliverable = undeliverable_count(session, plan, as_of)
    messages = []
    # A quiet week (nothing outstanding, nothing lost) writes no digest: it is a list of what needs
    # attention, and the dashboard and the monthly report show the rest.
    if undeliverable or any(r[name] for r in rows for name in OUTSTANDING):
        messages += [
            _message(rt, NotificationKind.DIGEST, digest_step(today), plan, contact,
                     _payload(plan, rt, audience, own_rows, blockers, undeliverable=undeliverable), as_of, send_at)
            for contact, audience, own_rows in digest_audiences(session, plan, rows)
        ]
    if month >= plan.start.replace(day=1) and plan.manager_id not in (None, plan.coordinator_id):
        # The year of the month reported: January's report closes December with December's year.
        month_rows = rows if month.year == today.year else agency_rows(views, blockers, year=month.year)
        payload = _payload(plan, rt, LEADERSHIP, month_rows, blockers, undeliverable=0, month=f"{month:%Y-%m}")
        messages += [
            _message(rt, NotificationKind.REPORT, f"report-{month:%Y-%m}", plan, contact, payload, as_of, send_at)
            for contact in report_recipients(session, plan) or [None]
        ]
    return messages


def queue_digest(session: Session, rt: Runtime, as_of: datetime) -> int:
    """Write this week's digests, and last month's reports not yet written, to the outbox.

    Once a week per person and plan (``digest_step``), once a month per person and plan for the report
    (``report-2017-11``, written by the first run in December, about November, with the figures as they
    stand when it is written). A run repeated in the same week or month writes nothing new. Returns how
    many rows are new.
    """
    require_aware(as_of)
    today = rt.calendar().local_date(as_of)
    plans = session.scalars(select(Plan).where(Plan.start <= today + timedelta(days=1)).order_by(Plan.id)).all()
    rows = []
    for plan in plans:
        if running(plan, rt, rt.calendar(plan.zone), as_of):
            rows += _plan_messages(session, rt, plan, as_of)
    return insert_ignoring_duplicates(session, Notification, rows)


def digest(engine: Engine, rt: Runtime, as_of: datetime) -> int:
    """Queue the digests and reports due at ``as_of`` (see ``queue_digest``); returns how many are new."""
    with session_scope(engine) as session:
        return queue_digest(session, rt, as_of)
