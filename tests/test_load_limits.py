"""The bounds of the coordinator's file and of config/defaults.yaml and calendar.yaml: every text as long
as its column, no character a text cannot hold, working days and dates the calendar can count, and a file
refused at its bound (size, nesting, aliases) before it is held whole. Through ``read_plan_file`` and the
config readers; tests/test_load.py (BAD_CASES) and tests/test_cli.py check that nothing is written."""

from __future__ import annotations

import json
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from obligations.config.settings import CONFIG_DIR
from obligations.models.tables import Agency, AgencyGroup, Contact, Obligation, Plan, PolicyRow, Provision
from obligations.plans.file.errors import FileError
from obligations.plans.file.lines import MAX_DEPTH, MAX_FILE_SIZE, MAX_VALUES
from obligations.plans.file.read import parse_plan_file, read_calendar, read_defaults, read_plan_file
from obligations.plans.file.schema import AgencySpec, ContactSpec, GroupSpec, ObligationSpec, PlanSpec, ProvisionSpec
from obligations.rules.limits import MAX_LONG_TEXT, MAX_WORKING_DAYS
from tests.test_load import BOMB, write

HEAD = "plan: {code: x, title: t, start: 2017-01-01, end: 2017-12-31}\n"
ONCE = {"kind": "once", "due": date(2017, 6, 30), "inclusive": True}


def problems(text: str, defaults: dict | None = None) -> list[str]:
    with pytest.raises(FileError) as caught:
        parse_plan_file(text, source="plan.yaml", defaults=defaults or {})
    return caught.value.messages


# --------------------------------------------------------------------------------------------------
# Texts: the bound of their column, and no character a text cannot hold

PLAN = {"code": "x", "title": "t", "start": date(2017, 1, 1), "end": date(2017, 12, 31)}
OBLIGATION = {"ref": "A.1", "text": "t", "lead": "A", "schedule": ONCE}
# (model, a valid entry, the field, the column it is stored in)
COLUMNS = [
    (PlanSpec, PLAN, "code", Plan.code),
    (PlanSpec, PLAN, "number", Plan.number),
    (PlanSpec, PLAN, "issuer", Agency.code),
    (AgencySpec, {"code": "A", "name": "n"}, "code", Agency.code),
    (AgencySpec, {"code": "A", "name": "n"}, "name", Agency.name),
    (AgencySpec, {"code": "A", "name": "n"}, "parent", Agency.code),
    (GroupSpec, {"code": "G", "name": "n", "members": ["A"]}, "code", AgencyGroup.code),
    (GroupSpec, {"code": "G", "name": "n", "members": ["A"]}, "name", AgencyGroup.name),
    (ContactSpec, {"name": "n", "agency": "A", "role": "manager"}, "name", Contact.name),
    (ContactSpec, {"name": "n", "agency": "A", "role": "manager"}, "zalo_user_id", Contact.zalo_user_id),
    (ContactSpec, {"name": "n", "agency": "A", "role": "manager"}, "phone", Contact.phone),
    (ProvisionSpec, {"ref": "A"}, "ref", Provision.ref),
    (ProvisionSpec, {"ref": "A"}, "title", Provision.title),
    (ObligationSpec, OBLIGATION, "ref", Obligation.ref),
    (ObligationSpec, OBLIGATION, "title", Obligation.title),
    (ObligationSpec, OBLIGATION, "lead", Agency.code),
    (ObligationSpec, OBLIGATION, "policy", PolicyRow.code),
]


@pytest.mark.parametrize(("model", "valid", "name", "column"), COLUMNS, ids=lambda v: getattr(v, "__name__", None))
def test_every_text_is_bounded_like_its_column(model, valid, name, column):
    """The file's words for the error are checked through the reader (tests/test_load.py BAD_CASES)."""
    length = column.type.length
    assert getattr(model.model_validate({**valid, name: "x" * length}), name) == "x" * length
    with pytest.raises(ValidationError) as caught:
        model.model_validate({**valid, name: "x" * (length + 1)})
    (error,) = caught.value.errors()
    assert error["loc"] == (name,) and error["type"] in ("string_too_long", "too_long")
    assert error["ctx"]["max_length"] == length


def test_email_is_bounded_like_its_column():
    length = Contact.email.type.length
    address = "a" * (length - len("@example.org")) + "@example.org"
    assert ContactSpec.model_validate({"name": "n", "agency": "A", "role": "manager", "email": address}).email
    messages = problems(HEAD + f"contacts:\n  - {{name: n, agency: A, role: manager, email: 'a{address}'}}\n")
    assert messages == [f"plan.yaml:3: contacts[0].email: too long: at most {length} characters"]


