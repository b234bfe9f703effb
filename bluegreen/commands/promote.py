"""`bluegreen promote COLOR`: move all traffic to COLOR one judged step at a time, rolling back by itself.

Each step is a commit of one stack file, applied at once through the Pulumi Automation API (which needs
the pulumi CLI on PATH) and, with --push, pushed. The state machine is bluegreen/promotion/promote.py;
the verdicts come from bluegreen/promotion/judge.py under the promotion policy (promotion.yaml).
`--dry-run` and `--simulate` read nothing but the stack files and the policy.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bluegreen import cli, stackfiles, weights
from bluegreen.exits import BluegreenError, ExitStatus
from bluegreen.promotion.metrics import MetricsSource
from bluegreen.promotion.policy import POLICY_FILE, PromotionPolicy, load_policy
from bluegreen.promotion.promote import Promotion, Result, other_color
from bluegreen.settings import COLORS

HELP = "Promote a colour step by step (1, 10, 50, 255, then the old colour to 0), judging each step and rolling back."
REPORT_NAME = "promotion-report.html"
REPORT_LEAD = timedelta(minutes=5)  # the chart starts a little before the first step, to show the split before


def _multiplier(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("color", choices=COLORS, metavar="COLOR", help="blue or green: the colour to promote")
    how = parser.add_mutually_exclusive_group()
    how.add_argument(
        "--dry-run", action="store_true", help="print the schedule, the timings and the thresholds; change nothing"
    )
    how.add_argument(
        "--resume",
        action="store_true",
        help="continue a promotion that stopped, from what git, the stacks' outputs and Route 53 say",
    )
    how.add_argument(
        "--simulate",
        type=_multiplier,
        metavar="X",
        help="rehearse against a simulated world (100 requests/s, the old colour at 0.5%% 5xx, COLOR at X times "
        "that) on a fake clock; reads and changes nothing real",
    )
    parser.add_argument(
        "--push", action="store_true", help="push each commit to the branch's upstream once it is applied (CI: main)"
    )
    parser.add_argument(
        "--policy", type=Path, help=f"the promotion policy file (default: {POLICY_FILE} in the project folder)"
    )
    parser.add_argument(
        "--report",
        type=Path,
        help=f"where to write the HTML report, after every step and verdict (default: {REPORT_NAME} in the project "
        "folder)",
    )
    cli.add_aws_arguments(parser)


def run(args: argparse.Namespace) -> ExitStatus:
    args.report = args.report or args.project_dir / REPORT_NAME
    policy = load_policy(args.policy or args.project_dir / POLICY_FILE)
    traffic = stackfiles.read_stacks(args.project_dir)
    stacks = {s.color: s.stack for s in traffic}
    current = {s.color: s.weight for s in traffic}
    if args.simulate is not None:  # a rehearsal of the policy in a simulated world: the pair's files do not matter
        return _simulate(args, policy, current)
    _refuse_a_pair_traffic_must_not_move_in(traffic)
    if args.dry_run:
        from bluegreen.promotion.render import dry_run

        print(dry_run(current, args.color, policy))
        return ExitStatus.OK
    return _promote(args, policy, stacks)


def _refuse_a_pair_traffic_must_not_move_in(traffic: list[weights.StackTraffic]) -> None:
    """The rules `status`, `shift` and `check` apply to the pair: a promotion's steps would break them too.

    `tls` on one colour only is the one pair the program deploys but no step may move traffic in: the
    step either sends clients of the shared names to plain HTTP or (the other way) leaves them there.
    """
    problems = weights.pair_problems(traffic)
    if pending := weights.tls_pending(traffic):
        problems.append(
            f"tls is on for the other colour but not for {pending.stack}: set tls: true on stack {pending.stack} "
            "and deploy it first (bluegreen status says how); traffic moves only between colours that both serve "
            "HTTPS"
        )
    if problems:
        raise BluegreenError(
            "the pair cannot take a promotion: " + "; ".join(problems) + "; nothing was changed", ExitStatus.PROBLEM
        )


def _simulate(args: argparse.Namespace, policy: PromotionPolicy, current: dict[str, int]) -> ExitStatus:
    from bluegreen.promotion.simulation import scenario_world

    old = other_color(args.color)
    world = scenario_world(args.color, multiplier=args.simulate, old_weight=current[old] or 1)
    print(
        f"Simulation: {old} at weight {world.weights()[old]} with 0.5% 5xx, {args.color} at 0 with "
        f"{args.simulate:g}x that; 100 requests/s; applies take 60 s; the clock is fake.\n"
    )
    reporter = _reporter(args, world, world.clock.now(), world.clock.now)
    promotion = world.promotion(args.color, policy, on_event=reporter)
    return _finish(args, promotion.run(), reporter)


def _promote(args: argparse.Namespace, policy: PromotionPolicy, stacks: dict[str, str]) -> ExitStatus:
    from bluegreen.promotion import adapters
    from bluegreen.promotion.apply import PulumiApplier
    from bluegreen.route53.client import refuse_placeholder_zone

    ledger = adapters.GitLedger(args.project_dir, stacks, push=args.push)
    ledger.check_clean()
    pair = stackfiles.load_pair(args.project_dir)
    refuse_placeholder_zone(pair.zone_id)
    if shutil.which("pulumi") is None:
        raise BluegreenError(
            "promote applies each step with the Pulumi Automation API, which runs the pulumi CLI, and it is not "
            "on PATH; nothing was changed (--dry-run and --simulate need no CLI)"
        )
    deployer = adapters.PulumiDeployer(PulumiApplier(args.project_dir), stacks, ledger.publish)
    if not args.resume:
        adapters.refuse_unless_applied(ledger, deployer)
    clients = adapters.Clients.make(args.region or pair.region, args.profile)
    metrics = adapters.alb_metrics(clients, pair)
    clock = adapters.SystemClock()
    reporter = _reporter(args, metrics, clock.now(), clock.now)
    promotion = Promotion(
        args.color,
        policy=policy,
        clock=clock,
        ledger=ledger,
        deployer=deployer,
        route53=adapters.Route53Watch(args.project_dir, clients.route53),
        metrics=metrics,
        on_event=reporter,
    )
    return _finish(args, promotion.run(resume=args.resume), reporter)


def _reporter(
    args: argparse.Namespace, metrics: MetricsSource, start: datetime, now: Callable[[], datetime]
) -> Callable[[Result], None]:
    """Writes the report with both colours' minutes since `start`; called after every event and at the end."""
    from bluegreen.promotion import report

    def write(result: Result) -> None:
        minutes = {color: metrics.minutes(color, start - REPORT_LEAD, now()) for color in COLORS}
        args.report.write_text(report.render(result, minutes, f"bluegreen promote {args.color}"))

    return write


def _finish(args: argparse.Namespace, result: Result, reporter: Callable[[Result], None]) -> ExitStatus:
    reporter(result)
    last = result.events[-1].text if result.events else ""
    print(f"\n{result.outcome}: {last}\nReport: {args.report}")
    return ExitStatus.OK if result.outcome == "promoted" else ExitStatus.PROBLEM
