"""What each channel needs beyond the text: the recipient's URL and its parameters, rate limits, Zalo tokens.

The dispatcher hands over the message's data; this module knows the wire formats: the reply-to of
mail, the endpoints and token store of ``zalo://`` and ``zns://``, the ZNS template's parameters,
which channels take HTML, and how fast each channel may be used.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from obligations.config.settings import Settings
from obligations.models.contacts import reachable_channels
from obligations.models.tables import Contact
from obligations.notifications.message_id import message_id
from obligations.notifications.pacing import SharedRateLimit, server_configured
from obligations.notifications.render import Rendered
from obligations.notifications.send import Message, RateLimiter, recipient_url
from obligations.notifications.zalo_tokens import ZALO_SCHEMES, DbTokenStore, configured_app_ids, seed

CHANNELS = ("email", "zalo", "zns")
ZNS_TEXT_MAX = 30  # a ZNS template parameter takes at most 30 characters
DEFAULT_RATE = 600  # messages a minute, for a channel the settings leave out
MAIL_SCHEMES = ("mailto", "mailtos", "maildir")  # what becomes an email, with a Message-ID
NO_DOMAIN = "obligations.invalid"  # a Message-ID's domain when the sender's is unknown (RFC 2606)


def configured(settings: Settings, channel: str) -> bool:
    """Whether the settings give ``channel`` a URL (see ``Settings.channel_url``)."""
    return settings.channel_url(channel) is not None


def usable(settings: Settings, channel: str, kind: str | None) -> bool:
    """Whether a message of ``kind`` can go on ``channel``: configured, and for ZNS, which sends only
    templates Zalo approved, with a template for that kind (or one fixed in the channel's URL)."""
    url = settings.channel_url(channel)
    if url is None:
        return False
    if kind is None or not url.startswith("zns://") or "template=" in url:
        return True
    return bool(settings.zns_templates.get(kind))


def sendable_channel(settings: Settings, contact: Contact, kind: str | None = None) -> str | None:
    """The contact's most preferred channel that has their address and that can carry a message of ``kind``."""
    return next((c for c in reachable_channels(contact) if usable(settings, c, kind)), None)


def not_configured_reason(channel: str) -> str:
    return f"kênh {channel} chưa được cấu hình"


def unusable_reason(settings: Settings, channel: str, kind: str) -> str:
    if not configured(settings, channel):
        return not_configured_reason(channel)
    return f"kênh {channel} không có mẫu ZNS được duyệt cho loại tin {kind} (OBLIGATIONS_ZNS_TEMPLATES)"


@lru_cache(maxsize=16)
def sender_domain(url: str) -> str:
    """The domain of the address mail is sent from: the URL's ``from=``, else a mailto URL's host."""
    parts = urlsplit(url)
    sender = (parse_qs(parts.query).get("from") or [""])[0]
    if "@" in sender:
        return sender.rpartition("@")[2].strip(" >") or NO_DOMAIN
    if parts.scheme in ("mailto", "mailtos") and parts.hostname:
        return parts.hostname
    return NO_DOMAIN


def zns_template_data(context: Mapping[str, Any]) -> dict[str, str]:
    """The ZNS template's parameters (``:name`` ...) from a message's data; a digest has no task of its own."""
    deadline = context.get("deadline")
    return {
        ":name": context["recipient_name"][:ZNS_TEXT_MAX],
        ":task": context.get("obligation_ref", context.get("plan_title", ""))[:ZNS_TEXT_MAX],
        ":deadline": f"{deadline:%d/%m/%Y}" if deadline else "",
        ":agency": context.get("agency_name", context["recipient_agency_name"])[:ZNS_TEXT_MAX],
        ":days": str(context.get("working_days_overdue") or context.get("working_days_left") or 0),
    }


def _zalo_endpoints(settings: Settings, scheme: str, base: str) -> dict[str, str]:
    """The API and OAuth from settings, unless the channel's URL names them itself.

    The token store needs nothing: the plugins' ``store=db`` (their default) is the database of the
    settings in force, the one the dispatcher works on.
    """
    api = settings.zalo_api_url if scheme == "zalo" else settings.zns_api_url
    defaults = (("api", api), ("oauth", settings.zalo_oauth_url))
    return {key: value for key, value in defaults if f"{key}=" not in base}


def channel_params(settings: Settings, channel: str, *, kind: str, notification_id: int, replies: list[str],
                   context: Mapping[str, Any]) -> dict[str, str]:
    """What the channel's plugin needs beyond the recipient's address."""
    base = settings.channel_url(channel)
    scheme = base.partition("://")[0]
    params: dict[str, str] = {"channel": channel} if scheme == "maildir" else {}
    if (channel == "email" or scheme == "maildir") and replies:
        params["reply"] = ",".join(replies)
    if scheme in ZALO_SCHEMES:
        params.update(_zalo_endpoints(settings, scheme, base))
    if scheme == "zns":
        params["template"] = settings.zns_templates.get(kind, "")
        params["tracking"] = f"obligations-{notification_id}"
        params.update(zns_template_data(context))
    return params


def message_for(settings: Settings, channel: str, address: str, rendered: Rendered, *, key: str,
                sent_at: datetime | None = None, **params: Any) -> Message:
    """The message to send to ``address`` on ``channel``: its URL, subject, text, and HTML for email.

    ``key``, the outbox row's deduplication key (a group's: ``message_id.group_key``), gives an email its
    Message-ID, the same at every send; ``sent_at`` dates it (the dispatch's moment, not the wall clock).
    """
    base = settings.channel_url(channel)
    url = recipient_url(base, address, channel_params(settings, channel, **params))
    html = rendered.html if channel == "email" else None
    mail = base.partition("://")[0] in MAIL_SCHEMES
    return Message(channel, url, rendered.subject, rendered.text, html,
                   message_id=message_id(key, sender_domain(base)) if mail else None, sent_at=sent_at,
                   kind=params.get("kind"))


_limiters: dict[tuple[str, int], RateLimiter] = {}


def limiters_for(settings: Settings) -> dict[str, RateLimiter | SharedRateLimit]:
    """Each channel's pace for one dispatch: the rate shared by every worker through the Prefect server
    when one is configured (notifications/pacing.py), else one bucket per channel and rate for the whole
    process, so consecutive batches share it."""
    shared = server_configured()
    result: dict[str, RateLimiter | SharedRateLimit] = {}
    for channel in CHANNELS:
        rate = settings.rate_limits.get(channel, DEFAULT_RATE)
        local = _limiters.setdefault((channel, rate), RateLimiter(rate))
        result[channel] = SharedRateLimit(channel, rate, local) if shared else local
    return result


def pace(limiters: Mapping[str, RateLimiter | SharedRateLimit], message: Message) -> None:
    """Wait for the channel's rate limit; a local maildir write has no provider limit."""
    if not message.url.startswith("maildir://"):
        limiters[message.channel].acquire()


def seed_zalo_tokens(settings: Settings) -> None:
    """The OA's first token pair may come from settings, into an absent row only; after that the
    database keeps the rotated pair (and ``obligations zalo authorize`` replaces it).

    One pair belongs to one app: with two apps configured it is not guessed which, and nothing is seeded.
    """
    if not (settings.zalo_access_token and settings.zalo_refresh_token):
        return
    apps = configured_app_ids(settings)
    if len(apps) == 1:
        seed(DbTokenStore(settings.database_url, apps[0]), settings.zalo_access_token, settings.zalo_refresh_token)
