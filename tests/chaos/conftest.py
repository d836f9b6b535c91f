"""The databases the chaos tests point a separate dispatch process at: SQLite, and PostgreSQL."""

from __future__ import annotations

import pytest

from obligations.models.db import create_db_engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request):
    """(engine, URL another process can use, name): a migrated, empty database."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        engine = create_db_engine(url)
    else:
        base, schema = request.getfixturevalue("pg_url")
        engine = create_db_engine(base, schema=schema)
        url = f"{base}?options=-csearch_path%3D{schema}"
    yield engine, url, request.param
    engine.dispose()
