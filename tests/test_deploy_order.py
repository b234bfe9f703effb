"""bluegreen.deploy_order: the commit each stack was applied from, and what a deploy run applies, in which order."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import mocks
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from bluegreen.deploy_order import (
    APPLIED_COMMIT_ENV,
    Deployed,
    DeployOrderError,
    Step,
    applied_commit,
    describe,
    main,
    ordered,
    parse_weight,
    plan,
    preflight_problems,
    track_resources,
    when_applied,
)
from tests.conftest import run

SALT = "encryptionsalt: v1:c2FsdA==:v1:aXY=:Y2lwaGVy\n"


# --- the order of steps ------------------------------------------------------------------------------


def steps(*weights: tuple[str, int, int]) -> list[Step]:
    return [Step(stack, deployed, head, ()) for stack, deployed, head in weights]


def names(found: list[Step]) -> list[str]:
    return [step.stack for step in found]


def test_rising_weight_goes_before_unchanged_and_unchanged_before_falling() -> None:
    assert names(ordered(steps(("blue", 10, 0), ("green", 5, 5), ("purple", 3, 7)))) == ["purple", "green", "blue"]
    assert names(ordered(steps(("blue", 0, 1), ("green", 1, 0)))) == ["blue", "green"]


def test_equal_changes_go_by_name() -> None:
    assert names(ordered(steps(("green", 1, 1), ("blue", 1, 1)))) == ["blue", "green"]


# --- reading a weight --------------------------------------------------------------------------------


def test_parse_weight_reads_numbers_and_pulumi_strings() -> None:
    assert parse_weight("config:\n  eks-bluegreen:trafficWeight: 7\n", "f") == 7
    # `pulumi config set` writes values as strings.
    assert parse_weight('config:\n  eks-bluegreen:trafficWeight: "0"\n', "f") == 0


@pytest.mark.parametrize(
    "text",
    [
        "config:\n  aws:region: eu-west-1\n",
        "config:\n  eks-bluegreen:trafficWeight: -1\n",
        "config:\n  eks-bluegreen:trafficWeight: true\n",
        "config:\n  eks-bluegreen:trafficWeight: 1.5\n",
        "config:\n  eks-bluegreen:trafficWeight: lots\n",
        "- a list\n",
        "config: [unclosed\n",
    ],
)
def test_parse_weight_rejects_what_is_not_a_weight(text: str) -> None:
    with pytest.raises(DeployOrderError, match="Pulumi.blue.yaml"):
        parse_weight(text, "Pulumi.blue.yaml")


# --- temp git repositories ---------------------------------------------------------------------------


def stack_file(weight: int) -> str:
    return f"{SALT}config:\n  aws:region: eu-west-1\n  eks-bluegreen:trafficWeight: {weight}\n"


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.git("init", "--quiet", "--initial-branch=main")

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
            cwd=self.path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def write(self, files: Mapping[str, str | None]) -> None:
        for name, text in files.items():
            if text is None:
                self.git("rm", "--quiet", name)
            else:
                (self.path / name).parent.mkdir(parents=True, exist_ok=True)
                (self.path / name).write_text(text)
                self.git("add", name)

    def commit(self, files: Mapping[str, str | None]) -> str:
        self.write(files)
        self.git("commit", "--quiet", "--allow-empty", "-m", "change")
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


@pytest.fixture
def base(repo: Repo) -> str:
    return repo.commit(
        {
            "Pulumi.yaml": "name: eks-bluegreen\nruntime: python\n",
            "__main__.py": "",
            "Pulumi.blue.yaml": stack_file(1),
            "Pulumi.green.yaml": stack_file(0),
            "README.md": "",
        }
    )


# --- recording the applied commit --------------------------------------------------------------------


def test_applied_commit_is_head_of_a_clean_tree(repo: Repo, base: str) -> None:
    assert applied_commit(repo.path, "blue", environ={}) == base


def test_uncommitted_changes_to_what_the_stack_deploys_mark_the_commit_dirty(repo: Repo, base: str) -> None:
    (repo.path / "Pulumi.blue.yaml").write_text(stack_file(2))
    assert applied_commit(repo.path, "blue", environ={}) == f"{base}-dirty"
    # Another stack's file, and files no stack deploys, do not.
    assert applied_commit(repo.path, "green", environ={}) == base
    (repo.path / "README.md").write_text("notes")
    assert applied_commit(repo.path, "green", environ={}) == base
    # A new, untracked file of the program does.
    (repo.path / "components").mkdir()
    (repo.path / "components" / "new.py").write_text("")
    assert applied_commit(repo.path, "green", environ={}) == f"{base}-dirty"


def test_the_commit_named_by_the_deploy_job_wins(repo: Repo, base: str) -> None:
    assert applied_commit(repo.path, "blue", environ={APPLIED_COMMIT_ENV: "f" * 40}) == "f" * 40
    with pytest.raises(ValueError, match="not a full 40-character commit id"):
        applied_commit(repo.path, "blue", environ={APPLIED_COMMIT_ENV: "main"})


def test_outside_git_nothing_is_recorded(tmp_path: Path) -> None:
    assert applied_commit(tmp_path, "blue", environ={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}) == ""


def test_the_program_exports_the_commit_it_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(APPLIED_COMMIT_ENV, "c" * 40)
    result = run("blue")
    assert result.error is None and result.outputs["appliedCommit"] == "c" * 40


class _OneFails(pulumi.runtime.Mocks):
    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if self.fail and args.name == "broken":
            raise RuntimeError("create failed")
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


class _OutputsMonitor(mocks.MockMonitor):
    """Keeps the names of the stack outputs the program sends to the engine."""

    def __init__(self, cloud: pulumi.runtime.Mocks) -> None:
        super().__init__(cloud)
        self.sent: list[list[str]] = []

    def RegisterResourceOutputs(self, request):  # noqa: ANN001, ANN201, N802 (gRPC method)
        self.sent.append(sorted(pulumi.runtime.rpc.deserialize_properties(request.outputs)))
        return super().RegisterResourceOutputs(request)


def _outputs_sent(fail: bool, wait_for_resources: bool) -> list[str]:
    cloud = _OneFails(fail)
    monitor = _OutputsMonitor(cloud)
    pulumi.runtime.set_mocks(cloud, project="p", stack="s", preview=False, monitor=monitor)
    pulumi.runtime.settings.ROOT.set(None)  # a fresh Stack, which registers its outputs as `pulumi up` does

    def program() -> None:
        declared = track_resources()
        parent = pulumi.ComponentResource("test:index:Part", "part")
        pulumi.CustomResource("test:index:Thing", "fine", {})
        pulumi.CustomResource("test:index:Thing", "broken", {}, opts=pulumi.ResourceOptions(parent=parent))
        commit = "a" * 40
        pulumi.export("appliedCommit", when_applied(declared, commit) if wait_for_resources else commit)

    try:
        _sync_await(run_in_stack(program))
    except RuntimeError:
        assert fail
    return [name for sent in monitor.sent for name in sent]


@pytest.mark.parametrize("wait_for_resources", [True, False])
def test_a_failed_update_never_records_its_commit(wait_for_resources: bool) -> None:
    # The engine keeps the outputs a failed update sent (pulumi/pulumi#15754). A plain value would be
    # sent, and so recorded; the commit waits for every resource and is never sent after a failure.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as child:
        succeeded = child.submit(_outputs_sent, False, wait_for_resources).result()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as child:
        failed = child.submit(_outputs_sent, True, wait_for_resources).result()
    assert succeeded == ["appliedCommit"]
    assert failed == ([] if wait_for_resources else ["appliedCommit"])


# --- what a run deploys, from what each stack was applied from ----------------------------------------


def deployed(commit: str, weight: int) -> dict[str, Any]:
    return {"appliedCommit": commit, "trafficWeight": weight, "kubeconfig": "[secret]"}


def order(
    repo: Repo, head: str, outputs: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, int, int, tuple[str, ...]]]:
    found, _ = plan(repo.path, head, lambda stack: Deployed(outputs.get(stack, {})))
    return [(step.stack, step.deployed_weight, step.head_weight, step.verify_first) for step in found]


def test_only_stacks_whose_files_changed_since_they_were_applied_deploy(repo: Repo, base: str) -> None:
    head = repo.commit({"Pulumi.green.yaml": stack_file(1)})
    assert order(repo, head, {"blue": deployed(base, 1), "green": deployed(base, 0)}) == [("green", 0, 1, ())]
    docs = repo.commit({"README.md": "more docs"})
    assert order(repo, docs, {"blue": deployed(base, 1), "green": deployed(head, 1)}) == []


def test_a_program_change_deploys_every_stack(repo: Repo, base: str) -> None:
    head = repo.commit({"__main__.py": "print()"})
    assert order(repo, head, {"blue": deployed(base, 1), "green": deployed(base, 0)}) == [
        ("blue", 1, 1, ()),
        ("green", 0, 0, ()),
    ]


def test_a_change_a_refused_run_left_behind_is_deployed_by_the_next_run(repo: Repo, base: str) -> None:
    # Green's raise was pushed, but its run failed or never ran; a later push only edits the README.
    repo.commit({"Pulumi.green.yaml": stack_file(1)})
    head = repo.commit({"README.md": "later"})
    assert order(repo, head, {"blue": deployed(base, 1), "green": deployed(base, 0)}) == [("green", 0, 1, ())]


def test_recovery_after_a_failed_raise_deploys_the_rising_stack_first(repo: Repo, base: str) -> None:
    # One push raised green and lowered blue; green's `pulumi up` failed, so neither stack recorded the
    # push. Whatever starts the next run (a push, a dispatch), green goes first: blue's lowering waits.
    repo.commit({"Pulumi.green.yaml": stack_file(1), "Pulumi.blue.yaml": stack_file(0)})
    head = repo.commit({"__main__.py": "print('fix')"})
    assert order(repo, head, {"blue": deployed(base, 1), "green": deployed(base, 0)}) == [
        ("green", 0, 1, ()),
        ("blue", 1, 0, ("green",)),
    ]


def test_the_rise_is_measured_from_the_deployed_weight_not_from_the_last_push(repo: Repo, base: str) -> None:
    raised = repo.commit({"Pulumi.green.yaml": stack_file(1)})
    head = repo.commit({"Pulumi.blue.yaml": stack_file(0)})
    # Green is already at 1 (deployed from `raised`): blue alone falls, after checking green's records.
    assert order(repo, head, {"blue": deployed(base, 1), "green": deployed(raised, 1)}) == [("blue", 1, 0, ("green",))]


def test_lowering_checks_every_other_colour_that_keeps_traffic_never_itself(repo: Repo, base: str) -> None:
    applied = repo.commit({"Pulumi.purple.yaml": stack_file(0), "Pulumi.blue.yaml": stack_file(3)})
    head = repo.commit({"Pulumi.blue.yaml": stack_file(1), "Pulumi.green.yaml": stack_file(2)})
    outputs = {"blue": deployed(applied, 3), "green": deployed(applied, 2), "purple": deployed(applied, 0)}
    # Purple stays at 0 (no traffic to check), green keeps its weight and is checked; blue is not.
    assert order(repo, head, outputs) == [("green", 2, 2, ()), ("blue", 3, 1, ("green",))]


def test_a_stack_that_never_recorded_a_commit_is_deployed(repo: Repo, base: str) -> None:
    assert order(repo, base, {"blue": {}, "green": {"trafficWeight": 0}}) == [("blue", 0, 1, ()), ("green", 0, 0, ())]


def test_a_destroyed_stack_is_not_recreated(repo: Repo, base: str, capsys: pytest.CaptureFixture[str]) -> None:
    head = repo.commit({"__main__.py": "print()"})
    backend = {"blue": Deployed({}, "2026-12-01T10:00:00Z"), "green": Deployed(deployed(base, 1))}
    steps, decisions = plan(repo.path, head, backend.__getitem__)
    assert [step.stack for step in steps] == ["green"]
    assert (
        "blue: skip (destroyed at 2026-12-01T10:00:00Z; a deploy run never recreates a retired colour."
        in (describe(steps, decisions)[0])
    )


def test_a_stack_applied_from_a_dirty_tree_is_deployed(repo: Repo, base: str) -> None:
    assert order(repo, base, {"blue": deployed(f"{base}-dirty", 1), "green": deployed(base, 0)}) == [("blue", 1, 1, ())]


def test_an_older_run_that_starts_late_stops_and_deploys_nothing(repo: Repo, base: str) -> None:
    older = repo.commit({"Pulumi.green.yaml": stack_file(1)})
    newer = repo.commit({"Pulumi.blue.yaml": stack_file(0)})
    with pytest.raises(
        DeployOrderError, match=r"stack blue was last applied from .*: this run's commit .* is older"
    ) as e:
        order(repo, older, {"blue": deployed(newer, 0), "green": deployed(newer, 1)})
    assert e.value.exit_status == 1
    assert "stack green" in str(e.value)  # every stack's reason, not just the first


def test_a_commit_from_another_line_of_history_stops_the_run(repo: Repo, base: str) -> None:
    repo.git("checkout", "--quiet", "-b", "side")
    side = repo.commit({"Pulumi.blue.yaml": stack_file(3)})
    repo.git("checkout", "--quiet", "main")
    head = repo.commit({"README.md": "main moves on"})
    with pytest.raises(DeployOrderError, match="is not in the history of") as e:
        order(repo, head, {"blue": deployed(side, 3), "green": deployed(base, 0)})
    assert e.value.exit_status == 1
    with pytest.raises(DeployOrderError, match="is not in the history of"):
        order(repo, head, {"blue": deployed("e" * 40, 3), "green": deployed(base, 0)})  # not in the clone


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"appliedCommit": "main", "trafficWeight": 1}, "output appliedCommit is 'main', not a commit id"),
        ({"trafficWeight": "1"}, "output trafficWeight is '1', not a weight 0..255"),
        ({"trafficWeight": 256}, "output trafficWeight is 256"),
    ],
)
def test_outputs_that_are_not_what_the_program_exports_stop_the_run(
    repo: Repo, base: str, outputs: dict[str, Any], message: str
) -> None:
    with pytest.raises(DeployOrderError, match=message):
        order(repo, base, {"blue": outputs, "green": deployed(base, 0)})


def test_a_removed_stack_file_is_not_deployed(repo: Repo, base: str) -> None:
    head = repo.commit({"Pulumi.green.yaml": None, "__main__.py": "print()"})
    assert order(repo, head, {"blue": deployed(base, 1), "green": deployed(base, 0)}) == [("blue", 1, 1, ())]


def test_a_bad_weight_at_head_is_an_error(repo: Repo, base: str) -> None:
    head = repo.commit({"Pulumi.green.yaml": "config:\n  eks-bluegreen:trafficWeight: half\n"})
    with pytest.raises(DeployOrderError, match=r"Pulumi\.green\.yaml at [0-9a-f]{12}"):
        order(repo, head, {})


# --- preflight -----------------------------------------------------------------------------------------


def test_preflight_refuses_a_stack_file_without_its_secrets_configuration() -> None:
    (problem,) = preflight_problems("config:\n  eks-bluegreen:trafficWeight: 1\n", "Pulumi.blue.yaml")
    assert "neither `encryptionsalt:` nor `secretsprovider:`" in problem
    assert "pulumi stack init blue --secrets-provider" in problem and "docs/ci.md" in problem
    assert preflight_problems(stack_file(1), "Pulumi.blue.yaml") == []
    kms = "secretsprovider: awskms://alias/x\nencryptedkey: abc\nconfig: {}\n"
    assert preflight_problems(kms, "Pulumi.blue.yaml") == []


def test_preflight_refuses_the_sample_placeholder_zone() -> None:
    text = SALT + "config:\n  eks-bluegreen:hostedZoneId: Z0PLACEHOLDER0000000\n"
    (problem,) = preflight_problems(text, "Pulumi.green.yaml")
    assert "Z0PLACEHOLDER0000000 is the sample's placeholder" in problem
    assert "aws route53 list-hosted-zones-by-name" in problem
    assert (
        preflight_problems(SALT + "config:\n  eks-bluegreen:hostedZoneId: Z0123456789ABC\n", "Pulumi.green.yaml") == []
    )


def test_preflight_fails_on_the_sample_stack_files_with_both_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    project = Path(__file__).resolve().parent.parent
    assert main(["--repo", str(project), "preflight"]) == 1
    out = capsys.readouterr().out  # the findings are the command's answer
    for stack in ("blue", "green"):
        assert f"Pulumi.{stack}.yaml has neither `encryptionsalt:`" in out
        assert f"Pulumi.{stack}.yaml: eks-bluegreen:hostedZoneId Z0PLACEHOLDER0000000" in out


def test_preflight_passes_stack_files_ready_for_aws(repo: Repo, base: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(repo.path), "preflight"]) == 0
    assert capsys.readouterr().out == "The stack files are ready for AWS.\n"


# --- the command -------------------------------------------------------------------------------------


def test_main_prints_the_steps_as_json_and_the_reasons_on_stderr(
    repo: Repo, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    head = repo.commit({"Pulumi.green.yaml": stack_file(1), "Pulumi.blue.yaml": stack_file(0)})
    outputs = {"blue": deployed(base, 1), "green": deployed(base, 0)}
    assert main(["--repo", str(repo.path), "order", "--head", head], read_backend=lambda s: Deployed(outputs[s])) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == [
        {"stack": "green", "deployedWeight": 0, "headWeight": 1, "verifyFirst": []},
        {"stack": "blue", "deployedWeight": 1, "headWeight": 0, "verifyFirst": ["green"]},
    ]
    assert f"blue: deploy (Pulumi.blue.yaml changed since {base[:12]})" in captured.err
    assert "2. blue: weight 1 -> 0 (falls); first `bluegreen verify` must find green in Route 53" in captured.err


def test_main_reports_a_stop_on_stderr_with_exit_1(repo: Repo, base: str, capsys: pytest.CaptureFixture[str]) -> None:
    older = repo.commit({"README.md": "a"})
    newer = repo.commit({"README.md": "b"})
    outputs = {"blue": deployed(newer, 1), "green": deployed(newer, 0)}
    assert main(["--repo", str(repo.path), "order", "--head", older], read_backend=lambda s: Deployed(outputs[s])) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error: stack blue was last applied from")


def test_main_reports_an_unknown_head_with_exit_2(repo: Repo, base: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(repo.path), "order", "--head", "nope"], read_backend=lambda s: Deployed({})) == 2
    assert "error: git ref 'nope' is not a commit in this clone" in capsys.readouterr().err


FAKE_PULUMI = """#!/bin/sh
# Stands in for the Pulumi CLI against a backend holding blue (deployed) and purple (destroyed).
case "$*" in
  "stack output --json --stack blue") echo '{"appliedCommit": "'"$APPLIED"'", "trafficWeight": 1}' ;;
  "stack output --json --stack purple") echo '{}' ;;
  "stack history --page-size 1 --json --stack purple")
    echo '[{"version": 9, "kind": "destroy", "startTime": "2026-12-01T10:00:00.000Z", "result": "succeeded"}]' ;;
  *" --stack "*) echo "error: no stack named '${5:-?}' found" >&2; exit 255 ;;
  *) exit 64 ;;
esac
"""


def test_runs_as_a_module_reading_outputs_with_the_pulumi_cli(
    repo: Repo, base: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bin_dir = tmp_path_factory.mktemp("bin")
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    head = repo.commit(
        {"Pulumi.green.yaml": None, "Pulumi.purple.yaml": stack_file(0), "Pulumi.blue.yaml": stack_file(2)}
    )
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "APPLIED": base}
    command = [sys.executable, "-m", "bluegreen.deploy_order", "order", "--head", head]
    result = subprocess.run(command, cwd=repo.path, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"stack": "blue", "deployedWeight": 1, "headWeight": 2, "verifyFirst": []}]
    assert "purple: skip (destroyed at 2026-12-01T10:00:00.000Z; a deploy run never recreates" in result.stderr
    # A stack file without its stack in the backend stops the run with the fix.
    head = repo.commit({"Pulumi.green.yaml": stack_file(0)})
    command[-1] = head
    result = subprocess.run(command, cwd=repo.path, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 1 and result.stdout == ""
    assert "error: stack green: `pulumi stack output` failed: error: no stack named 'green' found" in result.stderr
    assert "Create the stack in the backend first" in result.stderr
