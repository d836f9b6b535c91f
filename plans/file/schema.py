"""The shape of the project's YAML files, as pydantic models: the coordinator's file (:class:`PlanFile`,
docs/coordinator-file.md), config/defaults.yaml (:class:`DefaultsFile`) and config/calendar.yaml
(:class:`CalendarFile`). Field names are the YAML keys, so ``obligations load`` reads and
``obligations plan draft`` writes one shape.

Reading (with the line of every problem) is in :mod:`~obligations.plans.file.read`, writing in
:mod:`~obligations.plans.file.write`. The policies and cycles of defaults.yaml are the same models as a
coordinator's ``policies:`` and ``cycles:``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from obligations.plans.file.errors import FieldPath, format_path, line_of
from obligations.plans.file.fields import (
    BlankableText,
    Code,
    ContactTitle,
    Day,
    Email,
    Name200,
    Name300,
    Name500,
    Number,
    OptionalCode,
    OptionalRef,
    OptionalText,
    Phone,
    PlanCode,
    Ref,
    Rrule,
    Text,
    Title,
    ZaloId,
    Zone,
    none_to_dict,
    none_to_list,
)
from obligations.rules.ladder import LEADERSHIP_ROLE, ROLES, Policy, PolicyError
from obligations.rules.limits import FIRST_YEAR, LAST_YEAR, MAX_REPEATS, MAX_WORKING_DAYS
from obligations.rules.relative import MAX_COUNT, RELATIVE_UNITS
from obligations.rules.schedule import CHECKINS

__all__ = [
    "AgencySpec",
    "CalendarFile",
    "ContactSpec",
    "CycleSpec",
    "DefaultsFile",
    "GroupSpec",
    "ObligationSpec",
    "PlanFile",
    "PlanSpec",
    "PolicySpec",
    "ProvisionSpec",
    "ScheduleSpec",
]

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
DEFAULT_POLICY = "default"
CHANNELS = ("email", "zalo", "zns")  # zns: Zalo template messages to the phone number
CONTACT_ROLES = ("focal_point", "manager", "coordinator")
LANGUAGES = ("vi", "en")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


def _list_of(item: Any) -> Any:
    """A list that may be left out or left empty (``key:``) in the file."""
    return Annotated[list[item], BeforeValidator(none_to_list)]


def _map_of(key: Any, value: Any) -> Any:
    """A mapping that may be left out or left empty (``key:``) in the file."""
    return Annotated[dict[key, value], BeforeValidator(none_to_dict)]


# --------------------------------------------------------------------------------------------------
# Shared by the coordinator's file and config/defaults.yaml


# Working days, at most about a working year: a larger number reaches past any plan, and past the
# dates a calendar can count (1000000 working days is before year 1).
WorkingDays = Annotated[StrictInt, Field(ge=1, le=MAX_WORKING_DAYS)]


class ReminderSpec(_Model):
    before: Annotated[StrictInt, Field(ge=0, le=MAX_WORKING_DAYS)]


class EscalationSpec(_Model):
    after: WorkingDays
    notify: Literal[ROLES]  # type: ignore[valid-type]
    repeat: WorkingDays | None = None
    max: Annotated[StrictInt, Field(ge=1, le=MAX_REPEATS)] | None = None  # repeats; a chain ends

    @field_validator("notify", mode="before")
    @classmethod
    def _not_the_leadership(cls, value: Any) -> Any:
        if value == LEADERSHIP_ROLE:
            raise ValueError(
                "plan_manager is no longer a step: the plan's manager receives the monthly report, never "
                "per-item escalations; end the chain with `notify: coordinator`"
            )
        return value


class PolicySpec(_Model):
    reminders: _list_of(ReminderSpec) = Field(default_factory=list)
    escalation: _list_of(EscalationSpec) = Field(default_factory=list)
    # Working days after the plan's last day during which its chains may still escalate.
    grace: Annotated[StrictInt, Field(ge=0, le=MAX_WORKING_DAYS)] | None = None

    @model_validator(mode="after")
    def _ladder(self) -> PolicySpec:
        self.to_policy()
        return self

    def to_policy(self) -> Policy:
        try:
            return Policy.from_dict(self.model_dump(exclude_none=True))
        except PolicyError as exc:
            raise ValueError(f"invalid policy: {exc}") from None


class CycleSpec(_Model):
    rrule: Rrule
    inclusive: StrictBool
    phrase: OptionalText = None


# --------------------------------------------------------------------------------------------------
# The coordinator's file


# Check-ins of continuous tasks, asked by the plan for all of them or by one obligation's schedule.
Checkin = Literal[tuple(CHECKINS)]  # type: ignore[valid-type]


class PlanSpec(_Model):
    code: PlanCode
    title: Text
    number: Number = None
    issuer: OptionalCode = None
    zone: Zone = DEFAULT_ZONE
    start: Day
    end: Day
    coordinator: OptionalCode = None
    manager: OptionalCode = None
    checkin: Checkin | None = None  # every continuous task's check-in, unless its schedule says otherwise
    # false: retire the plan (its open occurrences withdrawn, nothing more sent); true: bring it back.
    # Left out: as it stands, so reloading a file never revives what was retired (plans/file/retire.py).
    active: StrictBool = True


class AgencySpec(_Model):
    code: Code
    name: Name300
    parent: OptionalCode = None


class GroupSpec(_Model):
    code: Code
    name: Name500
    members: Annotated[list[Code], BeforeValidator(none_to_list), Field(min_length=1)]


class ContactSpec(_Model):
    name: Name200
    agency: Code
    role: Literal[CONTACT_ROLES]  # type: ignore[valid-type]
    title: ContactTitle = None  # the position a letter greets them by: "Phó Giám đốc"
    email: Email = None
    zalo_user_id: ZaloId = None
    phone: Phone = None
    channels: Annotated[
        list[Literal[CHANNELS]], BeforeValidator(none_to_list), Field(min_length=1)  # type: ignore[valid-type]
    ] = Field(default_factory=lambda: ["email"])
    language: Literal[LANGUAGES] = "vi"  # type: ignore[valid-type]


class OnceSchedule(_Model):
    kind: Literal["once"]
    due: Day
    inclusive: StrictBool
    phrase: OptionalText = None


class RecurringSchedule(_Model):
    kind: Literal["recurring"]
    rrule: Rrule
    inclusive: StrictBool
    phrase: OptionalText = None


class ContinuousSchedule(_Model):
    kind: Literal["continuous"]
    phrase: OptionalText = None
    checkin: Checkin | None = None


class CycleSchedule(_Model):
    kind: Literal["cycle"]
    cycle: Code
    phrase: OptionalText = None


class RelativeSchedule(_Model):
    """A deadline counted from an event the plan does not date ("trong 15 ngày làm việc kể từ khi nhận
    được"): ``count`` ``unit`` after ``anchor``, the event's day, which the coordinator writes; load refuses
    the schedule until then (checks.py) and stores the deadline it gives as a ``once`` (plan_rows.py)."""

    kind: Literal["relative"]
    count: Annotated[StrictInt, Field(ge=1)]
    unit: Literal[RELATIVE_UNITS]  # type: ignore[valid-type]
    after: OptionalText = None  # the event, in the plan's words: "khi nhận được văn bản"
    anchor: Day | None = None
    phrase: OptionalText = None

    @model_validator(mode="after")
    def _bounded(self) -> RelativeSchedule:
        if self.count > MAX_COUNT[self.unit]:
            raise ValueError(f"count: at most {MAX_COUNT[self.unit]} {self.unit}, got {self.count}")
        return self


ScheduleSpec = Annotated[
    Union[OnceSchedule, RecurringSchedule, ContinuousSchedule, CycleSchedule, RelativeSchedule],  # noqa: UP007
    Field(discriminator="kind"),
]


class ProvisionSpec(_Model):
    ref: Ref
    title: Title = None
    text: BlankableText = ""


class ObligationSpec(_Model):
    ref: Ref
    provision: OptionalRef = None
    title: Title = None
    text: Text
    lead: Code
    supporting: _list_of(Code) = Field(default_factory=list)
    report_to: OptionalCode = None
    schedule: ScheduleSpec
    policy: Code = DEFAULT_POLICY
    active: StrictBool = True  # as the plan's `active`, for this obligation alone

    @property
    def provision_ref(self) -> str | None:
        """The provision this obligation belongs to: as given, or its ref less the last dotted part."""
        if self.provision:
            return self.provision
        head, dot, _ = self.ref.rpartition(".")
        return head if dot and head else None


class PlanFile(_Model):
    """The coordinator's file, validated. Lines of keys are kept (privately) for error messages."""

    plan: PlanSpec
    agencies: _list_of(AgencySpec) = Field(default_factory=list)
    groups: _list_of(GroupSpec) = Field(default_factory=list)
    contacts: _list_of(ContactSpec) = Field(default_factory=list)
    policies: _map_of(Code, PolicySpec) = Field(default_factory=dict)
    cycles: _map_of(Code, CycleSpec) = Field(default_factory=dict)
    provisions: _list_of(ProvisionSpec) = Field(default_factory=list)
    obligations: _list_of(ObligationSpec) = Field(default_factory=list)

    _source: str = PrivateAttr(default="<draft>")
    _lines: dict[FieldPath, int] = PrivateAttr(default_factory=dict)
    _defaults: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> str:
        return self._source

    @property
    def defaults(self) -> dict[str, Any]:
        """The defaults (config/defaults.yaml) the file was checked against."""
        return self._defaults

    def located(self, source: str, lines: dict[FieldPath, int], defaults: dict[str, Any]) -> PlanFile:
        """Remember where the file came from, to name its lines in later messages (apply's)."""
        self._source = source
        self._lines = lines
        self._defaults = defaults
        return self

    def line(self, path: FieldPath) -> int | None:
        """The line of ``path`` in the file, or of its nearest ancestor that has one."""
        return line_of(self._lines, path)

    def message(self, path: FieldPath, problem: str) -> str:
        line = self.line(path)
        where = f"{self._source}:{line}" if line else self._source
        return f"{where}: {format_path(path)}: {problem}"


# --------------------------------------------------------------------------------------------------
# config/defaults.yaml and config/calendar.yaml


class DefaultsFile(_Model):
    """config/defaults.yaml: the policies and cycles every plan may use."""

    policies: _map_of(Code, PolicySpec)
    cycles: _map_of(Code, CycleSpec) = Field(default_factory=dict)

    @field_validator("policies")
    @classmethod
    def _has_default(cls, policies: dict[str, PolicySpec]) -> dict[str, PolicySpec]:
        if DEFAULT_POLICY not in policies:
            raise ValueError(f"the `{DEFAULT_POLICY}` policy is required: obligations without a policy use it")
        return policies


Year = Annotated[StrictInt, Field(ge=FIRST_YEAR, le=LAST_YEAR)]


class CalendarFile(_Model):
    """config/calendar.yaml: days off and make-up working days, each list under its year."""

    days_off: _map_of(Year, _list_of(Day)) = Field(default_factory=dict)
    working_days: _map_of(Year, _list_of(Day)) = Field(default_factory=dict)

    def overrides(self) -> tuple[set[date], set[date]]:
        """(days off, working days), the years flattened."""
        days_off = {day for days in self.days_off.values() for day in days}
        working = {day for days in self.working_days.values() for day in days}
        return days_off, working
