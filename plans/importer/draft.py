"""A parsed plan turned into the coordinator's file (docs/coordinator-file.md), with comments to review.

The draft is the file ``obligations load`` reads; the coordinator reviews it, fills in what the plan
does not say (group members, contacts), and loads it. Choices (docs/plan-import.md):

- Agencies are matched with those already in the database by name (:func:`plans.text.match_key`:
  accents, case, "UBND" and the province's name after "tỉnh" do not matter); a matched agency is used
  by its code and not listed again (listing it would overwrite its stored parent). Other agencies are
  listed with a new code: an uppercase ASCII slug of the name ("Sở Ngoại vụ" -> "SO-NGOAI-VU",
  "Ủy ban nhân dân" -> "UBND"), or the acronym the plan gives in brackets ("(PACCOM)").
- A group heading ("Các sở, ban, ngành; ...") uses the database's group of the same name when there is
  one. Otherwise it is listed with ``members: []`` and a comment: the plan does not say which agencies
  are in it, so the coordinator lists them; until then ``load`` refuses the file, naming that line.
- A task with several deadlines becomes one obligation per deadline, refs suffixed a, b, c ("III.5.2a");
  a task with none becomes a continuous obligation (quarterly check-in) marked for review.
"""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from obligations.plans.importer.parse import ParsedPlan, ParsedTask, is_group_name
from obligations.plans.importer.phrases import Deadline
from obligations.plans.importer.text import ascii_slug, match_key, normalize

__all__ = ["Draft", "KnownAgencies", "UNKNOWN_LEAD", "build_draft", "known_from_db"]

UNKNOWN_LEAD = "CHUA-XAC-DINH"  # "not yet determined": a task whose lead the plan does not name
_CODE_LENGTH = 40
_PLAN_CODE_LENGTH = 60
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class KnownAgencies:
    """Agencies and groups already in the database: code -> name."""

    agencies: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._agency_keys: dict[str, list[str]] = {}
        for code, name in self.agencies.items():
            self._agency_keys.setdefault(match_key(name), []).append(code)
        self._group_keys: dict[str, list[str]] = {}
        for code, name in self.groups.items():
            self._group_keys.setdefault(match_key(name), []).append(code)

    @property
    def codes(self) -> set[str]:
        return set(self.agencies) | set(self.groups)

    def agency(self, name: str) -> str | None:
        """The code of the stored agency with this name, if exactly one matches."""
        key = match_key(name)
        codes = self._agency_keys.get(key, [])
        if len(codes) == 1:
            return codes[0]
        acronym = _acronym(name)
        if acronym and acronym in self.agencies:
            return acronym  # "Ban Điều phối viện trợ nhân dân (PACCOM)" and the stored PACCOM
        bare = match_key(re.sub(r"\([^)]*\)", " ", name))
        if bare != key and len(self._agency_keys.get(bare, [])) == 1:
            return self._agency_keys[bare][0]
        # "Liên hiệp các tổ chức hữu nghị tỉnh" is the stored "... tỉnh Khánh Hòa": the plan leaves out its
        # own province's name.
        if key.endswith((" tinh", " thanh pho")):
            longer = [c for k, cs in self._agency_keys.items() if k.startswith(key + " ") for c in cs]
            if len(longer) == 1:
                return longer[0]
        return None

    def group(self, name: str) -> str | None:
        codes = self._group_keys.get(match_key(name), [])
        return codes[0] if len(codes) == 1 else None


def known_from_db(engine) -> KnownAgencies:
    """The agencies and groups stored in the database behind ``engine``."""
    from sqlmodel import Session, select

    from obligations.models.tables import Agency, AgencyGroup

    with Session(engine) as session:
        agencies = {a.code: a.name for a in session.exec(select(Agency))}
        groups = {g.code: g.name for g in session.exec(select(AgencyGroup))}
    return KnownAgencies(agencies=agencies, groups=groups)


def _acronym(name: str) -> str | None:
    match = re.search(r"\(([A-Z][A-Z0-9&\-]{1,15})\)", name)
    return match.group(1).replace("&", "") if match else None


@dataclass
class Draft:
    """The draft file and what a coordinator should know about it."""

    text: str  # the YAML
    plan_code: str
    obligations: int
    tasks: int
    matched: dict[str, str]  # plan name -> stored code
    new_agencies: dict[str, str]  # code -> name, listed in the file
    groups_to_fill: dict[str, str]  # code -> name: groups listed with no members yet
    to_review: list[str]  # obligation refs read as continuous because no deadline was found


