"""`bluegreen shift COLOR`: one step of 1:0 -> 1:1 -> 0:1 towards COLOR, as an edit of one stack file.

The edit keeps every comment and the layout of the file. Commit it in its own pull request (which
`bluegreen check` guards), then run the printed `pulumi up`, or pass --apply to run Pulumi from here.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
from pathlib import Path

from bluegreen import git, stackfiles, weights
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
        help="then run `pulumi config set` and `pulumi up` for the changed stack (needs the pulumi CLI on PATH)",
    )


def run(args: argparse.Namespace) -> ExitStatus:
    if args.apply and shutil.which("pulumi") is None:
        raise BluegreenError("--apply needs the pulumi CLI, which is not on PATH; no file was changed")
    stacks = stackfiles.read_stacks(args.project_dir)
    if uncommitted := _uncommitted_stack_files(args.project_dir):
        names = ", ".join(uncommitted)
        print(
            f"refused: {names} has uncommitted changes: commit it first (a weight change goes alone in its pull "
            "request), then take the next step"
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

    path = stackfiles.stack_file(args.project_dir, step.stack)
    original = path.read_bytes()
    edited = stackfiles.set_traffic_weight(path, step.after)
    after = step.applied_to(stacks)
    print(f"Changed {path.name}: {stackfiles.WEIGHT_KEY} {step.before} → {step.after}\n")
    print(weights.render_table(weights.table_rows(after)))
    print(f"\nPhase: {weights.phase(weights.weights_by_color(after), weights.promotion_target(after))}")
    up = weights.pulumi_up_command(step.stack, stackfiles.project_dir_option(args.project_dir))
    if not args.apply:
        print(f"\nNext: commit {path.name} alone in a pull request; once it is merged, run: {up}")
        return ExitStatus.OK
    return _apply(args.project_dir, step, path, original, edited)


def _uncommitted_stack_files(project_dir: Path) -> list[str]:
    """Stack files with changes git has not committed: a second step must not stack on them. Outside a git
    repository there is no history to protect, and nothing is refused."""
    try:
        status = git.git(project_dir, "status", "--porcelain", "--", "Pulumi.*.yaml").decode()
    except git.GitError:
        return []
    return sorted(Path(line[3:].strip('"')).name for line in status.splitlines() if line[3:])


def _apply(project_dir: Path, step: weights.Step, path: Path, original: bytes, edited: bytes) -> ExitStatus:
    # --type int: without it Pulumi stores a top-level value as a string ("1"), quoting it in the file,
    # while Pulumi.yaml declares this key an integer.
    config_set = ["pulumi", "config", "set", "--stack", step.stack, "--type", "int"]
    config_set += [stackfiles.WEIGHT_KEY, str(step.after)]
    if _pulumi(config_set, project_dir) != 0:
        path.write_bytes(original)
        raise BluegreenError(f"pulumi config set failed; {path.name} is back as it was", ExitStatus.PROBLEM)
    if path.read_bytes() != edited:
        print(f"note: pulumi config set rewrote {path.name}; review its layout with `git diff {path.name}`")
    if _pulumi(["pulumi", "up", "--stack", step.stack], project_dir) != 0:
        raise BluegreenError(
            f"pulumi up failed; {path.name} keeps weight {step.after}: fix the cause and rerun "
            f"`pulumi up --stack {step.stack}`, or undo the step: `bluegreen shift {step.color} --to {step.before}`",
            ExitStatus.PROBLEM,
        )
    return ExitStatus.OK


def _pulumi(command: list[str], project_dir: Path) -> int:
    print(f"\n$ {shlex.join(command)}", flush=True)  # flush: Pulumi writes to the same terminal
    return subprocess.run(command, cwd=project_dir, check=False).returncode
