"""What a message says, as data: the facts of one outbox row gathered for its template.

The dispatcher loads a batch's rows and hands them here; :class:`Lookup` reads everything they refer
to in a few queries, and :func:`message_context` gives one row's template its data (names, dates, day
counts, links), never words: the templates phrase them, in the recipient's language.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from obligations.flows.runtime import Runtime
from obligations.models.contacts import Recipients
from obligations.models.tables import (
    Agency,
    Contact,
    Notification,
    Obligation,
    ObligationSupport,
    Occurrence,
    Plan,
    Provision,
)
from obligations.notifications.links import action_link


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
            | {o.report_to_id for o in self.obligations.values()}
            | {agency_id for _, agency_id in support},
        )
        self.supporting: dict[int, list[str]] = {}
        for obligation_id, agency_id in support:
            self.supporting.setdefault(obligation_id, []).append(self.agencies[agency_id].name)
        self.recipients = Recipients(session, {p.coordinator_id for p in self.plans.values() if p.coordinator_id})

    def plan_of(self, note: Notification) -> Plan:
        if note.occurrence_id is None:
            return self.plans[note.payload["plan_id"]]
        return self.plans[self.obligations[self.occurrences[note.occurrence_id].obligation_id].plan_id]

    def coordinators(self, plan: Plan) -> list[Contact]:
        return self.recipients.contacts.get((plan.coordinator_id, "coordinator"), []) if plan.coordinator_id else []


def message_context(lookup: Lookup, rt: Runtime, note: Notification, as_of: datetime) -> dict:
    """The data a message's template reads: names, dates, day counts, the link to act; never words."""
    plan = lookup.plan_of(note)
    contact = lookup.contacts[note.recipient_id]
    calendar = rt.calendar(plan.zone)
    coordinator = lookup.agencies.get(plan.coordinator_id)
    today = calendar.local_date(as_of)
    context = {
        "kind": str(note.kind),
        "recipient_name": contact.name,
        "recipient_title": contact.title,
        "recipient_agency_name": lookup.agencies[contact.agency_id].name,
        "plan_title": plan.title,
        "plan_number": plan.number,
        "coordinator_name": coordinator.name if coordinator else None,
        "payload": note.payload or {},
        "notify": (note.payload or {}).get("notify", "focal_point"),
        "level": note.level,
        # The sweep numbers escalation steps without gaps and marks the chain's last one.
        "escalation_number": (note.payload or {}).get("number", note.level),
        "escalation_last": bool((note.payload or {}).get("last", False)),
        "today": today,
    }
    if note.occurrence_id is None:
        return context | (note.payload or {})
    occurrence = lookup.occurrences[note.occurrence_id]
    obligation = lookup.obligations[occurrence.obligation_id]
    provision = lookup.provisions.get(obligation.provision_id)
    report_to = lookup.agencies.get(obligation.report_to_id)
    last_day = calendar.last_day(occurrence.effective_deadline)
    return context | {
        "occurrence_id": occurrence.id,
        "agency_name": lookup.agencies[occurrence.agency_id].name,
        "obligation_ref": obligation.ref,
        "obligation_title": obligation.title or obligation.ref,
        "obligation_text": obligation.text,
        "provision_ref": provision.ref if provision else obligation.ref,
        "checkin": occurrence.checkin,
        "deadline": last_day,
        "working_days_left": max(calendar.working_days_between(today, last_day), 0),
        "working_days_overdue": max(calendar.working_days_between(last_day, today), 0),
        "report_to": report_to.name if report_to else "",
        "supporting": lookup.supporting.get(obligation.id, []),
        "action_link": action_link(rt.settings.public_base_url, occurrence.id),
    }


# What one message listing several ladder rows for one person shares with each row's own message.
RECIPIENT_KEYS = ("recipient_name", "recipient_title", "recipient_agency_name", "plan_title", "plan_number",
                  "coordinator_name", "today")


def bundle_context(contexts: list[dict]) -> dict:
    """The data of one message listing several rows' contexts for one recipient, channel and plan.

    The recipient and the plan come from the first context; ``items`` are the rows' own contexts,
    earliest deadline first (the most advanced step first on one day), ``count`` and
    ``earliest_deadline`` name the list in the subject.
    """
    if not contexts:
        raise ValueError("a bundle lists at least one message")
    order = {"escalation": 0, "due_today": 1, "reminder": 2}
    items = sorted(contexts, key=lambda c: (c["deadline"], order.get(c.get("kind"), 3), c.get("obligation_ref", "")))
    return {key: contexts[0].get(key) for key in RECIPIENT_KEYS} | {
        "kind": "bundle",
        "items": items,
        "count": len(items),
        "earliest_deadline": items[0]["deadline"],
    }
