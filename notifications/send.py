"""Sending one message through apprise; URLs are only ever logged in apprise's privacy mode."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import apprise

import notifications  # noqa: F401  (registers the project's plugins)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str | None = None


Sender = Callable[[str, str, str], SendResult]


def recipient_url(base_url: str, channel: str, address: str) -> str:
    """The channel's URL with this recipient added (``to=``, as apprise's mail plugins take it)."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}to={quote(address, safe='@')}&channel={channel}"


def private(url: str) -> str:
    """The URL as safe to print: credentials and tokens masked by the plugin that owns it."""
    server = apprise.Apprise.instantiate(url)
    return server.url(privacy=True) if server else "<invalid URL>"


def send_with_apprise(url: str, subject: str, body: str) -> SendResult:
    server = apprise.Apprise.instantiate(url)
    if server is None:
        return SendResult(False, "invalid or unsupported apprise URL")
    try:
        ok = server.notify(body=body, title=subject)
    except Exception as exc:  # noqa: BLE001 - a plugin failure is a failed send, recorded for retry
        log.warning("send through %s failed: %s", server.url(privacy=True), exc.__class__.__name__)
        return SendResult(False, f"{exc.__class__.__name__}: {exc}")
    if not ok:
        return SendResult(False, f"{server.service_name} refused the message")
    return SendResult(True)
