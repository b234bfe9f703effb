"""`promote --dry-run`: the schedule from the current weights, the timings and the thresholds, as text."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from bluegreen.promotion.policy import POLICY_FIELDS, PromotionPolicy
from bluegreen.promotion.promote import forward_moves, other_color


def dry_run(weights: Mapping[str, int], new: str, policy: PromotionPolicy) -> str:
    old = other_color(new)
    schedule = policy.schedule
    moves = forward_moves(weights, new, schedule)
    lines = [f"Promotion of {new} (policy: {policy.source}); now {old} {weights[old]}, {new} {weights[new]}.", ""]
    header = ("STEP", "CHANGE", f"{old.upper()}:{new.upper()}", f"{new.upper()} SHARE", "BAKE", "MIN REQUESTS")
    rows: list[tuple[str, ...]] = [header]
    current = dict(weights)
    for number, move in enumerate(moves, 1):
        assert move.step is not None
        current[move.color] = move.after
        total = sum(current.values())
        share = 100 * current[new] / total if total else 50.0
        judged = current[new] > 0
        rows.append(
            (
                f"{number}/{len(moves)}",
                f"{move.color} {move.before} -> {move.after}",
                f"{current[old]}:{current[new]}",
                f"{share:.1f}%",
                f"{policy.bake_seconds(move.step) // 60} min" if judged else "-",
                str(policy.thresholds_for(move.step).min_requests) if judged else "-",
            )
        )
    if not moves:
        lines.append(f"{new} already carries all the traffic: nothing to do.")
    else:
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        for row in rows:
            lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    rules = (
        "After each step: wait for Route 53 to hold the weights (up to "
        f"{schedule.route53_wait_seconds} s), then judge every {schedule.judging_interval_seconds} s from the minute "
        "the apply finished. A step passes after the resolver wait "
        f"({schedule.resolver_wait_seconds} s) plus its bake, "
        f"with its minimum requests; it rolls back after {schedule.consecutive_failures} failed verdict(s) in a row "
        "(gross breakage: at once); it holds when the data stays short for "
        f"{schedule.insufficient_data_limit_seconds} s."
    )
    lines += ["", *textwrap.wrap(rules, 100), "", "Policy:"]
    for spec in POLICY_FIELDS:
        owner = policy.thresholds if spec.section == "judge" else schedule
        lines.append(f"  {spec.path} = {getattr(owner, spec.attribute)}")
    return "\n".join(lines)
