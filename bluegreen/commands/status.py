"""`bluegreen status`: the split the stack files declare, and the next command to run.

Offline and fast: it reads the Pulumi.<stack>.yaml files and asks git (no Pulumi, no boto3, no AWS). From
git it learns which way traffic last moved (the splits of earlier commits), which stack files are not
committed yet, and whether the repository deploys on merge (.github/workflows/deploy.yml). The advice
is one list of NextStep items that the text and the `--json` document both print.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluegreen import advice, git, invocation, json_output, stackfiles, weights
from bluegreen.advice import Line, NextStep
from bluegreen.exits import ExitStatus
from bluegreen.settings import COLORS

HELP = "Show each stack's colour, version, weight and share of traffic, the phase, and the next command to run."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the stacks, phase, direction, problems and next steps as one JSON document (docs/json.md)",
    )


@dataclass(frozen=True)
class Situation:
    """What the advice needs besides the stack files: where the user is, and what git says."""

    project_dir: str | None  # the --project-dir to repeat in commands; None for the current folder
    deploy_workflow: Path | None  # the workflow that deploys on merge, if the repository has it
    direction: str  # weights.PROMOTION, ROLLBACK or UNKNOWN
    came_from: weights.CommittedSplit | None  # the earlier split the direction was told from
    unknown_because: str  # why the direction is UNKNOWN; empty otherwise
    uncommitted: tuple[str, ...]  # stack files with changes git has not committed
    # What changed in them against HEAD; None when nothing is committed yet (or nothing is uncommitted).
    changes: tuple[stackfiles.UncommittedChange, ...] | None
    unmerged: stackfiles.Unmerged | None  # committed weight changes not in the deploying ref; None: no ref known


def read_situation(project_dir: Path, stacks: Sequence[weights.StackTraffic]) -> Situation:
    try:
        splits = stackfiles.committed_splits(project_dir)
        unknown_because = f"no earlier split in the last {stackfiles.HISTORY_LIMIT} commits that changed a stack file"
    except git.GitError as err:
        reason = str(err).strip().splitlines()[-1].removeprefix("fatal: ")
        splits = iter(())
        unknown_because = "not a git repository" if reason.startswith("not a git repository") else f"git: {reason}"
    way, came_from = weights.direction(stacks, splits)
    uncommitted = tuple(stackfiles.uncommitted_stack_files(project_dir))
    changes = stackfiles.uncommitted_changes(project_dir, uncommitted) if uncommitted else None
    return Situation(
        stackfiles.project_dir_option(project_dir),
        advice.deploy_workflow(project_dir),
        way,
        came_from,
        unknown_because if way == weights.UNKNOWN else "",
        uncommitted,
        tuple(changes) if changes is not None else None,
        stackfiles.unmerged_changes(project_dir),
    )


def next_steps(stacks: Sequence[weights.StackTraffic], situation: Situation) -> list[NextStep]:
    """What to run next: the step of the promotion, or of the rollback under way, and the way back."""
    present = {s.color for s in stacks}
    missing = [color for color in COLORS if color not in present]
    if missing:
        return [
            NextStep(
                "add-stack",
                f"No stack has color {missing[0]}: add a stack file for it with trafficWeight: 0 to stand it up",
            )
        ]
    if situation.uncommitted:
        return [_commit_first(situation)]  # shift refuses a second step on top of it
    if situation.unmerged:
        return [_merge_first(situation.unmerged, situation)]  # so does check: one stack's weight per pull request
    if pending := weights.tls_pending(stacks):
        return [
            NextStep(
                "enable-tls",
                f"TLS is on for the other colour but not yet for {pending.color}: set tls: true on stack "
                f"{pending.stack} in its own pull request; traffic moves once both colours serve HTTPS",
                _deploy(situation, pending.stack),
            )
        ]

    target = weights.promotion_target(stacks)
    if target is None:
        steps = [NextStep("note", f"Both colours run {stacks[0].version}: no newer version is waiting for traffic")]
        for color in COLORS:
            if step := weights.next_step(stacks, color):
                shift = _bluegreen(situation, "shift", color)
                steps.append(
                    NextStep(
                        "move-traffic", f"To move traffic to {color} anyway", _take(stacks, situation, step, shift)
                    )
                )
        return steps

    new = next(s for s in stacks if s.color == target)
    old = next(s for s in stacks if s.color != target)
    promote = _bluegreen(situation, "shift", new.color)
    rollback = _bluegreen(situation, "shift", old.color, "--rollback")
    step = weights.next_step(stacks, new.color)
    if step is None:
        return [
            NextStep("note", f"Promotion done: {new.color} ({new.version}) has all the traffic"),
            _retire(old, new, situation),
            NextStep(
                "rollback",
                f"To roll back to {old.color} ({old.version}) while its stack still exists",
                (Line(command=rollback),),
            ),
        ]
    if situation.direction == weights.ROLLBACK:
        if back := weights.rollback_step(stacks, old.color):
            return [
                NextStep(
                    "rollback",
                    f"Next step of the rollback to {old.color} ({old.version})",
                    _take(stacks, situation, back, rollback),
                ),
                NextStep("promote", f"To resume the promotion to {new.color} instead", (Line(command=promote),)),
            ]
        return [
            NextStep("note", f"Rollback done: {old.color} ({old.version}) has all the traffic"),
            NextStep(
                "promote",
                f"To resume the promotion to {new.color} ({new.version})",
                _take(stacks, situation, step, promote),
            ),
        ]
    steps = [
        NextStep(
            "promote",
            f"Next step of the promotion to {new.color} ({new.version})",
            _take(stacks, situation, step, promote),
        )
    ]
    if new.weight > 0:
        steps.append(NextStep("rollback", f"To roll back to {old.color} instead", (Line(command=rollback),)))
    return steps


def _bluegreen(situation: Situation, *words: str) -> str:
    return invocation.command(*words, project_dir=situation.project_dir)


def _deploy(situation: Situation, *stacks: str) -> tuple[Line, ...]:
    return advice.deploy_lines(situation.project_dir, situation.deploy_workflow, *stacks)


def _take(
    stacks: Sequence[weights.StackTraffic], situation: Situation, step: weights.Step, command: str
) -> tuple[Line, ...]:
    return (Line(weights.describe_step(step, stacks)), Line(command=command), *_deploy(situation, step.stack))


def _git(situation: Situation, *words: str) -> str:
    return invocation.git_command(*words, project_dir=situation.project_dir)


def _commit_first(situation: Situation) -> NextStep:
    """Uncommitted stack files: the weights shown are not deployed, and shift takes no step on top of them.
    The advice follows what changed against HEAD: one weight step is committed alone, with shift's message."""
    names = list(situation.uncommitted)
    one = len(names) == 1
    listed = f"{', '.join(names)} {'has' if one else 'have'} changes that are not committed"
    working_tree = "the weights above are the working tree's, and a deploy takes only what is committed and merged"
    status = Line("then, for the step after it", _bluegreen(situation, "status"))
    if situation.changes is None:
        return NextStep(
            "commit",
            f"Nothing is committed yet: {working_tree}. Make the first commit (review `git status`: "
            "everything it lists goes in), then take the first step",
            (Line(command=f"{_git(situation, 'add', '--all')} && {_git(situation, 'commit')}"), status),
        )
    steps = [change.weight for change in situation.changes if change.weight and not change.other]
    others = [change for change in situation.changes if change.other]
    if len(steps) == 1 and not others:
        (step,) = steps
        commit = advice.commit_command(step.commit_message(), step.file, project_dir=situation.project_dir)
        return NextStep(
            "commit",
            f"{listed}: {working_tree}. Commit {'it' if one else 'them'} alone, then deploy",
            (Line(command=commit), *_deploy(situation, step.stack), status),
        )
    lines: list[Line] = []
    weighed = [change for change in situation.changes if change.weight]
    if len(weighed) > 1:
        lines.append(
            Line(
                "a pull request changes one stack's weight (`bluegreen check` refuses more): keep one of "
                + ", ".join(str(change.weight and change.weight.describe()) for change in weighed)
                + ", and undo the others, e.g."
            )
        )
        lines += [Line(f"to undo {change.file}", _git(situation, "restore", "--", change.file)) for change in weighed]
    if others:
        files = [change.file for change in others]
        lines.append(
            Line(
                f"{', '.join(files)} {'changes' if len(files) == 1 else 'change'} settings other than the weight: "
                "settings changes go in their own pull request, apart from weight changes"
            )
        )
        for change in weighed if len(weighed) == 1 else ():
            weight = change.weight
            assert weight is not None
            if change.other:
                lines.append(Line(f"set trafficWeight in {change.file} back to {weight.before} for now"))
            else:
                lines.append(Line(f"undo {weight.describe()} for now", _git(situation, "restore", "--", change.file)))
            lines.append(Line("and make that step again once the settings are merged and deployed"))
        if not weighed:
            lines.append(
                Line(
                    "commit, with a message that says what changed",
                    advice.commit_command(None, *files, project_dir=situation.project_dir),
                )
            )
            lines += _deploy(situation, *(str(stackfiles.stack_of(name)) for name in files))
    if len(weighed) > 1:
        what = "A pull request changes one stack's weight: undo all but one"
    elif weighed:
        what = "Split them: settings changes and a weight change go in separate pull requests"
    else:
        what = f"Commit {'it' if one else 'them'} in a pull request of {'its' if one else 'their'} own, then deploy"
    return NextStep("commit", f"{listed}: {working_tree}. {what}", (*lines, status))


