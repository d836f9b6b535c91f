"""A deadline read from a phrase: the contract between the phrase reader and the draft writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

__all__ = ["Deadline", "DeadlineKind", "RelativeUnit"]

DeadlineKind = Literal["once", "recurring", "continuous", "cycle", "relative"]
# The units of a relative deadline ("trong vòng 30 ngày", "15 ngày làm việc", "3 tháng").
RelativeUnit = Literal["days", "working_days", "months"]


@dataclass(frozen=True)
class Deadline:
    """One deadline read from a phrase. ``start``/``end`` locate the phrase in the normalised text.

    ``inferred`` says, in Vietnamese, what the reader guessed (a year taken from the document's date, a
    deadline counted from the document's date), so the draft marks it for review; None when the text
    said it all. A ``relative`` deadline ("trong 15 ngày làm việc kể từ khi nhận được") is counted from
    an event the document does not date: ``count`` ``unit`` after ``event`` (the event's own words), for
    the coordinator to anchor; when the text names no event ("trong 30 ngày làm việc"), ``event`` is the letter's
    receipt and ``inferred`` says it was assumed.
    """

    kind: DeadlineKind
    phrase: str
    due: date | None = None
    rrule: str | None = None
    inclusive: bool | None = None
    cycle: str | None = None
    inferred: str | None = None
    count: int | None = None
    unit: RelativeUnit | None = None
    event: str | None = None
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``obligations plan parse --json``."""
        shape = self._shape()
        return shape | {"inferred": self.inferred} if self.inferred else shape

    def _shape(self) -> dict[str, Any]:
        if self.kind == "once":
            assert self.due is not None
            return {"kind": "once", "due": self.due.isoformat(), "inclusive": bool(self.inclusive),
                    "phrase": self.phrase}
        if self.kind == "recurring":
            return {"kind": "recurring", "rrule": self.rrule, "inclusive": bool(self.inclusive),
                    "phrase": self.phrase}
        if self.kind == "cycle":
            return {"kind": "cycle", "cycle": self.cycle, "phrase": self.phrase}
        if self.kind == "relative":
            return {"kind": "relative", "count": self.count, "unit": self.unit, "event": self.event,
                    "phrase": self.phrase}
        return {"kind": "continuous", "phrase": self.phrase}

    @property
    def reading(self) -> tuple:
        """What the deadline means, without its words: equal readings are the same deadline."""
        return (self.kind, self.due, self.rrule, self.inclusive, self.cycle, self.count, self.unit, self.event)
