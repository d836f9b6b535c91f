"""How a failed send should be handled; plugins set it, the dispatcher acts on it.

apprise's ``notify`` only answers True or False, so this project's plugins leave the reason on
the plugin instance (``plugin.failure``) for the dispatcher to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    RETRY = "retry"  # a passing fault: back off and try the same channel again
    FALLBACK = "fallback"  # this channel cannot reach the person: try their next channel now
    LATER = "later"  # out of quota: fall back meanwhile, or retry on the next working day
    HOLD = "hold"  # not now (the channel refuses to send at night): wait for office hours, no attempt counted
    DEAD = "dead"  # the message itself is wrong (invalid parameter or template): no retry


@dataclass(frozen=True)
class Failure:
    action: Action
    message: str
    code: int | None = None

    def __str__(self) -> str:
        return f"{self.message} (error {self.code})" if self.code is not None else self.message


class Verdict(StrEnum):
    RETRY = "retry"  # same channel, after a backoff
    RETRY_NEXT_DAY = "retry_next_day"  # same channel, at the next office opening
    HOLD = "hold"  # same channel, at the next office opening, the attempt not counted
    FALLBACK = "fallback"  # the contact's next channel, now
    DEAD = "dead"  # give up and tell the coordinator


def after_failure(failure: Failure, *, attempts: int, max_attempts: int, has_next_channel: bool) -> Verdict:
    """What to do after a failed send; ``attempts`` counts the one that just failed."""
    give_up = Verdict.FALLBACK if has_next_channel else Verdict.DEAD
    if failure.action is Action.HOLD:
        return Verdict.HOLD
    if failure.action is Action.RETRY:
        return Verdict.RETRY if attempts < max_attempts else give_up
    if failure.action is Action.LATER:
        if has_next_channel:
            return Verdict.FALLBACK
        return Verdict.RETRY_NEXT_DAY if attempts < max_attempts else Verdict.DEAD
    if failure.action is Action.FALLBACK:
        return give_up
    return Verdict.DEAD
