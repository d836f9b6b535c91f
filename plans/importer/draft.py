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
  one. Otherwise its members are proposed from the stored agencies of the kinds its name lists (sở, ban,
  UBND huyện, ...; :mod:`~obligations.plans.importer.draft_review`), marked for review; with none stored
  it is listed with ``members: []``, which ``load`` refuses, naming that line.
- A task with several deadlines becomes one obligation per deadline, refs suffixed a, b, c ("III.5.2a");
  a task with none becomes a continuous obligation (quarterly check-in) marked for review. Each has a short
  title in the task's own words (:mod:`~obligations.plans.importer.titles`).
- Each plan field says where it came from, each guess is marked "xem lại"; a contact list is merged in
  and the agencies no reminder would reach are listed at the end
  (:mod:`~obligations.plans.importer.draft_contacts`).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from obligations.plans.file.contact_list import ContactList
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
    RelativeSchedule,
    ScheduleSpec,
)
from obligations.plans.file.write import Comments, to_yaml
from obligations.plans.importer.agency_codes import UNKNOWN_LEAD, AgencyCodes, KnownAgencies
from obligations.plans.importer.agency_names import is_group_name
from obligations.plans.importer.draft_contacts import COORDINATING, Receivers, footer, merge_contacts
from obligations.plans.importer.draft_review import REVIEW, PlanNotes, propose_members, reading
from obligations.plans.importer.parsed import ParsedPlan, ParsedTask
from obligations.plans.importer.phrases import Deadline
from obligations.plans.importer.text import ascii_slug, normalize
from obligations.plans.importer.titles import short_title

__all__ = ["PlanDraft", "build_draft"]

