"""`bluegreen check --base REF`: is this pull request's change of stack files a safe traffic step?

Compares the stack files at REF with the working tree and prints a markdown report for a pull-request
comment. Exit 0: safe; 1: an unsafe change (more than one weight moves, an all-zero pair, a colour
lowered before the other was raised, a stack changing colour, a colour twice); 2: a stack file in the
working tree is invalid, or git cannot read REF.
"""

from __future__ import annotations

import argparse

from bluegreen import stackfiles, weights
from bluegreen.exits import ExitStatus
from bluegreen.git import GitError

HELP = "For pull requests: check that the stack files change traffic by one safe step compared with a git ref."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base",
        required=True,
        metavar="REF",
        help="the git ref the pull request merges into, e.g. origin/main (run on the merge result)",
    )


def _traffic(files: stackfiles.StackFiles) -> dict[str, weights.StackTraffic]:
    return {stack: weights.StackTraffic.from_settings(stack, settings) for stack, settings in files.valid.items()}


def _weight_change_alone(
    args: argparse.Namespace, before: dict[str, weights.StackTraffic], after: dict[str, weights.StackTraffic]
) -> list[str]:
    """A pull request that moves a weight changes only that weight's line of that one stack file."""
    moved = [s for s in sorted({*before, *after}) if s in before and s in after and before[s].weight != after[s].weight]
    if len(moved) != 1:
        return []  # no weight moves, or several (refused already), or a file comes or goes (its own rules)
    (stack,) = moved
    name = stackfiles.stack_file(args.project_dir, stack).name
    alone = f"a weight change goes alone, in a pull request that changes only the trafficWeight line of {name}"
    problems = []
    others = [path for path in stackfiles.changed_paths(args.project_dir, args.base) if path != name]
    if others:
        problems.append(
            f"the weight of stack {stack} changes, and so does {', '.join(others)}: {alone}; "
            "put the other changes in a pull request of their own"
        )
    old = stackfiles.git_text(args.project_dir, args.base, name)
    new = stackfiles.stack_file(args.project_dir, stack).read_text()
    if not stackfiles.only_the_weight_line_differs(old, new):
        problems.append(
            f"{name} changes more than its trafficWeight line: {alone}; change the other settings of {name} "
            "in a pull request of their own"
        )
    return problems


def run(args: argparse.Namespace) -> ExitStatus:
    try:
        base = stackfiles.read_at_ref(args.project_dir, args.base)
    except GitError as err:
        raise GitError(f"cannot read the stack files at {args.base}: {err}") from err
    head = stackfiles.read_working_tree(args.project_dir)
    print(f"### Traffic change against `{args.base}`\n")
    if not head.names:
        print(f"**No stack file**: no Pulumi.<stack>.yaml in {args.project_dir}.")
        return ExitStatus.USAGE
    if head.invalid:
        print("**Invalid stack file**: the change cannot be checked until every stack file is valid.\n")
        for _, error in sorted(head.invalid.items()):
            print(f"- {error.source}: " + "; ".join(error.problems))
        return ExitStatus.USAGE

    before, after = _traffic(base), _traffic(head)
    print(weights.render_change_markdown(before, after))
    notes = [
        f"- {error.source} is invalid, so its weight there is unknown and any weight it has now counts as a move: "
        + "; ".join(error.problems)
        for _, error in sorted(base.invalid.items())
    ]
    notes += [
        f"- stack {stack} has no file any more: its Pulumi stack and DNS records stay until "
        f"`pulumi destroy --stack {stack}`"
        for stack in sorted(set(before) - set(after))
    ]
    if notes:
        print("\nNotes:\n" + "\n".join(notes))

    problems = weights.change_problems(before, after) + _weight_change_alone(args, before, after)
    if problems:
        print("\n**Refused**:\n" + "\n".join(f"- {problem}" for problem in problems))
        return ExitStatus.PROBLEM
    print("\n**OK**: at most one stack's weight moves, and the pair stays valid.")
    return ExitStatus.OK
