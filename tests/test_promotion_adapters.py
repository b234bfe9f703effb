"""The real world behind `promote`: git (a repository in a temporary folder), Route 53 and the ALB lookup
(moto, in process), and the refusal to start while a stack lacks its committed weight."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bluegreen import stackfiles
from bluegreen.promotion import adapters
from bluegreen.promotion.adapters import GitLedger, PromotionRefused, PulumiDeployer, Route53Watch
from bluegreen.promotion.apply import ApplyResult
from tests.support.route53 import HOST, ZONE_ID, alias, moto_zone, put, weighted, write_project

STACKS = {"blue": "blue", "green": "green"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    write_project(project, (255, 0))
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "config", "user.name", "test")
    git(project, "config", "user.email", "test@example.com")
    git(project, "add", ".")
    git(project, "commit", "--quiet", "--message", "initial")
    return project


def test_a_weight_change_is_a_commit_of_that_stack_file_alone(repo: Path) -> None:
    initial = git(repo, "rev-parse", "HEAD")
    (repo / "notes.txt").write_text("staged, but not part of the step\n")
    git(repo, "add", "notes.txt")
    ledger = GitLedger(repo, STACKS)
    commit = ledger.commit("green", 1, "promote green 1/5: green trafficWeight 0 -> 1\n\nWeights after: ...")
    assert git(repo, "show", "--name-only", "--format=", commit) == "Pulumi.green.yaml"
    assert git(repo, "log", "-1", "--format=%s", commit) == "promote green 1/5: green trafficWeight 0 -> 1"
    assert ledger.weights() == {"blue": 255, "green": 1}
    assert (ledger.last_commit("green"), ledger.last_commit("blue")) == (commit, initial)
    assert ledger.unchanged_since("green", commit) and ledger.unchanged_since("blue", initial)
    assert not ledger.unchanged_since("green", initial)
    assert not ledger.unchanged_since("blue", "0" * 40), "a commit this clone does not have counts as changed"
    git(repo, "commit", "--quiet", "--message", "notes")
    assert ledger.last_promotion_headline() == "promote green 1/5: green trafficWeight 0 -> 1"


def test_uncommitted_changes_to_a_stack_file_are_refused(repo: Path) -> None:
    stackfiles.set_traffic_weight(repo / "Pulumi.green.yaml", 7)
    with pytest.raises(PromotionRefused, match="the stack files have changes that are not committed"):
        GitLedger(repo, STACKS).check_clean()


def test_each_commit_is_pushed_once_asked(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "--quiet", "--set-upstream", "origin", "main")
    ledger = GitLedger(repo, STACKS, push=True)
    commit = ledger.commit("green", 1, "promote green 1/5: green trafficWeight 0 -> 1")
    ledger.publish()
    assert git(remote, "rev-parse", "main") == commit


class RecordedApplier:
    """An Applier whose stacks hold the outputs given; records what it was asked to apply."""

    def __init__(self, outputs: Mapping[str, Mapping[str, Any]]):
        self.stack_outputs = {stack: dict(values) for stack, values in outputs.items()}
        self.applied: list[tuple[str, str, bool]] = []

    def apply(self, stack: str, *, commit: str, message: str, preview: bool = True) -> ApplyResult:
        self.applied.append((stack, commit, preview))
        return ApplyResult(stack, self.stack_outputs[stack])

    def outputs(self, stack: str) -> Mapping[str, Any]:
        return self.stack_outputs[stack]


def test_a_stack_without_its_committed_weight_refuses_a_new_promotion(repo: Path) -> None:
    initial = git(repo, "rev-parse", "HEAD")
    ledger = GitLedger(repo, STACKS)
    applied = {"blue": {"appliedCommit": initial, "trafficWeight": 255}, "green": {"appliedCommit": initial}}
    applier = RecordedApplier({**applied, "green": {"appliedCommit": initial, "trafficWeight": 0}})
    adapters.refuse_unless_applied(ledger, PulumiDeployer(applier, STACKS, ledger.publish))
    ledger.commit("green", 1, "a weight merged by hand, its deploy still running")
    with pytest.raises(PromotionRefused, match="the green stack is not applied at its committed weight"):
        adapters.refuse_unless_applied(ledger, PulumiDeployer(applier, STACKS, ledger.publish))


def test_the_deployer_applies_the_colours_stack_then_pushes() -> None:
    events: list[str] = []
    applier = RecordedApplier({"green": {}})
    deployer = PulumiDeployer(applier, STACKS, lambda: events.append("push"))
    deployer.deploy("green", "abc", "rollback green 1/1: green trafficWeight 1 -> 0\n\nVerdict: fail", preview=False)
    assert applier.applied == [("green", "abc", False)] and events == ["push"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_route53_watch_waits_for_the_records_to_hold_the_committed_weights(tmp_path: Path) -> None:
    project = write_project(tmp_path, (255, 1))
    with moto_zone() as client:
        records = [weighted(alias(HOST, "blue-alb.example.net"), "blue", 255)]
        put(client, *records, weighted(alias(HOST, "green-alb.example.net"), "green", 0))
        clock = FakeClock()
        watch = Route53Watch(project, client, clock.sleep, lambda: clock.now)
        left = watch.wait_until_matches({"blue": 255, "green": 1}, timeout_seconds=60)
        assert any("green: weight 0, expected 1" in finding for finding in left)
        assert clock.now == 60
        green = weighted(alias(HOST, "green-alb.example.net"), "green", 1)
        client.change_resource_record_sets(
            HostedZoneId=ZONE_ID, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": green}]}
        )
        weights_left = [f for f in watch.wait_until_matches({"blue": 255, "green": 1}, 60) if "weight" in f]
        assert weights_left == []


@pytest.fixture
def albs() -> Iterator[dict[str, Any]]:
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="eu-west-1")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"eu-west-1{zone}")["Subnet"][
                "SubnetId"
            ]
            for i, zone in enumerate("ab")
        ]
        elbv2 = boto3.client("elbv2", region_name="eu-west-1")
        created = {
            color: elbv2.create_load_balancer(
                Name=f"k8s-{color}",
                Subnets=subnets,
                Tags=[{"Key": "eks:eks-cluster-name", "Value": f"eks-bluegreen-{color}"}],
            )["LoadBalancers"][0]
            for color in ("blue", "green")
        }
        yield {"elbv2": elbv2, "created": created}


def test_each_colours_alb_is_found_from_its_weighted_alias_record(tmp_path: Path, albs: dict[str, Any]) -> None:
    project = write_project(tmp_path, (255, 0))
    with moto_zone() as route53:
        put(
            route53,
            *(
                weighted(alias(HOST, f"dualstack.{albs['created'][color]['DNSName']}."), color, weight)
                for color, weight in (("blue", 255), ("green", 0))
            ),
        )
        clients = adapters.Clients(route53, albs["elbv2"], cloudwatch=None)
        found = adapters.load_balancers(clients, stackfiles.load_pair(project))
    for color in ("blue", "green"):
        arn = albs["created"][color]["LoadBalancerArn"]
        assert found[color].arn == arn
        assert found[color].dimension == f"app/k8s-{color}/{arn.rsplit('/', 1)[1]}"
