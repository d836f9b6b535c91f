"""A parsed plan turned into the coordinator's file (docs/coordinator-file.md), with comments to review.

The draft is the file ``obligations load`` reads; the coordinator reviews it, fills in what the plan
does not say (group members, contacts), and loads it. :func:`build_draft` builds the file as the
schema's own objects (:class:`~obligations.plans.file.schema.PlanFile`) and the reviewer's notes as
:class:`~obligations.plans.file.write.Comments`; :func:`~obligations.plans.file.write.to_yaml` writes
both. Choices (docs/plan-import.md):

- Agencies are coded by :class:`~obligations.plans.importer.agency_codes.AgencyCodes`: a name that
  matches a stored agency is used by its code and not listed again (listing it would overwrite its
  stored parent); other agencies are listed with a new code.
- A group heading ("Các sở, ban, ngành; ...") uses the database's group of the same name when there is
  one. Otherwise it is listed with ``members: []`` and a comment: the plan does not say which agencies
  are in it, so the coordinator lists them; until then ``load`` refuses the file, naming that line.
- A task with several deadlines becomes one obligation per deadline, refs suffixed a, b, c ("III.5.2a");
  a task with none becomes a continuous obligation (quarterly check-in) marked for review.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from obligations.plans.file.schema import (
    AgencySpec,
    ContinuousSchedule,
    CycleSchedule,
    GroupSpec,
    ObligationSpec,
    OnceSchedule,
    PlanFile,
    PlanSpec,
    ProvisionSpec,
    RecurringSchedule,
)
from obligations.plans.file.write import Comments, to_yaml
from obligations.plans.importer.agency_codes import UNKNOWN_LEAD, AgencyCodes, KnownAgencies
from obligations.plans.importer.agency_names import is_group_name
from obligations.plans.importer.parsed import ParsedPlan, ParsedTask
from obligations.plans.importer.phrases import Deadline
from obligations.plans.importer.text import ascii_slug, normalize

__all__ = ["PlanDraft", "build_draft"]

_PLAN_CODE_LENGTH = 60
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_NOTES = {
    "agencies": [
        "Agencies named in the plan and not yet in the database (stored ones are used by their code).",
        "Check each name and code; add `parent:` where a matter should escalate to a body above it.",
    ],
    "groups": [
        "Groups of agencies the plan assigns tasks to. The plan does not list their members:",
        "write them in `members:` (agency codes, defined above or already stored) before loading.",
    ],
    "obligations": [
        "One obligation per deadline found. Each schedule keeps the plan's words in `phrase`; the comment",
        "beside it says how they were read (\"trước ngày D\": before D starts; \"chậm nhất\", \"trong tháng\":",
        "by the end). Obligations marked \"no deadline found\" are continuous until you give them a schedule.",
    ],
}


@dataclass
class PlanDraft:
    """A plan document drafted as the coordinator's file, and what a coordinator should know about it."""

    file: PlanFile  # built, not validated: it may hold what load refuses on purpose (a group's empty members)
    text: str  # the YAML, with the comments
    plan_code: str
    obligations: int
    tasks: int
    matched: dict[str, str]  # plan name -> stored code
    new_agencies: dict[str, str]  # code -> name, listed in the file
    groups_to_fill: dict[str, str]  # code -> name: groups listed with no members yet
    to_review: list[str]  # obligation refs read as continuous because no deadline was found


def build_draft(
    plan: ParsedPlan,
    *,
    source: str,
    today: date,
    known: KnownAgencies | None = None,
    code: str | None = None,
) -> PlanDraft:
    """The coordinator's file for ``plan``. ``today`` dates the draft and stands in for a period the plan
    does not state (its year); ``known`` are the stored agencies and groups to match names against."""
    codes = AgencyCodes(known or KnownAgencies())
    comments = Comments()
    plan_spec = _plan_spec(plan, source, today, code, codes, comments)
    obligations, lead_codes, to_review = _obligations(plan, codes, comments)
    # Built without validation (model_construct): the fields given are the keys the draft writes.
    sections: dict[str, object] = {"plan": plan_spec}
    agencies = _agencies(codes, plan_spec.issuer, lead_codes, comments)
    if agencies:
        sections["agencies"] = agencies
    groups = _groups(codes, comments)
    if groups:
        sections["groups"] = groups
    provisions = [
        ProvisionSpec.model_construct(ref=p.ref, title=p.title[:300], text=p.text) for p in plan.provisions
    ]
    if provisions:
        sections["provisions"] = provisions
    sections["obligations"] = obligations
    for key, lines in _NOTES.items():
        if key in sections:
            comments.before[(key,)] = lines
    comments.header = _header(plan, source, today, len(obligations))
    plan_file = PlanFile.model_construct(**sections)
    return PlanDraft(
        file=plan_file,
        text=to_yaml(plan_file, comments),
        plan_code=plan_spec.code,
        obligations=len(obligations),
        tasks=len(plan.tasks),
        matched=dict(codes.matched),
        new_agencies=dict(codes.new_agencies),
        groups_to_fill=dict(codes.new_groups),
        to_review=to_review,
    )


