"""`bluegreen status`: the split, the phase and the next step, from the stack files alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bluegreen.exits import ExitStatus
from tests.support.cli import NEW_HOSTNAME, ROOT, Run, write_pair, write_stack


def test_status_shows_the_split_the_phase_and_the_next_step(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    result = bluegreen("status")
    assert result.code == ExitStatus.OK, result.err
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
    assert result.code == ExitStatus.OK
    assert "Phase: blue live" in result.out
    assert "No stack has color green: add a stack file for it with trafficWeight: 0" in result.out


def test_status_shows_an_allowed_all_zero_pair_as_flagged(tmp_path: Path, bluegreen: Run) -> None:
    write_stack(tmp_path, "blue", 0, extra="  eks-bluegreen:allowAllZero: true\n")
    write_stack(tmp_path, "green", 0, extra="  eks-bluegreen:allowAllZero: true\n")
    result = bluegreen("status")
    assert result.code == ExitStatus.OK
    assert "Phase: all zero\n  every weight is 0 (allowAllZero is set)" in result.out
    assert "    50%  ##########.........." in result.out


@pytest.mark.parametrize(
    ("blue", "green", "blue_extra", "code", "reason"),
    [
        (0, 0, "", ExitStatus.PROBLEM, "every trafficWeight is 0"),
        (0, 0, "  eks-bluegreen:allowAllZero: true\n", ExitStatus.PROBLEM, "allowAllZero is not set on green"),
        (300, 0, "", ExitStatus.USAGE, "eks-bluegreen:trafficWeight = '300': must be 0..255, the range"),
        ('"1.0"', 0, "", ExitStatus.USAGE, "eks-bluegreen:trafficWeight = '1.0'"),
        (1, 0, "  eks-bluegreen:colour: blue\n", ExitStatus.USAGE, "eks-bluegreen:colour is not a setting"),
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
    assert result.code == ExitStatus.PROBLEM
    assert "stacks green, green-2 all have color green" in result.err
    empty = tmp_path / "empty"
    empty.mkdir()
    result = bluegreen("status", project=empty)
    assert result.code == ExitStatus.USAGE and "no Pulumi.<stack>.yaml file" in result.err


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


def test_status_refuses_a_hostname_served_only_at_weight_0(tmp_path: Path, bluegreen: Run) -> None:
    write_stack(tmp_path, "blue", 1)
    write_stack(tmp_path, "green", 0, extra=NEW_HOSTNAME)
    result = bluegreen("status")
    assert result.code == ExitStatus.PROBLEM
    assert "error: invalid pair: new.example.com would be served only by 'green' at weight 0" in result.err


def test_status_refuses_stacks_in_different_zones(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    green = tmp_path / "Pulumi.green.yaml"
    green.write_text(green.read_text().replace("Z0PLACEHOLDER0000000", "Z0OTHERZONE"))
    result = bluegreen("status")
    assert result.code == ExitStatus.PROBLEM
    assert "eks-bluegreen:hostedZoneId differs (blue has 'Z0PLACEHOLDER0000000', green has 'Z0OTHERZONE')" in result.err
