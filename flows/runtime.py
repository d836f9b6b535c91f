"""What the plain sweep and dispatch functions share: settings, calendars, policies and cycles."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import Settings
from obligations.models.tables import Plan, PolicyRow
from obligations.plans.file.read import read_calendar, read_defaults
from obligations.rules.calendar import WorkCalendar
from obligations.rules.ladder import Policy
from obligations.rules.schedule import Cycle


@dataclass
class Runtime:
    settings: Settings
    defaults: dict = field(init=False)
    _calendars: dict[str, WorkCalendar] = field(default_factory=dict, init=False)
    _policies: dict[int | None, Policy] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.defaults = read_defaults(self.settings.defaults_file)
        self._days_off, self._working_days = read_calendar(self.settings.calendar_file)
        self.default_policy = Policy.from_dict(self.defaults["policies"]["default"])

    def calendar(self, zone: str | None = None) -> WorkCalendar:
        zone = zone or self.settings.zone
        if zone not in self._calendars:
            self._calendars[zone] = WorkCalendar(
                zone,
                days_off=self._days_off,
                working_days=self._working_days,
                office_start=self.settings.office_start,
                office_end=self.settings.office_end,
            )
        return self._calendars[zone]

    def cycles(self, plan: Plan) -> dict[str, Cycle]:
        merged = dict(self.defaults.get("cycles") or {})
        merged.update(plan.cycles or {})
        return {
            name: Cycle(spec["rrule"], bool(spec.get("inclusive", False)), spec.get("phrase", ""))
            for name, spec in merged.items()
        }

    def policy(self, session: Session, policy_id: int | None) -> Policy:
        if policy_id not in self._policies:
            row = session.get(PolicyRow, policy_id) if policy_id is not None else None
            self._policies[policy_id] = Policy.from_dict(row.definition) if row else self.default_policy
        return self._policies[policy_id]

    def plans(self, session: Session, ids: set[int]) -> dict[int, Plan]:
        if not ids:
            return {}
        return {p.id: p for p in session.scalars(select(Plan).where(Plan.id.in_(ids)))}