def _merge_first(unmerged: stackfiles.Unmerged, situation: Situation) -> NextStep:
    """A stack-file change committed here but not in the deploying ref: it is the next step, not the one after
    it (a second stack's weight, or a weight beside settings, in the same pull request is what `check` refuses)."""
    if unmerged.changes:
        branch = f"shift-{unmerged.changes[0].stack}-{unmerged.changes[0].after}-{unmerged.commits[0]}"
    else:
        branch = f"settings-{stackfiles.stack_of(unmerged.settings[0])}-{unmerged.commits[0]}"
    push = advice.push_for_review(unmerged.at, branch, situation.project_dir)
    waiting = unmerged.not_in_ref_yet()
    stacks = dict.fromkeys(
        [change.stack for change in unmerged.changes] + [str(stackfiles.stack_of(name)) for name in unmerged.settings]
    )
    return NextStep(
        "merge",
        f"{waiting[:1].upper()}{waiting[1:]}: "
        f"{'the weights above are' if unmerged.changes and not unmerged.settings else 'that change is'} "
        "committed here but not merged, and not deployed unless `shift --apply` deployed them from here. Merge and "
        "deploy that change before the next step",
        (
            push,
            *_deploy(situation, *stacks),
            Line(f"then, so that {unmerged.at.name} here has the merge", _git(situation, "fetch", unmerged.at.remote)),
            Line("and for the step after it", _bluegreen(situation, "status")),
        ),
    )


