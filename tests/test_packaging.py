"""The distribution installs one import root, `obligations`, and the data files the code reads."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _source_tree(target: Path) -> Path:
    """The files git would ship (tracked, or new and not ignored), copied away from caches and builds."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _modules_of_the_tree() -> set[str]:
    """Every module of the product, by its path inside the wheel (the packages map under obligations/)."""
    found = {f"obligations/{p.relative_to(ROOT / 'obligations')}" for p in (ROOT / "obligations").rglob("*.py")}
    for folder in ("config", "rules", "models", "plans", "flows", "notifications", "web"):
        found |= {f"obligations/{p.relative_to(ROOT)}" for p in (ROOT / folder).rglob("*.py")}
    return {name for name in found if "__pycache__" not in name}


def test_wheel_holds_only_the_obligations_root(tmp_path):
    source = _source_tree(tmp_path / "src")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("obligations-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"obligations", wheel.name.split("-py3")[0] + ".dist-info"}
    assert _modules_of_the_tree() - set(names) == set(), "modules of the source tree missing from the wheel"
    for needed in (
        "obligations/cli.py",
        "obligations/flows/sweep.py",
        "obligations/config/defaults.yaml",
        "obligations/config/examples/khanh-hoa-2017-2020.yaml",
        "obligations/models/migrations/env.py",
        "obligations/models/migrations/versions/0001_initial_schema.py",
        "obligations/notifications/templates/vi/reminder.txt.j2",
        "obligations/web/templates/base.html.j2",
        "obligations/web/static/style.css",
    ):
        assert needed in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "obligations = obligations.cli:app" in zipfile.ZipFile(wheel).read(entry_points).decode()
