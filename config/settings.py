"""Runtime settings, read from the environment (prefix ``OBLIGATIONS_``) or a ``.env`` file."""

from __future__ import annotations

import os
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent

# Prefect phones home and logs errors without network; the project's default is silence.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OBLIGATIONS_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/obligations.db",
        description="SQLAlchemy URL; PostgreSQL in production (postgresql+psycopg://...).",
    )
    zone: str = "Asia/Ho_Chi_Minh"
    office_start: time = time(8, 0)
    office_end: time = time(17, 0)
    horizon_days: int = Field(default=60, ge=1, description="How far ahead occurrences are created.")
    defaults_file: Path = CONFIG_DIR / "defaults.yaml"
    calendar_file: Path = CONFIG_DIR / "calendar.yaml"
    # Apprise URLs, one per channel; the recipient's address is added at send time.
    # The embedded default writes .eml files into a local maildir so nothing needs a mail server.
    email_url: str = "maildir://var/maildir"
    zalo_url: str = "maildir://var/maildir"
    mail_from: str = "nhacviec@example.org"
    dispatch_batch: int = Field(default=500, ge=1)
    dispatch_max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: int = Field(default=300, ge=1)

    def channel_url(self, channel: str) -> str:
        urls = {"email": self.email_url, "zalo": self.zalo_url}
        if channel not in urls:
            raise ValueError(f"unknown channel {channel!r}")
        return urls[channel]


@lru_cache
def get_settings() -> Settings:
    return Settings()


def load_yaml_defaults(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def calendar_overrides(settings: Settings) -> tuple[set[date], set[date]]:
    """Days off and make-up working days declared in the calendar file."""
    data = load_yaml_defaults(settings.calendar_file)
    days_off = {d for days in (data.get("days_off") or {}).values() for d in days or []}
    working = {d for days in (data.get("working_days") or {}).values() for d in days or []}
    return days_off, working
