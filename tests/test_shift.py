"""`bluegreen shift`: one step as an edit of one stack file, and `--apply` with a fake pulumi."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from bluegreen.exits import ExitStatus
from tests.support.cli import NEW_HOSTNAME, Run, stack_text, weight_in, write_pair


def test_shift_takes_the_promotion_one_file_at_a_time(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    blue_before = (tmp_path / "Pulumi.blue.yaml").read_bytes()

    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.OK, result.err
    assert result.out.startswith("Changed Pulumi.green.yaml: eks-bluegreen:trafficWeight 0 → 1\n")
    assert "Phase: both live" in result.out
    assert result.out.endswith("once it is merged, run: pulumi up --stack green\n")
    assert (tmp_path / "Pulumi.blue.yaml").read_bytes() == blue_before
    assert (tmp_path / "Pulumi.green.yaml").read_text() == stack_text("green", 1, "1.34")

    green_before = (tmp_path / "Pulumi.green.yaml").read_bytes()
    result = bluegreen("shift", "green")
    assert result.out.startswith("Changed Pulumi.blue.yaml: eks-bluegreen:trafficWeight 1 → 0\n")
    assert "pulumi up --stack blue" in result.out
    assert (tmp_path / "Pulumi.green.yaml").read_bytes() == green_before
    assert (tmp_path / "Pulumi.blue.yaml").read_text() == stack_text("blue", 0, "1.33")

    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.OK
    assert result.out == "green already has all the traffic (blue 0, green 1); nothing changed.\n"
    assert (weight_in(tmp_path, "blue"), weight_in(tmp_path, "green")) == (0, 1)


def test_shift_rollback_raises_the_old_colour_first(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 0, 1)
    assert bluegreen("shift", "blue", "--rollback").code == ExitStatus.OK
    assert (weight_in(tmp_path, "blue"), weight_in(tmp_path, "green")) == (1, 1)
    assert bluegreen("shift", "blue", "--rollback").code == ExitStatus.OK
    assert (weight_in(tmp_path, "blue"), weight_in(tmp_path, "green")) == (1, 0)


def test_shift_rollback_towards_the_newer_version_is_refused(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 1)
    result = bluegreen("shift", "green", "--rollback")
    assert result.code == ExitStatus.PROBLEM
    assert "green runs the newer cluster version" in result.out
    assert (weight_in(tmp_path, "blue"), weight_in(tmp_path, "green")) == (1, 1)


def test_shift_to_a_custom_weight(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 255, 0)
    result = bluegreen("shift", "green", "--to", "25")
    assert result.code == ExitStatus.OK
    assert "Phase: shifting to green (8.9%)" in result.out
    assert (weight_in(tmp_path, "blue"), weight_in(tmp_path, "green")) == (255, 25)
    assert bluegreen("shift", "green", "--to", "25").out.startswith("green already has weight 25")


def test_shift_to_refuses_lowering_the_only_live_colour(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 255, 0)
    result = bluegreen("shift", "blue", "--to", "0")
    assert result.code == ExitStatus.PROBLEM
    assert "would leave every weight at 0" in result.out
    assert weight_in(tmp_path, "blue") == 255


@pytest.mark.parametrize("weight", ["256", "-1", "1.5", "x"])
def test_shift_to_refuses_a_weight_out_of_range(tmp_path: Path, bluegreen: Run, weight: str) -> None:
    write_pair(tmp_path, 1, 0)
    with pytest.raises(SystemExit) as exit_:
        bluegreen("shift", "green", "--to", weight)
    assert exit_.value.code == ExitStatus.USAGE


def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_on: str = "") -> Path:
    """A `pulumi` on PATH that records its folder and arguments, failing for `pulumi <fail_on> ...`."""
    bin_dir, record = tmp_path / "bin", tmp_path / "pulumi-calls.txt"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(
        f'#!/bin/sh\necho "$PWD|$*" >> {shlex.quote(str(record))}\nif [ "$1" = "{fail_on}" ]; then exit 7; fi\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return record


def test_shift_apply_runs_pulumi_config_set_then_up(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write_pair(project, 1, 0)
    record = fake_pulumi(tmp_path, monkeypatch)
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.OK, result.err
    assert record.read_text().splitlines() == [
        f"{project}|config set --stack green --type int eks-bluegreen:trafficWeight 1",
        f"{project}|up --stack green",
    ]
    assert weight_in(project, "green") == 1
    assert "$ pulumi up --stack green" in result.out


def test_shift_apply_puts_the_file_back_when_config_set_fails(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write_pair(project, 1, 0)
    record = fake_pulumi(tmp_path, monkeypatch, fail_on="config")
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.PROBLEM
    assert "Pulumi.green.yaml is back as it was" in result.err
    assert (project / "Pulumi.green.yaml").read_text() == stack_text("green", 0, "1.34")
    assert len(record.read_text().splitlines()) == 1, "pulumi up must not run"


def test_shift_apply_reports_a_failed_up(tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write_pair(project, 1, 0)
    fake_pulumi(tmp_path, monkeypatch, fail_on="up")
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.PROBLEM
    assert "pulumi up failed; Pulumi.green.yaml keeps weight 1" in result.err
    assert "bluegreen shift green --to 0" in result.err


def test_shift_apply_without_pulumi_changes_nothing(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pair(tmp_path, 1, 0)
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    result = bluegreen("shift", "green", "--apply")
    assert result.code == ExitStatus.USAGE
    assert "--apply needs the pulumi CLI, which is not on PATH; no file was changed" in result.err
    assert weight_in(tmp_path, "green") == 0


def test_shift_refuses_to_leave_a_hostname_only_at_weight_0(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 1, extra=NEW_HOSTNAME)  # only blue serves new.example.com
    result = bluegreen("shift", "green")  # the next step would lower blue to 0
    assert result.code == ExitStatus.PROBLEM
    assert "refused: new.example.com would be served only by 'blue' at weight 0" in result.out
    assert weight_in(tmp_path, "blue") == 1


def test_shift_refuses_to_stack_a_step_on_an_uncommitted_stack_file(tmp_path: Path, bluegreen: Run) -> None:
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]

    def git(*args: str) -> None:
        subprocess.run(["git", *identity, *args], cwd=tmp_path, check=True, capture_output=True)

    write_pair(tmp_path, 1, 0)
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "pair")

    assert bluegreen("shift", "green").code == ExitStatus.OK
    green_after_one_step = (tmp_path / "Pulumi.green.yaml").read_bytes()

    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.PROBLEM
    assert result.out.startswith("refused: Pulumi.green.yaml has uncommitted changes: commit it first")
    assert (tmp_path / "Pulumi.green.yaml").read_bytes() == green_after_one_step
    assert weight_in(tmp_path, "blue") == 1

    git("commit", "-qam", "green 1")
    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.OK, result.out
    assert result.out.startswith("Changed Pulumi.blue.yaml: eks-bluegreen:trafficWeight 1 → 0\n")
