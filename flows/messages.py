"""What a message says, as data: the facts of one outbox row gathered for its template.

The dispatcher loads a batch's rows and hands them here; :class:`Lookup` reads everything they refer
to in a few queries, and :func:`message_context` gives one row's template its data (names, dates, day
counts, periods, links), never words: the templates phrase them, in the recipient's language.
:func:`bundle_context` joins the contexts of several rows for one person into one message's data.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from obligations.flows.runtime import Runtime
from obligations.models.contacts import Recipients
from obligations.models.queries import group_members
from obligations.models.tables import (
    Agency,
    Blocker,
    Contact,
    Notification,
    Obligation,
    ObligationSupport,
    Occurrence,
    Plan,
    Provision,
)
from obligations.notifications.links import ACTIONS, action_link, signer_for
from obligations.rules.calendar import WorkCalendar
from obligations.rules.periods import deadline_change, name_period

# A task without a title of its own is named by the first words of its text.
TITLE_WORDS = 12


class Lookup:
    """Everything the messages of one batch refer to, loaded in a few queries instead of one per row."""

    def __init__(self, session: Session, notes: list[Notification]) -> None:
        def by_id(model, ids) -> dict:
            ids = {i for i in ids if i is not None}
            return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}

        self.occurrences = by_id(Occurrence, {n.occurrence_id for n in notes})
        self.obligations = by_id(Obligation, {o.obligation_id for o in self.occurrences.values()})
        self.plans = by_id(
            Plan,
            {o.plan_id for o in self.obligations.values()}
            | {(n.payload or {}).get("plan_id") for n in notes if n.occurrence_id is None},
        )
        self.provisions = by_id(Provision, {o.provision_id for o in self.obligations.values()})
        self.contacts = by_id(Contact, {n.recipient_id for n in notes})
        support = session.execute(
            select(ObligationSupport.obligation_id, ObligationSupport.agency_id)
            .where(ObligationSupport.obligation_id.in_(set(self.obligations)))
            .order_by(ObligationSupport.agency_id)
        ).all()
        self.agencies = by_id(
            Agency,
            {o.agency_id for o in self.occurrences.values()}
            | {c.agency_id for c in self.contacts.values()}
            | {p.coordinator_id for p in self.plans.values()}
            | {p.manager_id for p in self.plans.values()}
            | {o.report_to_id for o in self.obligations.values()}
            | {agency_id for _, agency_id in support},
        )
        self.supporting: dict[int, list[str]] = {}
        for obligation_id, agency_id in support:
            self.supporting.setdefault(obligation_id, []).append(self.agencies[agency_id].name)
        self.recipients = Recipients(session, {p.coordinator_id for p in self.plans.values() if p.coordinator_id})
        self.blockers = self._open_blockers(session)
        self.continuous = self._continuous_tasks(session)

    def _open_blockers(self, session: Session) -> dict[int, list[Blocker]]:
        """The blockers not yet resolved, by occurrence, oldest first: every message about it shows them."""
        result: dict[int, list[Blocker]] = defaultdict(list)
        if self.occurrences:
            statement = (
                select(Blocker)
                .where(Blocker.occurrence_id.in_(set(self.occurrences)), Blocker.resolved_at.is_(None))
                .order_by(Blocker.raised_at, Blocker.id)
            )
            for blocker in session.scalars(statement):
                result[blocker.occurrence_id].append(blocker)
        return result

    def _continuous_tasks(self, session: Session) -> dict[tuple[int, int], list[Obligation]]:
        """The continuous tasks of the batch's plans by (plan, lead agency), a group's fanned out to its
        members: the periodic report an agency owes lists those it leads (two queries, only when needed)."""
        result: dict[tuple[int, int], list[Obligation]] = defaultdict(list)
        plan_ids = {o.plan_id for o in self.obligations.values() if o.schedule_kind == "recurring"}
        if not plan_ids:
            return result
        tasks = list(session.scalars(
            select(Obligation)
            .where(Obligation.plan_id.in_(plan_ids), Obligation.schedule_kind == "continuous", Obligation.active)
            .order_by(Obligation.id)
        ))
        members = group_members(session, {t.lead_group_id for t in tasks if t.lead_group_id is not None})
        for task in tasks:
            leads = members.get(task.lead_group_id, []) if task.lead_group_id is not None else []
            for agency_id in [task.lead_agency_id, *leads]:
                if agency_id is not None:
                    result[(task.plan_id, agency_id)].append(task)
        return result

    def plan_of(self, note: Notification) -> Plan:
        if note.occurrence_id is None:
            return self.plans[note.payload["plan_id"]]
        return self.plans[self.obligations[self.occurrences[note.occurrence_id].obligation_id].plan_id]

    def coordinators(self, plan: Plan) -> list[Contact]:
        return self.recipients.contacts.get((plan.coordinator_id, "coordinator"), []) if plan.coordinator_id else []

    def agency_name(self, agency_id: int | None) -> str | None:
        agency = self.agencies.get(agency_id)
        return agency.name if agency else None


def task_title(obligation: Obligation) -> str:
    """The task's own title, else the first words of its text, else its reference."""
    if obligation.title:
        return obligation.title
    words = obligation.text.split()
    if not words:
        return obligation.ref
    return " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")


