"""Checks across the entries of a coordinator's file, which no single model can make: duplicate codes,
loops of parents, a group listed as a member, a channel without its address, unknown cycles, a relative
deadline without its anchor.

They run on the plain data, not on the models, so that they report even when some entries are malformed;
each returns ``(path, problem)`` pairs. Codes the file uses without defining them are looked up in the
database later (:mod:`~obligations.plans.file.resolve`).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from obligations.plans.file.errors import FieldPath, line_of

__all__ = ["cross_checks"]

Problems = list[tuple[FieldPath, str]]
_ADDRESS = {"email": "email", "zalo": "zalo_user_id", "zns": "phone"}  # channel -> the contact's key


def cross_checks(plain: dict, lines: dict[FieldPath, int], defaults: dict[str, Any]) -> Problems:
    """Every problem across entries of the file ``plain`` (whose keys' lines are ``lines``)."""
    errors: Problems = []
    agencies = _first_seen(plain, lines, "agencies", "code", "agency code", errors)
    groups = _first_seen(plain, lines, "groups", "code", "group code", errors)
    _first_seen(plain, lines, "provisions", "ref", "provision ref", errors)
    _first_seen(plain, lines, "obligations", "ref", "obligation ref", errors)
    for code, here in groups.items():
        if code in agencies:
            errors.append(
                (
                    here,
                    f"{code!r} is also an agency code (line {line_of(lines, agencies[code])}); "
                    "an agency and a group cannot share a code",
                )
            )
    errors += _parent_loops(plain)
    errors += _group_members(plain, set(groups))
    errors += _contacts(plain, lines)
    errors += _plan_period(plain)
    errors += _obligations(plain, set(groups), _cycles(plain, defaults))
    return errors


def _norm(value: Any) -> str | None:
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).strip()
        return text or None
    return None


