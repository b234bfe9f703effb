"""`bluegreen promote`: the dry run, the rehearsal against the simulated world, and the refusals."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bluegreen.exits import ExitStatus
from tests.support.cli import Run, write_pair, write_stack


def test_dry_run_prints_the_schedule_the_timings_and_the_thresholds(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    result = bluegreen("promote", "green", "--dry-run")
    assert result.code == ExitStatus.OK, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Promotion of green (policy: defaults (no promotion.yaml)); now blue 1, green 0."
    assert lines[2].split() == ["STEP", "CHANGE", "BLUE:GREEN", "GREEN", "SHARE", "BAKE", "MIN", "REQUESTS"]
    assert lines[3].split() == ["1/6", "blue", "1", "->", "255", "255:0", "0.0%", "-", "-"]
    assert lines[4].split() == ["2/6", "green", "0", "->", "1", "255:1", "0.4%", "10", "min", "300"]
    assert lines[8].split() == ["6/6", "blue", "255", "->", "0", "0:255", "100.0%", "15", "min", "300"]
    assert "  judge.errorAlpha = 0.0003" in lines and "  schedule.consecutiveFailures = 1" in lines
    assert (tmp_path / "Pulumi.blue.yaml").read_text().count("trafficWeight: 1 ") == 1, "nothing changed"


def test_dry_run_reads_the_policy_file(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 255, 0)
    (tmp_path / "promotion.yaml").write_text("schedule:\n  steps:\n    - new: 10\n    - new: 255\n    - old: 0\n")
    result = bluegreen("promote", "green", "--dry-run")
    assert [line.split()[1:5] for line in result.out.splitlines()[3:6]] == [
        ["green", "0", "->", "10"],
        ["green", "10", "->", "255"],
        ["blue", "255", "->", "0"],
    ]


def test_a_simulated_broken_colour_is_rolled_back_and_the_report_written(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 255, 0)
    report = tmp_path / "report.html"
    result = bluegreen("promote", "green", "--simulate", "10", "--report", str(report))
    assert result.code == ExitStatus.PROBLEM, result.err
    assert "rollback green 1/1: green 1 -> 0" in result.out
    assert result.out.splitlines()[-2] == "rolled back: rollback green 1/1: green 1 -> 0"
    assert "<svg" in report.read_text() and "rolled back" in report.read_text()
    assert "trafficWeight: 0 " in (tmp_path / "Pulumi.green.yaml").read_text(), "a rehearsal changes no file"


def test_a_simulated_healthy_colour_is_promoted(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    result = bluegreen("promote", "green", "--simulate", "1", "--report", str(tmp_path / "report.html"))
    assert result.code == ExitStatus.OK, result.err
    assert result.out.splitlines()[-2] == "promoted: green carries all the traffic"


def test_a_promotion_refuses_uncommitted_stack_files(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 255, 0)
    subprocess.run(["git", "init", "--quiet"], cwd=tmp_path, check=True)
    result = bluegreen("promote", "green")
    assert result.code == ExitStatus.PROBLEM
    assert "error: the stack files have changes that are not committed" in result.err


def test_a_promotion_refuses_a_pair_with_tls_on_one_colour_only(tmp_path: Path, bluegreen: Run) -> None:
    write_stack(tmp_path, "blue", 255, extra="  eks-bluegreen:tls: false\n")
    write_stack(tmp_path, "green", 0)  # tls on, the default
    for how in (["--dry-run"], []):
        result = bluegreen("promote", "green", *how)
        assert result.code == ExitStatus.PROBLEM
        assert result.err == (
            "error: the pair cannot take a promotion: tls is on for the other colour but not for blue: set tls: true "
            "on stack blue and deploy it first (bluegreen status says how); traffic moves only between colours that "
            "both serve HTTPS; nothing was changed\n"
        )
    assert "trafficWeight: 255 " in (tmp_path / "Pulumi.blue.yaml").read_text()


def test_a_promotion_refuses_a_pair_status_calls_invalid(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 255, 0, color="green")  # two green stacks
    result = bluegreen("promote", "green", "--dry-run")
    assert result.code == ExitStatus.PROBLEM
    assert "error: the pair cannot take a promotion: stacks blue, green all have color green" in result.err
