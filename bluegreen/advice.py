"""The next steps the commands print: one model for the text and the `--json` documents, and how a change
of a stack file reaches its stack (the deploy workflow on merge, or `pulumi up` by hand; then verify)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bluegreen import git, invocation

if TYPE_CHECKING:
    from bluegreen.stackfiles import DeployRef

DEPLOY_WORKFLOW = ".github/workflows/deploy.yml"
VERIFY_WAIT = "600"  # seconds, as long as the deploy workflow waits for Route 53


@dataclass(frozen=True)
class Line:
    """One line of a next step: words, a command to run exactly as printed, or both ("then: COMMAND")."""

    text: str = ""
    command: str = ""


@dataclass(frozen=True)
class NextStep:
    """Something to do next (or to know, for action "note"): a sentence, then its lines in order."""

    action: str  # note, add-stack, commit, merge, enable-tls, move-traffic, promote, rollback, retire
    description: str
    lines: tuple[Line, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "description": self.description,
            "lines": [{"text": line.text or None, "command": line.command or None} for line in self.lines],
            "commands": [line.command for line in self.lines if line.command],
        }


def render(steps: Sequence[NextStep]) -> str:
    """The text of the advice: each description, then its lines indented; a single command on the same line."""
    out = []
    for step in steps:
        if not step.lines:
            out.append(f"{step.description}.")
        elif len(step.lines) == 1 and not step.lines[0].text:
            out.append(f"{step.description}: {step.lines[0].command}")
        else:
            out.append(f"{step.description}:")
            out += ["  " + ": ".join(part for part in (line.text, line.command) if part) for line in step.lines]
    return "\n".join(out)


def commit_command(message: str | None, *names: str, project_dir: str | None = None) -> str:
    """`git add -- FILES && git commit [-m MESSAGE] -- FILES`: a commit of exactly these project files, whatever
    else is staged; with `git -C` when the project is elsewhere, so that it runs from where the user is."""
    add = invocation.git_command("add", "--", *names, project_dir=project_dir)
    with_message = ["-m", message] if message is not None else []
    return f"{add} && " + invocation.git_command("commit", *with_message, "--", *names, project_dir=project_dir)


def push_for_review(at: DeployRef | None, branch: str, project_dir: str | None = None) -> Line:
    """How to push a committed step for its pull request. On the deploying branch itself (main) it goes to a
    branch of its own, `branch`: pushing main would merge it without review, and with the deploy workflow
    deploy it. On another branch, that branch to its namesake (plain `git push` refuses when its upstream is
    origin/main). Without a known remote, plain `git push`."""
    if at is None:
        return Line("push the commit", invocation.git_command("push", project_dir=project_dir))
    if at.on_deploying_branch:
        return Line(
            f"push it to a branch of its own, for its pull request (pushing {at.branch} itself would skip the review)",
            invocation.git_command("push", at.remote, f"HEAD:{branch}", project_dir=project_dir),
        )
    return Line(
        "push it, for its pull request", invocation.git_command("push", at.remote, "HEAD", project_dir=project_dir)
    )


def deploy_workflow(project_dir: Path) -> Path | None:
    """The workflow that deploys on merge, if the repository has it. GitHub runs the workflows of the
    repository's root; outside git, the project folder's."""
    try:
        root = Path(git.git(project_dir, "rev-parse", "--show-toplevel").decode().strip())
    except git.GitError:
        root = project_dir
    workflow = root / DEPLOY_WORKFLOW
    return workflow if workflow.is_file() else None


def deploy_lines(project_dir: str | None, workflow: Path | None, *stacks: str) -> tuple[Line, ...]:
    """How a merged change reaches the stacks: the deploy workflow, or `pulumi up` by hand; then verify.

    `project_dir` is the --project-dir to repeat in commands (None for the current folder)."""
    verify = invocation.command("verify", "--wait", VERIFY_WAIT, project_dir=project_dir)
    if workflow is not None:
        return (
            # docs/ci.md, "What a merge does": the workflow deploys the changed stacks, then verifies Route 53.
            Line(
                "then open a pull request with that change alone: merging it deploys it (the deploy workflow "
                f"runs `pulumi up`, then `bluegreen verify --wait {VERIFY_WAIT}`), so do not run `pulumi up` by hand"
            ),
            Line("then, to see Route 53 agree from here", verify),
        )
    ups = [invocation.pulumi_command("up", stack, project_dir) for stack in stacks]
    merged = (Line("then, once that change is merged" if n == 0 else "and", up) for n, up in enumerate(ups))
    return (*merged, Line("then", verify))
