"""What the deploy workflow applies, and in which order: from what each stack was last applied from.

The program records, as the stack output `appliedCommit`, the commit each update applied
(`applied_commit` and `when_applied`, below). A deploy run then reads every stack's outputs and deploys
a stack when its files differ between that commit and head; it stops, deploying nothing, when head does
not descend from it (an older run started late, or main was rewritten). Queued runs may start in any
order: whichever runs, it deploys what head has and the stacks lack.

Stacks whose Route 53 weight rises (head weight minus the deployed `trafficWeight` output) go first, then
unchanged, then falling: traffic is moved onto a colour before it is taken off the other. A stack that
lowers its weight names the stacks whose records `bluegreen verify` must find in Route 53 first.

    python -m bluegreen.deploy_order preflight         # the stack files, before any credentials
    python -m bluegreen.deploy_order order --head SHA  # after the backend login: JSON steps on stdout

docs/ci.md describes the mechanism for every tool that runs `pulumi up`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bluegreen.cli import run_command
from bluegreen.exits import BluegreenError, ExitStatus
from bluegreen.git import GitError, git
from bluegreen.settings import MAX_WEIGHT, PROJECT, placeholder_zone_problem, weight_problem
from bluegreen.settings import parse_weight as weight_value
from bluegreen.stackfiles import WEIGHT_KEY, StackFileDamaged, config_from_text, stack_of

if TYPE_CHECKING:
    import pulumi

# A change to any of these changes what every stack deploys. The workflows' `paths` filters list the
# same files (tests/test_workflows.py keeps them in step).
PROGRAM_FILES = frozenset({"__main__.py", "Pulumi.yaml", "pyproject.toml", "uv.lock"})
PROGRAM_DIRS = ("components/", "bluegreen/")

APPLIED_COMMIT = "appliedCommit"  # the stack output
APPLIED_COMMIT_ENV = "BLUEGREEN_APPLIED_COMMIT"  # set by whatever checked the commit out (the deploy job)
DIRTY = "-dirty"  # appended when the files the stack deploys had uncommitted changes (as `git describe --dirty`)
WEIGHT_OUTPUT = "trafficWeight"

_SHA = re.compile(r"[0-9a-f]{40}")
_APPLIED = re.compile(rf"(?P<sha>[0-9a-f]{{40}})(?P<dirty>{DIRTY})?")
# What a stack file needs so that no runner ever invents a secrets configuration (docs/ci.md).
SECRETS_KEYS = ("encryptionsalt", "secretsprovider")


class DeployOrderError(BluegreenError):
    """The run cannot go on: an unusable stack file or ref (USAGE), or a stack that must not be deployed (PROBLEM)."""


# --- recording the applied commit (run by the program) ------------------------------------------------


def stack_paths(stack: str) -> list[str]:
    """The files whose content a stack deploys, as git pathspecs."""
    return [*sorted(PROGRAM_FILES), *PROGRAM_DIRS, f"Pulumi.{stack}.yaml"]


def applied_commit(project_dir: Path, stack: str, environ: Mapping[str, str] = os.environ) -> str:
    """The commit this update applies: `$BLUEGREEN_APPLIED_COMMIT`, else HEAD of the project's git tree.

    HEAD gets the suffix `-dirty` when the stack's files have uncommitted changes: what was applied is
    then no commit, and the next deploy run redeploys the stack. Outside git the answer is "", which a
    deploy run treats as never recorded.
    """
    named = environ.get(APPLIED_COMMIT_ENV, "").strip()
    if named:
        if not _SHA.fullmatch(named):
            raise ValueError(f"{APPLIED_COMMIT_ENV}={named!r} is not a full 40-character commit id")
        return named
    try:
        head = git(project_dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").decode().strip()
        changes = git(project_dir, "status", "--porcelain", "--untracked-files=all", "--", *stack_paths(stack))
    except GitError:
        return ""
    return head + (DIRTY if changes.strip() else "")


def track_resources() -> list[pulumi.Resource]:
    """Collect every resource the program declares from now on (a stack transformation that changes nothing)."""
    import pulumi

    declared: list[pulumi.Resource] = []

    def collect(args: pulumi.ResourceTransformationArgs) -> None:
        declared.append(args.resource)

    pulumi.runtime.register_stack_transformation(collect)
    return declared


def when_applied(resources: Iterable[pulumi.Resource], commit: str) -> pulumi.Output[str]:
    """`commit`, once every resource's create or update has finished.

    Since Pulumi 3.112 (pulumi/pulumi#15754) a failed update still writes the stack outputs the program
    sent. An output that waits for every resource (a custom resource's id, a component's urn: a remote
    component like pulumi-eks's Cluster resolves it after its children) never resolves after a failure,
    so the program sends no outputs and the stack keeps the commit it was last fully applied from.
    """
    import pulumi

    done = [r.id if isinstance(r, pulumi.CustomResource) else r.urn for r in resources]
    return pulumi.Output.all(*done).apply(lambda _: commit)


# --- reading the stack files ---------------------------------------------------------------------------


def _document(text: str, where: str) -> dict[str, Any]:
    from ruamel.yaml import YAML  # imported here: the program imports this module only to record its commit
    from ruamel.yaml.error import YAMLError

    try:
        document = YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        raise DeployOrderError(f"{where}: not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise DeployOrderError(f"{where}: not a stack file (expected a map with `config:`)")
    return document


def parse_weight(text: str, where: str) -> int:
    """The trafficWeight of a stack file, read as written and by the program's rule (settings.parse_weight)."""
    try:
        value = config_from_text(text, where).get(WEIGHT_KEY)
    except StackFileDamaged as error:
        raise DeployOrderError(str(error)) from error
    weight = weight_value(value)
    if weight is None:
        raise DeployOrderError(f"{where}: {weight_problem(value)}")
    return weight


def preflight_problems(text: str, where: str) -> list[str]:
    """What in a stack file would make a real deploy go wrong before it reaches the program: each with its fix."""
    document = _document(text, where)
    problems = []
    stack = stack_of(Path(where).name) or "<stack>"
    if not any(document.get(key) for key in SECRETS_KEYS):
        problems.append(
            f"{where} has neither `encryptionsalt:` nor `secretsprovider:`, so the runner would create a new "
            f"secrets configuration of its own. Create the stack once where you hold the passphrase or KMS key "
            f"(`pulumi stack init {stack} --secrets-provider ...`, docs/ci.md) and commit the lines it adds."
        )
    config = document.get("config")
    zone = config.get(f"{PROJECT}:hostedZoneId") if isinstance(config, dict) else None
    if isinstance(zone, str) and (problem := placeholder_zone_problem(zone)):
        problems.append(f"{where}: {problem}")
    return problems


def preflight(project_dir: Path) -> list[str]:
    """Problems of every stack file in the working tree (none found is a problem too)."""
    files = sorted(path for path in project_dir.glob("Pulumi.*.yaml") if stack_of(path.name))
    if not files:
        return [f"no Pulumi.<stack>.yaml in {project_dir}"]
    return [problem for path in files for problem in preflight_problems(path.read_text(), path.name)]


# --- git ---------------------------------------------------------------------------------------------


def _commit(repo: Path, ref: str) -> str | None:
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except GitError:
        return None


def _resolve(repo: Path, ref: str) -> str:
    commit = _commit(repo, ref)
    if commit is None:
        raise DeployOrderError(f"git ref {ref!r} is not a commit in this clone")
    return commit


def _is_ancestor(repo: Path, older: str, newer: str) -> bool:
    try:  # the merge base of an ancestor and its descendant is the ancestor; none (an error) for unrelated ones
        return git(repo, "merge-base", older, newer).decode().strip() == older
    except GitError:
        return False


def _stack_files(repo: Path, commit: str) -> dict[str, str]:
    listing = git(repo, "ls-tree", "--name-only", commit).decode()
    return {stack: path for path in listing.splitlines() if (stack := stack_of(path))}


def _show(repo: Path, commit: str, path: str) -> str:
    return git(repo, "show", f"{commit}:{path}").decode()


def _changed(repo: Path, since: str, head: str, stack: str) -> list[str]:
    return (
        git(repo, "diff", "--name-only", "--no-renames", since, head, "--", *stack_paths(stack)).decode().splitlines()
    )


# --- the order ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One `pulumi up`: the stack, its weight before and after, and who must be converged in Route 53 first."""

    stack: str
    deployed_weight: int
    head_weight: int
    verify_first: tuple[str, ...]

    @property
    def rise(self) -> int:
        return self.head_weight - self.deployed_weight

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "deployedWeight": self.deployed_weight,
            "headWeight": self.head_weight,
            "verifyFirst": list(self.verify_first),
        }


@dataclass(frozen=True)
class Deployed:
    """What the backend holds for a stack: its outputs, and when a `pulumi destroy` was its last operation."""

    outputs: Mapping[str, Any]
    destroyed_at: str | None = None


@dataclass(frozen=True)
class Decision:
    """Whether a stack is deployed by this run, and why."""

    stack: str
    deploy: bool
    reason: str


def ordered(steps: Iterable[Step]) -> list[Step]:
    """Rising weight first, unchanged next, falling last; ties by name, so the order is stable."""
    return sorted(steps, key=lambda step: (0 if step.rise > 0 else 1 if step.rise == 0 else 2, step.stack))


def deployed_weight(stack: str, outputs: Mapping[str, Any]) -> int:
    """The `trafficWeight` output; 0 for a stack that never exported one (new: it carries no traffic)."""
    if WEIGHT_OUTPUT not in outputs:
        return 0
    value = outputs[WEIGHT_OUTPUT]
    weight = value if isinstance(value, int) and not isinstance(value, bool) else None
    if weight is None or not 0 <= weight <= MAX_WEIGHT:
        raise DeployOrderError(f"stack {stack}: output {WEIGHT_OUTPUT} is {value!r}, not a weight 0..{MAX_WEIGHT}")
    return weight


def decide(repo: Path, head: str, stack: str, deployed: Deployed) -> Decision:
    """Deploy a stack when its files differ between the commit it was applied from and head.

    DeployOrderError (exit 1) when head does not descend from that commit: deploying would roll the
    stack back to an older commit, or onto another line of history. A destroyed stack is left alone:
    bringing a retired colour back is a deliberate act.
    """
    if deployed.destroyed_at:
        return Decision(
            stack,
            False,
            f"destroyed at {deployed.destroyed_at}; a deploy run never recreates a retired colour. Bring it back "
            f"from a clean checkout of main: BLUEGREEN_APPLIED_COMMIT=$(git rev-parse HEAD) pulumi up --stack {stack}",
        )
    applied = deployed.outputs.get(APPLIED_COMMIT)
    if not applied:
        return Decision(stack, True, f"no `{APPLIED_COMMIT}` output yet (never deployed by this workflow)")
    match = _APPLIED.fullmatch(str(applied))
    if match is None:
        raise DeployOrderError(f"stack {stack}: output {APPLIED_COMMIT} is {applied!r}, not a commit id")
    sha, short = match["sha"], match["sha"][:12]
    known = _commit(repo, sha) is not None
    if not known or not _is_ancestor(repo, sha, head):
        if known and _is_ancestor(repo, head, sha):
            why = f"this run's commit {head[:12]} is older: a later run has deployed already. Nothing to do here"
        else:
            why = (
                f"{short} is not in the history of {head[:12]} (applied from another branch, or main was "
                f"rewritten). Deploy {stack} by hand from the commit you want (docs/ci.md), then run this again"
            )
        raise DeployOrderError(f"stack {stack} was last applied from {short}: {why}.", ExitStatus.PROBLEM)
    if match["dirty"]:
        return Decision(stack, True, f"last applied from {short} with uncommitted changes")
    changed = _changed(repo, sha, head, stack)
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        return Decision(stack, True, f"{shown} changed since {short}")
    return Decision(stack, False, f"up to date: nothing it deploys changed since {short}")


BackendReader = Callable[[str], Deployed]


def plan(repo: Path, head: str, read_backend: BackendReader) -> tuple[list[Step], list[Decision]]:
    """The steps to run for head, in order, and every stack's decision with its reason.

    Raises DeployOrderError with every stack's reason when one of them must stop the run.
    """
    head_commit = _resolve(repo, head)
    files = _stack_files(repo, head_commit)
    weights = {
        stack: parse_weight(_show(repo, head_commit, path), f"{path} at {head_commit[:12]}")
        for stack, path in files.items()
    }
    decisions, deployed, stops = [], {}, []
    for stack in sorted(files):
        found = read_backend(stack)
        try:
            deployed[stack] = deployed_weight(stack, found.outputs)
            decisions.append(decide(repo, head_commit, stack, found))
        except DeployOrderError as error:
            stops.append(error)
    if stops:
        status = max(error.exit_status for error in stops)
        raise DeployOrderError("\n".join(map(str, stops)), status)
    steps = []
    for decision in decisions:
        if not decision.deploy:
            continue
        lowers = weights[decision.stack] < deployed[decision.stack]
        keeping = tuple(s for s in sorted(files) if s != decision.stack and weights[s] > 0) if lowers else ()
        steps.append(Step(decision.stack, deployed[decision.stack], weights[decision.stack], keeping))
    return ordered(steps), decisions


def pulumi_backend(repo: Path) -> BackendReader:
    """Read a stack with the Pulumi CLI, logged in to the backend: its outputs (secrets stay hidden) and,
    when it has none, whether its last operation was a destroy (`stack history`, newest first)."""

    def pulumi(stack: str, *args: str) -> Any:
        command = ["pulumi", *args, "--json", "--stack", stack]
        result = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DeployOrderError(
                f"stack {stack}: `pulumi {' '.join(args)}` failed: {result.stderr.strip()}\n"
                f"Create the stack in the backend first (docs/ci.md, 'Create the stacks once').",
                ExitStatus.PROBLEM,
            )
        return json.loads(result.stdout or "null")

    def read(stack: str) -> Deployed:
        outputs = pulumi(stack, "stack", "output")
        if outputs:
            return Deployed(outputs if isinstance(outputs, dict) else {})
        history = pulumi(stack, "stack", "history", "--page-size", "1")
        last = history[0] if isinstance(history, list) and history else {}
        destroyed = last.get("kind") == "destroy" and last.get("result") == "succeeded"
        return Deployed({}, str(last.get("startTime")) if destroyed else None)

    return read


def describe(steps: Sequence[Step], decisions: Sequence[Decision]) -> list[str]:
    """One line per stack for the log and the job summary."""
    lines = [f"{d.stack}: {'deploy' if d.deploy else 'skip'} ({d.reason})" for d in decisions]
    for number, step in enumerate(steps, 1):
        change = "rises" if step.rise > 0 else "falls" if step.rise < 0 else "unchanged"
        line = f"{number}. {step.stack}: weight {step.deployed_weight} -> {step.head_weight} ({change})"
        if step.verify_first:
            line += f"; first `bluegreen verify` must find {', '.join(step.verify_first)} in Route 53"
        lines.append(line)
    return lines or ["nothing to deploy"]


def main(argv: Sequence[str] | None = None, read_backend: BackendReader | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bluegreen.deploy_order",
        description="What the deploy workflow applies, and in which order (docs/ci.md).",
    )
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the git work tree (default: .)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("preflight", help="refuse stack files that must not reach AWS, with the fix")
    order = commands.add_parser("order", help="print the deploy steps as JSON, rising weight first")
    order.add_argument("--head", default="HEAD", help="the commit to deploy (default: HEAD)")
    args = parser.parse_args(argv)
    return run_command(lambda: _run(args, read_backend or pulumi_backend(args.repo)))


def _run(args: argparse.Namespace, read_backend: BackendReader) -> ExitStatus:
    """Preflight: the problems are the answer, on stdout. Order: the steps as JSON on stdout, the reasons on
    stderr (the workflow reads stdout); what stops the run is raised, for `cli.run_command` to report."""
    if args.command == "preflight":
        problems = preflight(args.repo)
        print("\n".join(problems or ["The stack files are ready for AWS."]))
        return ExitStatus.PROBLEM if problems else ExitStatus.OK
    steps, decisions = plan(args.repo, args.head, read_backend)
    print("\n".join(describe(steps, decisions)), file=sys.stderr)
    print(json.dumps([step.as_json() for step in steps]))
    return ExitStatus.OK


if __name__ == "__main__":
    sys.exit(main())