def _plan_spec(
    plan: ParsedPlan, source: str, today: date, code: str | None, codes: AgencyCodes, comments: Comments
) -> PlanSpec:
    """The ``plan:`` section; its issuer and coordinator are the first agencies coded."""
    plan_code = code or _plan_code(plan, source)
    issuer = codes.code(plan.issuer) if plan.issuer else None
    if plan.period is not None:
        start, end = plan.period
        period_note = None
    else:
        years = sorted({d.due.year for t in plan.tasks for d in t.deadlines if d.kind == "once" and d.due})
        first = plan.signed.year if plan.signed else (years[0] if years else today.year)
        last = max([first, *years])
        start, end = date(first, 1, 1), date(last, 12, 31)
        period_note = "the plan states no period: start and end are a guess from its dates; set them"
    if plan.signed and start <= plan.signed <= end:
        start = plan.signed  # nothing is owed under a plan before it is signed
    coordinator = codes.code(plan.coordinator) if plan.coordinator else None

    fields: dict[str, object] = {"code": plan_code, "title": plan.title or source}
    if plan.number:
        fields["number"] = plan.number
    if issuer:
        fields["issuer"] = issuer
    fields["start"], fields["end"] = start, end
    if coordinator:
        fields["coordinator"] = coordinator
        comments.beside[("plan", "coordinator")] = "the agency that follows the plan (cơ quan thường trực); check"
    if issuer:
        fields["manager"] = issuer
    if period_note:
        comments.beside[("plan", "start")] = period_note
    elif plan.signed and start == plan.signed:
        comments.beside[("plan", "start")] = "the signing date"
    if not plan.title:
        comments.beside[("plan", "title")] = "no title found in the document: write the plan's title"
    return PlanSpec.model_construct(**fields)


def _obligations(
    plan: ParsedPlan, codes: AgencyCodes, comments: Comments
) -> tuple[list[ObligationSpec], set[str], list[str]]:
    """One obligation per deadline of each task; the codes of agencies that lead; the refs to review."""
    obligations: list[ObligationSpec] = []
    lead_codes: set[str] = set()
    to_review: list[str] = []
    for task in plan.tasks:
        lead, supporting, report_to = _agencies_of(task, codes)
        if not task.group:
            lead_codes.add(lead)
        deadlines: list[Deadline | None] = list(task.deadlines) or [None]
        if len(deadlines) > 1:
            comments.before[("obligations", len(obligations))] = [
                f"{task.ref}: the task states {len(deadlines)} deadlines, one obligation each"
            ]
        for index, deadline in enumerate(deadlines):
            ref = task.ref if len(deadlines) == 1 else f"{task.ref}{_LETTERS[index % 26]}"
            fields: dict[str, object] = {"ref": ref}
            if task.provision and task.provision != _default_provision(ref):
                fields["provision"] = task.provision
            fields.update(text=task.text, lead=lead, supporting=supporting)
            if report_to:
                fields["report_to"] = report_to
            fields["schedule"] = _schedule(deadline)
            fields["policy"] = "checkin" if deadline is None or deadline.kind == "continuous" else "default"
            here = ("obligations", len(obligations))
            comments.beside[(*here, "schedule")] = _reading(deadline)
            if lead == UNKNOWN_LEAD:
                comments.beside[(*here, "lead")] = "the plan names no lead agency: choose one"
            if deadline is None:
                to_review.append(ref)
            obligations.append(ObligationSpec.model_construct(**fields))
    return obligations, lead_codes, to_review


def _agencies_of(task: ParsedTask, codes: AgencyCodes) -> tuple[str, list[str], str | None]:
    """The task's lead, supporting agencies (not groups, not the lead) and the agency it reports to."""
    lead = codes.lead(task.agency, group=task.group)
    supporting: list[str] = []
    for name in task.supporting:
        if is_group_name(name):
            continue
        supporting_code = codes.code(name)
        if supporting_code != lead and supporting_code not in supporting:
            supporting.append(supporting_code)
    report_to = codes.code(task.report_to) if task.report_to else None
    if report_to in (lead, None) or report_to in codes.new_groups:
        report_to = None
    return lead, supporting, report_to


