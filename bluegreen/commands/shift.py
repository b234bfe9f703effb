"""`bluegreen shift COLOR`: one step of 1:0 -> 1:1 -> 0:1 towards COLOR, as an edit of one stack file.

The edit keeps every comment and the layout of the file. Commit it in its own pull request (which
`bluegreen check` guards), then run the printed `pulumi up`, or pass --apply to commit the edit and run
Pulumi from here: what --apply deploys is always a commit, so it needs git and a clean tree.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

from bluegreen import advice, git, invocation, stackfiles, weights
from bluegreen.advice import Line, NextStep
from bluegreen.commands.argtypes import weight
from bluegreen.exits import BluegreenError, ExitStatus
from bluegreen.settings import COLORS, MAX_WEIGHT

HELP = "Move traffic one step towards a colour (1:0 -> 1:1 -> 0:1) by editing one stack file."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "color", choices=COLORS, metavar="COLOR", help="blue or green: the colour to move traffic towards"
    )
    how = parser.add_mutually_exclusive_group()
    how.add_argument(
        "--to",
        type=weight,
        metavar="N",
        help=f"set COLOR's weight to N (0..{MAX_WEIGHT}) instead of taking the next standard step",
    )
    how.add_argument(
        "--rollback",
        action="store_true",
        help="COLOR is the old colour to go back to: raise it first, then lower the new one",
    )
    parser.add_argument(
        "--apply",
        action="store_true",
        help="then commit the edit and run `pulumi config set` and `pulumi up` for the changed stack (needs a "
        "git repository with no uncommitted changes, and the pulumi CLI on PATH)",
    )


def run(args: argparse.Namespace) -> ExitStatus:
    if args.apply and shutil.which("pulumi") is None:
        raise BluegreenError("--apply needs the pulumi CLI, which is not on PATH; no file was changed")
    stacks = stackfiles.read_stacks(args.project_dir)
    if args.apply and (refusal := _apply_refusal(args.project_dir)):
        print(f"refused: {refusal}; nothing was changed")
        return ExitStatus.PROBLEM
    if args.apply:
        _require_git_identity(args.project_dir)
    if uncommitted := stackfiles.uncommitted_stack_files(args.project_dir):
        one = len(uncommitted) == 1
        print(
            f"refused: {', '.join(uncommitted)} {'has' if one else 'have'} uncommitted changes: commit "
            f"{'it' if one else 'them'} first (a weight change goes alone in its pull request), then take the next step"
        )
        return ExitStatus.PROBLEM
    try:
        if args.to is not None:
            step = weights.custom_step(stacks, args.color, args.to)
        elif args.rollback:
            step = weights.rollback_step(stacks, args.color)
        else:
            step = weights.next_step(stacks, args.color)
    except weights.ShiftRefused as refusal:
        print(f"refused: {refusal}")  # the answer to the request, so on stdout
        return ExitStatus.PROBLEM
    # The pair the step leaves must be one the program deploys (same zone, no name only at weight 0).
    problems = weights.pair_problems(step.applied_to(stacks) if step else stacks)
    if problems:
        print("\n".join(f"refused: {problem}" for problem in problems))
        return ExitStatus.PROBLEM
    if step is None:
        split = ", ".join(f"{color} {weight}" for color, weight in weights.weights_by_color(stacks).items())
        goal = f"weight {args.to}" if args.to is not None else "all the traffic"
        print(f"{args.color} already has {goal} ({split}); nothing changed.")
        return ExitStatus.OK

    if refusal := _unmerged_refusal(args.project_dir, step):
        print(f"refused: {refusal}")
        return ExitStatus.PROBLEM

    path = stackfiles.stack_file(args.project_dir, step.stack)
    original = path.read_bytes()
    after = step.applied_to(stacks)
    workflow = advice.deploy_workflow(args.project_dir)
    project_dir_option = stackfiles.project_dir_option(args.project_dir)
    phase = weights.phase(weights.weights_by_color(after), weights.promotion_target(after))
    change = f"{path.name}: {stackfiles.WEIGHT_KEY} {step.before} → {step.after}"
    if args.apply:
        if workflow is not None:
            print(
                f"note: this repository deploys on merge ({advice.DEPLOY_WORKFLOW}): --apply deploys stack "
                f"{step.stack} from here, outside review; the usual way is the same command without --apply, "
                "and a pull request\n"
            )
        # Nothing has happened yet: the screen says what will, and only success says "Changed".
        print(f"Will change {change}, commit it and deploy stack {step.stack}:\n")
        print(weights.render_table(weights.table_rows(after)))
        print(f"\nPhase once deployed: {phase}")
        if args.to is not None and (note := _big_move_note(stacks, after, args.color, project_dir_option)):
            print(note)
        edited = stackfiles.set_traffic_weight(path, step.after)
        return _apply(args.project_dir, step, path, original, edited, workflow)
    stackfiles.set_traffic_weight(path, step.after)
    print(f"Changed {change}\n")
    print(weights.render_table(weights.table_rows(after)))
    print(f"\nPhase: {phase}")
    if args.to is not None and (note := _big_move_note(stacks, after, args.color, project_dir_option)):
        print(note)
    if _in_git(args.project_dir):
        message = stackfiles.WeightChange(step.stack, path.name, step.before, step.after).commit_message()
        commit = Line(command=advice.commit_command(message, path.name, project_dir=project_dir_option))
        deploy = advice.deploy_lines(project_dir_option, workflow, step.stack)
        next_step = NextStep("commit", f"Next: commit {path.name}, and nothing else with it", (commit, *deploy))
    else:
        verify = invocation.command("verify", "--wait", advice.VERIFY_WAIT, project_dir=project_dir_option)
        next_step = NextStep(
            "deploy",
            "Next: deploy it (this folder is not in a git repository: no commit or pull request records the step)",
            (Line(command=invocation.pulumi_command("up", step.stack, project_dir_option)), Line("then", verify)),
        )
    print("\n" + advice.render([next_step]))
    return ExitStatus.OK


def _in_git(project_dir: Path) -> bool:
    try:
        git.git(project_dir, "rev-parse", "--git-dir")
    except git.GitError:
        return False
    return True


def _big_move_note(
    before: list[weights.StackTraffic], after: list[weights.StackTraffic], color: str, project_dir: str | None
) -> str | None:
    """A note when one `--to` step moves more than half of the traffic to `color`: None otherwise."""
    colors = [s.color for s in before]
    share_before = weights.shares([s.weight for s in before])[colors.index(color)]
    share_after = weights.shares([s.weight for s in after])[colors.index(color)]
    if share_after - share_before <= 50:
        return None
    other = next(c for c in COLORS if c != color)
    raise_old = invocation.command("shift", other, "--to", str(MAX_WEIGHT), project_dir=project_dir)
    return (
        f"note: this one step moves {color} from {weights.format_share(share_before)} to "
        f"{weights.format_share(share_after)} of the traffic; for a fine canary, raise the old colour first "
        f"({raise_old}), then give {color} a small weight"
    )


def _unmerged_refusal(project_dir: Path, step: weights.Step) -> str | None:
    """Why the step would share a pull request with what `check` refuses beside it: another stack's weight
    change, or a settings change, committed here but not yet in the deploying ref. None when there is none."""
    unmerged = stackfiles.unmerged_changes(project_dir)
    others = [change for change in unmerged.changes if change.stack != step.stack] if unmerged else []
    if not unmerged or not (others or unmerged.settings):
        return None
    rule = (
        "a pull request changes one stack's weight (`bluegreen check` refuses two)"
        if others
        else "a weight change goes alone in its pull request, apart from settings changes (`bluegreen check`)"
    )
    return (
        f"{unmerged.not_in_ref_yet(others)}, and this step changes stack {step.stack}'s weight: {rule}. "
        "Push it, merge it and deploy it, then take the next step (`bluegreen status` says when); nothing was changed"
    )


def _apply_refusal(project_dir: Path) -> str | None:
    """Why --apply cannot commit here, before anything is edited: None when it can.

    Outside git it refuses rather than deploying an edit no commit records: the deployed weight would be
    known only to Pulumi, and `status` and `check` read the history of the stack files. Any uncommitted
    change to a tracked file is refused, not only to stack files: `pulumi up` deploys the program in the
    working tree too. Untracked files are not counted (git status -uno): git ignores them as well.
    """
    try:
        dirty = git.git(project_dir, "status", "--porcelain", "--untracked-files=no").decode()
    except git.GitError as err:
        return f"--apply commits the step before deploying it, and git cannot commit here ({_last_line(err)})"
    if names := [line[3:] for line in dirty.splitlines()]:  # paths from the repository's root
        return (
            f"--apply deploys only commits, and tracked files have uncommitted changes: {', '.join(names)}; "
            "commit or stash them first"
        )
    return None


def _require_git_identity(project_dir: Path) -> None:
    """Stop before editing when `git commit` would fail for want of a name or email (like a missing pulumi CLI,
    a setup problem, not an answer)."""
    for ident in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        try:
            git.git(project_dir, "var", ident)
        except git.GitError as err:
            raise BluegreenError(
                f"--apply commits the step, and git has no identity to commit with ({_last_line(err)}): set it "
                "with `git config user.name 'Your Name'` and `git config user.email you@example.com`; no file was "
                "changed"
            ) from err


def _last_line(err: git.GitError) -> str:
    """git's reason: the last line of its message (the lines before are advice for git's own commands)."""
    return str(err).strip().splitlines()[-1]


def _apply(
    project_dir: Path, step: weights.Step, path: Path, original: bytes, edited: bytes, workflow: Path | None
) -> ExitStatus:
    """config set, commit, up: the commit holds the file as `pulumi config set` left it, and nothing that
    failed before `pulumi up` leaves a trace (the file is put back, no commit is made). A failed `pulumi up`
    keeps the commit: the stack may be partly updated, and the commit says what it was asked to become."""
    # --type int: without it Pulumi stores a top-level value as a string ("1"), quoting it in the file,
    # while Pulumi.yaml declares this key an integer.
    config_set = ["pulumi", "config", "set", "--stack", step.stack, "--type", "int"]
    config_set += [stackfiles.WEIGHT_KEY, str(step.after)]
    if (code := _pulumi(config_set, project_dir)) != 0:
        path.write_bytes(original)
        raise BluegreenError(
            f"pulumi config set {_ended(code)}; {path.name} is back as it was: nothing was committed or deployed",
            ExitStatus.PROBLEM,
        )
    message = stackfiles.WeightChange(step.stack, path.name, step.before, step.after).commit_message()
    print(f"\n$ {shlex.join(['git', 'commit', '-m', message, '--', path.name])}")
    try:
        git.git(project_dir, "commit", "--quiet", "-m", message, "--", path.name)
    except git.GitError as err:
        path.write_bytes(original)  # the tree was clean: this is the committed file, and pulumi's config again
        raise BluegreenError(
            f"git commit failed ({_last_line(err)}); {path.name} is back as it was: nothing was committed or deployed",
            ExitStatus.PROBLEM,
        ) from err
    commit = git.git(project_dir, "rev-parse", "--short", "HEAD").decode().strip()
    print(f"Committed {commit}: {message}")
    if path.read_bytes() != edited:
        print(f"note: pulumi config set rewrote {path.name}; the commit holds its version: `git show {commit}`")
    project_dir_option = stackfiles.project_dir_option(project_dir)
    up = invocation.pulumi_command("up", step.stack, project_dir_option)
    push = advice.push_for_review(
        stackfiles.deploy_ref(project_dir), f"shift-{step.stack}-{step.after}-{commit}", project_dir_option
    )
    verify = invocation.command("verify", "--wait", advice.VERIFY_WAIT, project_dir=project_dir_option)
    if (code := _pulumi(["pulumi", "up", "--stack", step.stack], project_dir)) != 0:
        undo = invocation.command(
            "shift", step.color, "--to", str(step.before), "--apply", project_dir=project_dir_option
        )
        raise BluegreenError(
            f"pulumi up {_ended(code)}: stack {step.stack} may be unchanged or partly updated.\n"
            f"Commit {commit} ({path.name} at weight {step.after}) stays as HEAD, not pushed.\n"
            f"To finish the step, fix the cause, rerun `{up}`, then {push.text}: `{push.command}`, and `{verify}`.\n"
            f"To undo it instead (commits weight {step.before} and deploys it): `{undo}`",
            ExitStatus.PROBLEM,
        )
    print(
        f"\nChanged {path.name}: {stackfiles.WEIGHT_KEY} {step.before} → {step.after} (commit {commit}), "
        f"deployed to stack {step.stack}."
    )
    print(f"\nNext: {push.text}: {push.command}")
    if workflow is not None:
        # deploy.yml runs on every push to main (docs/ci.md): the commit reaches main through a pull request.
        print(
            f"Merging its pull request runs the deploy workflow ({advice.DEPLOY_WORKFLOW}) for this commit again; "
            "pushing straight to main would run it too, without review"
        )
    print(f"Then wait until Route 53 holds the new weights: {verify}")
    return ExitStatus.OK


def _ended(code: int) -> str:
    """How a pulumi run ended: `failed (exit 7)`, or `interrupted (SIGINT)` when a signal ended it (a negative
    return code is the signal's number: subprocess.Popen.returncode)."""
    if code >= 0:
        return f"failed (exit {code})"
    try:
        return f"interrupted ({signal.Signals(-code).name})"
    except ValueError:
        return f"interrupted (signal {-code})"


def _pulumi(command: list[str], project_dir: Path) -> int:
    print(f"\n$ {shlex.join(command)}", flush=True)  # flush: Pulumi writes to the same terminal
    # Ctrl-C reaches Pulumi too (one terminal, one process group), and Pulumi cancels cleanly on the first one
    # ("^C received; cancelling", pulumi/pulumi's CancellationScope). Python's default would raise here, and
    # subprocess.run would kill Pulumi 0.25 s later, leaving pending operations and no message. So this process
    # waits for Pulumi's exit and reports it like any failure. (A handler, not SIG_IGN, which Pulumi would inherit.)
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        return subprocess.run(command, cwd=project_dir, check=False).returncode
    finally:
        signal.signal(signal.SIGINT, previous)
