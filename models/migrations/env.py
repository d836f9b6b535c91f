"""Alembic environment: the engine comes from the caller (``models.db.upgrade``) or the settings."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import obligations.models.tables  # noqa: F401  (registers the tables on the metadata)

target_metadata = SQLModel.metadata


def _engine():
    engine = context.config.attributes.get("engine")
    if engine is None:
        from obligations.config import get_settings
        from obligations.models.db import create_db_engine

        engine = create_db_engine(get_settings().database_url)
    return engine


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `obligations db upgrade`")
run_migrations_online()
