"""One rate per channel for every dispatch worker: a Prefect global concurrency limit with slot decay.

The token bucket of ``notifications.send.RateLimiter`` keeps one process under a channel's quota, but N
workers each holding one would send N times the quota. When a Prefect server is configured
(PREFECT_API_URL, from the environment or the Prefect profile), every send instead takes a slot of the
limit ``obligations-rate-<channel>`` on that server: ``burst`` slots, freed at ``per_minute / 60`` a
second, shared by every worker. The first send of a process creates the limit, or brings it in line with
the settings, so ``rate_limits`` in the settings stays the one place where a quota is written.

Without a server (a laptop, the in-process API) the local bucket paces as before; and when the server
cannot be reached, a run goes on with the local bucket rather than send nothing, and says so in the log.

Prefect decays the slots by whole slots each time the limit row is written, and every worker's request
writes it, so the rate achieved is somewhat below the configured one (about a fifth below with four
busy workers): on the safe side of a provider's quota.
"""

from __future__ import annotations

import logging
import threading

from obligations.notifications.send import RateLimiter

log = logging.getLogger(__name__)
PREFIX = "obligations-rate-"

# The limits this process has created or updated, by name, with the values it gave them last.
_ensured: dict[str, tuple[int, float | None]] = {}
_lock = threading.Lock()


def limit_name(channel: str) -> str:
    return f"{PREFIX}{channel}"


def burst(per_minute: int) -> int:
    """The slots a limit holds: ten seconds' worth, the same burst as the local bucket."""
    return max(1, per_minute // 6)


def server_configured() -> bool:
    """Whether Prefect talks to a server of its own (PREFECT_API_URL) rather than the in-process API."""
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def ensure_limit(name: str, limit: int, slot_decay_per_second: float | None = None) -> None:
    """Create the global concurrency limit ``name``, or update it to these values; once per process and
    values.

    Workers starting together may both find it missing: the second create fails as a duplicate, and the
    limit is then there, which is all that is asked.
    """
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectAlreadyExists

    values = (limit, slot_decay_per_second)
    with _lock:
        if _ensured.get(name) == values:
            return
        with get_client(sync_client=True) as client:
            try:
                client.upsert_global_concurrency_limit_by_name(name, limit, slot_decay_per_second)
            except ObjectAlreadyExists:
                pass
        _ensured[name] = values


class SharedRateLimit:
    """A channel's rate shared through the Prefect server, with the process's own bucket as the fallback."""

    def __init__(self, channel: str, per_minute: int, local: RateLimiter) -> None:
        self.channel, self.per_minute, self.local = channel, per_minute, local
        self.name = limit_name(channel)
        self.unreachable = False  # set at the first failure: the rest of this dispatch paces locally

    def acquire(self) -> None:
        if not self.unreachable:
            from prefect.concurrency.sync import rate_limit

            try:
                ensure_limit(self.name, burst(self.per_minute), self.per_minute / 60)
                # strict: a limit deleted meanwhile must not let every send through unpaced.
                rate_limit(self.name, occupy=1, strict=True)
                return
            except Exception as exc:  # noqa: BLE001 - an unreachable server must not stop the sends
                self.unreachable = True
                log.warning("global rate limit %s unavailable (%s: %s); pacing this process alone",
                            self.name, exc.__class__.__name__, exc)
        self.local.acquire()
