"""The real world behind `promote`'s interfaces: the system clock, git, Pulumi (through an `Applier`), Route 53
(the `verify --wait` comparison) and the ALBs' CloudWatch minutes (bluegreen/promotion/metrics.py).

The simulated world (bluegreen/promotion/simulation.py) implements the same interfaces; the tests run the
git ledger on a real repository in a temporary folder and the rest against moto or fakes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bluegreen import stackfiles
from bluegreen.deploy_order import APPLIED_COMMIT
from bluegreen.exits import BluegreenError, ExitStatus
from bluegreen.git import GitError, git
from bluegreen.promotion.apply import Applier
from bluegreen.promotion.metrics import (
    CloudWatchMetrics,
    LoadBalancer,
    MetricsSource,
    alias_targets,
    find_load_balancers,
)
from bluegreen.route53.client import make_client, read_hostname
from bluegreen.settings import COLORS
from bluegreen.stackfiles import StackPair, stack_file

WEIGHT_OUTPUT = "trafficWeight"
# The first line of every commit `promote` makes starts with one of these (see promote.Promotion).
HEADLINE_PATTERN = r"^(promote|rollback) (blue|green) [0-9]+/[0-9]+: "


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class PromotionRefused(BluegreenError):
    """The promotion cannot start from what git and the stacks say; nothing was changed."""

    exit_status = ExitStatus.PROBLEM


class GitLedger:
    """Weights in the working tree's stack files; each change a commit of one stack file, pushed if asked."""

    def __init__(self, project_dir: Path, stacks: Mapping[str, str], *, push: bool = False):
        self.project_dir = project_dir
        self.stacks = dict(stacks)  # colour -> stack name
        self.push = push

    def check_clean(self) -> None:
        paths = [stack_file(self.project_dir, stack).name for stack in self.stacks.values()]
        dirty = git(self.project_dir, "status", "--porcelain", "--", *paths).decode().strip()
        if dirty:
            raise PromotionRefused(
                f"the stack files have changes that are not committed ({dirty.splitlines()[0].strip()}): "
                "commit or discard them first; every weight `promote` sets is a commit of its own"
            )

    def weights(self) -> dict[str, int]:
        return {
            color: stackfiles.load_stack_settings(stack_file(self.project_dir, stack)).traffic_weight
            for color, stack in self.stacks.items()
        }

    def commit(self, color: str, weight: int, message: str) -> str:
        path = stack_file(self.project_dir, self.stacks[color])
        stackfiles.set_traffic_weight(path, weight)
        git(self.project_dir, "add", "--", path.name)
        # Only this file, whatever else is staged: a step is a commit of one stack file.
        git(self.project_dir, "commit", "--quiet", "--message", message, "--only", "--", path.name)
        return git(self.project_dir, "rev-parse", "HEAD").decode().strip()

    def publish(self) -> None:
        """Push the branch to its upstream (in CI: main), when asked to."""
        if self.push:
            git(self.project_dir, "push", "--quiet")

    def last_commit(self, color: str) -> str | None:
        path = stack_file(self.project_dir, self.stacks[color]).name
        found = git(self.project_dir, "log", "-1", "--format=%H", "--", path).decode().strip()
        return found or None

    def unchanged_since(self, color: str, commit: str) -> bool:
        path = stack_file(self.project_dir, self.stacks[color]).name
        try:
            git(self.project_dir, "diff", "--quiet", commit, "HEAD", "--", path)
        except GitError:
            return False  # it differs, or the commit is not in this clone (a force push): apply again
        return True

    def last_promotion_headline(self) -> str | None:
        found = git(self.project_dir, "log", "-1", "--extended-regexp", f"--grep={HEADLINE_PATTERN}", "--format=%s")
        return found.decode().strip() or None


class PulumiDeployer:
    """Applies a colour's stack with an `Applier` (the Automation API), then publishes the commit."""

    def __init__(self, applier: Applier, stacks: Mapping[str, str], publish: Callable[[], None]):
        self.applier = applier
        self.stacks = dict(stacks)
        self.publish = publish

    def deploy(self, color: str, commit: str, message: str, *, preview: bool) -> None:
        self.applier.apply(self.stacks[color], commit=commit, message=message.splitlines()[0], preview=preview)
        self.publish()  # after the apply: main never names a weight no stack was given

    def applied(self, color: str) -> tuple[str | None, int | None]:
        outputs = self.applier.outputs(self.stacks[color])
        commit, weight = outputs.get(APPLIED_COMMIT), outputs.get(WEIGHT_OUTPUT)
        return (commit if isinstance(commit, str) else None, weight if isinstance(weight, int) else None)


class Route53Watch:
    """`verify --wait`: re-read each hostname's records until they hold the stack files' weights."""

    def __init__(
        self,
        project_dir: Path,
        client: Any,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.project_dir, self.client, self.sleep, self.clock = project_dir, client, sleep, clock

    def wait_until_matches(self, weights: Mapping[str, int], timeout_seconds: float) -> list[str]:
        from bluegreen.commands.verify import check_until_match

        pair = stackfiles.load_pair(self.project_dir)  # the working tree holds the weights just committed
        held = {color: settings.traffic_weight for color, settings in pair.stacks.items()}
        if held != dict(weights):
            raise AssertionError(f"the stack files hold {held}, the promotion expects {dict(weights)}")
        findings = check_until_match(self.client, pair, COLORS, timeout_seconds, self.sleep, self.clock).findings
        return [finding for hostname in pair.hostnames for finding in findings[hostname]]


def refuse_unless_applied(ledger: GitLedger, deployer: PulumiDeployer) -> None:
    """Refuse to start while a stack lacks its committed weight: a deploy is queued, running or failed."""
    from bluegreen.promotion.promote import stack_is_applied

    weights = ledger.weights()
    behind = [color for color in ledger.stacks if not stack_is_applied(ledger, deployer, color, weights[color])]
    if behind:
        raise PromotionRefused(
            f"the {' and '.join(behind)} stack is not applied at its committed weight (a deploy is queued, "
            "running or failed): let the deploy finish and promote then, or continue a stopped promotion "
            "with --resume"
        )


@dataclass(frozen=True)
class Clients:
    route53: Any
    elbv2: Any
    cloudwatch: Any

    @classmethod
    def make(cls, region: str | None, profile: str | None) -> Clients:
        import boto3
        from botocore.config import Config

        session = boto3.Session(profile_name=profile, region_name=region)
        retrying = Config(retries={"mode": "adaptive", "max_attempts": 10})
        return cls(
            make_client(region, profile),
            session.client("elbv2", config=retrying),
            session.client("cloudwatch", config=retrying),
        )


def load_balancers(clients: Clients, pair: StackPair) -> dict[str, LoadBalancer]:
    """Each colour's ALB, from the first shared hostname's weighted alias records (all hostnames of a colour
    share its one ALB: one IngressClassParams group per cluster)."""
    hostname = pair.hostnames[0]
    targets = alias_targets(read_hostname(clients.route53, pair.zone_id, hostname), hostname)
    clusters = {color: settings.cluster_name for color, settings in pair.stacks.items()}
    return find_load_balancers(clients.elbv2, targets, clusters)


def alb_metrics(clients: Clients, pair: StackPair) -> MetricsSource:
    return CloudWatchMetrics(clients.cloudwatch, load_balancers(clients, pair))
