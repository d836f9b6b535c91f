"""Held-out measurement of the plan importer on real task sentences it was not built from (issue 13's measure).

    .venv/bin/python -m bench.importer [--data bench/data/importer_held_out.yaml] [--case ID]

The sentences in bench/data/importer_held_out.yaml come from public letters, directives, notices and decisions
of provinces and ministries, none of them in the tests the importer was built with; each case records, by hand
and before the reader was run, who leads the task and its deadlines (or that its dates are not deadlines).

Each case is read the way a directive is read: a small document is written and given to
``plans.importer.parse.parse_text``, as ``obligations plan parse`` reads a ``.txt``::

    <issuer lines>                       ỦY BAN NHÂN DÂN / TỈNH ĐẮK NÔNG
    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
    Độc lập - Tự do - Hạnh phúc
    Số: <number>                         (when the case knows it)
    <place>, ngày D tháng M năm Y        (when the case has a date; no place when it does not know it)
    <context paragraphs>                 what the letter answers, as published, unnumbered
    1. <the task's paragraph>
    <items>                              the paragraphs under it when it ends with ":"
    <after paragraphs>                   sentences that name no one and belong to it

No case is read with ``find_deadlines`` alone: a whole document is never artificial here, and it is how the
importer meets these sentences (the date line gives the year of a date written without one).

Compared, per expected task: found (a task was read for it), lead (the expected name, compared without accents,
case, "UBND"/"Ủy ban nhân dân" or spaces around "-"; for a group only the group flag), each expected deadline
(once: day and inclusive; recurring: the days of the year its rule gives and inclusive, several rules may make
up one; relative: count and unit, or once counted from the document's date within the case's tolerance), and
each date or phrase listed as not a deadline (taken when a deadline read for the case falls on that day or its
phrase overlaps those words). Deadlines read that are neither expected nor listed, and tasks read that were not
expected, are misses too.

Also counted, apart: the expected deadlines that ``find_deadlines`` finds in the task's own paragraphs read alone
(with the case's date as ``document_date``), whoever the task is given to: how much of a miss is the sentence's
assignment rather than its date.

Prints one JSON object on stdout: tasks expected/found (and extra tasks read), leads right, deadlines
expected/right, not-deadlines rightly ignored, tasks without a deadline read as such, and every miss with what
was read. Progress on stderr. Pure: no database, no network.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from obligations.plans.importer.deadline import Deadline
from obligations.plans.importer.parse import parse_text
from obligations.plans.importer.parsed import ParsedTask
from obligations.plans.importer.phrases import find_deadlines
from obligations.plans.importer.text import fold, normalize

DATA = Path(__file__).parent / "data" / "importer_held_out.yaml"
NATIONAL = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# The document a case becomes


def document(case: dict[str, Any]) -> str:
    """The case as a small directive: header, date line, context, the numbered task, its items."""
    lines = [*case.get("issuer", []), *NATIONAL]
    if case.get("number"):
        lines.append(f"Số: {case['number']}")
    when = case.get("date")
    if when:
        place = f"{case['place']}, " if case.get("place") else ""
        lines.append(f"{place}ngày {when.day:02d} tháng {when.month:02d} năm {when.year}")
    lines += case.get("context", [])
    lines.append(f"1. {case['text'].strip()}")
    lines += case.get("items", [])
    lines += case.get("after", [])
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------
# Comparing names, deadlines and not-deadlines


def name_key(name: str | None) -> str:
    """A name compared without accents, case, "UBND"/"Ủy ban nhân dân", spacing around "-" or punctuation."""
    text = fold(normalize(name or ""))
    text = re.sub(r"\bubnd\b", "uy ban nhan dan", text)
    text = re.sub(r"\s*[-\u2013]\s*", " - ", text)
    return " ".join(re.sub(r"[.,;:()]", " ", text).split())


def lead_right(expected: dict[str, Any], task: ParsedTask) -> bool:
    if expected.get("group"):
        return bool(task.group)
    return name_key(task.agency) == name_key(expected["lead"])


def rule_days(rrule: str | None) -> frozenset | None:
    """The (month, day) pairs of a yearly or monthly rule (month 0 for "every month"); None for another rule."""
    parts = dict(p.split("=", 1) for p in (rrule or "").split(";") if "=" in p)
    days = [int(d) for d in parts.get("BYMONTHDAY", "").split(",") if d]
    if parts.get("FREQ") == "MONTHLY" and days:
        return frozenset((0, d) for d in days)
    if parts.get("FREQ") == "YEARLY" and days and parts.get("BYMONTH"):
        return frozenset((int(m), d) for m in parts["BYMONTH"].split(",") for d in days)
    if parts.get("FREQ") == "WEEKLY":
        return frozenset(("W", d) for d in parts.get("BYDAY", "").split(","))
    return None


def take_match(spec: dict[str, Any], found: list[Deadline], used: set[int]) -> list[int]:
    """The indexes of the deadlines read that make up the expected one ``spec`` ([] when none does)."""
    free = [(i, d) for i, d in enumerate(found) if i not in used]
    if "once" in spec:
        return [i for i, d in free if d.kind == "once" and d.due == spec["once"]
                and bool(d.inclusive) == spec["inclusive"]][:1]
    if "rrule" in spec:
        want = rule_days(spec["rrule"])
        parts = [(i, rule_days(d.rrule)) for i, d in free
                 if d.kind == "recurring" and bool(d.inclusive) == spec["inclusive"]]
        parts = [(i, days) for i, days in parts if days and want and days <= want]
        union = frozenset().union(*(days for _, days in parts)) if parts else frozenset()
        return [i for i, _ in parts] if parts and union == want else []
    relative, counted = spec["relative"], spec.get("counted")
    tolerance = timedelta(days=spec.get("tolerance_days", 0))
    for i, d in free:
        if d.kind == "relative" and d.count == relative["count"] and d.unit == relative["unit"]:
            return [i]
        if d.kind == "once" and counted and d.due and abs(d.due - counted) <= tolerance:
            return [i]
    return []


def words_hit(entry: dict[str, Any], deadline: Deadline) -> bool:
    """Whether a deadline read was read from the words ``entry`` says are not a deadline."""
    said, read = fold(normalize(entry.get("text", ""))), fold(normalize(deadline.phrase or ""))
    return len(read) >= 4 and len(said) >= 4 and (read in said or said in read)


def day_hit(entry: dict[str, Any], deadline: Deadline) -> bool:
    return bool(entry.get("date")) and deadline.kind == "once" and deadline.due == entry["date"]


def blame(entries: list[dict[str, Any]], deadlines: list[Deadline]) -> dict[int, list[Deadline]]:
    """Each deadline read that is not expected, given to the not-deadline it was read from: the one whose words
    it has, else the one whose day it falls on (so one wrong reading is one miss)."""
    blamed: dict[int, list[Deadline]] = {}
    for deadline in deadlines:
        for hit in (words_hit, day_hit):
            index = next((i for i, entry in enumerate(entries) if hit(entry, deadline)), None)
            if index is not None:
                blamed.setdefault(index, []).append(deadline)
                break
    return blamed


def deadline_key(deadline: Deadline) -> tuple:
    """What a deadline says, whatever task it was read for."""
    return (deadline.kind, deadline.due, deadline.rrule, deadline.inclusive, deadline.count, deadline.unit)


def spec_text(spec: dict[str, Any]) -> str:
    if "once" in spec:
        return f"once {spec['once'].isoformat()} inclusive={str(spec['inclusive']).lower()}"
    if "rrule" in spec:
        return f"{spec['rrule']} inclusive={str(spec['inclusive']).lower()}"
    relative = spec["relative"]
    return f"relative {relative['count']} {relative['unit']} (counted: {spec.get('counted')})"


# ---------------------------------------------------------------------------------------------------
# Scoring one case


class Tally:
    """The counts and the misses over all cases."""

    def __init__(self) -> None:
        self.counts = {key: 0 for key in (
            "tasks_expected", "tasks_found", "tasks_extra", "leads_right", "deadlines_expected",
            "deadlines_right", "not_deadlines_expected", "not_deadlines_ignored", "no_deadline_expected",
            "no_deadline_right", "extra_deadlines", "found_deadlines_expected", "found_deadlines_right",
            "found_not_deadlines_expected", "found_not_deadlines_ignored", "alone_right")}
        self.misses: list[dict[str, Any]] = []

    def miss(self, case: dict[str, Any], kind: str, **detail: Any) -> None:
        self.misses.append({"case": case["id"], "kind": kind, **detail})


def pair_tasks(expected: list[dict[str, Any]], found: list[ParsedTask]) -> list[tuple[dict, ParsedTask | None]]:
    """Each expected task with the task read for it: the one whose lead is right, else the next one read."""
    free = list(found)
    pairs: list[tuple[dict, ParsedTask | None]] = []
    for want in expected:
        match = next((t for t in free if lead_right(want, t)), None) or (free[0] if free else None)
        if match is not None:
            free.remove(match)
        pairs.append((want, match))
    return pairs


def score_task(tally: Tally, case: dict, want: dict, task: ParsedTask | None, unused: list[Deadline]) -> None:
    counts = tally.counts
    counts["tasks_expected"] += 1
    counts["deadlines_expected"] += len(want["deadlines"])
    counts["no_deadline_expected"] += not want["deadlines"]
    if task is None:
        tally.miss(case, "task not found", expected_lead=want["lead"],
                   expected_deadlines=[spec_text(spec) for spec in want["deadlines"]])
        return
    counts["tasks_found"] += 1
    counts["found_deadlines_expected"] += len(want["deadlines"])
    if lead_right(want, task):
        counts["leads_right"] += 1
    else:
        tally.miss(case, "wrong lead", expected_lead=want["lead"], expected_group=bool(want.get("group")),
                   read={"agency": task.agency, "group": task.group}, ref=task.ref)
    used: set[int] = set()
    for spec in want["deadlines"]:
        taken = take_match(spec, task.deadlines, used)
        used.update(taken)
        if taken:
            counts["deadlines_right"] += 1
            counts["found_deadlines_right"] += 1
        else:
            tally.miss(case, "deadline not read right", expected=spec_text(spec), phrase=spec.get("phrase"),
                       read=[d.to_dict() for d in task.deadlines])
    if not want["deadlines"] and not task.deadlines:
        counts["no_deadline_right"] += 1
    unused += [d for i, d in enumerate(task.deadlines) if i not in used]


def score_alone(tally: Tally, case: dict[str, Any]) -> None:
    """The expected deadlines found by the phrase reader alone in the task's own paragraphs, whoever leads."""
    text = " ".join([case["text"], *case.get("items", []), *case.get("after", [])])
    found, used = find_deadlines(text, document_date=case.get("date")), set()
    for spec in (spec for want in case["tasks"] for spec in want["deadlines"]):
        taken = take_match(spec, found, used)
        used.update(taken)
        tally.counts["alone_right"] += bool(taken)