class _Codes:
    """Codes for the plan's agency names: the stored one when a name matches, else a new one."""

    def __init__(self, known: KnownAgencies) -> None:
        self.known = known
        self.taken = set(known.codes)
        self.by_key: dict[tuple[str, bool], str] = {}
        self.new_agencies: dict[str, str] = {}
        self.new_groups: dict[str, str] = {}
        self.matched: dict[str, str] = {}

    def code(self, name: str, *, group: bool = False) -> str:
        key = (match_key(name), group)
        if key in self.by_key:
            return self.by_key[key]
        stored = self.known.group(name) if group else self.known.agency(name)
        if stored is not None:
            self.matched[name] = stored
            self.by_key[key] = stored
            return stored
        same = None if group else self._same_body(key[0])
        if same is not None:
            self.by_key[key] = same
            return same
        base = (None if group else _acronym(name)) or ascii_slug(name, max_length=_CODE_LENGTH) or "CO-QUAN"
        code, n = base, 1
        while code in self.taken:
            n += 1
            code = f"{base}-{n}"
        self.taken.add(code)
        self.by_key[key] = code
        (self.new_groups if group else self.new_agencies)[code] = normalize(name)
        return code


    def _same_body(self, key: str) -> str | None:
        """An agency already coded in this draft under a longer or shorter name: "Ủy ban nhân dân tỉnh" in a
        task and "Ủy ban nhân dân tỉnh Đồng Nai" in the header are one body."""
        for (other, is_group), code in self.by_key.items():
            if is_group:
                continue
            shorter, longer = sorted((key, other), key=len)
            if shorter.endswith((" tinh", " thanh pho")) and longer.startswith(shorter + " "):
                return code
        return None


def _q(text: str) -> DoubleQuotedScalarString:
    return DoubleQuotedScalarString(text)


_PLAIN_UNSAFE = re.compile(
    r"^(?:[-+]?[0-9_.]+(?:e[-+]?[0-9]+)?|[0-9]{4}-[0-9]{2}-[0-9]{2}.*|true|false|yes|no|on|off|null|~)$", re.I
)


def _code(text: str) -> str | DoubleQuotedScalarString:
    """Codes and refs are written plain unless YAML would read them as something else ("1", "2017")."""
    return _q(text) if _PLAIN_UNSAFE.match(text) or text[:1] in "*&!%@`|>'\"#[]{}," else text


def _flow(mapping: dict[str, Any]) -> CommentedMap:
    out = CommentedMap(mapping)
    out.fa.set_flow_style()
    return out


def _schedule(deadline: Deadline | None) -> CommentedMap:
    if deadline is None:
        return _flow({"kind": "continuous"})
    if deadline.kind == "once":
        return _flow({"kind": "once", "due": deadline.due, "inclusive": bool(deadline.inclusive),
                      "phrase": _q(deadline.phrase)})
    if deadline.kind == "recurring":
        return _flow({"kind": "recurring", "rrule": _q(deadline.rrule or ""), "inclusive": bool(deadline.inclusive),
                      "phrase": _q(deadline.phrase)})
    if deadline.kind == "cycle":
        return _flow({"kind": "cycle", "cycle": deadline.cycle, "phrase": _q(deadline.phrase)})
    return _flow({"kind": "continuous", "phrase": _q(deadline.phrase)})


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


