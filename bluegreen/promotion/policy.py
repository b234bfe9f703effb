"""The promotion policy file, `promotion.yaml` at the project root: the judge's thresholds and the schedule.

Optional: without the file every default below applies. Like the stack settings, the file is validated
once, here, and every problem is reported at once with the key, the value and what is allowed. The
thresholds live here and not in the stack files because they describe how a promotion is judged, not
what a colour deploys; both colours are judged by the same rules.

`POLICY_FIELDS` is the schema of the scalar keys: each with its default (taken from the dataclasses, so
there is one place for each number) and the reason for it. The README's promotion policy reference is
kept in step with it by a test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from bluegreen.exits import BluegreenError
from bluegreen.promotion.judge import Thresholds
from bluegreen.settings import MAX_WEIGHT, parse_weight, shown_value

POLICY_FILE = "promotion.yaml"
DNS_TTL_SECONDS = 60  # Route 53 answers alias records to an ELB with the ELB's own TTL, 60 s
CLOUDWATCH_PERIOD_SECONDS = 60  # ALB metrics come in 60-second periods; there is nothing finer

Role = Literal["old", "new"]
ROLES: tuple[Role, ...] = ("old", "new")


@dataclass(frozen=True)
class Step:
    """Set one colour's weight. The colour is named by its role: `old` carries the traffic today."""

    role: Role
    weight: int
    bake_seconds: int | None = None  # None: the schedule's min_bake_seconds
    min_requests: int | None = None  # None: the judge's min_requests

    def describe(self) -> str:
        return f"{self.role} colour to {self.weight}"


DEFAULT_STEPS: tuple[Step, ...] = (
    Step("old", MAX_WEIGHT),
    Step("new", 1),
    Step("new", 10),
    Step("new", 50, bake_seconds=900, min_requests=1000),
    Step("new", MAX_WEIGHT, bake_seconds=900, min_requests=1000),
    Step("old", 0, bake_seconds=900),
)


@dataclass(frozen=True)
class Schedule:
    steps: tuple[Step, ...] = DEFAULT_STEPS
    route53_wait_seconds: int = 600
    resolver_wait_seconds: int = 120
    min_bake_seconds: int = 600
    judging_interval_seconds: int = 60
    insufficient_data_limit_seconds: int = 3600
    consecutive_failures: int = 1


@dataclass(frozen=True)
class PromotionPolicy:
    thresholds: Thresholds = field(default_factory=Thresholds)
    schedule: Schedule = field(default_factory=Schedule)
    source: str = f"defaults (no {POLICY_FILE})"

    def bake_seconds(self, step: Step) -> int:
        return self.schedule.min_bake_seconds if step.bake_seconds is None else step.bake_seconds

    def thresholds_for(self, step: Step) -> Thresholds:
        """The judge's thresholds for the verdicts of one step (a step may ask for more requests)."""
        if step.min_requests is None:
            return self.thresholds
        return replace(self.thresholds, min_requests=step.min_requests)