def _retire(old: weights.StackTraffic, new: weights.StackTraffic, situation: Situation) -> NextStep:
    """After the promotion: the old colour's stack goes, then what its ExternalDNS may have left in Route 53."""
    prune = ("prune", "--color", old.color)
    return NextStep(
        "retire",
        f"Once you are sure of {new.color}, retire {old.color} ({old.version})",
        (
            Line(
                "check Route 53 and the certificates again, and let it bake as long as you need",
                _bluegreen(situation, "verify"),
            ),
            Line(
                f"then delete {old.color}'s cluster and everything its stack holds",
                invocation.pulumi_command("destroy", old.stack, situation.project_dir),
            ),
            Line(
                f"then list the Route 53 records {old.color}'s ExternalDNS left behind, if any (a dry run)",
                _bluegreen(situation, *prune),
            ),
            Line("and delete them", _bluegreen(situation, *prune, "--yes")),
        ),
    )


def direction_line(stacks: Sequence[weights.StackTraffic], situation: Situation) -> str | None:
    """'Direction: rollback, from blue 0, green 1 at 1a2b3c4'; None when unknown and it changes nothing."""
    if situation.came_from is not None:
        split = ", ".join(f"{color} {weight}" for color, weight in situation.came_from.weights.items())
        return f"Direction: {situation.direction}, from {split} at commit {situation.came_from.commit[:12]}"
    # Unknown matters only while both colours carry traffic: then the next step may go either way.
    if weights.promotion_target(stacks) is not None and all(s.weight > 0 for s in stacks):
        return (
            f"Direction: unknown ({situation.unknown_because}): shown as the promotion; "
            "if you are rolling back, take the rollback below"
        )
    return None


def run(args: argparse.Namespace) -> ExitStatus:
    stacks = stackfiles.read_stacks(args.project_dir)
    problems = weights.pair_problems(stacks)
    for problem in problems:
        print(f"error: invalid pair: {problem}", file=sys.stderr)
    target = weights.promotion_target(stacks)
    current = weights.phase(weights.weights_by_color(stacks), target)
    situation = read_situation(args.project_dir, stacks)
    steps = [] if problems else next_steps(stacks, situation)
    status = ExitStatus.PROBLEM if problems else ExitStatus.OK
    if args.json:
        json_output.print_document("status", _document(stacks, current, target, situation, problems, steps))
        return status

    print(weights.render_table(weights.table_rows(stacks)))
    if problems:
        return status
    print(f"\nPhase: {current}")
    if current == weights.ALL_ZERO:
        print("  every weight is 0 (allowAllZero is set): Route 53 splits traffic equally between the colours")
    if line := direction_line(stacks, situation):
        print(line)
    print()
    print(advice.render(steps))
    return status


def _document(
    stacks: Sequence[weights.StackTraffic],
    current: str,
    target: str | None,
    situation: Situation,
    problems: Sequence[str],
    steps: Sequence[NextStep],
) -> dict[str, Any]:
    percents = weights.shares([s.weight for s in stacks])
    return {
        "stacks": [
            {
                "stack": s.stack,
                "color": s.color,
                "version": s.version,
                "weight": s.weight,
                "share_percent": round(percent, 1),
                "allow_all_zero": s.allow_all_zero,
                "tls": s.published.tls if s.published else None,
                "hostnames": sorted(s.published.hostnames or ()) if s.published else [],
            }
            for s, percent in zip(stacks, percents, strict=True)
        ],
        "phase": current,
        "promotion_target": target,
        "direction": situation.direction,
        "direction_from": situation.came_from
        and {"commit": situation.came_from.commit, "weights": dict(situation.came_from.weights)},
        "uncommitted": list(situation.uncommitted),
        "unmerged": _unmerged_document(situation.unmerged) if situation.unmerged is not None else None,
        "deploy_workflow": str(situation.deploy_workflow) if situation.deploy_workflow else None,
        "problems": list(problems),
        "next_steps": [step.as_json() for step in steps],
    }


def _unmerged_document(unmerged: stackfiles.Unmerged) -> dict[str, Any]:
    return {
        "ref": unmerged.at.name,
        "commits": list(unmerged.commits),
        "changes": [{"stack": c.stack, "file": c.file, "before": c.before, "after": c.after} for c in unmerged.changes],
        "settings": list(unmerged.settings),
    }
