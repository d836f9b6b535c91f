"""Runtime settings, read from the environment (prefix ``OBLIGATIONS_``) or a ``.env`` file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent


def default_home() -> Path:
    """The per-user data directory (XDG's): the same wherever a command is run from."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser().resolve() / "obligations"

# Prefect phones home and logs errors without network; the project's default is silence.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OBLIGATIONS_", env_file=".env", extra="ignore")

    # Where the engine keeps what it writes: the SQLite database, the embedded maildir, Prefect's run
    # history, backups. Resolved once, to an absolute path, so that the demo, every command and the
    # scheduler use the same files whatever directory they are started from.
    home: Path = Field(default_factory=default_home, description="The data directory (OBLIGATIONS_HOME).")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; default the SQLite file obligations.db in the data directory; "
        "PostgreSQL in production (postgresql+psycopg://...).",
    )
    zone: str = "Asia/Ho_Chi_Minh"
    office_start: time = time(8, 0)
    office_end: time = time(17, 0)
    horizon_days: int = Field(default=60, ge=1, description="How far ahead occurrences are created.")
    # Read and checked by obligations.plans.file.read (read_defaults, read_calendar), with the line of any
    # problem: they share the coordinator's file's schema, which config (the bottom layer) cannot import.
    defaults_file: Path = CONFIG_DIR / "defaults.yaml"
    calendar_file: Path = CONFIG_DIR / "calendar.yaml"
    # Apprise URLs, one per channel; the recipient's address is added at send time. They hold
    # credentials, so they are secrets: only ever printed through apprise's privacy mode.
    # Production: mailtos://user:password@smtp.host?from=nhacviec@host&name=Sở Ngoại vụ,
    # zalo://APP_ID:SECRET_KEY@oa, zns://APP_ID:SECRET_KEY@oa (their tokens are kept in the database).
    # A channel whose URL is unset is not configured: its messages go to the contact's next configured
    # channel, or die saying so. Only an install with no channel set at all (the embedded default)
    # writes every channel into ``embedded_maildir``, so the engine can be tried without a mail server.
    email_url: SecretStr | None = None
    zalo_url: SecretStr | None = None
    zns_url: SecretStr | None = None
    # Where the Zalo APIs are: a proxy or a test server can stand in.
    zalo_api_url: str = "https://openapi.zalo.me"
    zns_api_url: str = "https://business.openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    # The first token pair of the OA, put into the database only when it has none for the app; after
    # that the database keeps the rotated pair, and `obligations zalo authorize` replaces it.
    zalo_access_token: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    # ZNS sends only templates approved by Zalo: message kind -> template id.
    zns_templates: dict[str, str] = Field(default_factory=dict)
    # Where the web app is reached (https://nhacviec.example.gov.vn): messages link to it. With
    # ``secret_key`` set too, each link is signed for its recipient and opens without a password.
    public_base_url: str | None = None
    # Signs the links in messages, the sign-in links and the session cookies (web/): a long random
    # string, the same on every machine that sends or serves; changing it voids every link given out.
    secret_key: SecretStr | None = None
    link_max_age_days: int = Field(default=28, ge=1, le=366, description="How long a link in a message works.")
    sign_in_max_age_minutes: int = Field(default=30, ge=1, le=1440)
    session_max_age_hours: int = Field(default=12, ge=1, le=24 * 31)
    # What a focal point may attach to a submission (stored in the database with the submission).
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    attachment_types: list[str] = Field(default_factory=lambda: [
        ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".jpg", ".jpeg", ".png", ".zip", ".txt"])
    dispatch_batch: int = Field(default=500, ge=1)
    dispatch_concurrency: int = Field(default=4, ge=1, le=64)
    dispatch_max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: int = Field(default=300, ge=1)
    # How long a claimed message stays reserved for the worker that claimed it (models.claim): longer
    # than a claim takes to send, short enough that a dead worker's messages go out again soon.
    dispatch_lease_seconds: int = Field(default=300, ge=1)
    # Messages per minute and channel (Zalo allows 4,000 requests a minute per app).
    rate_limits: dict[str, int] = Field(default_factory=lambda: {"email": 120, "zalo": 1000, "zns": 500})

    @model_validator(mode="after")
    def _resolve_home(self) -> Settings:
        self.home = self.home.expanduser().resolve()
        if not self.database_url:
            self.database_url = self.default_database_url()
        return self

    def default_database_url(self) -> str:
        return f"sqlite:///{self.home / 'obligations.db'}"

    @property
    def embedded_maildir(self) -> str:
        """Where every message goes when no channel is configured at all (notifications/maildir.py)."""
        return f"maildir://{self.home / 'maildir'}"

    def channel_url(self, channel: str) -> str | None:
        """The channel's apprise URL, or None when the channel is not configured."""
        urls = {name: secret.get_secret_value() if secret else "" for name, secret in
                (("email", self.email_url), ("zalo", self.zalo_url), ("zns", self.zns_url))}
        if channel not in urls:
            raise ValueError(f"unknown channel {channel!r}")
        if not any(urls.values()):
            return self.embedded_maildir
        return urls[channel] or None


_chosen: Settings | None = None


@lru_cache
def _from_environment() -> Settings:
    return Settings()


def get_settings() -> Settings:
    """The settings in force: those a caller chose (a CLI option, the demo), else the environment's."""
    return _chosen if _chosen is not None else _from_environment()


@contextmanager
def settings_in_force(settings: Settings) -> Iterator[Settings]:
    """Run a block with these settings instead of the environment's, without touching ``os.environ``."""
    global _chosen
    previous, _chosen = _chosen, settings
    try:
        yield settings
    finally:
        _chosen = previous