@dataclass(frozen=True)
class PolicyField:
    """One scalar key of the policy file."""

    section: Literal["judge", "schedule"]
    key: str  # as promotion.yaml spells it
    attribute: str  # of Thresholds or Schedule
    kind: type  # int or float
    valid: Callable[[float], bool]
    allowed: str  # what `valid` accepts, in words
    reason: str  # why the default is what it is

    @property
    def path(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def default(self) -> int | float:
        owner = Thresholds if self.section == "judge" else Schedule
        return next(f.default for f in fields(owner) if f.name == self.attribute)  # type: ignore[return-value]


def _fraction(value: float) -> bool:
    return 0 < value < 1


POLICY_FIELDS: tuple[PolicyField, ...] = (
    PolicyField(
        "judge",
        "finalitySeconds",
        "finality_seconds",
        int,
        lambda v: 60 <= v <= 900,
        "a whole number of seconds from 60 to 900",
        "CloudWatch keeps adding samples to a recent minute; a minute counts once it ended this long ago, so "
        "the newest two minutes are ignored (Netflix Atlas reads ALB metrics 2 minutes back)",
    ),
    PolicyField(
        "judge",
        "minRequests",
        "min_requests",
        int,
        lambda v: v >= 1,
        "a whole number, 1 or more",
        "new-colour requests a pass needs: with no 5xx in 300 requests the error rate is below 1% with 95% "
        "confidence (rule of three); a step may ask for more",
    ),
    PolicyField(
        "judge",
        "grossMinRequests",
        "gross_min_requests",
        int,
        lambda v: v >= 1,
        "a whole number, 1 or more",
        "with 20 requests, half of them 5xx cannot be bad luck at any sane baseline, so the step fails at once",
    ),
    PolicyField(
        "judge",
        "grossErrorFraction",
        "gross_error_fraction",
        float,
        lambda v: 0 < v <= 1,
        "a fraction above 0, at most 1",
        "half the requests failing is a dead build, not a regression to measure",
    ),
    PolicyField(
        "judge",
        "errorAlpha",
        "error_alpha",
        float,
        _fraction,
        "a fraction between 0 and 1",
        "one-sided significance of the exact binomial test, per verdict; a promotion judges its growing window "
        "every minute, about 80 times, so this per-look level is what keeps false rollbacks of a whole "
        "promotion below 1% (0.4% simulated; 0.01 with 2 verdicts in a row gives 3%; benchmarks/promotion_sim.py)",
    ),
    PolicyField(
        "judge",
        "errorRateFloor",
        "error_rate_floor",
        float,
        _fraction,
        "a fraction between 0 and 1",
        "the baseline when the old colour's rate is lower (or 0): one 5xx against a spotless old colour is "
        "not evidence",
    ),
    PolicyField(
        "judge",
        "errorRatio",
        "error_ratio",
        float,
        lambda v: v >= 1,
        "a number, 1 or more",
        "a failure must at least double the baseline: the old colour is long-running production, not a "
        "fresh twin, so small differences are expected",
    ),
    PolicyField(
        "judge",
        "errorAbsolute",
        "error_absolute",
        float,
        _fraction,
        "a fraction between 0 and 1 (0.005 is 0.5 percentage points)",
        "and be more than 0.5 percentage points above it: with enough requests a harmless difference is significant",
    ),
    PolicyField(
        "judge",
        "shareAlpha",
        "share_alpha",
        float,
        _fraction,
        "a fraction between 0 and 1",
        "significance of the new colour getting fewer requests than its weight share (exact binomial)",
    ),
    PolicyField(
        "judge",
        "shareRatio",
        "share_ratio",
        float,
        lambda v: 0 < v <= 1,
        "a fraction above 0, at most 1",
        "hold when the new colour gets less than 0.3x its share: traffic is not following the weights "
        "(health evaluation, resolvers), so its numbers say little",
    ),
    PolicyField(
        "judge",
        "latencyMinRequests",
        "latency_min_requests",
        int,
        lambda v: v >= 1,
        "a whole number, 1 or more",
        "a minute's p90 counts only with 100 requests or more; a p90 of a handful is noise",
    ),
    PolicyField(
        "judge",
        "latencyRatio",
        "latency_ratio",
        float,
        lambda v: v >= 1,
        "a number, 1 or more",
        "the new colour's p90 may be 25% above the old colour's (different clusters, cold caches)",
    ),
    PolicyField(
        "judge",
        "latencyAbsoluteSeconds",
        "latency_absolute_seconds",
        float,
        lambda v: v >= 0,
        "a number of seconds, 0 or more",
        "or up to 50 ms above it: a ratio alone would fail 10 ms against 5 ms",
    ),
    PolicyField(
        "schedule",
        "route53WaitSeconds",
        "route53_wait_seconds",
        int,
        lambda v: v >= 60,
        "a whole number of seconds, 60 or more",
        "how long to wait for Route 53 to hold the new weight (`verify --wait`): ExternalDNS reacts to the "
        "Ingress change on events and syncs fully every 5 minutes; Route 53 propagates in about 60 s",
    ),
    PolicyField(
        "schedule",
        "resolverWaitSeconds",
        "resolver_wait_seconds",
        int,
        lambda v: v >= DNS_TTL_SECONDS + 30,
        f"a whole number of seconds, {DNS_TTL_SECONDS + 30} or more (the {DNS_TTL_SECONDS} s TTL plus a margin)",
        "after Route 53 holds the weight, resolvers keep the old answer for the ALB alias's 60 s TTL; the "
        "extra minute also skips the new colour's warm-up",
    ),
    PolicyField(
        "schedule",
        "minBakeSeconds",
        "min_bake_seconds",
        int,
        lambda v: v >= CLOUDWATCH_PERIOD_SECONDS,
        "a whole number of seconds, 60 or more",
        "each step runs at least 10 minutes: several one-minute verdicts on a growing window before it "
        "passes; a step may ask for longer",
    ),
    PolicyField(
        "schedule",
        "judgingIntervalSeconds",
        "judging_interval_seconds",
        int,
        lambda v: v >= CLOUDWATCH_PERIOD_SECONDS,
        "a whole number of seconds, 60 or more",
        "ALB metrics come per minute: judging more often sees no new minute",
    ),
    PolicyField(
        "schedule",
        "insufficientDataLimitSeconds",
        "insufficient_data_limit_seconds",
        int,
        lambda v: v >= CLOUDWATCH_PERIOD_SECONDS,
        "a whole number of seconds, at least minBakeSeconds and every step's bakeSeconds",
        "after an hour without enough data the promotion holds at the current weight and says so: a quiet "
        "service never promotes on no evidence",
    ),
    PolicyField(
        "schedule",
        "consecutiveFailures",
        "consecutive_failures",
        int,
        lambda v: v >= 1,
        "a whole number, 1 or more",
        "failed verdicts in a row that roll back (gross breakage always at once). 1: each verdict tests the "
        "whole window since the step began, so one unlucky minute cannot fail it at errorAlpha; a second "
        "verdict would add a minute of bad traffic to every rollback and, at errorAlpha 0.001, gives the same "
        "false-rollback rate (benchmarks/promotion_sim.py)",
    ),
)
STEP_KEYS = ("old", "new", "bakeSeconds", "minRequests")
STEPS_REASON = (
    "raise the old colour to 255 first if it is lower (the new colour is at 0, so no share changes), then the "
    "new colour 1, 10, 50, 255 (0.4%, 3.8%, 16.4%, 50%: a dead build is caught at 0.4%, the larger steps give "
    "the error test its power), then the old colour to 0; the 50 and 255 steps need 1,000 requests, and "
    "they and the last one bake 15 minutes, because more traffic is at stake"
)


@dataclass
class PolicyError(BluegreenError):
    """Every problem found in the promotion policy file (exit status USAGE, like an invalid stack file)."""

    problems: list[str]
    source: str = POLICY_FILE

    def __str__(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s); nothing was judged or changed."]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def load_policy(path: Path) -> PromotionPolicy:
    """The policy in `path` (usually <project>/promotion.yaml); the defaults when the file does not exist."""
    if not path.exists():
        return PromotionPolicy()
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        document = YAML(typ="safe", pure=True).load(path.read_text())
    except YAMLError as err:
        raise PolicyError([f"the file is not valid YAML: {err}"], path.name) from err
    return parse_policy(document or {}, source=path.name)


def parse_policy(raw: Any, source: str = POLICY_FILE) -> PromotionPolicy:
    """Validate a policy document (the YAML as loaded); raises PolicyError listing every problem."""
    problems: list[str] = []

    def problem(key: str, value: Any, allowed: str) -> None:
        problems.append(f"{key} = {shown_value(value)}: {allowed}")

    if not isinstance(raw, Mapping):
        raise PolicyError([f"the file must be a map with the sections judge and schedule, not {shown_value(raw)}"])
    sections: dict[str, dict[str, Any]] = {}
    for name in raw:
        if name not in ("judge", "schedule"):
            problems.append(f"{name} is not a section of the policy (known: judge, schedule)")
    for name in ("judge", "schedule"):
        section = raw.get(name)
        if section is None:
            section = {}
        if not isinstance(section, Mapping):
            problem(name, section, "must be a map of keys to values")
            section = {}
        sections[name] = dict(section)

    known = {f.path for f in POLICY_FIELDS} | {"schedule.steps"}
    for name, section in sections.items():
        for key in section:
            if f"{name}.{key}" not in known:
                names = [f.key for f in POLICY_FIELDS if f.section == name] + (["steps"] if name == "schedule" else [])
                problems.append(f"{name}.{key} is not a policy key (known: {', '.join(names)})")

    values: dict[str, dict[str, Any]] = {"judge": {}, "schedule": {}}
    for spec in POLICY_FIELDS:
        if spec.key not in sections[spec.section]:
            continue
        value = sections[spec.section][spec.key]
        if not _is_number(value, spec.kind) or not spec.valid(value):
            problem(spec.path, value, f"must be {spec.allowed}")
            continue
        values[spec.section][spec.attribute] = spec.kind(value)

    if "steps" in sections["schedule"]:
        steps = _steps(sections["schedule"]["steps"], problem)
        if steps is not None:
            values["schedule"]["steps"] = steps

    thresholds = Thresholds(**values["judge"])
    schedule = Schedule(**values["schedule"])
    longest_bake = max(
        [schedule.min_bake_seconds] + [s.bake_seconds for s in schedule.steps if s.bake_seconds is not None]
    )
    if schedule.insufficient_data_limit_seconds < longest_bake:
        problem(
            "schedule.insufficientDataLimitSeconds",
            schedule.insufficient_data_limit_seconds,
            f"must be at least the longest bake ({longest_bake} s), or a step could never pass",
        )
    if problems:
        raise PolicyError(problems, source)
    return PromotionPolicy(thresholds, schedule, source)


def _is_number(value: Any, kind: type) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) if kind is int else isinstance(value, int | float)