def score_case(tally: Tally, case: dict[str, Any]) -> None:
    score_alone(tally, case)
    plan = parse_text(document(case))
    pairs = pair_tasks(case["tasks"], plan.tasks)
    unused: list[Deadline] = []
    for want, task in pairs:
        score_task(tally, case, want, task, unused)
    paired = [task for _, task in pairs if task is not None]
    seen = {deadline_key(d) for task in paired for d in task.deadlines}
    for extra in (t for t in plan.tasks if all(t is not task for task in paired)):
        tally.counts["tasks_extra"] += 1
        tally.miss(case, "task read that is none", read=extra.to_dict())
        unused += [d for d in extra.deadlines if deadline_key(d) not in seen]  # a lead split off: counted once
    unused = list({deadline_key(d): d for d in unused}.values())
    entries = case.get("not_deadlines", [])
    read = any(task is not None for _, task in pairs)  # else nothing was read to take a date from
    tally.counts["not_deadlines_expected"] += len(entries)
    tally.counts["found_not_deadlines_expected"] += len(entries) * read
    blamed = blame(entries, unused)
    for index, entry in enumerate(entries):
        tally.counts["found_not_deadlines_ignored"] += read and index not in blamed
        if index in blamed:
            tally.miss(case, "date taken for a deadline", words=entry.get("text"), why=entry.get("why"),
                       read=[d.to_dict() for d in blamed[index]])
        else:
            tally.counts["not_deadlines_ignored"] += 1
    taken = [id(d) for found in blamed.values() for d in found]
    for deadline in (d for d in unused if id(d) not in taken):
        tally.counts["extra_deadlines"] += 1
        tally.miss(case, "deadline read that is none", read=deadline.to_dict())


