"""`bluegreen status`: the split the stack files declare, and the next step of the promotion.

Offline and fast: it reads the Pulumi.<stack>.yaml files only (no Pulumi, no boto3, no AWS).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bluegreen import stackfiles, weights
from bluegreen.exits import ExitStatus
from bluegreen.settings import COLORS

HELP = "Show each stack's colour, version, weight and share of traffic, the phase, and the next promotion step."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """status takes no arguments of its own."""


def next_step_advice(stacks: Sequence[weights.StackTraffic], project_dir: str | None) -> list[str]:
    """What to run next: the promotion's next step towards the newer version, and how to roll back."""
    present = {s.color for s in stacks}
    missing = [color for color in COLORS if color not in present]
    if missing:
        return [f"No stack has color {missing[0]}: add a stack file for it with trafficWeight: 0 to stand it up."]

    def how(step: weights.Step, command: str) -> list[str]:
        return [
            f"  {weights.describe_step(step, stacks)}",
            f"  {command}",
            f"  then, once that change is merged: {weights.pulumi_up_command(step.stack, project_dir)}",
        ]

    if pending := weights.tls_pending(stacks):
        return [
            f"TLS is on for the other colour but not yet for {pending.color}: set tls: true on stack "
            f"{pending.stack} in its own pull request, then "
            f"{weights.pulumi_up_command(pending.stack, project_dir)}; traffic moves once both colours serve HTTPS."
        ]

    target = weights.promotion_target(stacks)
    if target is None:
        lines = [f"Both colours run {stacks[0].version}: no newer version is waiting for traffic."]
        for color in COLORS:
            step = weights.next_step(stacks, color)
            if step is not None:
                lines += [f"To move traffic to {color} anyway:"]
                lines += how(step, weights.shift_command(color, project_dir=project_dir))
        return lines

    by_color = {s.color: s for s in stacks}
    old = next(color for color in COLORS if color != target)
    rollback = weights.shift_command(old, rollback=True, project_dir=project_dir)
    step = weights.next_step(stacks, target)
    if step is None:
        return [
            f"Promotion done: {target} ({by_color[target].version}) has all the traffic.",
            f"To roll back to {old} ({by_color[old].version}): {rollback}",
        ]
    lines = [f"Next step of the promotion to {target} ({by_color[target].version}):"]
    lines += how(step, weights.shift_command(target, project_dir=project_dir))
    if by_color[target].weight > 0:
        lines.append(f"To roll back to {old} instead: {rollback}")
    return lines


def run(args: argparse.Namespace) -> ExitStatus:
    stacks = stackfiles.read_stacks(args.project_dir)
    print(weights.render_table(weights.table_rows(stacks)))
    problems = weights.pair_problems(stacks)
    for problem in problems:
        print(f"error: invalid pair: {problem}", file=sys.stderr)
    if problems:
        return ExitStatus.PROBLEM

    current = weights.phase(weights.weights_by_color(stacks), weights.promotion_target(stacks))
    print(f"\nPhase: {current}")
    if current == weights.ALL_ZERO:
        print("  every weight is 0 (allowAllZero is set): Route 53 splits traffic equally between the colours")
    print()
    print("\n".join(next_step_advice(stacks, stackfiles.project_dir_option(args.project_dir))))
    return ExitStatus.OK
