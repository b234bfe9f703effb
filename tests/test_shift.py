"""`bluegreen shift`: one step as an edit of one stack file, and `--apply` with a fake pulumi."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bluegreen.exits import ExitStatus
from tests.support.cli import NEW_HOSTNAME, Run, stack_text, weight_in, write_pair
from tests.support.git import clone_on_a_branch, commit_all, git, isolate_git


def test_shift_says_merging_deploys_where_the_deploy_workflow_exists(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_git(monkeypatch, tmp_path.parent)
    write_pair(tmp_path, 1, 0)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "deploy.yml").write_text("name: deploy\n")
    commit_all(tmp_path)
    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.OK, result.err
    assert result.out.endswith(
        "Next: commit Pulumi.green.yaml, and nothing else with it:\n"
        "  git add -- Pulumi.green.yaml && git commit -m 'shift: green trafficWeight 0 → 1 (Pulumi.green.yaml)' "
        "-- Pulumi.green.yaml\n"
        "  then open a pull request with that change alone: merging it deploys it (the deploy workflow runs "
        "`pulumi up`, then `bluegreen verify --wait 600`), so do not run `pulumi up` by hand\n"
        "  then, to see Route 53 agree from here: bluegreen verify --wait 600\n"
    )
    assert "pulumi up --stack" not in result.out


def test_shift_takes_the_promotion_one_file_at_a_time(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_git(monkeypatch, tmp_path.parent)  # outside git: nothing to commit, so deploy it from here
    write_pair(tmp_path, 1, 0)
    blue_before = (tmp_path / "Pulumi.blue.yaml").read_bytes()

    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.OK, result.err
    assert result.out.startswith("Changed Pulumi.green.yaml: eks-bluegreen:trafficWeight 0 → 1\n")
    assert "Phase: both live" in result.out
    assert result.out.endswith(
        "Next: deploy it (this folder is not in a git repository: no commit or pull request records the step):\n"
        "  pulumi up --stack green\n"
        "  then: bluegreen verify --wait 600\n"
    )
    assert "commit" not in result.out.replace("no commit", "")
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


def test_shift_to_notes_a_step_that_moves_more_than_half_of_the_traffic(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    result = bluegreen("shift", "green", "--to", "10")
    assert result.code == ExitStatus.OK
    assert (
        "\nnote: this one step moves green from 0% to 90.9% of the traffic; for a fine canary, raise the old "
        "colour first (bluegreen shift blue --to 255), then give green a small weight\n"
    ) in result.out
    write_pair(tmp_path, 255, 0)
    assert "note:" not in bluegreen("shift", "green", "--to", "1").out  # 0.4%
    assert "note:" not in bluegreen("shift", "green", "--to", "255").out  # half: the standard 1:1 moves as much


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


def fake_pulumi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_on: str = "", config: str = "", up: str = ""
) -> Path:
    """A `pulumi` on PATH that records its folder, arguments and the subject of HEAD when it ran, runs the shell
    snippet `config` or `up` for that subcommand, and fails (exit 7) for `pulumi <$FAKE_PULUMI_FAILS> ...`."""
    bin_dir, record = tmp_path / "bin", tmp_path / "pulumi-calls.txt"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$PWD|$*|$(git log -1 --format=%s 2>/dev/null)" >> {shlex.quote(str(record))}\n'
        f'case "$1" in\n  config) {config or ":"} ;;\n  up) {up or ":"} ;;\nesac\n'
        'if [ "$1" = "$FAKE_PULUMI_FAILS" ]; then exit 7; fi\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_PULUMI_FAILS", fail_on)
    return record


def calls(record: Path) -> list[str]:
    return record.read_text().splitlines() if record.exists() else []


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/project: the pair at 1:0, committed in a repository of its own."""
    isolate_git(monkeypatch, ceiling=tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    write_pair(project, 1, 0)
    (project / "__main__.py").write_text("# the program\n")
    commit_all(project)
    return project


def head(project: Path) -> str:
    return git(project, "log", "-1", "--format=%h %s").strip()


STEP = "shift: green trafficWeight 0 → 1 (Pulumi.green.yaml)"


def test_shift_apply_commits_the_step_after_config_set_and_deploys_that_commit(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    record = fake_pulumi(tmp_path, monkeypatch)
    (project / "notes.txt").write_text("untracked: not part of any commit, so not in the way\n")
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.OK, result.err
    assert calls(record) == [
        f"{project}|config set --stack green --type int eks-bluegreen:trafficWeight 1|initial",
        f"{project}|up --stack green|{STEP}",
    ]
    assert git(project, "show", "--format=%s", "--name-only", "HEAD").split("\n\n") == [STEP, "Pulumi.green.yaml\n"]
    assert git(project, "show", "HEAD:Pulumi.green.yaml") == stack_text("green", 1, "1.34")
    assert git(project, "status", "--porcelain") == "?? notes.txt\n"
    commit = head(project).split()[0]
    assert result.out.startswith(
        "Will change Pulumi.green.yaml: eks-bluegreen:trafficWeight 0 → 1, commit it and deploy stack green:\n"
    )
    assert "Phase once deployed: both live" in result.out
    assert result.out.count("Changed") == 1
    assert f"\nCommitted {commit}: {STEP}\n\n$ pulumi up --stack green\n" in result.out
    assert result.out.endswith(
        f"\nChanged Pulumi.green.yaml: eks-bluegreen:trafficWeight 0 → 1 (commit {commit}), deployed to stack green.\n"
        f"\nNext: push the commit: git -C {project} push\n"
        f"Then wait until Route 53 holds the new weights: bluegreen --project-dir {project} verify --wait 600\n"
    )


def test_shift_apply_hints_start_as_the_user_ran_bluegreen(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    fake_pulumi(tmp_path, monkeypatch)
    monkeypatch.chdir(project)
    monkeypatch.setattr(sys, "argv", [str(project / ".venv" / "bin" / "bluegreen")])
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.out.endswith(
        "\nNext: push the commit: git push\n"
        "Then wait until Route 53 holds the new weights: .venv/bin/bluegreen verify --wait 600\n"
    )


def test_shift_apply_commits_the_file_as_pulumi_config_set_rewrote_it(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    fake_pulumi(tmp_path, monkeypatch, config="sed -i 's/   # changed by bluegreen shift//' Pulumi.green.yaml")
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.OK, result.err
    rewritten = stack_text("green", 1, "1.34").replace("   # changed by bluegreen shift", "")
    assert git(project, "show", "HEAD:Pulumi.green.yaml") == (project / "Pulumi.green.yaml").read_text() == rewritten
    commit = head(project).split()[0]
    assert f"note: pulumi config set rewrote Pulumi.green.yaml; the commit holds its version: `git show {commit}`" in (
        result.out
    )


def test_shift_apply_refuses_a_dirty_tree_naming_the_files_and_changes_nothing(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    record = fake_pulumi(tmp_path, monkeypatch)
    (project / "__main__.py").write_text("# the program, edited\n")
    (project / "Pulumi.blue.yaml").write_text(stack_text("blue", 1, "1.33") + "# staged\n")
    git(project, "add", "Pulumi.blue.yaml")
    green_before = (project / "Pulumi.green.yaml").read_bytes()
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.PROBLEM
    assert result.out == (
        "refused: --apply deploys only commits, and tracked files have uncommitted changes: Pulumi.blue.yaml, "
        "__main__.py; commit or stash them first; nothing was changed\n"
    )
    assert (project / "Pulumi.green.yaml").read_bytes() == green_before
    assert head(project).endswith(" initial")
    assert calls(record) == []


def test_shift_apply_refuses_outside_a_git_repository(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_git(monkeypatch, ceiling=tmp_path)
    record = fake_pulumi(tmp_path, monkeypatch)
    write_pair(tmp_path, 1, 0)
    result = bluegreen("shift", "green", "--apply")
    assert result.code == ExitStatus.PROBLEM
    assert result.out.startswith(
        "refused: --apply commits the step before deploying it, and git cannot commit here (fatal: not a git repository"
    )
    assert result.out.endswith("; nothing was changed\n")
    assert weight_in(tmp_path, "green") == 0
    assert calls(record) == []
    assert bluegreen("shift", "green").code == ExitStatus.OK, "without --apply, outside git is fine"


def test_shift_apply_without_a_git_identity_stops_before_changing_anything(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    record = fake_pulumi(tmp_path, monkeypatch)
    git(project, "config", "--unset", "user.email")
    git(project, "config", "user.useConfigOnly", "true")  # no guessing an address from the host name
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.USAGE
    assert result.err == (
        "error: --apply commits the step, and git has no identity to commit with (fatal: no email was given and "
        "auto-detection is disabled): set it with `git config user.name 'Your Name'` and `git config user.email "
        "you@example.com`; no file was changed\n"
    )
    assert weight_in(project, "green") == 0
    assert calls(record) == []


@pytest.mark.parametrize(
    ("failing", "reason"),
    [("pulumi config set", "exit 7"), ("git commit", "pre-commit: weights are frozen today")],
)
def test_shift_apply_puts_the_file_back_and_commits_nothing_when_a_step_before_up_fails(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch, project: Path, failing: str, reason: str
) -> None:
    record = fake_pulumi(tmp_path, monkeypatch, fail_on="config" if failing == "pulumi config set" else "")
    hook = project / ".git" / "hooks" / "pre-commit"
    if failing == "git commit":
        hook.write_text(f"#!/bin/sh\necho '{reason}' >&2\nexit 1\n")
        hook.chmod(0o755)
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.PROBLEM
    assert "Changed" not in result.out
    assert result.err == (
        f"error: {failing} failed ({reason}); Pulumi.green.yaml is back as it was: nothing was committed or deployed\n"
    )
    assert (project / "Pulumi.green.yaml").read_text() == stack_text("green", 0, "1.34")
    assert head(project).endswith(" initial")
    assert git(project, "status", "--porcelain") == ""
    assert [call.split("|")[1].split()[0] for call in calls(record)] == ["config"], "pulumi up must not run"


def test_shift_apply_keeps_the_commit_when_up_fails_and_says_how_to_finish_or_undo(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    fake_pulumi(tmp_path, monkeypatch, fail_on="up")
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.PROBLEM
    assert "Changed" not in result.out
    commit = head(project).split()[0]
    assert head(project) == f"{commit} {STEP}"
    assert git(project, "status", "--porcelain") == ""
    undo = f"bluegreen --project-dir {project} shift green --to 0 --apply"
    assert result.err == (
        "error: pulumi up failed (exit 7): stack green may be unchanged or partly updated.\n"
        f"Commit {commit} (Pulumi.green.yaml at weight 1) stays as HEAD, not pushed.\n"
        f"To finish the step, fix the cause, rerun `pulumi up --stack green --cwd {project}`, then "
        f"push the commit: `git -C {project} push`, and `bluegreen --project-dir {project} verify --wait 600`.\n"
        f"To undo it instead (commits weight 0 and deploys it): `{undo}`\n"
    )

    monkeypatch.setenv("FAKE_PULUMI_FAILS", "")
    assert bluegreen(*shlex.split(undo)[1:], project=project).code == ExitStatus.OK
    assert weight_in(project, "green") == 0
    assert head(project).endswith(" shift: green trafficWeight 1 → 0 (Pulumi.green.yaml)")


def test_ctrl_c_during_pulumi_up_is_left_to_pulumi_and_reported_as_its_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    # Pulumi gets the terminal's ^C as well; this one exits 130 after the interrupt reached bluegreen.
    fake_pulumi(tmp_path, monkeypatch, up="kill -INT $PPID; sleep 0.3; exit 130")
    command = [sys.executable, "-m", "bluegreen", "shift", "green", "--apply"]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    assert result.returncode == ExitStatus.PROBLEM, result.stderr
    assert result.stderr.startswith("error: pulumi up failed (exit 130): stack green may be unchanged")
    assert "Traceback" not in result.stderr


def test_pulumi_up_ended_by_a_signal_is_reported_as_interrupted(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    fake_pulumi(tmp_path, monkeypatch, up="kill -INT $$")  # pulumi itself ended by SIGINT: return code -2
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.PROBLEM
    assert result.err.startswith("error: pulumi up interrupted (SIGINT): stack green may be unchanged")


def test_shift_apply_where_merging_deploys_says_it_bypasses_review_and_to_push_for_a_pull_request(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    fake_pulumi(tmp_path, monkeypatch)
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / ".github" / "workflows" / "deploy.yml").write_text("name: deploy\n")
    git(project, "add", ".github")
    git(project, "commit", "--quiet", "--message", "deploy workflow")
    clone_on_a_branch(project)
    git(project, "checkout", "--quiet", "-B", "main", "origin/main")  # on main itself, as a solo operator is
    result = bluegreen("shift", "green", "--apply", project=project)
    assert result.code == ExitStatus.OK, result.err
    assert result.out.startswith(
        "note: this repository deploys on merge (.github/workflows/deploy.yml): --apply deploys stack green from "
        "here, outside review; the usual way is the same command without --apply, and a pull request\n"
    )
    commit = git(project, "rev-parse", "--short", "HEAD").strip()
    assert (
        "\nNext: push it to a branch of its own, for its pull request (pushing main itself would skip the review): "
        f"git -C {project} push origin HEAD:shift-green-1-{commit}\n"
        "Merging its pull request runs the deploy workflow (.github/workflows/deploy.yml) for this commit again; "
        "pushing straight to main would run it too, without review\n"
    ) in result.out
    subprocess.run(["bash", "-c", f"git -C {project} push --quiet origin HEAD:shift-green-1-{commit}"], check=True)
    assert git(project, "rev-parse", f"origin/shift-green-1-{commit}").strip() != ""


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
    write_pair(tmp_path, 1, 0)
    commit_all(tmp_path)

    assert bluegreen("shift", "green").code == ExitStatus.OK
    green_after_one_step = (tmp_path / "Pulumi.green.yaml").read_bytes()

    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.PROBLEM
    assert result.out.startswith("refused: Pulumi.green.yaml has uncommitted changes: commit it first")
    assert (tmp_path / "Pulumi.green.yaml").read_bytes() == green_after_one_step
    assert weight_in(tmp_path, "blue") == 1

    git(tmp_path, "commit", "-qam", "green 1")
    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.OK, result.out
    assert result.out.startswith("Changed Pulumi.blue.yaml: eks-bluegreen:trafficWeight 1 → 0\n")


def test_shift_refuses_several_uncommitted_files_in_the_plural(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    commit_all(tmp_path)
    write_pair(tmp_path, 1, 1, version="1.35")
    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.PROBLEM
    assert result.out.startswith(
        "refused: Pulumi.blue.yaml, Pulumi.green.yaml have uncommitted changes: commit them first"
    )


def test_shift_refuses_a_step_on_another_stack_while_a_weight_change_is_not_merged(
    tmp_path: Path, bluegreen: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_git(monkeypatch, tmp_path.parent)
    write_pair(tmp_path, 1, 0)
    commit_all(tmp_path)
    clone_on_a_branch(tmp_path)
    assert bluegreen("shift", "green").code == ExitStatus.OK
    git(tmp_path, "commit", "--quiet", "--all", "--message", "green 1")
    commit = git(tmp_path, "rev-parse", "--short", "HEAD").strip()

    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.PROBLEM
    assert result.out == (
        f"refused: commit {commit} (Pulumi.green.yaml: trafficWeight 0 → 1) is not in origin/main yet, and this "
        "step changes stack blue's weight: a pull request changes one stack's weight (`bluegreen check` refuses "
        "two). Push it, merge it and deploy it, then take the next step (`bluegreen status` says when); nothing "
        "was changed\n"
    )
    assert weight_in(tmp_path, "blue") == 1
    # The same stack again is still one stack's weight in the pull request.
    assert bluegreen("shift", "green", "--to", "2").code == ExitStatus.OK
    git(tmp_path, "checkout", "--quiet", "--", ".")
    git(tmp_path, "push", "--quiet", "origin", "HEAD:main")  # merged
    assert bluegreen("shift", "green").code == ExitStatus.OK
    assert weight_in(tmp_path, "blue") == 0
