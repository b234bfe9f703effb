"""The promotion state machine: walk the schedule one weight at a time, judge every minute, roll back alone.

Each step changes one colour's weight, as one commit of that colour's stack file, applied at once:

    old colour up to the schedule's top weight (if lower)  -> new colour 1, 10, 50, 255 -> old colour 0

After each step it waits until Route 53 holds the new weights (the `verify --wait` comparison), then
judges every interval the minutes since the minute the apply finished (bluegreen/promotion/judge.py). A
step passes on a passing verdict once resolvers have caught up (the 60 s alias TTL plus a margin) and
the step's bake time is over.

False rollbacks are controlled over the whole promotion as a sequential test: every verdict tests the
step's whole window so far (a growing, overlapping sample) at a small per-look significance, the
policy's errorAlpha, a constant boundary in the manner of Pocock's repeated significance tests, with its
level calibrated by simulation for about 80 looks per promotion (benchmarks/promotion_sim.py: 0.4% of
healthy promotions rolled back at 100 requests/s). The new colour is rolled back after
`consecutive_failures` failing verdicts in a row (1 by default; gross breakage always at once). The
alternative, two verdicts in a row at a laxer alpha, gave the same false-rollback rate and rolled back
a minute later. A rollback is two commits of one weight each at most (the old colour raised back first
if it was lowered, then the new colour to 0), applied immediately, each message carrying the verdict
and its numbers. A step whose verdicts stay "not enough data" past the limit holds: nothing more is
changed, and the result says so.

No I/O of its own: the clock, the stack-file commits, the apply, Route 53 and the metrics come in as
the interfaces below, real ones from the command and fakes from bluegreen/promotion/simulation.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bluegreen.promotion.judge import Verdict, judge
from bluegreen.promotion.metrics import MetricsSource
from bluegreen.promotion.policy import PromotionPolicy, Role, Schedule, Step
from bluegreen.settings import COLORS
from bluegreen.weights import StackTraffic, change_problems, shares

Outcome = Literal["promoted", "rolled back", "held"]
MINUTE = timedelta(minutes=1)


def other_color(color: str) -> str:
    return next(c for c in COLORS if c != color)


# --- the interfaces the world is reached through ------------------------------------------------


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class Ledger(Protocol):
    """Where weights are written: one commit of one stack file per change (git, or a fake)."""

    def weights(self) -> dict[str, int]: ...

    def commit(self, color: str, weight: int, message: str) -> str: ...

    def last_commit(self, color: str) -> str | None:
        """The last commit that changed the colour's stack file."""
        ...

    def unchanged_since(self, color: str, commit: str) -> bool:
        """Whether the colour's stack file is the same at `commit` as now."""
        ...

    def last_promotion_headline(self) -> str | None:
        """The first line of the last commit `promote` made ("promote green 3/6: ..." or "rollback ...")."""
        ...


class Deployer(Protocol):
    """Applies a colour's stack as committed (bluegreen/promotion/apply.py), then publishes the commit."""

    def deploy(self, color: str, commit: str, message: str, *, preview: bool) -> None: ...

    def applied(self, color: str) -> tuple[str | None, int | None]:
        """The commit and the weight the colour's stack was last applied with (its outputs)."""
        ...


class Route53(Protocol):
    def wait_until_matches(self, weights: Mapping[str, int], timeout_seconds: float) -> list[str]:
        """Differences left between Route 53 and `weights` when they matched (empty) or time ran out."""
        ...


# --- the schedule --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One weight change of one colour; `step` is the policy step it takes (None for a rollback)."""

    color: str
    before: int
    after: int
    step: Step | None = None


class NotOnSchedule(Exception):
    """The current weights are not a point of the schedule, so there is no next step to take."""


def _after_each_step(steps: Sequence[Step], start_old: int) -> list[dict[Role, int]]:
    """The (old, new) weights after each step, starting from the old colour at `start_old` and the new at 0."""
    weights: dict[Role, int] = {"old": start_old, "new": 0}
    after = []
    for step in steps:
        weights = {**weights, step.role: step.weight}
        after.append(dict(weights))
    return after


