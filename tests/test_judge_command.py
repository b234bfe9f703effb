"""`bluegreen judge` end to end in moto: weighted alias records -> ALBs -> CloudWatch minutes -> verdict.

moto holds the zone, both ALBs (tagged with their cluster) and the per-minute Sums. It cannot answer a
p90 query once TargetResponseTime data exists (promotion.md §4), so these worlds publish none and the
latency check reports itself skipped; the p90 path is covered with Stubber in test_promotion_metrics.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from bluegreen import cli
from bluegreen.commands import judge as judge_command
from bluegreen.exits import ExitStatus
from bluegreen.promotion.adapters import Clients
from tests.support import alb
from tests.support.alb import REGION
from tests.support.json_schema import assert_valid
from tests.support.route53 import HOST, alias, moto_zone, put, weighted, write_project

NOW = datetime(2026, 12, 2, 10, 30, 20, tzinfo=UTC)
FIRST = datetime(2026, 12, 2, 10, 13, tzinfo=UTC)  # the 15 final minutes are 10:13..10:27


class World:
    """A zone, two ALBs and their metrics in moto."""

    def __init__(self, route53: Any):
        subnet_ids = alb.subnets()
        self.route53 = route53
        self.elbv2 = boto3.client("elbv2", region_name=REGION)
        self.cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        self.albs = {
            color: alb.create_alb(self.elbv2, f"k8s-{color}", subnet_ids, f"eks-bluegreen-{cluster}")
            for color, cluster in (("blue", "blue"), ("green", "green"), ("stray", "someone"))
        }

    def records(self, weights: dict[str, int], targets: dict[str, str] | None = None) -> None:
        targets = targets or {}
        put(
            self.route53,
            *(
                weighted(alias(HOST, f"dualstack.{self.albs[targets.get(c, c)]['DNSName']}."), c, w)
                for c, w in weights.items()
            ),
        )

    def traffic(self, color: str, requests: int, target_5xx: int = 0, minutes: int = 15) -> None:
        dimension = self.albs[color]["LoadBalancerArn"].split(":loadbalancer/")[1]
        data = [("RequestCount", requests), ("HTTPCode_Target_5XX_Count", target_5xx)]
        self.cloudwatch.put_metric_data(
            Namespace="AWS/ApplicationELB",
            MetricData=[
                {
                    "MetricName": metric,
                    "Dimensions": [{"Name": "LoadBalancer", "Value": dimension}],
                    "Timestamp": FIRST + timedelta(minutes=minute, seconds=30),
                    "Value": value,
                }
                for minute in range(minutes)
                for metric, value in data
                if value
            ],
        )

    def run(self, project: Path, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        args = cli.build_parser().parse_args(["--project-dir", str(project), "judge", *argv])
        clients = Clients(self.route53, self.elbv2, self.cloudwatch)
        status = cli.run_command(lambda: judge_command.run(args, clients=clients, clock=lambda: NOW))
        out, err = capsys.readouterr()
        return status, out, err


@pytest.fixture
def world() -> Iterator[World]:
    with moto_zone() as route53:
        yield World(route53)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path, (255, 10), clusterVersion='"1.34"')


def test_a_healthy_new_colour_passes(world: World, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world.records({"blue": 255, "green": 10})
    world.traffic("blue", 2550, 13)
    world.traffic("green", 100, 1)
    status, out, _ = world.run(project, capsys=capsys)
    assert status == ExitStatus.OK
    assert out.startswith(
        "app.example.com: green (weight 10) judged against blue (weight 255), final minutes "
        "2026-12-02 10:13-10:28 UTC, thresholds from defaults (no promotion.yaml).\n"
        "The numbers cover each colour's whole ALB"
    )
    assert "verdict: PASS" in out
    assert "green   app/k8s-green/" in out and "15       1500      15   1.00%" in out


def test_a_broken_new_colour_fails(world: World, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world.records({"blue": 255, "green": 10})
    world.traffic("blue", 2550, 13)
    world.traffic("green", 100, 60)
    status, out, _ = world.run(project, "green", capsys=capsys)
    assert status == ExitStatus.PROBLEM
    assert "verdict: FAIL\n  - gross breakage: 900 of 1500 new-colour requests in the window were 5xx" in out


def test_json_carries_the_verdict_its_numbers_and_the_scope(
    world: World, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.records({"blue": 255, "green": 10})
    world.traffic("blue", 2550, 13)
    world.traffic("green", 100, 1)
    status, out, _ = world.run(project, "--json", capsys=capsys)
    document = json.loads(out)
    assert status == ExitStatus.OK
    assert_valid("judge", document)
    assert document["schema_version"] == 1 and document["command"] == "judge"
    assert document["verdict"]["outcome"] == "pass"
    assert document["weights"] == {"green": 10, "blue": 255}
    assert document["verdict"]["expected_new_share"] == pytest.approx(10 / 265)
    assert document["verdict"]["new"]["requests"] == 1500 and document["verdict"]["old"]["errors"] == 195
    assert document["load_balancers"]["green"].startswith("app/k8s-green/")
    assert "whole ALB" in document["scope"]


def test_an_idle_new_alb_is_not_enough_data(world: World, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world.records({"blue": 255, "green": 10})
    world.traffic("blue", 2550, 13)
    status, out, _ = world.run(project, capsys=capsys)
    assert status == ExitStatus.PROBLEM
    assert "verdict: INSUFFICIENT\n  - the new colour has no final datapoint" in out


def test_a_record_leading_to_another_clusters_alb_is_refused(
    world: World, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.records({"blue": 255, "green": 10}, targets={"green": "stray"})
    status, out, err = world.run(project, capsys=capsys)
    assert status == ExitStatus.PROBLEM
    assert out == ""
    assert "error: green's weighted record points at k8s-stray-1" in err
    assert "tag is 'eks-bluegreen-someone', not 'eks-bluegreen-green'" in err


def test_a_colour_without_a_weighted_record_says_to_verify(
    world: World, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.records({"blue": 255})
    status, _, err = world.run(project, capsys=capsys)
    assert status == ExitStatus.PROBLEM
    assert "error: app.example.com has no weighted alias record for green in zone" in err
    assert "run `bluegreen verify`" in err


def test_equal_versions_need_the_new_colour_named(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path, (255, 10))
    status, _, err = world.run(project, capsys=capsys)
    assert status == ExitStatus.USAGE
    assert "both colours run clusterVersion 1.33: name the new colour, e.g. `bluegreen judge green`" in err


def test_an_invalid_policy_file_stops_before_any_aws_call(
    world: World, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "promotion.yaml").write_text("judge:\n  errorAlpha: 2\n")
    status, _, err = world.run(project, capsys=capsys)
    assert status == ExitStatus.USAGE
    assert "error: promotion.yaml: 1 problem(s); nothing was judged or changed.\n" in err
    assert "judge.errorAlpha = 2: must be a fraction between 0 and 1" in err


def test_the_policy_file_sets_the_thresholds(world: World, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "promotion.yaml").write_text("judge:\n  minRequests: 5000\n")
    world.records({"blue": 255, "green": 10})
    world.traffic("blue", 2550, 13)
    world.traffic("green", 100, 1)
    status, out, _ = world.run(project, capsys=capsys)
    assert status == ExitStatus.PROBLEM
    assert "thresholds from promotion.yaml" in out
    assert "not enough requests yet: the new colour had 1500, a pass needs 5000" in out
