"""The data directory: the demo and every command use the same database, whatever directory they run from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from obligations.config.settings import Settings


def _obligations(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "obligations.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _environment(data_home: Path) -> dict[str, str]:
    """The user's environment with no OBLIGATIONS_ setting: the defaults decide where data goes."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OBLIGATIONS_", "PREFECT_HOME"))}
    env.update(XDG_DATA_HOME=str(data_home), COLUMNS="200", DO_NOT_TRACK="1")
    return env


def test_the_default_data_directory_is_absolute_and_per_user(tmp_path, monkeypatch):
    monkeypatch.delenv("OBLIGATIONS_HOME", raising=False)
    monkeypatch.delenv("OBLIGATIONS_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None)
    assert settings.home == tmp_path / "share" / "obligations"
    assert settings.database_url == f"sqlite:///{tmp_path / 'share' / 'obligations' / 'obligations.db'}"
    relative = Settings(_env_file=None, home="data")
    assert relative.home == tmp_path / "data" and relative.home.is_absolute()
    explicit = Settings(_env_file=None, database_url="postgresql+psycopg://db/obligations")
    assert explicit.database_url == "postgresql+psycopg://db/obligations"


def test_the_demo_then_status_shows_the_demo_from_any_directory(tmp_path):
    env = _environment(tmp_path / "share")
    here, elsewhere = tmp_path / "clone", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    demo = _obligations(["demo", "--from", "2017-04-01", "--to", "2017-07-31"], here, env)
    assert demo.returncode == 0, demo.stderr
    database = tmp_path / "share" / "obligations" / "obligations.db"
    assert database.exists() and str(database) in demo.stdout.replace("\n", "")
    for directory in (here, elsewhere):
        status = _obligations(["status", "--as-of", "2017-07-31T17:00+07:00"], directory, env)
        assert status.returncode == 0, status.stderr
        assert "SKHDT" in status.stdout and "UBND-CAM-RANH" in status.stdout, status.stdout
        assert "Chưa có kỳ thực hiện" not in status.stdout
    # No command made a database, or a var/ folder, where it was started.
    assert not (here / "var").exists() and not (elsewhere / "var").exists()


def test_a_read_on_a_missing_database_says_so_and_creates_nothing(tmp_path):
    env = _environment(tmp_path / "share")
    status = _obligations(["status"], tmp_path, env)
    assert status.returncode == 3
    assert "chưa có cơ sở dữ liệu" in status.stderr and "make demo" in status.stderr
    assert "Traceback" not in status.stderr
    assert not (tmp_path / "share" / "obligations" / "obligations.db").exists()


def test_an_empty_database_status_names_the_data_directory(tmp_path):
    env = _environment(tmp_path / "share")
    assert _obligations(["db", "upgrade"], tmp_path, env).returncode == 0
    status = _obligations(["status"], tmp_path, env)
    assert status.returncode == 0, status.stderr
    assert "Chưa có kỳ thực hiện" in status.stdout and str(tmp_path / "share" / "obligations") in status.stdout


def test_the_demo_never_replaces_a_database_it_did_not_make(tmp_path):
    env = _environment(tmp_path / "share")
    assert _obligations(["db", "upgrade"], tmp_path, env).returncode == 0
    database = tmp_path / "share" / "obligations" / "obligations.db"
    before = database.read_bytes()
    demo = _obligations(["demo", "--from", "2017-04-01", "--to", "2017-04-05"], tmp_path, env)
    assert demo.returncode == 2
    assert "không xoá" in demo.stderr and "Traceback" not in demo.stderr
    assert database.read_bytes() == before