# ---------------------------------------------------------------------------------------------------
# Running


def load_cases(path: Path) -> list[dict[str, Any]]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    for case in cases:
        if isinstance(case.get("date"), str):
            case["date"] = date.fromisoformat(case["date"])
    return cases


def report(tally: Tally, path: Path, cases: list[dict[str, Any]]) -> dict[str, Any]:
    c = tally.counts
    return {
        "benchmark": "importer_held_out",
        "data": str(path),
        "cases": len(cases),
        "issuers": len({case["issuer"][-1] + case.get("place", "") for case in cases}),
        "read_with": "plans.importer.parse.parse_text on a small directive per case (see the module docstring)",
        "tasks": {"expected": c["tasks_expected"], "found": c["tasks_found"], "extra_read": c["tasks_extra"]},
        "leads": {"expected": c["tasks_expected"], "right": c["leads_right"]},
        "deadlines": {"expected": c["deadlines_expected"], "right": c["deadlines_right"],
                      "extra_read": c["extra_deadlines"],
                      "of_tasks_found": {"expected": c["found_deadlines_expected"],
                                         "right": c["found_deadlines_right"]},
                      "phrases_read_alone_right": c["alone_right"]},
        "not_deadlines": {"expected": c["not_deadlines_expected"], "rightly_ignored": c["not_deadlines_ignored"],
                          "in_cases_with_a_task_read": {"expected": c["found_not_deadlines_expected"],
                                                        "rightly_ignored": c["found_not_deadlines_ignored"]}},
        "tasks_without_deadline": {"expected": c["no_deadline_expected"], "read_without": c["no_deadline_right"]},
        "misses_by_kind": {kind: sum(m["kind"] == kind for m in tally.misses)
                           for kind in sorted({m["kind"] for m in tally.misses})},
        "misses": tally.misses,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the cases (YAML)")
    parser.add_argument("--case", action="append", help="only these case ids (repeatable)")
    args = parser.parse_args(argv)
    cases = load_cases(args.data)
    if args.case:
        cases = [case for case in cases if case["id"] in set(args.case)]
    tally = Tally()
    for number, case in enumerate(cases, 1):
        before = len(tally.misses)
        score_case(tally, case)
        log(f"{number:2d}/{len(cases)} {case['id']}: {len(tally.misses) - before} miss(es)")
    print(json.dumps(report(tally, args.data, cases), ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