def _agencies(
    codes: AgencyCodes, issuer: str | None, lead_codes: set[str], comments: Comments
) -> list[AgencySpec]:
    """The agencies new to the database; those that lead a task come under the issuing committee."""
    agencies = []
    for agency_code, name in codes.new_agencies.items():
        fields = {"code": agency_code, "name": name}
        if issuer and agency_code in lead_codes and agency_code != issuer:
            fields["parent"] = issuer  # the line matters escalate along: the issuing committee
        agencies.append(AgencySpec.model_construct(**fields))
    if UNKNOWN_LEAD in codes.new_agencies:
        comments.beside[("agencies", len(agencies) - 1)] = "placeholder for tasks with no lead: replace it"
    return agencies


def _groups(codes: AgencyCodes, comments: Comments) -> list[GroupSpec]:
    """The groups new to the database, with no members: the plan does not list them."""
    groups = []
    for group_code, name in codes.new_groups.items():
        comments.beside[("groups", len(groups), "members")] = (
            "TODO: list the member agencies' codes, e.g. [SO-TAI-CHINH, UBND-HUYEN-X]; load refuses an empty list"
        )
        groups.append(GroupSpec.model_construct(code=group_code, name=name, members=[]))
    return groups


def _schedule(deadline: Deadline | None) -> OnceSchedule | RecurringSchedule | ContinuousSchedule | CycleSchedule:
    if deadline is None:
        return ContinuousSchedule.model_construct(kind="continuous")
    if deadline.kind == "once":
        return OnceSchedule.model_construct(
            kind="once", due=deadline.due, inclusive=bool(deadline.inclusive), phrase=deadline.phrase
        )
    if deadline.kind == "recurring":
        return RecurringSchedule.model_construct(
            kind="recurring", rrule=deadline.rrule or "", inclusive=bool(deadline.inclusive), phrase=deadline.phrase
        )
    if deadline.kind == "cycle":
        return CycleSchedule.model_construct(kind="cycle", cycle=deadline.cycle, phrase=deadline.phrase)
    return ContinuousSchedule.model_construct(kind="continuous", phrase=deadline.phrase)


def _reading(deadline: Deadline | None) -> str:
    """The comment beside a schedule: the plan's words and how they were read."""
    if deadline is None:
        return "no deadline found; review (read as continuous: a quarterly check-in)"
    words = f"“{deadline.phrase}”"
    if deadline.kind == "once":
        assert deadline.due is not None
        day = f"{deadline.due:%d/%m/%Y}"
        return f"{words}: by the end of {day}" if deadline.inclusive else f"{words}: before {day} starts"
    if deadline.kind == "recurring":
        when = "by the end of each day" if deadline.inclusive else "before each day starts"
        return f"{words}: {deadline.rrule}, {when}"
    if deadline.kind == "cycle":
        return f"{words}: the {deadline.cycle} cycle's dates (config/defaults.yaml, or `cycles:` here)"
    return f"{words}: continuous, a quarterly check-in"


def _header(plan: ParsedPlan, source: str, today: date, obligations: int) -> list[str]:
    header = [
        f"Draft made by `obligations plan draft` from {source} on {today.isoformat()}.",
        "Review it, then load it: obligations load <this file>   (all or nothing; errors name the line).",
        f"Found {_count(len(plan.tasks), 'task')}, {_count(obligations, 'obligation')}.",
    ]
    for note in plan.notes:
        header.extend(textwrap.wrap(f"Not a task (kept here for the reader): {note}", width=110))
    return header


def _plan_code(plan: ParsedPlan, source: str) -> str:
    """The plan's number as a code ("377/KH-UBND" -> "377-kh-ubnd"), else its title's words without "Kế
    hoạch" and "giai đoạn", cut short, with its years ("trien-khai-cong-tac-...-2017-2020")."""
    if plan.number and ascii_slug(plan.number, upper=False):
        return ascii_slug(plan.number, max_length=_PLAN_CODE_LENGTH, upper=False)
    years = ""
    if plan.period:
        first, last = plan.period[0].year, plan.period[1].year
        years = f"-{first}" if first == last else f"-{first}-{last}"
    title = re.sub(r"(?i)^\s*k[ếe]\s*ho[ạa]ch\s+", "", normalize(plan.title or Path(source).stem))
    title = re.sub(r"(?i)\b(?:giai đoạn|năm)\s+(?=\d)|\b(?:19|20)\d{2}\b", " ", title)
    slug = ascii_slug(title, max_length=_PLAN_CODE_LENGTH - len(years), upper=False).strip("-")
    return (slug + years).strip("-") or "ke-hoach"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _default_provision(ref: str) -> str | None:
    head, dot, _ = ref.rpartition(".")
    return head if dot and head else None
