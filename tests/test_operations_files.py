"""The files an operator installs (deploy/*.service, compose.yaml, Dockerfile) agree with the code.

No container runs here (the test machine has no Docker daemon): what can drift is checked instead,
the commands they start, the work pool they name, the packages the image copies and the database
versions that pg_dump needs to match.
"""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from obligations.cli import app

REPO = Path(__file__).resolve().parents[1]
UNITS = sorted((REPO / "deploy").glob("*.service"))
runner = CliRunner()


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def accepted_by_the_cli(argv: list[str]) -> None:
    """``obligations ARGS...`` names a command with those options: its --help works with them."""
    options = [arg for arg in argv if arg.startswith("--")]
    result = runner.invoke(app, [*argv, "--help"])
    assert result.exit_code == 0, f"{argv}: {result.output}"
    for option in options:
        assert option in result.output, f"{argv}: {option} is not an option of the command"


def pool_of_prefect_yaml() -> str:
    declared = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    [pool] = {deployment["work_pool"]["name"] for deployment in declared["deployments"]}
    return pool


def test_there_is_a_unit_for_serve_for_a_worker_and_for_the_web_app():
    names = {path.name for path in UNITS}
    assert {"obligations.service", "obligations-worker.service", "obligations-web.service",
            "prefect-server.service"} <= names


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_starts_a_command_that_exists(path):
    service = unit(path)["Service"]
    assert service["User"] != "root" and service["EnvironmentFile"].startswith("/etc/obligations/")
    for key in ("ExecStartPre", "ExecStart"):
        if key not in service:
            continue
        argv = shlex.split(service[key])
        program = Path(argv[0]).name
        assert argv[0].startswith("/srv/obligations/.venv/bin/"), argv
        if program == "obligations":
            accepted_by_the_cli(argv[1:])
        else:
            assert program == "prefect" and argv[1] in {"server", "worker"}, argv
            if argv[1] == "worker":
                assert argv[argv.index("--pool") + 1] == pool_of_prefect_yaml()


def test_the_data_directory_of_the_example_settings_is_writable_by_every_unit():
    env = dict(line.split("=", 1) for line in (REPO / "deploy" / "env.example").read_text(encoding="utf-8").splitlines()
               if line and not line.startswith("#"))
    home = env["OBLIGATIONS_HOME"]
    for path in UNITS:
        assert home in unit(path)["Service"]["ReadWritePaths"].split(), path.name


def compose() -> dict:
    return yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_postgres_a_prefect_server_on_it_a_worker_and_the_web_app():
    services = compose()["services"]
    assert set(services) == {"postgres", "prefect-server", "setup", "worker", "web"}
    server = services["prefect-server"]
    assert server["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/prefect" in server["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert "CREATE DATABASE prefect" in (REPO / "deploy" / "compose-initdb.sql").read_text(encoding="utf-8")
    worker = services["worker"]["command"]
    assert worker[:3] == ["prefect", "worker", "start"] and worker[worker.index("--pool") + 1] == pool_of_prefect_yaml()
    for name in ("worker", "web", "setup"):
        environment = services[name]["environment"]
        assert environment["PREFECT_API_URL"] == "http://prefect-server:4200/api"
        assert "@postgres:5432/obligations" in environment["OBLIGATIONS_DATABASE_URL"]
        assert services[name]["depends_on"], name
    accepted_by_the_cli(services["web"]["command"][1:])


def test_compose_setup_migrates_creates_the_pool_and_deploys_prefect_yaml():
    script = compose()["services"]["setup"]["command"][-1]
    assert script.startswith("obligations db upgrade")
    assert f"work-pool create {pool_of_prefect_yaml()} --type process" in script
    assert "deploy --all" in script
    accepted_by_the_cli(["db", "upgrade"])


def test_the_image_copies_every_package_and_pg_dump_matches_the_database():
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    packages = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    copied = set(re.findall(r"^COPY (\S+) \1$", dockerfile, flags=re.M))
    assert set(packages.values()) <= copied
    assert "prefect.yaml" in dockerfile and "requirements.lock" in dockerfile
    client = re.search(r"postgresql-client-(\d+)", dockerfile).group(1)
    image = compose()["services"]["postgres"]["image"]
    assert image.startswith(f"postgres:{client}"), (image, client)