def build_draft(
    plan: ParsedPlan,
    *,
    source: str,
    today: date,
    known: KnownAgencies | None = None,
    code: str | None = None,
) -> Draft:
    """The coordinator's file for ``plan``. ``today`` dates the draft and stands in for a period the plan
    does not state (its year); ``known`` are the stored agencies and groups to match names against."""
    known = known or KnownAgencies()
    codes = _Codes(known)
    notes: dict[str, list[str]] = {}  # top-level key -> comments before it

    # The plan.
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

    plan_map = CommentedMap()
    plan_map["code"] = _code(plan_code)
    plan_map["title"] = _q(plan.title or source)
    if plan.number:
        plan_map["number"] = _q(plan.number)
    if issuer:
        plan_map["issuer"] = _code(issuer)
    plan_map["start"] = start
    plan_map["end"] = end
    if coordinator:
        plan_map["coordinator"] = _code(coordinator)
        plan_map.yaml_add_eol_comment("the agency that follows the plan (cơ quan thường trực); check", "coordinator")
    if issuer:
        plan_map["manager"] = _code(issuer)
    if period_note:
        plan_map.yaml_add_eol_comment(period_note, "start")
    elif plan.signed and start == plan.signed:
        plan_map.yaml_add_eol_comment("the signing date", "start")
    if not plan.title:
        plan_map.yaml_add_eol_comment("no title found in the document: write the plan's title", "title")

    # Obligations (agencies and groups are coded on the way).
    obligations = CommentedSeq()
    to_review: list[str] = []
    lead_codes: set[str] = set()
    for task in plan.tasks:
        lead = _lead_code(task, codes)
        if not task.group:
            lead_codes.add(lead)
        supporting = []
        for name in task.supporting:
            if is_group_name(name):
                continue
            supporting_code = codes.code(name)
            if supporting_code != lead and supporting_code not in supporting:
                supporting.append(supporting_code)
        report_to = codes.code(task.report_to) if task.report_to else None
        if report_to in (lead, None) or report_to in codes.new_groups:
            report_to = None
        deadlines: list[Deadline | None] = list(task.deadlines) or [None]
        for index, deadline in enumerate(deadlines):
            ref = task.ref if len(deadlines) == 1 else f"{task.ref}{_LETTERS[index % 26]}"
            entry = CommentedMap()
            entry["ref"] = _code(ref)
            if task.provision and task.provision != _default_provision(ref):
                entry["provision"] = _code(task.provision)
            entry["text"] = _q(task.text)
            entry["lead"] = _code(lead)
            entry["supporting"] = CommentedSeq([_code(c) for c in supporting])
            entry["supporting"].fa.set_flow_style()
            if report_to:
                entry["report_to"] = _code(report_to)
            entry["schedule"] = _schedule(deadline)
            entry.yaml_add_eol_comment(_reading(deadline), "schedule")
            entry["policy"] = "checkin" if deadline is None or deadline.kind == "continuous" else "default"
            if deadline is None:
                to_review.append(ref)
            if lead == UNKNOWN_LEAD:
                entry.yaml_add_eol_comment("the plan names no lead agency: choose one", "lead")
            obligations.append(entry)
            if len(deadlines) > 1 and index == 0:
                obligations.yaml_set_comment_before_after_key(
                    len(obligations) - 1,
                    before=f"{task.ref}: the task states {len(deadlines)} deadlines, one obligation each",
                    indent=2,
                )

    # Agencies new to the database, then groups.
    agencies = CommentedSeq()
    for agency_code, name in codes.new_agencies.items():
        item = {"code": _code(agency_code), "name": _q(name)}
        if issuer and agency_code in lead_codes and agency_code != issuer:
            item["parent"] = _code(issuer)  # the line matters escalate along: the issuing committee
        agencies.append(_flow(item))
    if UNKNOWN_LEAD in codes.new_agencies:
        agencies.yaml_add_eol_comment("placeholder for tasks with no lead: replace it", len(agencies) - 1)
    groups = CommentedSeq()
    for group_code, name in codes.new_groups.items():
        entry = CommentedMap()
        entry["code"] = _code(group_code)
        entry["name"] = _q(name)
        entry["members"] = CommentedSeq()
        entry["members"].fa.set_flow_style()
        entry.yaml_add_eol_comment(
            "TODO: list the member agencies' codes, e.g. [SO-TAI-CHINH, UBND-HUYEN-X]; load refuses an empty list",
            "members",
        )
        groups.append(entry)

    root = CommentedMap()
    root["plan"] = plan_map
    if agencies:
        root["agencies"] = agencies
        notes["agencies"] = [
            "Agencies named in the plan and not yet in the database (stored ones are used by their code).",
            "Check each name and code; add `parent:` where a matter should escalate to a body above it.",
        ]
    if groups:
        root["groups"] = groups
        notes["groups"] = [
            "Groups of agencies the plan assigns tasks to. The plan does not list their members:",
            "write them in `members:` (agency codes, defined above or already stored) before loading.",
        ]
    provisions = CommentedSeq()
    for provision in plan.provisions:
        provisions.append(_flow({"ref": _code(provision.ref), "title": _q(provision.title[:300]),
                                 "text": _q(provision.text)}))
    if provisions:
        root["provisions"] = provisions
    root["obligations"] = obligations
    notes["obligations"] = [
        "One obligation per deadline found. Each schedule keeps the plan's words in `phrase`; the comment",
        "beside it says how they were read (\"trước ngày D\": before D starts; \"chậm nhất\", \"trong tháng\":",
        "by the end). Obligations marked \"no deadline found\" are continuous until you give them a schedule.",
    ]
    for key, lines in notes.items():
        root.yaml_set_comment_before_after_key(key, before="\n" + "\n".join(lines))

    header = [
        f"Draft made by `obligations plan draft` from {source} on {today.isoformat()}.",
        "Review it, then load it: obligations load <this file>   (all or nothing; errors name the line).",
        f"Found {_count(len(plan.tasks), 'task')}, {_count(len(obligations), 'obligation')}.",
    ]
    for note in plan.notes:
        header.extend(textwrap.wrap(f"Not a task (kept here for the reader): {note}", width=110))
    root.yaml_set_start_comment("\n".join(header))

    yaml = YAML(typ="rt")
    yaml.allow_unicode = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.ignore_aliases = lambda data: True  # the same date twice is written twice, no &id001
    stream = io.StringIO()
    yaml.dump(root, stream)
    return Draft(
        text=stream.getvalue(),
        plan_code=plan_code,
        obligations=len(obligations),
        tasks=len(plan.tasks),
        matched=dict(codes.matched),
        new_agencies=dict(codes.new_agencies),
        groups_to_fill=dict(codes.new_groups),
        to_review=to_review,
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _default_provision(ref: str) -> str | None:
    head, dot, _ = ref.rpartition(".")
    return head if dot and head else None


def _lead_code(task: ParsedTask, codes: _Codes) -> str:
    if not task.agency:
        codes.new_agencies.setdefault(UNKNOWN_LEAD, "Chưa xác định (cơ quan chủ trì)")
        codes.taken.add(UNKNOWN_LEAD)
        return UNKNOWN_LEAD
    return codes.code(task.agency, group=task.group)