def test_long_texts_are_bounded_and_keep_their_line_breaks():
    """Texts stored in Text columns: several lines allowed (a tab too), MAX_LONG_TEXT characters at most."""
    text = "Dòng một\n\tdòng hai"
    assert ObligationSpec.model_validate({**OBLIGATION, "text": text}).text == text
    assert ObligationSpec.model_validate({**OBLIGATION, "text": "x" * MAX_LONG_TEXT}).text
    obligation = "obligations:\n  - {ref: A.1, lead: A, schedule: {kind: continuous}, text: '%s'}\n"
    assert problems(HEAD + obligation % ("x" * (MAX_LONG_TEXT + 1))) == [
        f"plan.yaml:3: obligations[0].text: too long: at most {MAX_LONG_TEXT:} characters"
    ]
    assert problems(HEAD.replace("title: t", 'title: "a\\u0085b"')) == [
        "plan.yaml:1: plan.title: contains the character U+0085 (control character), which a text cannot hold; "
        "remove it"
    ]


@pytest.mark.parametrize(
    ("escape", "named"),
    [("\\0", "U+0000 (NUL)"), ("\\x1b", "U+001B (control character)"), ("\\x7f", "U+007F (control character)"),
     ("\\udfff", "U+DFFF (lone surrogate)"), ("\\ud83d", "U+D83D (lone surrogate)")],
)
def test_characters_a_text_cannot_hold_are_refused_in_every_text(escape, named):
    for field in ("code", "title", "number", "issuer", "zone"):
        text = HEAD.replace("}", f', {field}: "a{escape}b"}}') if field not in ("code", "title") else HEAD.replace(
            f"{field}: {'x' if field == 'code' else 't'}", f'{field}: "a{escape}b"'
        )
        assert problems(text) == [
            f"plan.yaml:1: plan.{field}: contains the character {named}, which a text cannot hold; remove it"
        ], field


def test_a_line_break_is_refused_where_a_text_is_one_line():
    assert problems(HEAD + 'agencies: [{code: A, name: "Sở\\tNgoại vụ"}]\n') == [
        "plan.yaml:2: agencies[0].name: contains a line break or a tab (U+0009 (tab)): write this field on one line"
    ]
    assert problems(HEAD + 'agencies: [{code: "A\\nB", name: n}]\n')[0].startswith(
        "plan.yaml:2: agencies[0].code: contains a line break or a tab (U+000A (line break))"
    )


@pytest.mark.parametrize(
    ("raw", "named"),
    [("\x00", "U+0000 (NUL)"), ("\x08", "U+0008 (control character)"), ("\ud800", "U+D800 (lone surrogate)")],
)
def test_a_character_yaml_cannot_hold_is_refused_with_its_line(raw, named):
    text = HEAD + "agencies:\n  - {code: A, name: n}\n  - {code: B, name: a" + raw + "b}\n"
    assert problems(text) == [f"plan.yaml:4: (file): the character {named} cannot be in the file; remove it"]


def test_an_unknown_key_is_quoted_short_whatever_it_holds():
    messages = problems(HEAD + 'agencies:\n  - code: A\n    name: n\n    ? "' + "k" * 5000 + '\\0"\n    : 1\n')
    assert len(messages) == 1 and len(messages[0]) < 400 and "unknown key 'kkkk" in messages[0]


# --------------------------------------------------------------------------------------------------
# Numbers and dates the calendar can count


@pytest.mark.parametrize(
    ("step", "shown"),
    [
        ("reminders: [{before: 251}]", "reminders[0].before: must be at most 250, got 251"),
        ("escalation: [{after: 1000000, notify: manager}]", "escalation[0].after: must be at most 250, got 1000000"),
        ("escalation: [{after: 1, notify: manager, repeat: 251}]",
         "escalation[0].repeat: must be at most 250, got 251"),
        ("reminders: [{before: 1e400}]", "reminders[0].before: expected a whole number, got inf"),
    ],
)
def test_policy_numbers_are_bounded(step, shown):
    assert problems(HEAD + f"policies:\n  p:\n    {step}\n") == [f"plan.yaml:4: policies.p.{shown}"]


def test_the_largest_policy_loads():
    text = HEAD + f"policies:\n  p: {{reminders: [{{before: {MAX_WORKING_DAYS}}}], escalation: " \
        f"[{{after: {MAX_WORKING_DAYS}, notify: manager, repeat: {MAX_WORKING_DAYS}}}]}}\n"
    assert parse_plan_file(text, defaults={}).policies["p"].reminders[0].before == MAX_WORKING_DAYS


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"])
def test_dates_are_within_years_1900_to_2200(day):
    assert problems(HEAD.replace("2017-01-01", day).replace("2017-12-31", day)) == [
        f"plan.yaml:1: plan.{key}: the date {day} is out of range: give a year from 1900 to 2200"
        for key in ("start", "end")
    ]


