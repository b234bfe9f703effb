"""A simulated world for `promote`: a fake clock, fake commits and apply, a Route 53 that follows the applied
weights, and ALB minutes drawn at random from the traffic the weights give.

Used by the tests, by `benchmarks/promotion_sim.py` and by `bluegreen promote --simulate` (the README's
example output). Nothing here touches git, Pulumi or AWS.

The model, and what it assumes:
- Requests arrive as a Poisson process at `rps`; each one fails (5xx) independently with its colour's
  error rate, so a minute's errors are Poisson too (thinning), independent of its successes.
- An apply takes `apply_seconds`; ExternalDNS and Route 53 then take `route53_seconds` until INSYNC.
- Resolvers cache an answer for the 60 s TTL and their caches expire uniformly, so after a Route 53
  change the real share moves linearly from the old split to the new one over 60 s.
- A minute's datapoint exists once the minute has ended, and only if the colour had a request in it
  (an idle ALB publishes nothing). The judge's own finality lag (120 s) plays CloudWatch's delay.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bluegreen.promotion.judge import Minute
from bluegreen.promotion.policy import PromotionPolicy
from bluegreen.promotion.promote import Promotion
from bluegreen.settings import COLORS

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TTL_SECONDS = 60.0


class FakeClock:
    def __init__(self, start: datetime = START):
        self.current = start

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw: multiplication for small means, PTRS (Hörmann 1993) for the rest."""
    if mean <= 0:
        return 0
    if mean < 10:
        limit, product, count = math.exp(-mean), rng.random(), 0
        while product > limit:
            product *= rng.random()
            count += 1
        return count
    log_mean = math.log(mean)
    b = 0.931 + 2.53 * math.sqrt(mean)
    a = -0.059 + 0.02483 * b
    inverse_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = rng.random() - 0.5
        v = rng.random()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= v_r:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v * inverse_alpha / (a / (us * us) + b)) <= -mean + k * log_mean - math.lgamma(k + 1):
            return k


@dataclass
class Traffic:
    """What the clients send and how each colour answers. `error_rate[color](minute_start)` may change in time."""

    rps: float = 100.0
    error_rate: Mapping[str, Callable[[datetime], float]] = field(default_factory=dict)
    p90_seconds: Mapping[str, float] = field(default_factory=lambda: {c: 0.120 for c in COLORS})

    def rate(self, color: str, minute: datetime) -> float:
        return self.error_rate[color](minute) if color in self.error_rate else 0.005


def constant(rate: float) -> Callable[[datetime], float]:
    return lambda _minute: rate


@dataclass
class Commit:
    id: str
    color: str
    weight: int
    message: str
    time: datetime