def position(weights: Mapping[str, int], new: str, schedule: Schedule) -> int:
    """The index of the last step whose weights are exactly the current ones; -1 with the new colour at 0."""
    old = other_color(new)
    current: dict[Role, int] = {"old": weights[old], "new": weights[new]}
    if current["new"] == 0:
        return -1
    after = _after_each_step(schedule.steps, current["old"])
    matches = [i for i, pair in enumerate(after) if pair == current]
    if not matches:
        walked = " -> ".join(f"{pair['old']}:{pair['new']}" for pair in after)
        raise NotOnSchedule(
            f"weights {old} {current['old']}, {new} {current['new']} are not a point of the schedule "
            f"(old:new after each step: {walked})"
        )
    return matches[-1]


def forward_moves(weights: Mapping[str, int], new: str, schedule: Schedule) -> list[Move]:
    """The steps still to take from `weights`, skipping those that would change nothing.

    From the new colour at 0 that is the whole schedule. Otherwise (`--resume`) it is what follows the
    last step whose weights are exactly the current ones; there must be one.
    """
    old = other_color(new)
    current: dict[Role, int] = {"old": weights[old], "new": weights[new]}
    moves = []
    for step in schedule.steps[position(weights, new, schedule) + 1 :]:
        if current[step.role] != step.weight:
            moves.append(Move(old if step.role == "old" else new, current[step.role], step.weight, step))
            current[step.role] = step.weight
    return moves


def rollback_moves(weights: Mapping[str, int], new: str, schedule: Schedule) -> list[Move]:
    """Back to the old colour: raise it first if it was lowered, then the new colour to 0.

    "Lowered" means below the highest weight the schedule gives it (255 by default); a schedule that
    never sets the old colour's weight above 0 keeps whatever it has.
    """
    old = other_color(new)
    top = max([s.weight for s in schedule.steps if s.role == "old"] + [1])
    moves = []
    if weights[old] < top:
        moves.append(Move(old, weights[old], top))
    if weights[new] > 0:
        moves.append(Move(new, weights[new], 0))
    return moves


def check_move(weights: Mapping[str, int], move: Move) -> None:
    """The repository's own rule for one change (bluegreen/weights.py), applied to every step and rollback."""
    before = {c: StackTraffic(c, c, "", w) for c, w in weights.items()}
    after = {**before, move.color: StackTraffic(move.color, move.color, "", move.after)}
    problems = change_problems(before, after)
    if problems:
        raise AssertionError(f"step {move} breaks the weight rules: {'; '.join(problems)}")


# --- what happened -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One line of the promotion's story, in time order; the report draws them."""

    time: datetime
    kind: Literal["step", "rollback", "verdict", "hold", "done"]
    weights: Mapping[str, int]
    text: str
    verdict: Verdict | None = None
    commit: str | None = None


@dataclass
class Result:
    outcome: Outcome
    new: str
    start_weights: Mapping[str, int]
    events: list[Event] = field(default_factory=list)
    first_traffic: datetime | None = None  # when Route 53 first gave the new colour a weight above 0
    finished: datetime | None = None

    @property
    def verdicts(self) -> list[Verdict]:
        return [e.verdict for e in self.events if e.verdict is not None]


def commit_message(move: Move, weights_after: Mapping[str, int], headline: str, body: Sequence[str] = ()) -> str:
    shares_after = dict(zip(weights_after, shares(list(weights_after.values())), strict=True))
    split = ", ".join(f"{c} {w} ({shares_after[c]:.1f}%)" for c, w in weights_after.items())
    lines = [f"{headline}: {move.color} trafficWeight {move.before} -> {move.after}", "", f"Weights after: {split}."]
    if body:
        lines += ["", *body]
    return "\n".join(lines)


def verdict_lines(verdict: Verdict) -> list[str]:
    return [f"Verdict: {verdict.outcome}{' (gross breakage)' if verdict.gross else ''}", *verdict.reasons]


# --- the machine ---------------------------------------------------------------------------------


