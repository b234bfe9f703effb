"""Suggested commands start the way the user ran `bluegreen`, so that they can be pasted back as they are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bluegreen import invocation


@pytest.fixture
def venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with .venv/bin/bluegreen, as the current folder, and a PATH without the venv."""
    script = tmp_path / ".venv" / "bin" / "bluegreen"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    return script


def test_a_script_run_by_its_path_is_suggested_by_that_path(venv: Path) -> None:
    assert invocation.command_words(".venv/bin/bluegreen") == [".venv/bin/bluegreen"]
    assert invocation.command_words(str(venv)) == [".venv/bin/bluegreen"]


def test_from_a_subfolder_the_path_leads_back_up(venv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (venv.parents[2] / "components").mkdir()
    monkeypatch.chdir(venv.parents[2] / "components")
    assert invocation.command_words(str(venv)) == ["../.venv/bin/bluegreen"]


def test_from_the_venv_s_own_folder_the_path_is_never_bare(venv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(venv.parent)
    assert invocation.command_words(str(venv)) == ["./bluegreen"]


def test_a_script_that_path_finds_is_suggested_by_its_name(venv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{venv.parent}{os.pathsep}/usr/bin")
    assert invocation.command_words(str(venv)) == ["bluegreen"]


def test_python_dash_m_is_suggested_with_the_interpreter_that_ran_it(
    venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = str(Path(invocation.__file__).with_name("__main__.py"))
    (python, *rest) = invocation.command_words(main)
    assert rest == ["-m", "bluegreen"]
    assert os.path.samefile(python, sys.executable) and os.sep in python
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}/usr/bin")
    assert invocation.command_words(main) == ["python", "-m", "bluegreen"]


def test_hints_are_quoted_for_the_shell(venv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [str(venv), "status"])
    assert invocation.command("--project-dir", "my stacks", "shift", "green") == (
        ".venv/bin/bluegreen --project-dir 'my stacks' shift green"
    )


def test_status_run_as_the_quick_start_leaves_it_suggests_commands_that_run_as_typed() -> None:
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    result = subprocess.run([".venv/bin/bluegreen", "status"], cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    hints = [line.strip() for line in result.stdout.splitlines() if "shift" in line and "--stack" not in line]
    assert hints and all(hint.startswith(".venv/bin/bluegreen shift ") for hint in hints), result.stdout