def as_date(value: date | str | None) -> date | None:
    """A payload's date: ISO (``2017-12-14``) as the actions write it, or ``14/12/2017`` as older rows do."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if "/" in text:
        return datetime.strptime(text, "%d/%m/%Y").date()
    return date.fromisoformat(text)


def message_context(lookup: Lookup, rt: Runtime, note: Notification, as_of: datetime) -> dict:
    """The data a message's template reads: names, dates, day counts, periods, links; never words."""
    plan = lookup.plan_of(note)
    contact = lookup.contacts[note.recipient_id]
    calendar = rt.calendar(plan.zone)
    payload = note.payload or {}
    context = {
        "kind": str(note.kind),
        "recipient_name": contact.name,
        "recipient_title": contact.title,
        "recipient_agency_name": lookup.agencies[contact.agency_id].name,
        "plan_title": plan.title,
        "plan_number": plan.number,
        "coordinator_name": lookup.agency_name(plan.coordinator_id),
        "plan_manager_name": lookup.agency_name(plan.manager_id),
        "payload": payload,
        "notify": payload.get("notify", "focal_point"),
        "level": note.level,
        # The sweep numbers escalation steps without gaps and marks the chain's last one.
        "escalation_number": payload.get("number", note.level),
        "escalation_last": bool(payload.get("last", False)),
        "today": calendar.local_date(as_of),
    }
    if note.occurrence_id is None:
        return context | summary_facts(payload)
    context |= occurrence_facts(lookup, rt, calendar, lookup.occurrences[note.occurrence_id], context["today"])
    context |= occurrence_links(rt, note.occurrence_id, contact.id, as_of)
    if note.kind == "decision":
        context["decision"] = decision_facts(payload)
    if note.kind == "blocker":
        context["blocker"] = blocker_facts(payload, context["blockers"])
    return context


def occurrence_facts(lookup: Lookup, rt: Runtime, calendar: WorkCalendar, occurrence: Occurrence,
                     today: date) -> dict:
    """What every message about one occurrence says: the task, its period, its deadline and why, its
    blockers, the continuous tasks its report covers, and the links to act."""
    obligation = lookup.obligations[occurrence.obligation_id]
    plan = lookup.plans[obligation.plan_id]
    provision = lookup.provisions.get(obligation.provision_id)
    last_day = calendar.last_day(occurrence.effective_deadline)
    covers = []
    if obligation.schedule_kind == "recurring" and not occurrence.checkin:
        covers = [{"ref": t.ref, "title": task_title(t)}
                  for t in lookup.continuous.get((plan.id, occurrence.agency_id), [])]
    return {
        "occurrence_id": occurrence.id,
        "agency_name": lookup.agencies[occurrence.agency_id].name,
        "obligation_ref": obligation.ref,
        "obligation_title": task_title(obligation),
        "obligation_text": obligation.text,
        "provision_ref": provision.ref if provision else obligation.ref,
        "checkin": occurrence.checkin,
        "period": name_period(obligation.schedule_kind, _rule(rt, plan, obligation, occurrence),
                              calendar.last_day(occurrence.nominal_deadline)),
        "deadline": last_day,
        "deadline_phrase": obligation.phrase,
        "deadline_change": deadline_change(calendar, occurrence.nominal_deadline, occurrence.effective_deadline),
        "working_days_left": max(calendar.working_days_between(today, last_day), 0),
        "working_days_overdue": max(calendar.working_days_between(last_day, today), 0),
        "report_to": lookup.agency_name(obligation.report_to_id) or "",
        "supporting": lookup.supporting.get(obligation.id, []),
        "blockers": [
            {"id": b.id, "text": b.text, "raised_by": b.raised_by, "raised_on": calendar.local_date(b.raised_at)}
            for b in lookup.blockers.get(occurrence.id, [])
        ],
        "covers": covers,
    }


