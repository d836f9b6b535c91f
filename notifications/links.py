"""Links to act on an occurrence. The web dashboard registers a signer so that links carry a signature."""

from __future__ import annotations

from collections.abc import Callable

LinkBuilder = Callable[[str, int], str]


def _plain(base_url: str, occurrence_id: int) -> str:
    return f"{base_url.rstrip('/')}/occurrences/{occurrence_id}"


_builder: LinkBuilder = _plain


def use_link_builder(builder: LinkBuilder | None) -> None:
    """Replace how links are made (the web issue signs them); None restores plain links."""
    global _builder
    _builder = builder or _plain


def action_link(base_url: str | None, occurrence_id: int) -> str | None:
    return _builder(base_url, occurrence_id) if base_url else None