_PLAN_CODE_LENGTH = 60
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_NOTES = {
    "agencies": [
        "Các cơ quan văn bản nêu mà cơ sở dữ liệu chưa có (cơ quan đã có được dùng theo mã của nó).",
        "Xem lại tên và mã từng cơ quan; ghi `parent:` khi việc chậm cần báo lên cơ quan cấp trên.",
    ],
    "groups": [
        "Các nhóm cơ quan được giao nhiệm vụ. Văn bản không kê thành viên: xem lại các cơ quan đề xuất từ cơ sở",
        "dữ liệu (ghi \"xem lại\"), hoặc ghi mã các cơ quan thành viên vào `members:` trước khi nạp.",
    ],
    "contacts": [
        "Người nhận nhắc việc, từ danh sách đầu mối (--contacts); mỗi người ghi dòng của họ trong danh sách.",
    ],
    "obligations": [
        "Mỗi hạn tìm thấy là một nhiệm vụ. Lịch giữ nguyên lời văn bản trong `phrase`; ghi chú bên cạnh nói",
        "cách đọc (\"trước ngày D\": trước khi sang ngày D; \"chậm nhất\", \"trong tháng\": hết ngày, hết tháng).",
        "Nhiệm vụ \"không thấy hạn\" là thường xuyên cho đến khi được ghi lịch; \"xem lại\" đánh dấu điều được",
        "đoán (năm của một ngày, hạn tính từ ngày văn bản).",
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
    groups_to_fill: dict[str, str]  # code -> name: new groups, their members empty or proposed for review
    to_review: list[str]  # obligation refs read as continuous because no deadline was found
    groups_proposed: dict[str, list[str]] = field(default_factory=dict)  # code -> members proposed from the database
    to_anchor: list[str] = field(default_factory=list)  # refs of relative deadlines load refuses until anchored
    inferred: list[str] = field(default_factory=list)  # refs whose deadline the reader guessed in part
    contacts: int = 0  # people merged from the contact list
    no_focal_point: dict[str, str] = field(default_factory=dict)  # code -> name: receiving agencies nobody reaches


@dataclass
class _Obligations:
    specs: list[ObligationSpec] = field(default_factory=list)
    lead_codes: set[str] = field(default_factory=set)
    to_review: list[str] = field(default_factory=list)
    to_anchor: list[str] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)
    receivers: Receivers = field(default_factory=lambda: Receivers({}))
    group_refs: dict[str, list[str]] = field(default_factory=dict)  # group code -> refs of the tasks it leads


def build_draft(
    plan: ParsedPlan,
    *,
    source: str,
    today: date,
    known: KnownAgencies | None = None,
    code: str | None = None,
    contacts: ContactList | None = None,
) -> PlanDraft:
    """The coordinator's file for ``plan``. ``today`` dates the draft and stands in for a period the plan
    does not state (its year); ``known`` are the stored agencies and groups to match names against;
    ``contacts``, a contact list, is merged in: FileError naming the line of every bad row (a field, an
    agency neither the plan's nor stored)."""
    codes = AgencyCodes(known or KnownAgencies())
    comments = Comments()
    plan_spec = _plan_spec(plan, source, today, code, codes, comments)
    found = _obligations(plan, codes, comments)
    # Built without validation (model_construct): the fields given are the keys the draft writes.
    sections: dict[str, object] = {"plan": plan_spec}
    agencies = _agencies(codes, plan_spec.issuer, found.lead_codes, comments)
    if agencies:
        sections["agencies"] = agencies
    drafted = {a.code: a.name for a in agencies if getattr(a, "parent", None)}
    groups, proposed = _groups(codes, plan, plan_spec, found, comments, drafted)
    if groups:
        sections["groups"] = groups
    people, lines = merge_contacts(contacts, codes) if contacts is not None else ([], [])
    if people:
        sections["contacts"] = people
        for index, line in enumerate(lines):
            comments.beside[("contacts", index)] = f"dòng {line}"
    provisions = [
        ProvisionSpec.model_construct(ref=p.ref, title=p.title[:300], text=p.text) for p in plan.provisions
    ]
    if provisions:
        sections["provisions"] = provisions
    sections["obligations"] = found.specs
    comments.before.update({(key,): note for key, note in _NOTES.items() if key in sections})
    comments.header = _header(plan, source, today, len(found.specs))
    plan_file = PlanFile.model_construct(**sections)
    coordinator = getattr(plan_spec, "coordinator", None)
    found.receivers.add(coordinator, COORDINATING)
    missing = found.receivers.unreached(codes, people, coordinator)
    return PlanDraft(
        file=plan_file,
        text=to_yaml(plan_file, comments) + footer(missing, found.receivers),
        plan_code=plan_spec.code,
        obligations=len(found.specs),
        tasks=len(plan.tasks),
        matched=dict(codes.matched),
        new_agencies=dict(codes.new_agencies),
        groups_to_fill=dict(codes.new_groups),
        to_review=found.to_review,
        groups_proposed=proposed,
        to_anchor=found.to_anchor,
        inferred=found.inferred,
        contacts=len(people),
        no_focal_point=missing,
    )


def _plan_spec(
    plan: ParsedPlan, source: str, today: date, code: str | None, codes: AgencyCodes, comments: Comments
) -> PlanSpec:
    """The ``plan:`` section, each field with where it came from; its issuer and coordinator are the first
    agencies coded."""
    notes = PlanNotes(plan)
    plan_code = code or _plan_code(plan, source)
    issuer = codes.code(plan.issuer) if plan.issuer else None
    guessed = plan.period is None
    if plan.period is not None:
        start, end = plan.period
    else:
        years = sorted({d.due.year for t in plan.tasks for d in t.deadlines if d.kind == "once" and d.due})
        first = plan.signed.year if plan.signed else (years[0] if years else today.year)
        last = max([first, *years])
        start, end = date(first, 1, 1), date(last, 12, 31)
    if plan.signed and plan.signed <= end and (guessed or start <= plan.signed):
        start = plan.signed  # nothing is owed under a plan before it is signed
    coordinator = codes.code(plan.coordinator) if plan.coordinator else None

    fields: dict[str, object] = {"code": plan_code, "title": plan.title or source}
    beside: dict[str, str] = {"code": notes.code(code is not None), "title": notes.title()}
    if plan.number:
        fields["number"], beside["number"] = plan.number, notes.number()
    if issuer:
        fields["issuer"], beside["issuer"] = issuer, notes.issuer()
    fields["start"], fields["end"] = start, end
    beside["start"], beside["end"] = notes.period(start, end, guessed)
    if coordinator:
        texts = [t.text for t in plan.tasks] + list(plan.notes)
        fields["coordinator"], beside["coordinator"] = coordinator, notes.coordinator(texts)
    if issuer:
        fields["manager"], beside["manager"] = issuer, notes.manager()
    for key, note in beside.items():
        comments.beside[("plan", key)] = note
    return PlanSpec.model_construct(**fields)


def _obligations(plan: ParsedPlan, codes: AgencyCodes, comments: Comments) -> _Obligations:
    """One obligation per deadline of each task, and what the draft learns doing so: the agencies that lead,
    who receives reminders, the refs to review, to anchor, whose deadline was partly guessed."""
    found = _Obligations()
    for task in plan.tasks:
        lead, supporting, report_to = _agencies_of(task, codes)
        if not task.group:
            found.lead_codes.add(lead)
        deadlines: list[Deadline | None] = list(task.deadlines) or [None]
        if len(deadlines) > 1:
            comments.before[("obligations", len(found.specs))] = [
                f"{task.ref}: the task states {len(deadlines)} deadlines, one obligation each"
            ]
        title = short_title(task.text)
        for index, deadline in enumerate(deadlines):
            ref = task.ref if len(deadlines) == 1 else f"{task.ref}{_LETTERS[index % 26]}"
            fields: dict[str, object] = {"ref": ref}
            if task.provision and task.provision != _default_provision(ref):
                fields["provision"] = task.provision
            if title:
                fields["title"] = title
            fields.update(text=task.text, lead=lead, supporting=supporting)
            if report_to:
                fields["report_to"] = report_to
            fields["schedule"] = _schedule(deadline)
            fields["policy"] = "checkin" if deadline is None or deadline.kind == "continuous" else "default"
            here = ("obligations", len(found.specs))
            comments.beside[(*here, "schedule")] = reading(deadline)
            if lead == UNKNOWN_LEAD:
                comments.beside[(*here, "lead")] = "văn bản không nêu cơ quan chủ trì: chọn một cơ quan"
            if deadline is None:
                found.to_review.append(ref)
            elif deadline.kind == "relative":
                found.to_anchor.append(ref)
            if deadline is not None and deadline.inferred:
                found.inferred.append(ref)
            if task.group:
                found.group_refs.setdefault(lead, []).append(ref)
            else:
                found.receivers.add(lead, "chủ trì", ref)
            found.specs.append(ObligationSpec.model_construct(**fields))
    return found


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
        comments.beside[("agencies", len(agencies) - 1)] = (
            "chỗ giữ cho nhiệm vụ không nêu cơ quan chủ trì: thay bằng cơ quan đúng")
    return agencies


def _groups(
    codes: AgencyCodes, plan: ParsedPlan, plan_spec: PlanSpec, found: _Obligations, comments: Comments,
    drafted: dict[str, str],
) -> tuple[list[GroupSpec], dict[str, list[str]]]:
    """The groups new to the database, with the agencies of their kinds proposed as members (to review):
    stored ones, and ``drafted``, the plan's own agencies under its issuer; none when there is none: the plan
    does not list them. The members of every group that leads a task receive its reminders."""
    groups, proposed = [], {}
    issuer, coordinator = getattr(plan_spec, "issuer", None), getattr(plan_spec, "coordinator", None)
    for group_code, name in codes.new_groups.items():
        members, kinds = propose_members(
            name, codes.known, issuer=plan.issuer, issuer_code=issuer, coordinator=coordinator, drafted=drafted
        )
        here = ("groups", len(groups), "members")
        if members:
            proposed[group_code] = members
            left_out = ", ".join(c for c in (coordinator, issuer) if c)
            comments.beside[here] = (
                f"{REVIEW}đề xuất: các cơ quan loại {', '.join(kinds)} của tỉnh, đã có trong cơ sở dữ liệu hoặc "
                "văn bản nêu"
                + (f", trừ {left_out}" if left_out else "") + "; bỏ hoặc thêm cho đúng"
            )
        else:
            comments.beside[here] = (
                "TODO: ghi mã các cơ quan thành viên, ví dụ [SO-TAI-CHINH, UBND-HUYEN-X]; load từ chối danh sách rỗng"
            )
        groups.append(GroupSpec.model_construct(code=group_code, name=name, members=members))
    for group_code, refs in found.group_refs.items():
        for member in proposed.get(group_code) or codes.known.members.get(group_code, []):
            for ref in refs:
                found.receivers.add(member, f"thành viên {group_code}, chủ trì", ref)
    return groups, proposed


def _schedule(deadline: Deadline | None) -> ScheduleSpec:
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
    if deadline.kind == "relative":
        # No anchor: the plan does not date the event; load refuses the schedule until the coordinator does.
        fields = {"kind": "relative", "count": deadline.count, "unit": deadline.unit}
        if deadline.event:
            fields["after"] = deadline.event
        return RelativeSchedule.model_construct(**fields, phrase=deadline.phrase)
    return ContinuousSchedule.model_construct(kind="continuous", phrase=deadline.phrase)


def _header(plan: ParsedPlan, source: str, today: date, obligations: int) -> list[str]:
    header = [
        f"Bản nháp do `obligations plan draft` soạn từ {source} ngày {today:%d/%m/%Y}.",
        "Xem lại rồi nạp: obligations load <tệp này>   (nạp tất cả hoặc không gì; lỗi ghi rõ dòng).",
        f"Tìm thấy {len(plan.tasks)} nhiệm vụ trong văn bản, {obligations} nhiệm vụ được giao.",
    ]
    for note in plan.notes:
        header.extend(textwrap.wrap(f"Không phải nhiệm vụ (giữ lại để đọc): {note}", width=110))
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


def _default_provision(ref: str) -> str | None:
    head, dot, _ = ref.rpartition(".")
    return head if dot and head else None
