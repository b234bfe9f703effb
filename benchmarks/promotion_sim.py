"""Many simulated promotions (bluegreen/promotion/simulation.py) under the default policy: how often a healthy
colour is rolled back, how often and how fast a bad one is.

    .venv/bin/python benchmarks/promotion_sim.py [--promotions 2000] [--workers 2]

100 requests/s in total, the old colour's 5xx rate 0.5 %, Poisson arrivals and independent errors;
an apply takes 60 s, Route 53 is INSYNC 40 s after it, resolvers follow within the 60 s TTL, and the
judge treats a minute as final 120 s after it ended (the CloudWatch delay). Prints a markdown table;
asserts nothing. "Rolled back in time" means before the new colour passed the 50-vs-255 step. The time
to rollback runs from the start of the first minute in which the bad colour got traffic to the end of
the rollback's last apply. Each promotion has its own seed, so a run is reproducible.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bluegreen.promotion.policy import POLICY_FILE, load_policy  # noqa: E402
from bluegreen.promotion.simulation import scenario_world  # noqa: E402

RPS = 100.0
OLD_ERROR_RATE = 0.005
NEW = "green"
IN_TIME_WEIGHTS = (1, 10, 50)  # a rollback while the new colour is at one of these came before 50-vs-255 passed


@dataclass(frozen=True)
class Scenario:
    label: str
    multiplier: float  # the new colour's 5xx rate as a multiple of the old colour's
    bad_from_weight: int = 1  # the new colour is bad once Route 53 gives it at least this weight


@dataclass(frozen=True)
class Outcome:
    outcome: str
    rollback_weight: int | None  # the new colour's weight when the rollback started
    minutes_to_rollback: float | None
    minutes: float  # the whole promotion, first commit to last apply or verdict


def run_one(scenario: Scenario, seed: int, policy_path: Path) -> Outcome:
    world = scenario_world(
        NEW,
        multiplier=scenario.multiplier,
        bad_from_weight=scenario.bad_from_weight,
        rps=RPS,
        old_error_rate=OLD_ERROR_RATE,
        seed=seed,
    )
    started = world.clock.now()
    promotion = world.promotion(NEW, load_policy(policy_path), say=lambda _line: None)
    result = promotion.run()
    rollbacks = [e for e in result.events if e.kind == "rollback"]
    rollback_weight = minutes_to_rollback = None
    if rollbacks:
        rollback_weight = next(e.weights[NEW] for e in reversed(result.events) if e.kind == "step")
        first_bad = next(
            (since for since, weights in world.route53_history if weights[NEW] >= scenario.bad_from_weight), None
        )
        if first_bad is not None and scenario.multiplier > 1:  # else a false rollback, before it turned bad
            minutes_to_rollback = (world.applies[-1][0] - first_bad.replace(second=0)).total_seconds() / 60
    assert result.finished is not None
    return Outcome(
        result.outcome, rollback_weight, minutes_to_rollback, (result.finished - started).total_seconds() / 60
    )


def _run_batch(arguments: tuple[Scenario, range, Path]) -> list[Outcome]:
    scenario, seeds, policy_path = arguments
    return [run_one(scenario, seed, policy_path) for seed in seeds]


def run(scenario: Scenario, promotions: int, workers: int, policy_path: Path) -> list[Outcome]:
    chunks = [range(start, min(start + 100, promotions)) for start in range(0, promotions, 100)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        batches = pool.map(_run_batch, [(scenario, chunk, policy_path) for chunk in chunks])
        return [outcome for batch in batches for outcome in batch]


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    centre = (successes + z * z / 2) / (trials + z * z)
    half = z * math.sqrt(successes * (trials - successes) / trials + z * z / 4) / (trials + z * z)
    return max(0.0, centre - half), min(1.0, centre + half)


def percent(successes: int, trials: int) -> str:
    low, high = wilson(successes, trials)
    return f"{100 * successes / trials:.2f} % ({100 * low:.2f}-{100 * high:.2f})"


def quantiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return f"{statistics.median(ordered):.1f} / {p95:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description="Simulate many promotions and print the table for the README.")
    parser.add_argument("--promotions", type=int, default=2000, help="promotions per scenario (default 2000)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument(
        "--policy",
        type=Path,
        default=Path(__file__).resolve().parent.parent / POLICY_FILE,
        help=f"promotion policy file (default: the project's {POLICY_FILE}, or the defaults without one)",
    )
    args = parser.parse_args()
    began = time.perf_counter()
    scenarios = [
        Scenario("equal health", 1.0),
        Scenario("new colour 10x errors", 10.0),
        Scenario("new colour 2x errors", 2.0),
        Scenario("10x errors from the 50 step on", 10.0, bad_from_weight=50),
    ]
    print(f"Policy: {load_policy(args.policy).source}")
    print(f"{args.promotions} promotions per scenario, {RPS:.0f} requests/s, old colour 5xx {OLD_ERROR_RATE:.1%}")
    print("(95 % Wilson intervals in brackets; times in minutes, median / 95th percentile)\n")
    print(
        "| scenario | rolled back | held | rolled back before passing 50:255 "
        "| first bad minute to rollback applied | whole promotion |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for scenario in scenarios:
        outcomes = run(scenario, args.promotions, args.workers, args.policy)
        total = len(outcomes)
        rolled = [o for o in outcomes if o.outcome == "rolled back"]
        held = sum(o.outcome == "held" for o in outcomes)
        in_time = sum(o.rollback_weight in IN_TIME_WEIGHTS for o in rolled)
        times = [o.minutes_to_rollback for o in rolled if o.minutes_to_rollback is not None]
        print(
            f"| {scenario.label} | {percent(len(rolled), total)} | {percent(held, total)} | "
            f"{percent(in_time, total)} | {quantiles(times)} | {quantiles([o.minutes for o in outcomes])} |"
        )
    print(f"\n{time.perf_counter() - began:.0f} s on {args.workers} worker(s)")


if __name__ == "__main__":
    main()
