"""Links to act on an occurrence. The web dashboard registers a signer so that links carry a signature.

``/occurrences/{id}`` shows the occurrence; ``/occurrences/{id}/{action}`` opens one action on it:
``submit`` (send the report), ``extension`` (ask for more time), ``blocker`` (report a difficulty).
"""

from __future__ import annotations

from collections.abc import Callable

# The actions a message offers a button for, in the order it offers them; "view" is the occurrence itself.
ACTIONS = ("view", "submit", "extension", "blocker")

# (base URL, occurrence id, action or None for the occurrence's own page) -> URL
LinkBuilder = Callable[[str, int, str | None], str]


def _plain(base_url: str, occurrence_id: int, action: str | None = None) -> str:
    path = f"{base_url.rstrip('/')}/occurrences/{occurrence_id}"
    return path if action in (None, "view") else f"{path}/{action}"


_builder: LinkBuilder = _plain


def use_link_builder(builder: LinkBuilder | None) -> None:
    """Replace how links are made (the web issue signs them); None restores plain links."""
    global _builder
    _builder = builder or _plain


def action_link(base_url: str | None, occurrence_id: int, action: str | None = None) -> str | None:
    """The link to ``action`` on the occurrence (its page when None or "view"); None without a base URL."""
    if action is not None and action not in ACTIONS:
        raise ValueError(f"no link for action {action!r}; known: {', '.join(ACTIONS)}")
    return _builder(base_url, occurrence_id, action) if base_url else None
