"""`bluegreen check`: a pull request's change of stack files against a git ref."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen.exits import ExitStatus
from tests.support.cli import NEW_HOSTNAME, Run, write_pair, write_stack
from tests.support.git import commit_all, git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose HEAD holds blue at weight 1 and green at 0."""
    write_pair(tmp_path, 1, 0)
    commit_all(tmp_path, "blue live")
    return tmp_path


def test_check_passes_one_raise_and_prints_the_table(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", 1)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.OK, result.out
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
    assert bluegreen("check", "--base", "HEAD").code == ExitStatus.OK


def test_check_refuses_two_weights_at_once(repo: Path, bluegreen: Run) -> None:
    write_pair(repo, 0, 1)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.PROBLEM
    assert "- the weights of 2 stacks change (blue, green): change one stack per pull request" in result.out
    assert "| blue | blue | 1.33 | 1 → **0** | 100% → **0%** |" in result.out


def test_check_refuses_an_all_zero_end(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "blue", 0)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.PROBLEM
    assert "every trafficWeight is 0" in result.out
    assert "blue goes down from 1 to 0 while green has weight 0" in result.out


def test_check_refuses_lowering_before_the_other_colour_is_raised(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "blue", 255)
    git(repo, "commit", "-q", "-am", "blue at 255")
    write_stack(repo, "blue", 100)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.PROBLEM
    assert "- blue goes down from 255 to 100 while green has weight 0: raise green first" in result.out


def test_check_lowering_after_the_raise_passes(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", 1)
    git(repo, "commit", "-q", "-am", "green raised")
    write_stack(repo, "blue", 0)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.OK, result.out
    assert "Phase: both live → **green live**" in result.out


def test_check_refuses_an_invalid_stack_file_with_exit_2(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", "1.5")
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.USAGE
    assert "**Invalid stack file**" in result.out
    assert "- Pulumi.green.yaml: eks-bluegreen:trafficWeight = '1.5'" in result.out


def test_check_accepts_a_new_stack_at_weight_0_and_notes_a_removed_one(tmp_path: Path, bluegreen: Run) -> None:
    write_stack(tmp_path, "blue", 1)
    commit_all(tmp_path, "blue only")
    write_stack(tmp_path, "green", 0)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.OK, result.out
    assert "| green | (no file) → **green** | - → **1.34** | - → **0** | - → **0%** |" in result.out

    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "green at 0")
    (tmp_path / "Pulumi.green.yaml").unlink()
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.OK, result.out
    assert "- stack green has no file any more: its Pulumi stack and DNS records stay until" in result.out


def test_check_refuses_removing_a_stack_that_has_traffic(repo: Path, bluegreen: Run) -> None:
    (repo / "Pulumi.blue.yaml").unlink()
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.PROBLEM
    assert "the file of stack blue is removed while it has weight 1" in result.out


def test_check_counts_a_stack_invalid_at_the_base_as_moved(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", "x")
    git(repo, "commit", "-q", "-am", "break green")
    write_stack(repo, "green", 1)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.OK, result.out
    assert "- Pulumi.green.yaml at HEAD is invalid, so its weight there is unknown" in result.out
    write_stack(repo, "blue", 2)
    assert bluegreen("check", "--base", "HEAD").code == ExitStatus.PROBLEM


def test_check_reports_an_unknown_ref_with_exit_2(repo: Path, bluegreen: Run) -> None:
    result = bluegreen("check", "--base", "no-such-branch")
    assert result.code == ExitStatus.USAGE
    assert "cannot read the stack files at no-such-branch" in result.err


def test_check_refuses_a_hostname_added_on_the_standby_first(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", 0, extra=NEW_HOSTNAME)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.PROBLEM
    assert "new.example.com would be served only by 'green' at weight 0" in result.out


def test_check_refuses_a_weight_change_with_another_setting_of_the_file(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", 1, extra="  eks-bluegreen:demo: false\n")
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.PROBLEM
    assert "Pulumi.green.yaml changes more than its trafficWeight line: a weight change goes alone" in result.out


def test_check_refuses_a_weight_change_with_the_other_stack_file(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", 1)
    write_stack(repo, "blue", 1, version="1.32")  # blue's weight stays; only its version changes
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.PROBLEM
    assert "the weight of stack green changes, and so does Pulumi.blue.yaml: a weight change goes alone" in result.out


def test_check_refuses_a_weight_change_with_the_program(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", 1)
    (repo / "components").mkdir()
    (repo / "components" / "traffic.py").write_text("# changed\n")
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.PROBLEM
    assert "and so does components/traffic.py" in result.out


def test_check_lets_a_setting_change_without_a_weight_through(repo: Path, bluegreen: Run) -> None:
    write_stack(repo, "green", 0, extra="  eks-bluegreen:demo: false\n")
    (repo / "README.md").write_text("changed\n")
    assert bluegreen("check", "--base", "HEAD").code == ExitStatus.OK