def occurrence_links(rt: Runtime, occurrence_id: int, contact_id: int, as_of: datetime) -> dict:
    """The links a message about the occurrence offers its recipient: signed for them at ``as_of`` when the
    settings hold a secret key, so they open without a password (notifications.links)."""
    base_url = rt.settings.public_base_url
    if not base_url:
        return {"action_link": None, "links": {}}
    signing = {"signer": signer_for(rt.settings.secret_key), "contact_id": contact_id, "at": as_of}
    links = {action: action_link(base_url, occurrence_id, action, **signing) for action in ACTIONS}
    return {"action_link": links["view"], "links": links}


def _rule(rt: Runtime, plan: Plan, obligation: Obligation, occurrence: Occurrence) -> str | None:
    """The rule whose rhythm names the occurrence's period: its check-in rule, its cycle's, or its own."""
    if occurrence.checkin:
        return obligation.checkin_rrule
    if obligation.schedule_kind == "cycle":
        cycle = rt.cycles(plan).get(obligation.cycle or "")
        return cycle.rrule if cycle else None
    return obligation.rrule


def decision_facts(payload: dict) -> dict:
    """The coordinator's decision (flows.actions): the event, who, when, and its dates as dates."""
    return {
        "event": payload.get("event"),
        "note": payload.get("note"),
        "actor": payload.get("actor"),
        "on": as_date(payload.get("on")),
        "status": payload.get("status"),
        "until": as_date(payload.get("until")),
        "previous": as_date(payload.get("previous")),
        "after_deadline": bool(payload.get("after_deadline", False)),
        "blocker_text": payload.get("blocker_text"),
    }


def blocker_facts(payload: dict, open_blockers: list[dict]) -> dict:
    """The blocker a coordinator is told of, with its number when it is still open (to resolve it)."""
    still_open = payload.get("blocker_id") in {b["id"] for b in open_blockers}
    return {
        "id": payload["blocker_id"] if still_open else None,
        "text": payload.get("text", ""),
        "raised_by": payload.get("raised_by"),
        "raised_on": as_date(payload.get("raised_on")),
    }


def summary_facts(payload: dict) -> dict:
    """A digest's or report's figures (flows.digest, flows.report), with their dates as dates."""
    rows = [
        row | {"late": [item | {"deadline": as_date(item["deadline"])} for item in row.get("late", [])],
               "more": row.get("more", 0)}
        for row in payload.get("rows", [])
    ]
    month = payload.get("month")
    return {
        "audience": payload.get("audience", "manager"),
        "rows": rows,
        "totals": payload.get("totals") or {},
        "total_overdue": payload.get("total_overdue", 0),
        "undeliverable": payload.get("undeliverable", 0),
        "link": payload.get("link"),
        "blockers": [b | {"raised_on": as_date(b.get("raised_on"))} for b in payload.get("blockers", [])],
        "month": date.fromisoformat(f"{month}-01") if month else None,
    }


# What one message listing several ladder rows for one person shares with each row's own message.
RECIPIENT_KEYS = ("recipient_name", "recipient_title", "recipient_agency_name", "plan_title", "plan_number",
                  "coordinator_name", "plan_manager_name", "today")
STEP_ORDER = {"escalation": 0, "due_today": 1, "reminder": 2}


def bundle_context(contexts: list[dict]) -> dict:
    """The data of one message listing several rows' contexts for one recipient, channel and plan.

    The recipient and the plan come from the first context; ``items`` are the rows' own contexts,
    earliest deadline first (the most advanced step first on one day); ``count`` and
    ``earliest_deadline`` name the list in the subject; ``audience`` is the role the rows speak to
    when they all speak to one (``focal_point``, ``manager``, ``coordinator``), else ``mixed``.
    """
    if not contexts:
        raise ValueError("a bundle lists at least one message")
    items = sorted(contexts, key=lambda c: (c["deadline"], STEP_ORDER.get(c.get("kind"), 3), c.get("obligation_ref")))
    roles = {c.get("notify", "focal_point") for c in items}
    return {key: contexts[0].get(key) for key in RECIPIENT_KEYS} | {
        "kind": "bundle",
        "items": items,
        "count": len(items),
        "earliest_deadline": items[0]["deadline"],
        "audience": roles.pop() if len(roles) == 1 else "mixed",
    }