def test_a_number_with_more_digits_than_python_reads_names_its_line():
    assert problems(HEAD + "policies:\n  p:\n    reminders: [{before: " + "9" * 5000 + "}]\n")[0].startswith(
        "plan.yaml:4: (yaml): invalid number"
    )


@pytest.mark.parametrize("interval", ["0", "-1", "00"])
def test_an_rrule_interval_below_one_is_refused(interval):
    text = HEAD + f"cycles:\n  c: {{rrule: 'FREQ=DAILY;INTERVAL={interval}', inclusive: true}}\n"
    assert problems(text) == [
        f"plan.yaml:3: cycles.c.rrule: invalid RRULE 'FREQ=DAILY;INTERVAL={interval}': "
        f"INTERVAL must be a whole number >= 1, got '{interval}'"
    ]


# --------------------------------------------------------------------------------------------------
# The file: size, nesting and aliases bounded before it is held whole


def bounded(run, seconds: float = 5.0, megabytes: int = 50):
    """Run ``run`` and return its FileError's messages; it must fail within the time and memory given."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(FileError) as caught:
            run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < seconds
    assert peak < megabytes * 1_000_000, f"{peak / 1e6:.0f} MB"
    return caught.value.messages


def test_an_alias_bomb_fails_at_the_bound_without_expanding(tmp_path):
    path = write(tmp_path, HEAD + BOMB)
    assert bounded(lambda: read_plan_file(path, defaults={})) == [
        f"{path}:8: (yaml): too many values: more than {MAX_VALUES:,} once aliases (*name) are expanded"
    ]


def test_aliases_within_the_bound_are_read():
    text = HEAD + "agencies:\n  - &a {code: A, name: n}\n  - {<<: *a, code: B}\n"
    plan_file = parse_plan_file(text, defaults={})
    assert [(a.code, a.name) for a in plan_file.agencies] == [("A", "n"), ("B", "n")]


@pytest.mark.parametrize(
    "nested",
    [
        "agencies: " + "[" * 100_000 + "]" * 100_000,
        "agencies: " + "{a: " * 100_000 + "1" + "}" * 100_000,
        "agencies:\n" + "".join("  " * depth + "- \n" for depth in range(1, 1000)),
        "agencies:\n" + "- " * 1_000_000 + "x",
    ],
    ids=["flow lists", "flow mappings", "block lists", "one line of block lists"],
)
def test_deep_nesting_fails_at_the_bound(tmp_path, nested):
    path = write(tmp_path, HEAD + nested + "\n")
    messages = bounded(lambda: read_plan_file(path, defaults={}))
    assert len(messages) == 1
    assert messages[0].startswith(f"{path}:")
    assert messages[0].endswith(f"(yaml): nested too deeply: more than {MAX_DEPTH} levels of lists and mappings")


def test_nesting_through_aliases_and_loops_of_aliases_are_refused():
    chain = "".join(f"l{i}: &l{i} [*l{i - 1}]\n" for i in range(1, 40))
    assert problems(HEAD + "l0: &l0 [x]\n" + chain) == [
        f"plan.yaml:{MAX_DEPTH + 1}: (yaml): nested too deeply once aliases (*name) are expanded: "
        f"more than {MAX_DEPTH} levels"
    ]
    assert problems(HEAD + "agencies: &loop [{code: A, name: n, parent: *loop}]\n") == [
        "plan.yaml:2: (yaml): the alias *loop refers to a list or mapping that contains it"
    ]


def test_a_file_larger_than_the_bound_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "large.yaml"
    path.write_bytes(HEAD.encode() + b"#" * MAX_FILE_SIZE)
    assert bounded(lambda: read_plan_file(path, defaults={}), megabytes=2 * MAX_FILE_SIZE // 1_000_000 + 5) == [
        f"{path}:1: (file): the file is larger than 5 MB; a plan's file is far smaller"
    ]
    assert problems(HEAD + "#" * MAX_FILE_SIZE) == [
        "plan.yaml:1: (file): the file is larger than 5 MB; a plan's file is far smaller"
    ]


# --------------------------------------------------------------------------------------------------
# config/defaults.yaml and config/calendar.yaml: the same reader, the same limits

DEFAULTS_TEXT = (CONFIG_DIR / "defaults.yaml").read_text(encoding="utf-8")
CALENDAR_HEAD = "# Overrides of the public holidays.\n"


def test_defaults_yaml_has_the_same_limits(tmp_path):
    path = write(tmp_path, DEFAULTS_TEXT.replace("{before: 10}", "{before: 1000000}", 1), "defaults.yaml")
    with pytest.raises(FileError, match=r"policies\.default\.reminders\[0\]\.before: must be at most 250"):
        read_defaults(path)
    path = write(tmp_path, DEFAULTS_TEXT + BOMB.replace("laughs:", "bomb:"), "defaults.yaml")
    assert bounded(lambda: read_defaults(path))[0].endswith("once aliases (*name) are expanded")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("days_off:\n  2026: [9999-12-31]\n", "days_off[2026][0]: the date 9999-12-31 is out of range"),
        ("working_days:\n  2201: [2101-01-03]\n", "working_days[2201]: invalid key: must be at most 2200, got 2201"),
        ("days_off:\n  2026: ['2026-08-2\\0']\n", "days_off[2026][0]: expected a date written YYYY-MM-DD"),
        ("days_off:\n  2026: " + "[" * 30 + "]" * 30 + "\n", "(yaml): nested too deeply"),
    ],
)
def test_calendar_yaml_has_the_same_limits(tmp_path, text, problem):
    path = write(tmp_path, CALENDAR_HEAD + text, "calendar.yaml")
    with pytest.raises(FileError) as caught:
        read_calendar(path)
    assert caught.value.messages[0].startswith(f"{path}:"), caught.value.messages
    assert problem in caught.value.messages[0], caught.value.messages


# --------------------------------------------------------------------------------------------------
# Properties: whatever a field holds, the reader answers with a PlanFile or a FileError, nothing else

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=400)


def _read_name(document: str) -> str | None:
    """The agency's name read from ``document``, or None when the reader refused it with a FileError."""
    try:
        return parse_plan_file(document, source="plan.yaml", defaults={}).agencies[0].name
    except FileError as exc:
        assert exc.messages and all(m.startswith("plan.yaml:") for m in exc.messages)
        "\n".join(exc.messages).encode("utf-8")  # printable: no lone surrogate reaches the terminal
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_any_name_is_read_or_refused_with_a_file_error(text):
    for document in (
        HEAD + f"agencies: [{{code: A, name: {json.dumps(text)}}}]\n",  # escaped: every character reaches the model
        HEAD + f"agencies: [{{code: A, name: {text}}}]\n",  # as typed: often not YAML at all
    ):
        name = _read_name(document)
        if name is not None:
            assert 0 < len(name) <= Agency.name.type.length
            assert not any(ch in name for ch in "\x00\t\n") and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in name)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_any_key_or_code_is_refused_with_a_printable_file_error(text):
    """Codes are reported back in messages (unknown keys, parent loops, unknown cycles): never unprintably."""
    quoted = json.dumps(text)
    for document in (
        HEAD + f"agencies: [{{code: A, name: n, {quoted}: 1}}]\n",
        HEAD + f"agencies:\n  - {{code: {quoted}, name: n, parent: {quoted}}}\n",
        HEAD + f"cycles: {{{quoted}: 1}}\n"
        "obligations: [{ref: A, text: t, lead: A, schedule: {kind: cycle, cycle: x}}]\n",
    ):
        with pytest.raises(FileError) as caught:
            parse_plan_file(document, source="plan.yaml", defaults={})
        assert all(m.startswith("plan.yaml:") for m in caught.value.messages)
        str(caught.value).encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_any_working_days_are_read_or_refused(days):
    try:
        plan_file = parse_plan_file(HEAD + f"policies:\n  p: {{reminders: [{{before: {days}}}]}}\n", defaults={})
    except FileError as exc:
        assert not 0 <= days <= MAX_WORKING_DAYS and "reminders[0].before" in exc.messages[0]
    else:
        assert plan_file.policies["p"].reminders[0].before == days <= MAX_WORKING_DAYS


@settings(max_examples=200, deadline=None)
@given(st.dates())
def test_any_date_is_read_or_refused(day):
    text = HEAD.replace("end: 2017-12-31", f"end: {day.isoformat()}").replace("start: 2017-01-01", "start: 1900-01-01")
    try:
        plan_file = parse_plan_file(text, defaults={})
    except FileError as exc:
        assert not 1900 <= day.year <= 2200 and "plan.end" in exc.messages[0], exc.messages
    else:
        assert plan_file.plan.end == day


def test_the_shipped_files_are_within_the_limits():
    from obligations.config.settings import get_settings

    read_defaults(CONFIG_DIR / "defaults.yaml")
    read_calendar(CONFIG_DIR / "calendar.yaml")
    example = CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml"
    assert read_plan_file(example, defaults=read_defaults(get_settings().defaults_file)).obligations
    assert Path(example).stat().st_size < MAX_FILE_SIZE // 100
