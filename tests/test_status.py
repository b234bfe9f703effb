"""`bluegreen status`: the split, the phase and the next step, from the stack files alone."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bluegreen import stackfiles
from bluegreen.cli import build_parser
from bluegreen.exits import ExitStatus
from tests.support.cli import NEW_HOSTNAME, ROOT, Run, write_pair, write_stack
from tests.support.git import clone_on_a_branch, commit_all, git, isolate_git
from tests.support.json_schema import assert_valid


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
        "  then: bluegreen verify --wait 600\n"
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
    assert "To roll back to blue (1.33) while its stack still exists: bluegreen shift blue --rollback" in result.out


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


@pytest.mark.parametrize(
    ("blue", "green", "commands"),
    [
        (1, 0, ["bluegreen --project-dir {project} shift green", "pulumi up --stack green --cwd {project}"]),
        (
            0,
            1,
            [
                "pulumi destroy --stack blue --cwd {project}",
                "bluegreen --project-dir {project} prune --color blue --yes",
            ],
        ),
    ],
)
def test_status_repeats_the_project_dir_in_commands(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch, blue: int, green: int, commands: list[str]
) -> None:
    write_pair(tmp_path, blue, green)
    monkeypatch.chdir(ROOT)
    result = bluegreen("status")
    for command in commands:
        assert f"{command.format(project=tmp_path)}\n" in result.out


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


# --- the next command, from git: direction, uncommitted edits, the deploy workflow ----------------


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Commit the pair at each split in turn (blue, green), as a promotion's pull requests would."""
    isolate_git(monkeypatch, tmp_path.parent)

    def commit(*splits: tuple[int, int]) -> None:
        for blue, green in splits:
            write_pair(tmp_path, blue, green)
            if not (tmp_path / ".git").exists():
                commit_all(tmp_path, f"{blue}:{green}")
            else:
                git(tmp_path, "commit", "--quiet", "--all", "--message", f"{blue}:{green}")

    return commit