def _steps(raw: Any, problem: Callable[[str, Any, str], None]) -> tuple[Step, ...] | None:
    """The schedule's steps, or None after reporting why they are unusable."""
    shape = "a map with one of old or new (the weight, 0..255), and optionally bakeSeconds and minRequests"
    if not isinstance(raw, list) or not raw:
        problem("schedule.steps", raw, f"must be a list of steps, each {shape}")
        return None
    steps: list[Step] = []
    for index, item in enumerate(raw):
        key = f"schedule.steps[{index}]"
        roles: list[Role] = [role for role in ROLES if isinstance(item, Mapping) and role in item]
        if not isinstance(item, Mapping) or len(roles) != 1 or set(item) - set(STEP_KEYS):
            problem(key, item, f"must be {shape}")
            continue
        role = roles[0]
        weight = item[role]
        if not isinstance(weight, int) or parse_weight(weight) is None:
            problem(f"{key}.{role}", weight, f"must be a whole number from 0 to {MAX_WEIGHT}")
            continue
        bake, minimum = item.get("bakeSeconds"), item.get("minRequests")
        if bake is not None and not (_is_number(bake, int) and bake >= CLOUDWATCH_PERIOD_SECONDS):
            problem(f"{key}.bakeSeconds", bake, "must be a whole number of seconds, 60 or more")
            continue
        if minimum is not None and not (_is_number(minimum, int) and minimum >= 1):
            problem(f"{key}.minRequests", minimum, "must be a whole number, 1 or more")
            continue
        steps.append(Step(role, weight, bake, minimum))
    if len(steps) != len(raw):
        return None
    order = schedule_problems(tuple(steps))
    for text in order:
        problem("schedule.steps", [{s.role: s.weight} for s in steps], text)
    return None if order else tuple(steps)


