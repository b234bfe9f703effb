"""The command's plumbing, as a seasoned CLI user expects it: a closed pipe, --version, options after the
subcommand, and the project found from any folder inside it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bluegreen import cli, exits
from bluegreen.exits import ExitStatus
from tests.support.cli import write_pair

ROOT = Path(__file__).parent.parent


def project(directory: Path) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: eks-bluegreen\nruntime: python\n")
    write_pair(directory, 1, 0)
    return directory


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    project(tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` once it has its line: every write to the pipe fails
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bluegreen", "--project-dir", str(tmp_path), "status"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.stderr.decode() == ""
    assert done.returncode == ExitStatus.BROKEN_PIPE == 141


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == "bluegreen 0.1.0\n"


def test_project_dir_after_the_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path)
    assert cli.main(["status", "--project-dir", str(tmp_path)]) == ExitStatus.OK
    after = capsys.readouterr().out
    assert cli.main(["--project-dir", str(tmp_path), "status"]) == ExitStatus.OK
    assert capsys.readouterr().out == after
    assert "blue" in after


def test_project_dir_before_the_subcommand_is_not_reset_by_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project(tmp_path / "p")  # the current folder holds no project
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--project-dir", "p", "status"]) == ExitStatus.OK


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_a_project_dir_that_is_no_folder_is_named_as_such_by_every_command(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("")
    for where, expected in (("nope", "no such folder: nope"), ("a-file", "a-file is not a folder")):
        for argv in (["--project-dir", where, command], [command, "--project-dir", where]):
            with pytest.raises(SystemExit) as stopped:
                cli.main(argv)
            assert stopped.value.code == ExitStatus.USAGE
            assert capsys.readouterr().err.endswith(f"error: argument --project-dir: {expected}\n"), argv


def test_the_project_is_found_from_a_folder_inside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project(tmp_path)
    inside = tmp_path / "components" / "deeper"
    inside.mkdir(parents=True)
    monkeypatch.chdir(inside)
    assert cli.main(["status"]) == ExitStatus.OK
    out = capsys.readouterr().out
    assert "blue" in out
    # The suggested commands name the folder, so that they run from where the user is.
    assert f"--project-dir {tmp_path}" in out


def test_outside_any_project_the_current_folder_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["status"]) == ExitStatus.USAGE
    assert capsys.readouterr().err == f"error: no Pulumi.<stack>.yaml file in {tmp_path}\n"


def test_bare_bluegreen_prints_the_help_on_stdout_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == ExitStatus.USAGE
    out, err = capsys.readouterr()
    assert (out, err) == (cli.build_parser().format_help(), "")
    assert out.startswith("usage: bluegreen ")


def test_help_and_the_readme_give_every_exit_status_from_exits(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"Exit codes: {exits.summary()}." in help_text
    assert all(f"{int(status)} " in help_text for status in ExitStatus)  # 141 (closed pipe) included
    assert (
        f"exit codes for every command (`bluegreen/exits.py`, also at the end of `bluegreen --help`): "
        f"{exits.summary()}." in readme
    )
