"""The `status`, `shift` and `check` commands on temporary projects (and git repositories)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bluegreen import cli

ROOT = Path(__file__).parent.parent

STACK_FILE = """\
# Stack "{color}": this comment, and every other, must survive a shift.
config:
  aws:region: eu-west-1
  # Which side this stack is.
  eks-bluegreen:color: {color}
  eks-bluegreen:clusterVersion: "{version}"
  # Route 53 weight of this colour, 0..255.
  eks-bluegreen:trafficWeight: {weight}   # changed by bluegreen shift
  eks-bluegreen:hostedZoneId: Z0PLACEHOLDER0000000
  eks-bluegreen:domain: example.com
  eks-bluegreen:endpoints:
    - hostname: app.example.com
      service: demo/echo
      port: 80
{extra}"""


def stack_text(color: str, weight: int | str, version: str, extra: str = "") -> str:
    return STACK_FILE.format(color=color, weight=weight, version=version, extra=extra)


def write_stack(
    project: Path, stack: str, weight: int | str, *, color: str = "", version: str = "", extra: str = ""
) -> None:
    color = color or stack
    version = version or ("1.33" if color == "blue" else "1.34")
    (project / f"Pulumi.{stack}.yaml").write_text(stack_text(color, weight, version, extra))


def write_pair(project: Path, blue: int, green: int, **blue_overrides: str) -> None:
    write_stack(project, "blue", blue, **blue_overrides)
    write_stack(project, "green", green)


def weight_in(project: Path, stack: str) -> int:
    for line in (project / f"Pulumi.{stack}.yaml").read_text().splitlines():
        if "trafficWeight:" in line:
            return int(line.split(":")[2].split("#")[0])
    raise AssertionError("no weight")


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def bluegreen(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run `bluegreen --project-dir <tmp_path> ARGS...` in-process, as the installed command would."""

    monkeypatch.chdir(tmp_path)  # suggested commands leave out --project-dir when it is the current folder

    def run(*argv: str, project: Path = tmp_path) -> Result:
        code = cli.main(["--project-dir", str(project), *argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


# --- status ---------------------------------------------------------------------------------------


def test_status_shows_the_split_the_phase_and_the_next_step(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    result = bluegreen("status")
    assert result.code == cli.EXIT_OK, result.err
    assert result.out.splitlines()[:3] == [
        "STACK  COLOUR  VERSION  WEIGHT  SHARE  TRAFFIC",
        "blue   blue    1.33          1   100%  ####################",
        "green  green   1.34          0     0%  ....................",
    ]
    assert "\nPhase: blue live\n" in result.out
    assert result.out.endswith(
        "Next step of the promotion to green (1.34):\n"
        "  stack green: trafficWeight 0 → 1, giving both live\n"
        "  bluegreen shift green\n"
        "  then, once that change is merged: pulumi up --stack green\n"
    )


def test_status_half_way_offers_the_lowering_and_a_rollback(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 1)
    result = bluegreen("status")
    assert "Phase: both live" in result.out
    assert "  stack blue: trafficWeight 1 → 0, giving green live\n  bluegreen shift green\n" in result.out
    assert "pulumi up --stack blue" in result.out
    assert "To roll back to blue instead: bluegreen shift blue --rollback" in result.out


def test_status_when_the_promotion_is_done(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 0, 1)
    result = bluegreen("status")
    assert "Phase: green live" in result.out
    assert "Promotion done: green (1.34) has all the traffic." in result.out
    assert "To roll back to blue (1.33): bluegreen shift blue --rollback" in result.out


def test_status_of_custom_weights(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 200, 55)
    result = bluegreen("status")
    assert "green  green   1.34         55  21.6%  ####................" in result.out
    assert "Phase: shifting to green (21.6%)" in result.out
    assert "stack green: trafficWeight 55 → 200, giving both live" in result.out


def test_status_with_equal_versions_offers_both_directions(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 1, version="1.34")
    result = bluegreen("status")
    assert "Both colours run 1.34: no newer version is waiting for traffic." in result.out
    assert "To move traffic to blue anyway:" in result.out and "To move traffic to green anyway:" in result.out


def test_status_repeats_the_project_dir_in_commands(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pair(tmp_path, 1, 0)
    monkeypatch.chdir(ROOT)
    result = bluegreen("status")
    assert f"bluegreen --project-dir {tmp_path} shift green" in result.out
    assert f"pulumi up --stack green --cwd {tmp_path}" in result.out


def test_status_with_one_colour_only_says_how_to_add_the_other(tmp_path: Path, bluegreen: Run) -> None:
    write_stack(tmp_path, "blue", 1)
    result = bluegreen("status")
    assert result.code == cli.EXIT_OK
    assert "Phase: blue live" in result.out
    assert "No stack has color green: add a stack file for it with trafficWeight: 0" in result.out


def test_status_shows_an_allowed_all_zero_pair_as_flagged(tmp_path: Path, bluegreen: Run) -> None:
    write_stack(tmp_path, "blue", 0, extra="  eks-bluegreen:allowAllZero: true\n")
    write_stack(tmp_path, "green", 0, extra="  eks-bluegreen:allowAllZero: true\n")
    result = bluegreen("status")
    assert result.code == cli.EXIT_OK
    assert "Phase: all zero\n  every weight is 0 (allowAllZero is set)" in result.out
    assert "    50%  ##########.........." in result.out


@pytest.mark.parametrize(
    ("blue", "green", "blue_extra", "code", "reason"),
    [
        (0, 0, "", cli.EXIT_PROBLEM, "every trafficWeight is 0"),
        (0, 0, "  eks-bluegreen:allowAllZero: true\n", cli.EXIT_PROBLEM, "allowAllZero is not set on green"),
        (300, 0, "", cli.EXIT_USAGE, "eks-bluegreen:trafficWeight = 300: must be 0..255, the range"),
        ('"1.0"', 0, "", cli.EXIT_USAGE, "eks-bluegreen:trafficWeight = '1.0'"),
        (1, 0, "  eks-bluegreen:colour: blue\n", cli.EXIT_USAGE, "eks-bluegreen:colour is not a setting"),
    ],
)
def test_status_refuses_an_invalid_pair(
    tmp_path: Path, bluegreen: Run, blue: int | str, green: int, blue_extra: str, code: int, reason: str
) -> None:
    write_stack(tmp_path, "blue", blue, extra=blue_extra)
    write_stack(tmp_path, "green", green)
    result = bluegreen("status")
    assert result.code == code
    assert reason in result.err


def test_status_refuses_duplicate_colours_and_missing_files(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    write_stack(tmp_path, "green-2", 0, color="green")
    result = bluegreen("status")
    assert result.code == cli.EXIT_PROBLEM
    assert "stacks green, green-2 all have color green" in result.err
    empty = tmp_path / "empty"
    empty.mkdir()
    result = bluegreen("status", project=empty)
    assert result.code == cli.EXIT_USAGE and "no Pulumi.<stack>.yaml file" in result.err


# Runs `python -m bluegreen ...` and then lists the heavy modules that it loaded.
IMPORT_DRIVER = """
import runpy, sys
sys.argv[0] = "bluegreen"
try:
    runpy.run_module("bluegreen", run_name="__main__", alter_sys=True)
except SystemExit as exit_:
    assert "bluegreen.commands.status" in sys.modules  # the module list is the real one
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"pulumi", "pulumi_aws", "boto3", "botocore"})
    print("heavy modules:", heavy, file=sys.stderr)
    raise
"""


def test_status_imports_neither_pulumi_nor_boto3(tmp_path: Path) -> None:
    write_pair(tmp_path, 1, 0)
    command = [sys.executable, "-c", IMPORT_DRIVER, "--project-dir", str(tmp_path), "status"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Phase: blue live" in result.stdout
    assert result.stderr.splitlines()[-1] == "heavy modules: []"


# --- shift ----------------------------------------------------------------------------------------


def test_shift_takes_the_promotion_one_file_at_a_time(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    blue_before = (tmp_path / "Pulumi.blue.yaml").read_bytes()

    result = bluegreen("shift", "green")
    assert result.code == cli.EXIT_OK, result.err
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
    assert result.code == cli.EXIT_OK
    assert result.out == "green already has all the traffic (blue 0, green 1); nothing changed.\n"
    assert (weight_in(tmp_path, "blue"), weight_in(tmp_path, "green")) == (0, 1)


def test_shift_rollback_raises_the_old_colour_first(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 0, 1)
    assert bluegreen("shift", "blue", "--rollback").code == cli.EXIT_OK
    assert (weight_in(tmp_path, "blue"), weight_in(tmp_path, "green")) == (1, 1)
    assert bluegreen("shift", "blue", "--rollback").code == cli.EXIT_OK
    assert (weight_in(tmp_path, "blue"), weight_in(tmp_path, "green")) == (1, 0)


def test_shift_rollback_towards_the_newer_version_is_refused(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 1)
    result = bluegreen("shift", "green", "--rollback")
    assert result.code == cli.EXIT_PROBLEM
    assert "green runs the newer cluster version" in result.err
    assert (weight_in(tmp_path, "blue"), weight_in(tmp_path, "green")) == (1, 1)


def test_shift_to_a_custom_weight(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 255, 0)
    result = bluegreen("shift", "green", "--to", "25")
    assert result.code == cli.EXIT_OK
    assert "Phase: shifting to green (8.9%)" in result.out
    assert (weight_in(tmp_path, "blue"), weight_in(tmp_path, "green")) == (255, 25)
    assert bluegreen("shift", "green", "--to", "25").out.startswith("green already has weight 25")


def test_shift_to_refuses_lowering_the_only_live_colour(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 255, 0)
    result = bluegreen("shift", "blue", "--to", "0")
    assert result.code == cli.EXIT_PROBLEM
    assert "would leave every weight at 0" in result.err
    assert weight_in(tmp_path, "blue") == 255


@pytest.mark.parametrize("weight", ["256", "-1", "1.5", "x"])
def test_shift_to_refuses_a_weight_out_of_range(tmp_path: Path, bluegreen: Run, weight: str) -> None:
    write_pair(tmp_path, 1, 0)
    with pytest.raises(SystemExit) as exit_:
        bluegreen("shift", "green", "--to", weight)
    assert exit_.value.code == cli.EXIT_USAGE


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
    assert result.code == cli.EXIT_OK, result.err
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
    assert result.code == cli.EXIT_PROBLEM
    assert "Pulumi.green.yaml is back as it was" in result.err
    assert (project / "Pulumi.green.yaml").read_text() == stack_text("green", 0, "1.34")
    assert len(record.read_text().splitlines()) == 1, "pulumi up must not run"


def test_shift_apply_reports_a_failed_up(tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write_pair(project, 1, 0)
    fake_pulumi(tmp_path, monkeypatch, fail_on="up")
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == cli.EXIT_PROBLEM
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
    assert result.code == cli.EXIT_USAGE
    assert "--apply needs the pulumi CLI, which is not on PATH; no file was changed" in result.err
    assert weight_in(tmp_path, "green") == 0


# --- check ----------------------------------------------------------------------------------------


def git(project: Path, *args: str) -> None:
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, *args], cwd=project, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose HEAD holds blue at weight 1 and green at 0."""
    write_pair(tmp_path, 1, 0)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "blue live")
    return tmp_path


def test_check_passes_one_raise_and_prints_the_table(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", 1)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == cli.EXIT_OK, result.out
    assert result.out.splitlines() == [
        "### Traffic change against `HEAD`",
        "",
        "| Stack | Colour | Version | Weight | Share |",
        "|---|---|---|---:|---:|",
        "| blue | blue | 1.33 | 1 | 100% → **50%** |",
        "| green | green | 1.34 | 0 → **1** | 0% → **50%** |",
        "",
        "Phase: blue live → **both live**",
        "",
        "**OK**: at most one stack's weight moves, and the pair stays valid.",
    ]


def test_check_passes_a_change_that_moves_no_weight(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", 0, extra="  eks-bluegreen:demo: true\n")
    assert bluegreen("check", "--base", "HEAD").code == cli.EXIT_OK


def test_check_refuses_two_weights_at_once(repo: Path, bluegreen: Run) -> None:
    write_pair(repo, 0, 1)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == cli.EXIT_PROBLEM
    assert "- the weights of 2 stacks change (blue, green): change one stack per pull request" in result.out
    assert "| blue | blue | 1.33 | 1 → **0** | 100% → **0%** |" in result.out


def test_check_refuses_an_all_zero_end(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "blue", 0)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == cli.EXIT_PROBLEM
    assert "every trafficWeight is 0" in result.out
    assert "blue goes down from 1 to 0 while green has weight 0" in result.out


def test_check_refuses_lowering_before_the_other_colour_is_raised(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "blue", 255)
    git(repo, "commit", "-q", "-am", "blue at 255")
    write_stack(repo, "blue", 100)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == cli.EXIT_PROBLEM
    assert "- blue goes down from 255 to 100 while green has weight 0: raise green first" in result.out


def test_check_lowering_after_the_raise_passes(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", 1)
    git(repo, "commit", "-q", "-am", "green raised")
    write_stack(repo, "blue", 0)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == cli.EXIT_OK, result.out
    assert "Phase: both live → **green live**" in result.out


def test_check_refuses_an_invalid_stack_file_with_exit_2(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", "1.5")
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == cli.EXIT_USAGE
    assert "**Invalid stack file**" in result.out
    assert "- Pulumi.green.yaml: eks-bluegreen:trafficWeight = 1.5" in result.out


def test_check_accepts_a_new_stack_at_weight_0_and_notes_a_removed_one(tmp_path: Path, bluegreen: Run) -> None:
    write_stack(tmp_path, "blue", 1)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "blue only")
    write_stack(tmp_path, "green", 0)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == cli.EXIT_OK, result.out
    assert "| green | (no file) → **green** | - → **1.34** | - → **0** | - → **0%** |" in result.out

    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "green at 0")
    (tmp_path / "Pulumi.green.yaml").unlink()
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == cli.EXIT_OK, result.out
    assert "- stack green has no file any more: its Pulumi stack and DNS records stay until" in result.out


def test_check_refuses_removing_a_stack_that_has_traffic(repo: Path, bluegreen: Run) -> None:
    (repo / "Pulumi.blue.yaml").unlink()
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == cli.EXIT_PROBLEM
    assert "the file of stack blue is removed while it has weight 1" in result.out


def test_check_counts_a_stack_invalid_at_the_base_as_moved(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", "x")
    git(repo, "commit", "-q", "-am", "break green")
    write_stack(repo, "green", 1)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == cli.EXIT_OK, result.out
    assert "- Pulumi.green.yaml at HEAD is invalid, so its weight there is unknown" in result.out
    write_stack(repo, "blue", 2)
    assert bluegreen("check", "--base", "HEAD").code == cli.EXIT_PROBLEM


def test_check_reports_an_unknown_ref_with_exit_2(repo: Path, bluegreen: Run) -> None:
    result = bluegreen("check", "--base", "no-such-branch")
    assert result.code == cli.EXIT_USAGE
    assert "cannot read the stack files at no-such-branch" in result.out