def schedule_problems(steps: tuple[Step, ...]) -> list[str]:
    """Why these steps do not make a promotion from (old > 0, new = 0) to (old = 0, new > 0)."""
    problems: list[str] = []
    new_weight = 0
    old_weight: int | None = None  # unknown until a step sets it; above 0 at the start
    for index, step in enumerate(steps):
        if step.role == "new":
            if step.weight <= new_weight:
                problems.append(
                    f"step {index + 1} ({step.describe()}) must raise the new colour above {new_weight}: "
                    "a promotion only moves traffic towards it (rollback is not a step)"
                )
            new_weight = step.weight
        else:
            if step.weight == 0 and new_weight == 0:
                problems.append(
                    f"step {index + 1} ({step.describe()}) would leave both weights at 0 (Route 53 then splits "
                    "traffic equally): raise the new colour first"
                )
            elif new_weight > 0 and old_weight is not None and step.weight >= old_weight:
                problems.append(
                    f"step {index + 1} ({step.describe()}) must lower the old colour below {old_weight} once the "
                    "new colour has traffic: raising it would move traffic back"
                )
            old_weight = step.weight
    if not problems and (old_weight != 0 or new_weight == 0):
        problems.append("the last step must set the old colour to 0, after the new colour has traffic")
    return problems


def reference_rows() -> list[tuple[str, str, str]]:
    """(key, default, reason) for the README's promotion policy reference."""
    rows = [(f"`{f.path}`", f"`{f.default}`", f.reason) for f in POLICY_FIELDS]

    def step_text(step: Step) -> str:
        extras = [
            f"bake {step.bake_seconds} s" if step.bake_seconds else "",
            f"{step.min_requests} requests" if step.min_requests else "",
        ]
        shown = ", ".join(e for e in extras if e)
        return f"{step.role} {step.weight}" + (f" ({shown})" if shown else "")

    steps = "; ".join(step_text(s) for s in DEFAULT_STEPS)
    rows.append(("`schedule.steps`", steps, STEPS_REASON))
    return rows