class World:
    """Everything outside `promote`: stack files in git, the stacks as applied, Route 53 and the ALBs."""

    def __init__(
        self,
        weights: Mapping[str, int],
        traffic: Traffic,
        *,
        seed: int = 0,
        apply_seconds: float = 60.0,
        route53_seconds: float = 40.0,
        clock: FakeClock | None = None,
    ):
        self.clock = clock or FakeClock()
        self.traffic = traffic
        self.seed = seed
        self.apply_seconds, self.route53_seconds = apply_seconds, route53_seconds
        self.committed = dict(weights)
        self.applied_weights = dict(weights)
        self.applied_commits: dict[str, str] = {}
        self.commits: list[Commit] = []
        self.applies: list[tuple[datetime, str, str]] = []  # (finished, color, commit)
        # Route 53's weights from a moment on: (moment, weights), in time order.
        self.route53_history: list[tuple[datetime, dict[str, int]]] = [
            (self.clock.now() - timedelta(days=1), dict(weights))
        ]
        self._minutes: dict[tuple[str, datetime], Minute | None] = {}

    def promotion(self, new: str, policy: PromotionPolicy, **options: Any) -> Promotion:
        """A promotion of `new` in this world: every interface is the world itself."""
        return Promotion(
            new, policy=policy, clock=self.clock, ledger=self, deployer=self, route53=self, metrics=self, **options
        )

    # -- the ledger (git)

    def weights(self) -> dict[str, int]:
        return dict(self.committed)

    def commit(self, color: str, weight: int, message: str) -> str:
        # Shaped like a git commit id, different for every commit of a run.
        commit_id = hashlib.sha1(f"{len(self.commits)}:{color}:{weight}:{message}".encode()).hexdigest()
        self.commits.append(Commit(commit_id, color, weight, message, self.clock.now()))
        self.committed[color] = weight
        return commit_id

    def last_commit(self, color: str) -> str | None:
        return next((c.id for c in reversed(self.commits) if c.color == color), None)

    def unchanged_since(self, color: str, commit: str) -> bool:
        ids = [c.id for c in self.commits]
        return all(c.color != color for c in self.commits[ids.index(commit) + 1 :])

    def last_promotion_headline(self) -> str | None:
        return self.commits[-1].message.splitlines()[0] if self.commits else None

    # -- the apply (Pulumi)

    def applied(self, color: str) -> tuple[str | None, int | None]:
        return self.applied_commits.get(color), self.applied_weights[color]

    def deploy(self, color: str, commit: str, message: str, *, preview: bool) -> None:
        found = next(c for c in self.commits if c.id == commit)
        assert found.color == color, "an apply deploys the stack of the commit it was given"
        self.clock.sleep(self.apply_seconds)
        self.applied_weights[color] = found.weight
        self.applied_commits[color] = commit
        self.applies.append((self.clock.now(), color, commit))
        in_sync = self.clock.now() + timedelta(seconds=self.route53_seconds)
        self.route53_history.append((in_sync, dict(self.applied_weights)))

    # -- Route 53

    def route53_weights(self, moment: datetime) -> dict[str, int]:
        return next(weights for since, weights in reversed(self.route53_history) if since <= moment)

    def wait_until_matches(self, weights: Mapping[str, int], timeout_seconds: float) -> list[str]:
        deadline = self.clock.now() + timedelta(seconds=timeout_seconds)
        pause = 1.0
        while True:
            held = self.route53_weights(self.clock.now())
            differences = [f"{c}: weight {held[c]}, expected {weights[c]}" for c in weights if held[c] != weights[c]]
            if not differences or self.clock.now() >= deadline:
                return differences
            self.clock.sleep(pause)
            pause = min(pause * 2, 30.0)

    # -- the ALBs' minutes (CloudWatch)

    def share(self, color: str, minute: datetime) -> float:
        """The colour's mean share of requests over a minute, resolvers lagging Route 53 by up to the TTL."""
        end = minute + timedelta(minutes=1)
        changes = [(since, weights) for since, weights in self.route53_history if since < end]
        total = 0.0
        previous: float | None = None
        for since, weights in changes:
            share = _share(weights, color)
            if previous is None:
                total = share
            else:
                total += (share - previous) * _ramp_average(minute, since)
            previous = share
        return total

    def minute(self, color: str, start: datetime) -> Minute | None:
        key = (color, start)
        if key not in self._minutes:
            mean = self.traffic.rps * 60 * self.share(color, start)
            rate = self.traffic.rate(color, start)
            # A generator per colour and minute: the same seed gives the same minutes in whatever order
            # they are read (the judge, the report).
            rng = random.Random(f"{self.seed}:{color}:{start.isoformat()}")
            errors = poisson(rng, mean * rate)
            requests = errors + poisson(rng, mean * (1 - rate))
            p90 = self.traffic.p90_seconds[color] * (1 + 0.05 * rng.gauss(0, 1))
            self._minutes[key] = Minute(start, requests, errors, p90) if requests else None
        return self._minutes[key]

    def minutes(self, color: str, start: datetime, end: datetime) -> list[Minute]:
        found = []
        moment = _ceil_minute(start)
        while moment + timedelta(minutes=1) <= min(end, self.clock.now()):
            minute = self.minute(color, moment)
            if minute is not None:
                found.append(minute)
            moment += timedelta(minutes=1)
        return found


def scenario_world(
    new: str,
    *,
    multiplier: float = 1.0,
    bad_from_weight: int = 1,
    old_weight: int = 255,
    rps: float = 100.0,
    old_error_rate: float = 0.005,
    seed: int = 0,
) -> World:
    """The new colour at 0 and the old at `old_weight`; the new colour's 5xx rate is `multiplier` times the
    old colour's from the first minute Route 53 gives it `bad_from_weight` or more."""
    old = next(c for c in COLORS if c != new)
    world: World

    def new_rate(minute: datetime) -> float:
        bad = world.route53_weights(minute)[new] >= bad_from_weight
        return old_error_rate * (multiplier if bad else 1.0)

    rates: dict[str, Callable[[datetime], float]] = {old: constant(old_error_rate), new: new_rate}
    world = World({old: old_weight, new: 0}, Traffic(rps=rps, error_rate=rates), seed=seed)
    return world


def _share(weights: Mapping[str, int], color: str) -> float:
    total = sum(weights.values())
    return weights[color] / total if total else 1 / len(weights)


def _ramp_average(minute: datetime, change: datetime) -> float:
    """Mean over [minute, minute + 60 s) of the fraction of resolvers that have seen a change made at `change`."""

    def integral(x: float) -> float:  # of clamp(u, 0, 1) from 0 to x, with x in TTLs
        return 0.0 if x <= 0 else x * x / 2 if x <= 1 else x - 0.5

    x0 = (minute - change).total_seconds() / TTL_SECONDS
    return (integral(x0 + 60 / TTL_SECONDS) - integral(x0)) * TTL_SECONDS / 60


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)