def test_status_at_1_1_after_0_1_offers_the_rollback_s_next_step(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    history((1, 0), (1, 1), (0, 1), (1, 1))
    result = bluegreen("status")
    rolled_from = git(tmp_path, "rev-parse", "HEAD~1").strip()
    assert f"Phase: both live\nDirection: rollback, from blue 0, green 1 at commit {rolled_from[:12]}\n" in result.out
    assert result.out.endswith(
        "Next step of the rollback to blue (1.33):\n"
        "  stack green: trafficWeight 1 → 0, giving blue live\n"
        "  bluegreen shift blue --rollback\n"
        "  then, once that change is merged: pulumi up --stack green\n"
        "  then: bluegreen verify --wait 600\n"
        "To resume the promotion to green instead: bluegreen shift green\n"
    )


def test_status_at_1_1_after_1_0_offers_the_promotion_s_next_step(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    history((1, 0), (1, 1), (0, 1), (1, 1), (1, 0), (1, 1))  # a second attempt after a rollback
    result = bluegreen("status")
    assert "Direction: promotion, from blue 1, green 0 at commit" in result.out
    assert (
        "Next step of the promotion to green (1.34):\n  stack blue: trafficWeight 1 → 0, giving green live\n"
        in result.out
    )
    assert result.out.endswith("To roll back to blue instead: bluegreen shift blue --rollback\n")


def test_status_after_a_finished_rollback_offers_to_resume_the_promotion(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    history((1, 0), (1, 1), (0, 1), (1, 1), (1, 0))
    result = bluegreen("status")
    assert "Direction: rollback, from blue 1, green 1 at commit" in result.out
    assert "Rollback done: blue (1.33) has all the traffic.\nTo resume the promotion to green (1.34):\n" in result.out
    assert "  bluegreen shift green\n" in result.out


def test_status_skips_commits_that_keep_the_split_and_ones_it_cannot_read(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    history((1, 0), (1, 1), (0, 1))
    (tmp_path / "Pulumi.blue.yaml").write_text("config: [cut short")
    git(tmp_path, "commit", "--quiet", "--all", "--message", "damaged")
    history((1, 1))
    with (tmp_path / "Pulumi.green.yaml").open("a") as green:
        green.write("# the same split again: not where it came from\n")
    git(tmp_path, "commit", "--quiet", "--all", "--message", "a comment")
    assert "Direction: rollback, from blue 0, green 1 at commit" in bluegreen("status").out


def test_status_bounds_the_walk_back_through_history(tmp_path: Path, history: Callable[..., None]) -> None:
    history((1, 0), (1, 1))
    assert [split.weights for split in stackfiles.committed_splits(tmp_path)] == [
        {"blue": 1, "green": 1},
        {"blue": 1, "green": 0},
    ]
    assert len(list(stackfiles.committed_splits(tmp_path, limit=1))) == 1


def test_status_at_0_1_names_retiring_the_old_colour(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 0, 1)
    result = bluegreen("status")
    assert result.out.endswith(
        "Promotion done: green (1.34) has all the traffic.\n"
        "Once you are sure of green, retire blue (1.33):\n"
        "  check Route 53 and the certificates again, and let it bake as long as you need: bluegreen verify\n"
        "  then delete blue's cluster and everything its stack holds: pulumi destroy --stack blue\n"
        "  then list the Route 53 records blue's ExternalDNS left behind, if any (a dry run): "
        "bluegreen prune --color blue\n"
        "  and delete them: bluegreen prune --color blue --yes\n"
        "To roll back to blue (1.33) while its stack still exists: bluegreen shift blue --rollback\n"
    )


def test_status_with_the_deploy_workflow_says_merging_deploys(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    workflow = tmp_path / ".github" / "workflows" / "deploy.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: deploy\n")
    history((1, 0))
    result = bluegreen("status")
    assert result.out.endswith(
        "  bluegreen shift green\n"
        "  then open a pull request with that change alone: merging it deploys it (the deploy workflow runs "
        "`pulumi up`, then `bluegreen verify --wait 600`), so do not run `pulumi up` by hand\n"
        "  then, to see Route 53 agree from here: bluegreen verify --wait 600\n"
    )
    assert "pulumi up --stack" not in result.out


def test_status_finds_the_deploy_workflow_at_the_root_of_the_repository(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_git(monkeypatch, tmp_path.parent)
    project = tmp_path / "infra"
    project.mkdir()
    write_pair(project, 1, 0)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "deploy.yml").write_text("name: deploy\n")
    commit_all(tmp_path)
    monkeypatch.chdir(project)
    result = bluegreen("status", project=project)
    assert "merging it deploys it" in result.out and "pulumi up --stack" not in result.out


def test_status_outside_git_says_the_direction_is_unknown_at_1_1(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_git(monkeypatch, tmp_path.parent)
    monkeypatch.setenv("LC_ALL", "C")  # git's own words, untranslated
    write_pair(tmp_path, 1, 1)
    result = bluegreen("status")
    assert (
        "Phase: both live\nDirection: unknown (not a git repository): shown as the promotion; "
        "if you are rolling back, take the rollback below\n"
    ) in result.out
    assert "Next step of the promotion to green (1.34):" in result.out
    assert "To roll back to blue instead: bluegreen shift blue --rollback" in result.out
    assert "Direction" not in bluegreen("status", project=_pair_elsewhere(tmp_path, 1, 0)).out


def _pair_elsewhere(tmp_path: Path, blue: int, green: int) -> Path:
    project = tmp_path / "other"
    project.mkdir()
    write_pair(project, blue, green)
    return project


def test_status_with_no_earlier_split_in_history_says_so(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    history((1, 1))
    result = bluegreen("status")
    assert "Direction: unknown (no earlier split in the last 50 commits that changed a stack file):" in result.out


def test_status_with_an_uncommitted_step_says_to_commit_it_first(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    history((1, 0))
    bluegreen("shift", "green")
    result = bluegreen("status")
    assert "green   1.34          1    50%" in result.out  # the working tree's weights
    assert result.out.endswith(
        "Pulumi.green.yaml has changes that are not committed: the weights above are the working tree's, "
        "and a deploy takes only what is committed and merged. Commit it alone, then deploy:\n"
        "  git add -- Pulumi.green.yaml && git commit -m 'shift: green trafficWeight 0 → 1 (Pulumi.green.yaml)' "
        "-- Pulumi.green.yaml\n"
        "  then, once that change is merged: pulumi up --stack green\n"
        "  then: bluegreen verify --wait 600\n"
        "  then, for the step after it: bluegreen status\n"
    )
    commit = result.out.splitlines()[-4].strip()
    subprocess.run(["bash", "-c", commit], cwd=tmp_path, check=True, capture_output=True)  # runs as printed
    assert git(tmp_path, "status", "--porcelain") == ""
    assert "Next step of the promotion to green (1.34):\n  stack blue: trafficWeight 1 → 0" in bluegreen("status").out


def test_status_with_a_settings_change_says_its_own_pull_request_without_a_made_up_message(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    history((1, 0))
    write_stack(tmp_path, "blue", 1, version="1.35")  # an in-place upgrade, no weight moved
    result = bluegreen("status")
    assert "trafficWeight" not in result.out.split("Phase:")[1]
    assert (
        "Pulumi.blue.yaml has changes that are not committed: the weights above are the working tree's, and a "
        "deploy takes only what is committed and merged. Commit it in a pull request of its own, then deploy:\n"
        "  Pulumi.blue.yaml changes settings other than the weight: settings changes go in their own pull request, "
        "apart from weight changes\n"
        "  commit, with a message that says what changed: git add -- Pulumi.blue.yaml && git commit -- "
        "Pulumi.blue.yaml\n"
        "  then, once that change is merged: pulumi up --stack blue\n"
    ) in result.out


def test_status_with_two_weights_changed_says_one_per_pull_request_and_how_to_undo(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    history((1, 0))
    write_pair(tmp_path, 255, 1)
    result = bluegreen("status")
    assert "git commit" not in result.out and "alone" not in result.out
    assert result.out.endswith(
        "A pull request changes one stack's weight: undo all but one:\n"
        "  a pull request changes one stack's weight (`bluegreen check` refuses more): keep one of "
        "Pulumi.blue.yaml: trafficWeight 1 → 255, Pulumi.green.yaml: trafficWeight 0 → 1, and undo the others, "
        "e.g.\n"
        "  to undo Pulumi.blue.yaml: git restore -- Pulumi.blue.yaml\n"
        "  to undo Pulumi.green.yaml: git restore -- Pulumi.green.yaml\n"
        "  then, for the step after it: bluegreen status\n"
    )


def test_status_with_a_weight_and_a_settings_change_says_to_split_them(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    history((1, 0))
    bluegreen("shift", "green")
    write_stack(tmp_path, "blue", 1, version="1.35")
    result = bluegreen("status")
    assert "git commit" not in result.out
    assert (
        "Split them: settings changes and a weight change go in separate pull requests:\n"
        "  Pulumi.blue.yaml changes settings other than the weight: settings changes go in their own pull request, "
        "apart from weight changes\n"
        "  undo Pulumi.green.yaml: trafficWeight 0 → 1 for now: git restore -- Pulumi.green.yaml\n"
    ) in result.out


def test_status_before_the_first_commit_says_to_make_it(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_git(monkeypatch, tmp_path.parent)
    write_pair(tmp_path, 1, 0)
    git(tmp_path, "init", "--quiet")
    result = bluegreen("status")
    assert "trafficWeight 1" not in result.out.split("Phase:")[1]
    assert result.out.endswith(
        "Nothing is committed yet: the weights above are the working tree's, and a deploy takes only what is "
        "committed and merged. Make the first commit (review `git status`: everything it lists goes in), then "
        "take the first step:\n"
        "  git add --all && git commit\n"
        "  then, for the step after it: bluegreen status\n"
    )


# --- committed but not merged: the ref that deploys ---------------------------------------------------


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as a clone of a remote (origin, default branch main, as `git clone` sets it), on branch trial
    tracking origin/main: the trial's setup. Returns the remote's bare repository."""
    isolate_git(monkeypatch, tmp_path.parent)
    write_pair(tmp_path, 1, 0)
    commit_all(tmp_path)
    return clone_on_a_branch(tmp_path)


def _commit_a_step(tmp_path: Path, bluegreen: Run, color: str = "green") -> str:
    assert bluegreen("shift", color).code == ExitStatus.OK
    git(tmp_path, "commit", "--quiet", "--all", "--message", f"{color} step")
    return git(tmp_path, "rev-parse", "--short", "HEAD").strip()


def test_status_with_a_step_committed_but_not_merged_says_to_merge_it_not_the_next_step(
    tmp_path: Path, bluegreen: Run, clone: Path
) -> None:
    commit = _commit_a_step(tmp_path, bluegreen)
    result = bluegreen("status")
    assert "bluegreen shift" not in result.out  # not the step after it
    assert result.out.endswith(
        f"Commit {commit} (Pulumi.green.yaml: trafficWeight 0 → 1) is not in origin/main yet: the weights above "
        "are committed here but not merged, and not deployed unless `shift --apply` deployed them from here. Merge "
        "and deploy that change before the next step:\n"
        "  push it, for its pull request: git push origin HEAD\n"
        "  then, once that change is merged: pulumi up --stack green\n"
        "  then: bluegreen verify --wait 600\n"
        "  then, so that origin/main here has the merge: git fetch origin\n"
        "  and for the step after it: bluegreen status\n"
    )
    _, document = status_document(bluegreen)
    assert document["unmerged"] == {
        "ref": "origin/main",
        "commits": [commit],
        "changes": [{"stack": "green", "file": "Pulumi.green.yaml", "before": 0, "after": 1}],
        "settings": [],
    }
    assert document["next_steps"][0]["action"] == "merge"

    git(tmp_path, "push", "--quiet", "origin", "HEAD:main")  # merged (and origin/main here has it)
    result = bluegreen("status")
    assert "Next step of the promotion to green (1.34):\n  stack blue: trafficWeight 1 → 0" in result.out
    assert status_document(bluegreen)[1]["unmerged"] == {
        "ref": "origin/main",
        "commits": [],
        "changes": [],
        "settings": [],
    }


def test_status_with_a_settings_change_committed_but_not_merged_says_to_merge_it_first(
    tmp_path: Path, bluegreen: Run, clone: Path
) -> None:
    git(tmp_path, "push", "--quiet", "origin", "HEAD:main")
    write_stack(tmp_path, "green", 0, extra="  eks-bluegreen:demo: false\n")
    git(tmp_path, "commit", "--quiet", "--all", "--message", "green: no demo")
    commit = git(tmp_path, "rev-parse", "--short", "HEAD").strip()
    result = bluegreen("status")
    assert "Next step of the promotion" not in result.out
    assert (
        f"Commit {commit} (Pulumi.green.yaml: settings) is not in origin/main yet: that change is committed here but "
        "not merged"
    ) in result.out
    assert status_document(bluegreen)[1]["unmerged"]["settings"] == ["Pulumi.green.yaml"]
    refused = bluegreen("shift", "green")  # the step would share the settings change's pull request
    assert refused.code == ExitStatus.PROBLEM
    assert refused.out.startswith(f"refused: commit {commit} (Pulumi.green.yaml: settings) is not in origin/main yet")
    assert "a weight change goes alone in its pull request, apart from settings changes" in refused.out


def test_status_on_main_itself_pushes_an_unmerged_step_to_a_branch_of_its_own(
    tmp_path: Path, bluegreen: Run, clone: Path
) -> None:
    git(tmp_path, "checkout", "--quiet", "-B", "main", "origin/main")
    commit = _commit_a_step(tmp_path, bluegreen)
    push = (
        "  push it to a branch of its own, for its pull request (pushing main itself would skip the review): "
        f"git push origin HEAD:shift-green-1-{commit}\n"
    )
    assert push in bluegreen("status").out
    subprocess.run(["bash", "-c", push.split(": ")[-1]], cwd=tmp_path, check=True, capture_output=True)
    assert git(tmp_path, "rev-parse", "origin/main") != git(tmp_path, "rev-parse", "HEAD")  # main was not pushed


def test_status_of_an_unmerged_step_where_merging_deploys(tmp_path: Path, bluegreen: Run, clone: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "deploy.yml").write_text("name: deploy\n")
    git(tmp_path, "add", ".github")
    git(tmp_path, "commit", "--quiet", "--message", "deploy workflow")
    _commit_a_step(tmp_path, bluegreen)
    result = bluegreen("status")
    assert (
        "  push it, for its pull request: git push origin HEAD\n"
        "  then open a pull request with that change alone: merging it deploys it"
    ) in result.out
    assert "pulumi up --stack" not in result.out


def test_status_counts_a_step_merged_by_squash_and_ignores_a_branch_behind(
    tmp_path: Path, bluegreen: Run, clone: Path
) -> None:
    _commit_a_step(tmp_path, bluegreen)
    # Squash-merged on the remote: another commit with the same files.
    git(tmp_path, "checkout", "--quiet", "-b", "squash", "origin/main")
    git(tmp_path, "checkout", "--quiet", "trial", "--", "Pulumi.green.yaml")
    git(tmp_path, "commit", "--quiet", "--message", "squashed")
    git(tmp_path, "push", "--quiet", "origin", "HEAD:main")
    git(tmp_path, "checkout", "--quiet", "trial")
    assert "Next step of the promotion to green (1.34):\n  stack blue:" in bluegreen("status").out
    # A branch behind origin/main: what origin/main gained is not this branch's change.
    git(tmp_path, "checkout", "--quiet", "-b", "behind", "HEAD~1")
    assert status_document(bluegreen)[1]["unmerged"]["changes"] == []


def test_status_falls_back_to_the_upstream_then_says_nothing_new(tmp_path: Path, bluegreen: Run, clone: Path) -> None:
    commit = _commit_a_step(tmp_path, bluegreen)
    git(tmp_path, "remote", "set-head", "origin", "--delete")
    assert (
        f"Commit {commit} (Pulumi.green.yaml: trafficWeight 0 → 1) is not in origin/main yet" in bluegreen("status").out
    )
    git(tmp_path, "branch", "--unset-upstream")
    result = bluegreen("status")
    assert "Next step of the promotion to green (1.34):" in result.out
    assert status_document(bluegreen)[1]["unmerged"] is None
    git(tmp_path, "remote", "set-head", "origin", "main")
    git(tmp_path, "checkout", "--quiet", "--detach")
    assert "Next step of the promotion to green (1.34):" in bluegreen("status").out
    assert status_document(bluegreen)[1]["unmerged"] is None


# --- --json: the same answer as a document --------------------------------------------------------


def status_document(bluegreen: Run, project: Path | None = None) -> tuple[int, dict[str, Any]]:
    """`status --json`, checked to be one document alone on stdout that the published schema accepts."""
    result = bluegreen("status", "--json", **({"project": project} if project else {}))
    document = json.loads(result.out)
    assert_valid("status", document)
    return result.code, document


def test_status_json_carries_the_table_the_phase_and_the_steps(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 200, 55)
    code, document = status_document(bluegreen)
    assert code == ExitStatus.OK
    assert document["stacks"] == [
        {
            "stack": "blue",
            "color": "blue",
            "version": "1.33",
            "weight": 200,
            "share_percent": 78.4,
            "allow_all_zero": False,
            "tls": True,
            "hostnames": ["app.example.com"],
        },
        {
            "stack": "green",
            "color": "green",
            "version": "1.34",
            "weight": 55,
            "share_percent": 21.6,
            "allow_all_zero": False,
            "tls": True,
            "hostnames": ["app.example.com"],
        },
    ]
    assert document["phase"] == "shifting to green (21.6%)"
    assert document["promotion_target"] == "green"
    assert (document["direction"], document["direction_from"]) == ("unknown", None)
    assert document["deploy_workflow"] is None and document["uncommitted"] == [] and document["problems"] == []
    promote, rollback = document["next_steps"]
    assert promote["action"] == "promote"
    assert promote["description"] == "Next step of the promotion to green (1.34)"
    assert promote["commands"] == ["bluegreen shift green", "pulumi up --stack green", "bluegreen verify --wait 600"]
    assert promote["lines"][0] == {"text": "stack green: trafficWeight 55 → 200, giving both live", "command": None}
    assert rollback == {
        "action": "rollback",
        "description": "To roll back to blue instead",
        "lines": [{"text": None, "command": "bluegreen shift blue --rollback"}],
        "commands": ["bluegreen shift blue --rollback"],
    }


def test_status_json_and_text_give_the_same_advice(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    history((1, 0), (1, 1), (0, 1), (1, 1))
    text = bluegreen("status").out
    _, document = status_document(bluegreen)
    assert document["direction"] == "rollback"
    assert document["direction_from"] == {
        "commit": git(tmp_path, "rev-parse", "HEAD~1").strip(),
        "weights": {"blue": 0, "green": 1},
    }
    assert [step["action"] for step in document["next_steps"]] == ["rollback", "promote"]
    for step in document["next_steps"]:
        assert step["description"] in text
        assert all(f"{command}\n" in text for command in step["commands"])


@pytest.mark.parametrize(
    ("blue", "green", "actions", "stack"),
    [
        (1, 0, ["promote"], "green"),
        (1, 1, ["promote", "rollback"], "blue"),
        (0, 1, ["note", "retire", "rollback"], "blue"),
    ],
)
def test_status_json_in_each_phase_offers_commands_that_parse(
    tmp_path: Path, bluegreen: Run, blue: int, green: int, actions: list[str], stack: str
) -> None:
    write_pair(tmp_path, blue, green)
    _, document = status_document(bluegreen)
    assert [step["action"] for step in document["next_steps"]] == actions
    for command in (c for step in document["next_steps"] for c in step["commands"]):
        program, *words = shlex.split(command)
        if program == "bluegreen":
            build_parser().parse_args(words)  # SystemExit (a test failure) on anything the command refuses
        else:
            assert words[:1] in (["up"], ["destroy"]) and words[1:3] == ["--stack", stack]


def test_status_json_with_an_invalid_pair_lists_the_problems_and_no_steps(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    write_stack(tmp_path, "green-2", 0, color="green")
    code, document = status_document(bluegreen)
    assert code == ExitStatus.PROBLEM
    assert document["problems"] == ["stacks green, green-2 all have color green: each colour must be exactly one stack"]
    assert document["next_steps"] == [] and document["promotion_target"] is None


def test_status_json_names_uncommitted_files_and_the_deploy_workflow(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None]
) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "deploy.yml").write_text("name: deploy\n")
    history((1, 0))
    bluegreen("shift", "green")
    _, document = status_document(bluegreen)
    assert document["uncommitted"] == ["Pulumi.green.yaml"]
    assert document["deploy_workflow"] == str(tmp_path / ".github" / "workflows" / "deploy.yml")
    assert document["direction"] == "promotion"
    (commit,) = document["next_steps"]
    assert commit["action"] == "commit"
    assert commit["commands"][0].startswith("git add -- Pulumi.green.yaml && git commit")


def test_status_json_with_one_colour_or_equal_versions(tmp_path: Path, bluegreen: Run) -> None:
    write_stack(tmp_path, "blue", 1)
    _, document = status_document(bluegreen)
    assert [step["action"] for step in document["next_steps"]] == ["add-stack"]
    write_pair(tmp_path, 1, 1, version="1.34")
    _, document = status_document(bluegreen)
    assert document["promotion_target"] is None
    assert [step["action"] for step in document["next_steps"]] == ["note", "move-traffic", "move-traffic"]


def test_the_commit_line_for_a_project_elsewhere_runs_from_outside_the_repository(
    tmp_path: Path, bluegreen: Run, history: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    history((1, 0))
    monkeypatch.chdir(tmp_path.parent)  # outside the repository: `git add -- <path>` alone would fail here
    shifted = bluegreen("shift", "green")
    assert shifted.code == ExitStatus.OK, shifted.out + shifted.err
    from_shift = next(line.strip() for line in shifted.out.splitlines() if " commit -m " in line)
    from_status = next(line.strip() for line in bluegreen("status").out.splitlines() if " commit -m " in line)
    assert from_shift == from_status
    assert from_status.startswith(f"git -C {shlex.quote(str(tmp_path))} add -- Pulumi.green.yaml && ")
    subprocess.run(["bash", "-c", from_status], cwd=tmp_path.parent, check=True, capture_output=True)
    assert git(tmp_path, "status", "--porcelain") == ""
    assert git(tmp_path, "log", "-1", "--format=%s").strip() == "shift: green trafficWeight 0 → 1 (Pulumi.green.yaml)"
