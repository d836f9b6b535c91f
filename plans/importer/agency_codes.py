"""Codes for the agency names a plan document uses: the stored agency's code when a name matches one in
the database, else a new code made from the name (docs/plan-import.md):

- Names are matched by :func:`~obligations.plans.importer.text.match_key` (accents, case, "UBND" and the
  province's name after "tỉnh" do not matter), by the acronym the plan gives in brackets ("(PACCOM)"),
  and with the province's name the plan leaves out of its own bodies ("Liên hiệp ... tỉnh").
- A new code is the acronym in brackets, else an uppercase ASCII slug of the name ("Sở Ngoại vụ" ->
  "SO-NGOAI-VU", "Ủy ban nhân dân" -> "UBND"), numbered when taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from obligations.plans.importer.text import ascii_slug, match_key, normalize

__all__ = ["UNKNOWN_LEAD", "AgencyCodes", "KnownAgencies", "known_from_db"]

UNKNOWN_LEAD = "CHUA-XAC-DINH"  # "not yet determined": a task whose lead the plan does not name
_CODE_LENGTH = 40


@dataclass
class KnownAgencies:
    """Agencies and groups already in the database: code -> name; and what a draft needs to know of them to
    propose a group's members and to find who receives reminders (an agency's parent, a group's members, the
    roles of an agency's active contacts)."""

    agencies: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)  # agency code -> its parent's code
    members: dict[str, list[str]] = field(default_factory=dict)  # group code -> member agency codes
    contact_roles: dict[str, set[str]] = field(default_factory=dict)  # agency code -> roles with a contact

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
    from sqlalchemy import select
    from sqlmodel import Session

    from obligations.models.tables import Agency, AgencyGroup, AgencyGroupMember, Contact

    with Session(engine) as session:
        rows = list(session.scalars(select(Agency)))
        codes = {a.id: a.code for a in rows}
        parents = {a.code: codes[a.parent_id] for a in rows if a.parent_id in codes}
        group_rows = list(session.scalars(select(AgencyGroup)))
        group_codes = {g.id: g.code for g in group_rows}
        members: dict[str, list[str]] = {}
        for link in session.scalars(select(AgencyGroupMember)):
            members.setdefault(group_codes[link.group_id], []).append(codes[link.agency_id])
        roles: dict[str, set[str]] = {}
        for agency_id, role in session.execute(select(Contact.agency_id, Contact.role).where(Contact.active)):
            roles.setdefault(codes[agency_id], set()).add(role)
    return KnownAgencies(
        agencies={a.code: a.name for a in rows},
        groups={g.code: g.name for g in group_rows},
        parents=parents,
        members=members,
        contact_roles=roles,
    )


def _acronym(name: str) -> str | None:
    match = re.search(r"\(([A-Z][A-Z0-9&\-]{1,15})\)", name)
    return match.group(1).replace("&", "") if match else None


class AgencyCodes:
    """Codes for the plan's agency names, as a draft assigns them: the stored one when a name matches, else
    a new one; remembers which names matched and which agencies and groups are new."""

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

    def lead(self, name: str | None, *, group: bool) -> str:
        """The code of a task's lead; a placeholder to replace when the plan names none."""
        if not name:
            self.new_agencies.setdefault(UNKNOWN_LEAD, "Chưa xác định (cơ quan chủ trì)")
            self.taken.add(UNKNOWN_LEAD)
            return UNKNOWN_LEAD
        return self.code(name, group=group)
