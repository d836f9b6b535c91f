"""Links in messages, and the signed tokens they carry.

Without a secret key a link is plain: ``{base}/occurrences/{id}`` (the occurrence's page, behind the web
app's sign-in) or ``{base}/occurrences/{id}/{action}``. With one, every link is signed for the person
it is sent to: ``{base}/l/{token}``, where the token binds the occurrence, the contact and the action
and carries the moment it was signed, so the web app (web/) can open it without a password, refuse
it once expired or tampered with, and let it change the occurrence's state once.

Tokens are signed with itsdangerous; the moment is the dispatch's ``as_of``, not the wall clock, so a
message's text is a function of its row and the moment it is sent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

# The actions a message offers a button for, in the order it offers them; "view" is the occurrence itself.
ACTIONS = ("view", "submit", "extension", "blocker")

# One salt per kind of token: a sign-in token cannot be replayed as an action link, nor the reverse.
ACTION_SALT = "obligations.action-link"
SIGN_IN_SALT = "obligations.sign-in"
CALENDAR_SALT = "obligations.calendar-feed"


class LinkError(ValueError):
    """A token that cannot be used: ``reason`` is ``tampered`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _signer_at(moment: datetime) -> type[TimestampSigner]:
    class SignedAt(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(moment.timestamp())

    return SignedAt


@dataclass(frozen=True)
class Signed:
    """What a valid token says, and when it was signed."""

    data: dict
    signed_at: datetime


class TokenSigner:
    """Signs and reads the tokens of one secret key."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("a secret key is needed to sign links")
        self.secret_key = secret_key

    def sign(self, data: dict, *, salt: str, at: datetime) -> str:
        serializer = URLSafeTimedSerializer(self.secret_key, salt=salt, signer=_signer_at(at))
        return serializer.dumps(data)

    def read(self, token: str, *, salt: str, now: datetime, max_age_seconds: float | None) -> Signed:
        """The token's data; ``LinkError`` when it was altered, signed with another key, or is older than
        ``max_age_seconds`` at ``now`` (None: it never expires, as a calendar feed's address)."""
        serializer = URLSafeTimedSerializer(self.secret_key, salt=salt)
        try:
            data, stamp = serializer.loads(token, return_timestamp=True)
        except BadSignature as exc:
            raise LinkError("tampered") from exc
        if not isinstance(data, dict):
            raise LinkError("tampered")
        signed_at = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        if max_age_seconds is not None and (now - signed_at).total_seconds() > max_age_seconds:
            raise LinkError("expired")
        return Signed(data, signed_at)


def token_digest(token: str) -> str:
    """What the database keeps of a used token: enough to recognise it, useless to replay it."""
    return hashlib.sha256(token.encode()).hexdigest()


def action_link(
    base_url: str | None, occurrence_id: int, action: str | None = None, *,
    signer: TokenSigner | None = None, contact_id: int | None = None, at: datetime | None = None,
) -> str | None:
    """The link to ``action`` on the occurrence (its page when None or "view"); None without a base URL.

    With a ``signer``, the link is signed for ``contact_id`` at ``at`` and opens without a password.
    """
    if action is not None and action not in ACTIONS:
        raise ValueError(f"no link for action {action!r}; known: {', '.join(ACTIONS)}")
    if not base_url:
        return None
    base = base_url.rstrip("/")
    if signer is not None and contact_id is not None and at is not None:
        token = signer.sign({"o": occurrence_id, "c": contact_id, "a": action or "view"}, salt=ACTION_SALT, at=at)
        return f"{base}/l/{token}"
    path = f"{base}/occurrences/{occurrence_id}"
    return path if action in (None, "view") else f"{path}/{action}"


def signer_for(secret_key) -> TokenSigner | None:
    """The signer of the settings' ``secret_key`` (a ``SecretStr`` or None): None when no key is set."""
    value = secret_key.get_secret_value() if secret_key is not None else ""
    return TokenSigner(value) if value else None