def _entries(plain: dict, key: str) -> list[tuple[int, dict]]:
    value = plain.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _is_day(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _first_seen(
    plain: dict, lines: dict[FieldPath, int], owner: str, key: str, kind: str, errors: Problems
) -> dict[str, FieldPath]:
    """Where each value of ``owner[*].key`` is first given; a later duplicate is an error."""
    seen: dict[str, FieldPath] = {}
    for i, item in _entries(plain, owner):
        value = _norm(item.get(key))
        if value is None:
            continue
        here = (owner, i, key)
        if value in seen:
            errors.append((here, f"duplicate {kind} {value!r} (already on line {line_of(lines, seen[value])})"))
        else:
            seen[value] = here
    return seen


def _parent_loops(plain: dict) -> Problems:
    """Agencies: the chain of parents must end."""
    errors: Problems = []
    parents = {}
    for i, item in _entries(plain, "agencies"):
        code, parent = _norm(item.get("code")), _norm(item.get("parent"))
        if code and parent:
            parents.setdefault(code, (parent, ("agencies", i, "parent")))
    reported: set[str] = set()
    for start in parents:
        seen_chain, code = [], start
        while code in parents and code not in seen_chain:
            seen_chain.append(code)
            code = parents[code][0]
        if code in seen_chain and code not in reported:
            loop = seen_chain[seen_chain.index(code) :]
            reported.update(loop)
            errors.append((parents[code][1], f"parent loop: {' -> '.join([*loop, code])}"))
    return errors


def _group_members(plain: dict, groups: set[str]) -> Problems:
    """Groups: members are agencies, each listed once."""
    errors: Problems = []
    for i, item in _entries(plain, "groups"):
        members = item.get("members")
        if not isinstance(members, list):
            continue
        seen_members: set[str] = set()
        for j, member in enumerate(members):
            code = _norm(member)
            if code is None:
                continue
            if code in seen_members:
                errors.append((("groups", i, "members", j), f"{code!r} is listed twice"))
            elif code in groups:
                errors.append((("groups", i, "members", j), f"{code!r} is a group; list its agencies instead"))
            seen_members.add(code)
    return errors


def _contacts(plain: dict, lines: dict[FieldPath, int]) -> Problems:
    """Contacts: one per (agency, name); each channel once, and with its address."""
    errors: Problems = []
    contacts: dict[tuple[str | None, str | None], FieldPath] = {}
    for i, item in _entries(plain, "contacts"):
        key = (_norm(item.get("agency")), _norm(item.get("name")))
        if key[0] and key[1]:
            if key in contacts:
                errors.append(
                    (
                        ("contacts", i, "name"),
                        f"duplicate contact {key[1]!r} of {key[0]!r}"
                        f" (already on line {line_of(lines, contacts[key])})",
                    )
                )
            else:
                contacts[key] = ("contacts", i, "name")
        channels = item.get("channels", ["email"])
        if not isinstance(channels, list):
            continue
        seen_channels: set[str] = set()
        for j, channel in enumerate(channels):
            if channel in seen_channels:
                errors.append((("contacts", i, "channels", j), f"channel {channel!r} is listed twice"))
            seen_channels.add(channel)
            if channel in _ADDRESS and _norm(item.get(_ADDRESS[channel])) is None:
                errors.append(
                    (("contacts", i, "channels"), f"channel {channel} needs `{_ADDRESS[channel]}`, which is missing")
                )
    return errors


def _plan_period(plain: dict) -> Problems:
    """Plan: the period must not end before it starts."""
    plan = plain.get("plan")
    if isinstance(plan, dict):
        start, end = plan.get("start"), plan.get("end")
        if _is_day(start) and _is_day(end) and end < start:
            return [(("plan", "end"), f"the plan ends ({end}) before it starts ({start})")]
    return []


def _cycles(plain: dict, defaults: dict[str, Any]) -> set[str]:
    cycles = set((defaults.get("cycles") or {}).keys())
    if isinstance(plain.get("cycles"), dict):
        cycles.update(str(k) for k in plain["cycles"])
    return cycles


def _obligations(plain: dict, groups: set[str], cycles: set[str]) -> Problems:
    """Obligations: supporting agencies (each once, not the lead, not a group), one agency to report to,
    known cycles."""
    errors: Problems = []
    for i, item in _entries(plain, "obligations"):
        lead = _norm(item.get("lead"))
        supporting = item.get("supporting")
        if isinstance(supporting, list):
            seen_support: set[str] = set()
            for j, code in enumerate(supporting):
                code = _norm(code)
                if code is None:
                    continue
                here = ("obligations", i, "supporting", j)
                if code in seen_support:
                    errors.append((here, f"{code!r} is listed twice"))
                elif code == lead:
                    errors.append((here, f"{code!r} is already the lead"))
                elif code in groups:
                    errors.append((here, f"{code!r} is a group; supporting takes agencies"))
                seen_support.add(code)
        report_to = _norm(item.get("report_to"))
        if report_to and report_to in groups:
            errors.append((("obligations", i, "report_to"), f"{report_to!r} is a group; report_to takes one agency"))
        schedule = item.get("schedule")
        if isinstance(schedule, dict) and schedule.get("kind") == "relative" and schedule.get("anchor") is None:
            errors.append((("obligations", i, "schedule", "anchor"), _unanchored(schedule)))
        if isinstance(schedule, dict) and schedule.get("kind") == "cycle":
            name = _norm(schedule.get("cycle"))
            if name and name not in cycles:
                known = ", ".join(sorted(cycles)) or "none"
                errors.append(
                    (
                        ("obligations", i, "schedule", "cycle"),
                        f"unknown cycle {name!r}; known: {known} (define it under `cycles:`)",
                    )
                )
    return errors


def _unanchored(schedule: dict) -> str:
    """Why a relative deadline cannot be loaded yet: nobody knows when its event happens."""
    event = _norm(schedule.get("after")) or _norm(schedule.get("phrase")) or "the event"
    return (
        f"the deadline is counted from “{event}”, which the plan does not date: write `anchor: YYYY-MM-DD`, "
        f"the day it happened (the deadline is then {schedule.get('count')} {schedule.get('unit')} after it)"
    )
