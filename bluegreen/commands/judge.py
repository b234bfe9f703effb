"""`bluegreen judge`: the verdict on the new colour from its ALB's CloudWatch metrics against the old colour's.

Read-only. For one shared hostname it reads the colours' weighted alias records (one name-scoped
ListResourceRecordSets call), finds the ALB each points at (DescribeLoadBalancers, DescribeTags), reads
the last minutes of both ALBs (GetMetricData) and judges them (bluegreen/promotion/judge.py) with the
thresholds of the promotion policy file. The share the new colour should get comes from the weights
Route 53 holds, since those, not the stack files, split the traffic.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bluegreen import cli, json_output, stackfiles
from bluegreen.exits import BluegreenError, ExitStatus
from bluegreen.settings import COLORS

if TYPE_CHECKING:
    from bluegreen.promotion.adapters import Clients
    from bluegreen.promotion.judge import Verdict

HELP = "Judge the new colour's ALB against the old colour's from CloudWatch: pass, fail or not enough data."

SCOPE = (
    "The numbers cover each colour's whole ALB: every hostname it serves, the smoke-test hostname "
    "<colour>.<hostname> included (ALB 5xx have no per-hostname series)."
)
DEFAULT_MINUTES = 15
# Not enough data is no pass: a script gating on the exit status must not go on. --json tells the two apart.
OUTCOME_STATUS = {"pass": ExitStatus.OK, "fail": ExitStatus.PROBLEM, "insufficient": ExitStatus.PROBLEM}


def _minutes(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 24 * 60:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number of minutes from 1 to 1440")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "color",
        nargs="?",
        choices=COLORS,
        help="the new colour, judged against the other (default: the one running the newer clusterVersion)",
    )
    parser.add_argument(
        "--hostname",
        help="shared hostname whose weighted records lead to the ALBs (default: the first in the stack files; "
        "a colour's hostnames share one ALB)",
    )
    parser.add_argument(
        "--minutes",
        type=_minutes,
        default=DEFAULT_MINUTES,
        metavar="N",
        help=f"judge the last N final minutes (default {DEFAULT_MINUTES}); the newest two are never final",
    )
    parser.add_argument("--json", action="store_true", help="print the verdict and its numbers as JSON")
    cli.add_aws_arguments(parser)


def run(
    args: argparse.Namespace,
    *,
    clients: Clients | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ExitStatus:
    from bluegreen.promotion.adapters import Clients
    from bluegreen.promotion.judge import final_cutoff, judge
    from bluegreen.promotion.metrics import (
        CloudWatchMetrics,
        LoadBalancerError,
        alias_targets,
        find_load_balancers,
        record_weights,
    )
    from bluegreen.promotion.policy import POLICY_FILE, load_policy
    from bluegreen.route53.client import read_name, refuse_placeholder_zone
    from bluegreen.weights import StackTraffic, promotion_target, shares

    pair = stackfiles.load_pair(args.project_dir)
    refuse_placeholder_zone(pair.zone_id)
    policy = load_policy(args.project_dir / POLICY_FILE)
    new = args.color or promotion_target([StackTraffic.from_settings(c, s) for c, s in pair.stacks.items()])
    if new is None:
        raise BluegreenError(
            f"both colours run clusterVersion {pair.stacks[COLORS[0]].cluster_version}: name the new colour, "
            "e.g. `bluegreen judge green`"
        )
    old = next(c for c in COLORS if c != new)
    hostname = args.hostname or pair.hostnames[0]
    if hostname not in pair.hostnames:
        raise BluegreenError(
            f"--hostname {hostname!r} is not a shared hostname of the stacks ({', '.join(pair.hostnames)})"
        )

    # The clients promote uses: Route 53 answers a first call within seconds or the command stops (make_client).
    clients = clients or Clients.make(args.region or pair.region, args.profile)
    records = read_name(clients.route53, pair.zone_id, hostname)
    targets = alias_targets(records, hostname)
    weights = record_weights(records, hostname)
    missing = [c for c in (old, new) if c not in targets or c not in weights]
    if missing:
        raise LoadBalancerError(
            f"{hostname} has no weighted alias record for {' and '.join(missing)} in zone {pair.zone_id}: "
            "run `bluegreen verify`"
        )
    balancers = find_load_balancers(clients.elbv2, targets, {c: pair.stacks[c].cluster_name for c in (old, new)})

    now = clock()
    start = final_cutoff(now, policy.thresholds.finality_seconds) - timedelta(minutes=args.minutes)
    source = CloudWatchMetrics(clients.cloudwatch, balancers)
    expected_share = shares([weights[new], weights[old]])[0] / 100
    verdict = judge(
        source.minutes(old, start, now),
        source.minutes(new, start, now),
        expected_new_share=expected_share,
        now=now,
        thresholds=policy.thresholds,
    )

    if args.json:
        body = {
            "hostname": hostname,
            "new": new,
            "old": old,
            "weights": {new: weights[new], old: weights[old]},
            "load_balancers": {c: b.dimension for c, b in balancers.items()},
            "scope": SCOPE,
            "policy": policy.source,
            "verdict": verdict.to_json(),
        }
        json_output.print_document("judge", body)
    else:
        print(
            render(verdict, hostname, new, old, weights, {c: b.dimension for c, b in balancers.items()}, policy.source)
        )
    return OUTCOME_STATUS[verdict.outcome]


def render(
    verdict: Verdict, hostname: str, new: str, old: str, weights: dict[str, int], balancers: dict[str, str], policy: str
) -> str:
    """The verdict as a short report: the window, a row per colour, the outcome and its reasons."""
    from bluegreen.route53.verify import format_rows

    window = (
        f"{verdict.window_start:%Y-%m-%d %H:%M}-{verdict.window_end:%H:%M} UTC"
        if verdict.window_start and verdict.window_end
        else "no final minute"
    )
    rows = [("colour", "ALB (LoadBalancer dimension)", "minutes", "requests", "5xx", "5xx rate", "p90")]
    for color, summary in ((old, verdict.old), (new, verdict.new)):
        rows.append(
            (
                color,
                balancers[color],
                str(summary.minutes),
                str(summary.requests),
                str(summary.errors),
                "n/a" if summary.error_rate is None else f"{100 * summary.error_rate:.2f}%",
                "n/a" if summary.p90_seconds is None else f"{1000 * summary.p90_seconds:.0f} ms",
            )
        )
    lines = [
        f"{hostname}: {new} (weight {weights[new]}) judged against {old} (weight {weights[old]}), "
        f"final minutes {window}, thresholds from {policy}.",
        SCOPE,
        "",
        format_rows(rows),
        "",
        f"verdict: {verdict.outcome.upper()}",
    ]
    return "\n".join(lines + [f"  - {reason}" for reason in verdict.reasons])
