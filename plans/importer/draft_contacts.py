"""A contact list merged into a draft, and the agencies no reminder would reach.

The list's agencies are matched by code or by name against the agencies the draft uses: the database's
(:class:`~obligations.plans.importer.agency_codes.KnownAgencies`, names compared as the importer compares
them) and the ones the plan names. A row naming any other agency, or two rows for one person, is an error
naming its line: the draft is not written, as a contact filed under a new, misspelled agency would never
be reminded of anything.

An agency that leads a task, is a member of a group that leads one, or coordinates the plan, and has no
focal point (neither in the list nor in the database), is listed at the end of the draft: the first sweep
would write every message of theirs as undeliverable.
"""

from __future__ import annotations

from dataclasses import dataclass

from obligations.plans.file.contact_list import ContactList
from obligations.plans.file.schema import ContactSpec
from obligations.plans.importer.agency_codes import UNKNOWN_LEAD, AgencyCodes
from obligations.plans.importer.text import match_key

__all__ = ["COORDINATING", "NO_FOCAL_POINT", "Receivers", "footer", "merge_contacts"]

NO_FOCAL_POINT = "Cơ quan chưa có đầu mối nhận nhắc việc"
COORDINATING = "điều phối kế hoạch"  # why the coordinating agency receives: the escalations that reach it
_REACHING = {"focal_point"}  # the role every reminder and the first escalation go to
_REACHING_COORDINATOR = {"focal_point", "coordinator"}  # escalations to the coordinating agency


def _agency_of(text: str, codes: AgencyCodes) -> str | None:
    """The code of the agency ``text`` names (a code or a name), among the stored ones and the draft's own;
    never the placeholder of a task without a lead."""
    code = _named(text.strip(), codes)
    return None if code == UNKNOWN_LEAD else code


def _named(text: str, codes: AgencyCodes) -> str | None:
    if text in codes.known.agencies or text in codes.new_agencies:
        return text
    key = match_key(text)
    drafted = [code for (name_key, group), code in codes.by_key.items() if not group and name_key == key]
    drafted += [code for code, name in codes.new_agencies.items() if match_key(name) == key]
    if drafted:
        return drafted[0]
    stored = codes.known.agency(text)
    if stored is not None:
        return stored
    # "Liên hiệp các tổ chức hữu nghị tỉnh Khánh Hòa" in the list, "... tỉnh" in the plan: the plan leaves out
    # its own province's name.
    for code, name in codes.new_agencies.items():
        short = match_key(name)
        if short.endswith((" tinh", " thanh pho")) and key.startswith(short + " "):
            return code
    return None


def merge_contacts(contact_list: ContactList, codes: AgencyCodes) -> tuple[list[ContactSpec], list[int]]:
    """The list's people as the draft's contacts, and the line of each; FileError naming the line of every
    bad row, unknown agency and person listed twice (nothing is drafted then)."""
    contacts, lines = [], []
    for row in contact_list.resolved(lambda text: _agency_of(text, codes)):
        fields: dict[str, object] = {"name": row.name, "agency": row.agency, "role": row.role}
        for key in ("title", "email", "zalo_user_id", "phone"):
            if getattr(row, key):
                fields[key] = getattr(row, key)
        fields["channels"] = list(row.channels)
        contacts.append(ContactSpec.model_construct(**fields))
        lines.append(row.line)
    return contacts, lines


@dataclass
class Receivers:
    """The agencies reminders go to, and why: leads, members of groups that lead, the coordinating agency."""

    why: dict[str, dict[str, list[str]]]  # code -> {"chủ trì": [refs], "thành viên NHÓM": [refs], ...}

    def add(self, code: str | None, role: str, ref: str | None = None) -> None:
        if not code or code == UNKNOWN_LEAD:
            return
        refs = self.why.setdefault(code, {}).setdefault(role, [])
        if ref and ref not in refs:
            refs.append(ref)

    def describe(self, code: str) -> str:
        """"chủ trì III.1.1, III.1.2 và 5 nhiệm vụ khác; điều phối kế hoạch"."""
        parts = []
        for role, refs in self.why[code].items():
            shown = ", ".join(refs[:3]) + (f" và {len(refs) - 3} nhiệm vụ khác" if len(refs) > 3 else "")
            parts.append(f"{role} {shown}".strip())
        return "; ".join(parts)

    def unreached(self, codes: AgencyCodes, contacts: list[ContactSpec], coordinator: str | None) -> dict[str, str]:
        """Code -> name of each receiving agency without a focal point in ``contacts`` or in the database."""
        roles: dict[str, set[str]] = {}
        for contact in contacts:
            roles.setdefault(contact.agency, set()).add(contact.role)
        missing = {}
        for code, why in self.why.items():
            has = roles.get(code, set()) | codes.known.contact_roles.get(code, set())
            # An agency's own tasks reach its focal point only; the coordinator's escalations reach either.
            owns_tasks = any(role != COORDINATING for role in why)
            if (owns_tasks and not has & _REACHING) or (code == coordinator and not has & _REACHING_COORDINATOR):
                missing[code] = codes.new_agencies.get(code) or codes.known.agencies.get(code, code)
        return missing


def footer(missing: dict[str, str], receivers: Receivers) -> str:
    """The comment block at the end of the draft listing ``missing`` (empty when there is none)."""
    if not missing:
        return ""
    lines = [
        "",
        f"# {NO_FOCAL_POINT} ({len(missing)}): mọi nhắc việc gửi họ sẽ không đến được ai.",
        "# Thêm một người role: focal_point cho mỗi cơ quan (mục contacts: ở trên, hoặc --contacts DANH-SÁCH),",
        "# rồi nạp. / Agencies with no focal point: every reminder of theirs would be undeliverable.",
    ]
    lines.extend(f"#   {code}: {name} ({receivers.describe(code)})" for code, name in missing.items())
    return "\n".join(lines) + "\n"
