"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData
from sqlmodel import SQLModel

import obligations.models.tables  # noqa: F401  (registers the tables on the metadata)
from obligations.models.db import current_revision


def _differences(engine, metadata: MetaData = SQLModel.metadata) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_migrated_schema_matches_the_models(engine):
    assert current_revision(engine) is not None
    assert _differences(engine) == []


def test_a_model_change_without_migration_is_caught(engine):
    """The comparison above can fail: a column the models gain and no migration adds shows up."""
    changed = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["agency"].append_column(Column("not_migrated", Integer))
    differences = _differences(engine, changed)
    assert [d[0] for d in differences] == ["add_column"]
    assert differences[0][3].name == "not_migrated"