class Promotion:
    """One promotion of `new`, run to its end (promoted, rolled back or held) by `run()`."""

    def __init__(
        self,
        new: str,
        *,
        policy: PromotionPolicy,
        clock: Clock,
        ledger: Ledger,
        deployer: Deployer,
        route53: Route53,
        metrics: MetricsSource,
        say: Callable[[str], None] = print,
        on_event: Callable[[Result], None] = lambda _result: None,
    ):
        self.new, self.old = new, other_color(new)
        self.policy = policy
        self.clock, self.ledger, self.deployer, self.route53, self.metrics = clock, ledger, deployer, route53, metrics
        self.say = say
        self.on_event = on_event  # e.g. rewrite the report, so that it can be opened during a promotion
        self.result = Result("held", new, ledger.weights())
        self.baseline: tuple[datetime, datetime] | None = None  # last window in which the old colour had traffic
        self.applied_at = clock.now()  # when the last apply finished

    def run(self, *, resume: bool = False) -> Result:
        """Walk the schedule. With `resume`, first finish what a stopped run left: apply the commits the
        stacks' outputs do not show yet, wait for Route 53, then finish a rollback or re-bake the current step."""
        schedule = self.policy.schedule
        if resume:
            self._catch_up()
            headline = self.ledger.last_promotion_headline() or ""
            if headline.startswith(f"rollback {self.new} "):
                self._rollback(None)
                return self._finish("rolled back")
            index = position(self.ledger.weights(), self.new, schedule)
            if index >= 0 and self.ledger.weights()[self.new] > 0:
                self._event("step", f"resumed at step {index + 1} of {len(schedule.steps)}: baking it again")
                if not self._judge_step(schedule.steps[index]):
                    return self.result
        moves = forward_moves(self.ledger.weights(), self.new, schedule)
        for number, move in enumerate(moves, 1):
            assert move.step is not None
            self._change(move, "step", f"promote {self.new} {number}/{len(moves)}", preview=True)
            if self.ledger.weights()[self.new] > 0 and not self._judge_step(move.step):
                return self.result
        self._event("done", f"{self.new} carries all the traffic")
        return self._finish("promoted")

    def _judge_step(self, step: Step) -> bool:
        """Bake the step just taken; False when the promotion ended there (rolled back or held)."""
        verdict = self._bake(self.ledger.weights(), step)
        if verdict is None:
            self._finish("held")
            return False
        if verdict.outcome == "fail":
            self._rollback(verdict)
            self._finish("rolled back")
            return False
        return True

    def _catch_up(self) -> None:
        """Apply every colour whose stack does not show its last commit (a crash between commit and apply)."""
        weights = self.ledger.weights()
        behind = []
        for color in (self.old, self.new):
            commit = self.ledger.last_commit(color)
            if not stack_is_applied(self.ledger, self.deployer, color, weights[color]):
                behind.append((weights[color] - (self.deployer.applied(color)[1] or 0), color, commit))
        for _, color, commit in sorted(behind, reverse=True):  # a raise before a lowering
            assert commit is not None, f"{color} has no commit of its stack file"
            self.say(f"{self._stamp()} resume: applying {color} at {commit[:12]}, which its stack does not show yet")
            self.deployer.deploy(color, commit, f"resume: apply {commit}", preview=True)
            self.applied_at = self.clock.now()
        left = self.route53.wait_until_matches(weights, self.policy.schedule.route53_wait_seconds)
        if left:
            raise Route53Mismatch(left)

    # -- steps

    def _change(self, move: Move, kind: Literal["step", "rollback"], headline: str, *, preview: bool, body=()) -> None:
        weights = self.ledger.weights()
        check_move(weights, move)
        after = {**weights, move.color: move.after}
        message = commit_message(move, after, headline, body)
        commit = self.ledger.commit(move.color, move.after, message)
        self.say(f"{self._stamp()} {headline}: {move.color} {move.before} -> {move.after} (commit {commit[:12]})")
        self.deployer.deploy(move.color, commit, message, preview=preview)
        self.applied_at = self.clock.now()
        self._event(kind, f"{headline}: {move.color} {move.before} -> {move.after}", commit=commit)
        left = self.route53.wait_until_matches(after, self.policy.schedule.route53_wait_seconds)
        if left:
            # Applied and committed, but Route 53 did not follow: a person must look (ExternalDNS, the zone).
            raise Route53Mismatch(left)
        if after[self.new] > 0 and self.result.first_traffic is None:
            self.result.first_traffic = self.clock.now()

    def _rollback(self, verdict: Verdict | None) -> None:
        """Two commits at most, applied at once; `verdict` None when resuming a rollback a crash interrupted."""
        moves = rollback_moves(self.ledger.weights(), self.new, self.policy.schedule)
        body = verdict_lines(verdict) if verdict else ["Finishing the rollback a stopped run began (--resume)."]
        for number, move in enumerate(moves, 1):
            headline = f"rollback {self.new} {number}/{len(moves)}"
            self._change(move, "rollback", headline, preview=False, body=body)

    # -- judging

    def _bake(self, weights: Mapping[str, int], step: Step) -> Verdict | None:
        """The verdict that ends this step's bake (pass or fail), or None when the step holds for lack of data.

        The watch for failure starts with the first whole minute after Route 53 matched: an error the new
        colour served is evidence whatever the share was. A pass waits for the resolvers (TTL plus margin)
        and then the minimum bake time, so that it rests on traffic at the settled share.
        """
        schedule = self.policy.schedule
        thresholds = self.policy.thresholds_for(step)
        matched = self.clock.now()
        # From the minute the apply finished: Route 53 changed in it or after, and the new colour's first
        # errors count as evidence whatever its share was then.
        start = self.applied_at.replace(second=0, microsecond=0)
        pass_from = schedule.resolver_wait_seconds + self.policy.bake_seconds(step)
        expected_share = weights[self.new] / sum(weights.values())
        failures = 0
        while True:
            self.clock.sleep(_until_next_judging(self.clock.now(), schedule.judging_interval_seconds))
            now = self.clock.now()
            new_minutes = self.metrics.minutes(self.new, start, now)
            old_minutes = self.metrics.minutes(self.old, *self._baseline(weights, start, now))
            verdict = judge(old_minutes, new_minutes, expected_new_share=expected_share, now=now, thresholds=thresholds)
            waited = (now - matched).total_seconds()
            failures = failures + 1 if verdict.outcome == "fail" else 0
            if verdict.outcome == "fail" and (verdict.gross or failures >= schedule.consecutive_failures):
                in_a_row = f" ({failures} in a row)" if failures > 1 else ""
                self._verdict(verdict, weights, f"failed{in_a_row}")
                return verdict
            if verdict.outcome == "pass" and waited >= pass_from:
                self._verdict(verdict, weights, f"passed after {waited / 60:.0f} min")
                if weights[self.old] > 0:
                    self.baseline = (start, now)
                return verdict
            if verdict.outcome == "insufficient" and waited >= schedule.insufficient_data_limit_seconds:
                self._verdict(verdict, weights, "not enough data")
                self._event(
                    "hold",
                    f"holding at {self.old} {weights[self.old]}, {self.new} {weights[self.new]}: not enough data "
                    f"after {waited / 60:.0f} min; nothing more is changed",
                )
                return None
            self._verdict(verdict, weights, verdict.outcome)

    def _baseline(self, weights: Mapping[str, int], start: datetime, now: datetime) -> tuple[datetime, datetime]:
        """The old colour's window: this bake's while it has traffic, else the last bake in which it had."""
        if weights[self.old] > 0 or self.baseline is None:
            return start, now
        return self.baseline

    # -- the story

    def _verdict(self, verdict: Verdict, weights: Mapping[str, int], text: str) -> None:
        self._event("verdict", text, verdict=verdict)
        first_reason = verdict.reasons[0] if verdict.reasons else ""
        self.say(f"{self._stamp()} {self.new} at {weights[self.new]}: {text}; {first_reason}")

    def _event(self, kind, text: str, *, verdict: Verdict | None = None, commit: str | None = None) -> None:
        self.result.events.append(Event(self.clock.now(), kind, self.ledger.weights(), text, verdict, commit))
        self.on_event(self.result)

    def _finish(self, outcome: Outcome) -> Result:
        self.result.outcome = outcome
        self.result.finished = self.clock.now()
        return self.result

    def _stamp(self) -> str:
        return self.clock.now().strftime("%H:%M:%S")


def stack_is_applied(ledger: Ledger, deployer: Deployer, color: str, weight: int) -> bool:
    """Whether the colour's stack was applied with its stack file as committed (weight, and file if recorded)."""
    applied_commit, applied_weight = deployer.applied(color)
    if applied_weight != weight:
        return False
    return applied_commit is None or ledger.unchanged_since(color, applied_commit)


class Route53Mismatch(Exception):
    """Route 53 did not come to hold the committed weights in time."""

    def __init__(self, differences: Sequence[str]):
        super().__init__("Route 53 does not match the stack files: " + "; ".join(differences))
        self.differences = list(differences)


# Judge a few seconds after a minute boundary: that is when another minute has just become final.
JUDGING_OFFSET_SECONDS = 5


def _until_next_judging(now: datetime, interval_seconds: float) -> float:
    """Seconds from `now` to the next judging time: `JUDGING_OFFSET_SECONDS` past a multiple of the interval."""
    since_hour = (now - now.replace(minute=0, second=0, microsecond=0)).total_seconds()
    wait = (JUDGING_OFFSET_SECONDS - since_hour) % interval_seconds
    return wait or interval_seconds
