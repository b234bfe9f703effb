"""Finding each colour's ALB from its weighted record, and reading its minutes from CloudWatch.

moto (in process) for DescribeLoadBalancers, DescribeTags and GetMetricData Sums; botocore's Stubber
for the p90 query, which moto cannot answer (its percentile statistics raise TypeError, see
/work/shared/reference/delivery/promotion.md §4), and for the exact request CloudWatch receives.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from bluegreen.promotion.judge import Minute
from bluegreen.promotion.metrics import (
    CloudWatchMetrics,
    LoadBalancer,
    LoadBalancerError,
    alb_dns_name,
    alias_targets,
    find_load_balancers,
    record_weights,
)
from bluegreen.route53 import RecordSet
from tests.support import alb
from tests.support.alb import REGION

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
CLUSTERS = {"blue": "eks-bluegreen-blue", "green": "eks-bluegreen-green"}


def weighted_alias(color: str, target: str, weight: int, record_type: str = "A") -> RecordSet:
    return RecordSet(
        {
            "Name": "app.example.com.",
            "Type": record_type,
            "SetIdentifier": color,
            "Weight": weight,
            "AliasTarget": {"HostedZoneId": "Z32O12XQLNTSW2", "DNSName": target, "EvaluateTargetHealth": True},
        }
    )


def test_an_alias_target_name_is_matched_without_dualstack_prefix_trailing_dot_or_case() -> None:
    assert alb_dns_name("dualstack.K8s-App-1A2B.eu-west-1.elb.amazonaws.com.") == (
        "k8s-app-1a2b.eu-west-1.elb.amazonaws.com"
    )
    assert alb_dns_name("internal-k8s-app-1.eu-west-1.elb.amazonaws.com") == (
        "internal-k8s-app-1.eu-west-1.elb.amazonaws.com"
    )


def test_each_colour_is_read_from_its_weighted_alias_record() -> None:
    records = [
        weighted_alias("blue", "dualstack.blue-1.eu-west-1.elb.amazonaws.com.", 255),
        weighted_alias("green", "dualstack.green-1.eu-west-1.elb.amazonaws.com.", 10),
        weighted_alias("green", "dualstack.green-1.eu-west-1.elb.amazonaws.com.", 10, "AAAA"),
        RecordSet({"Name": "app.example.com.", "Type": "TXT", "SetIdentifier": "blue", "Weight": 255, "TTL": 300,
                   "ResourceRecords": [{"Value": '"heritage=external-dns"'}]}),
        RecordSet({"Name": "green.app.example.com.", "Type": "A",
                   "AliasTarget": {"HostedZoneId": "Z", "DNSName": "other-1.elb.amazonaws.com.",
                                   "EvaluateTargetHealth": False}}),
    ]  # fmt: skip
    assert alias_targets(records, "app.example.com") == {
        "blue": "blue-1.eu-west-1.elb.amazonaws.com",
        "green": "green-1.eu-west-1.elb.amazonaws.com",
    }
    assert record_weights(records, "app.example.com") == {"blue": 255, "green": 10}


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        yield {
            "elbv2": boto3.client("elbv2", region_name=REGION),
            "cloudwatch": boto3.client("cloudwatch", region_name=REGION),
            "subnets": alb.subnets(),
        }


def create_alb(aws: dict[str, Any], name: str, cluster: str | None) -> dict[str, Any]:
    return alb.create_alb(aws["elbv2"], name, aws["subnets"], cluster)


def test_each_colours_alb_is_found_across_pages_and_its_cluster_tag_checked(aws: dict[str, Any]) -> None:
    for index in range(5):
        create_alb(aws, f"k8s-other-{index}", "someone-else")
    blue = create_alb(aws, "k8s-blue", "eks-bluegreen-blue")
    green = create_alb(aws, "k8s-green", "eks-bluegreen-green")
    targets = {color: f"dualstack.{alb['DNSName'].upper()}." for color, alb in (("blue", blue), ("green", green))}

    found = find_load_balancers(aws["elbv2"], targets, CLUSTERS, page_size=2)

    assert found["blue"].arn == blue["LoadBalancerArn"]
    assert found["green"].cluster == "eks-bluegreen-green"
    assert found["green"].dimension == "app/k8s-green/" + green["LoadBalancerArn"].rsplit("/", 1)[1]


def test_an_alb_of_another_cluster_is_refused(aws: dict[str, Any]) -> None:
    blue = create_alb(aws, "k8s-blue", "eks-bluegreen-blue")
    untagged = create_alb(aws, "k8s-untagged", None)
    targets = {"blue": blue["DNSName"], "green": blue["DNSName"]}
    with pytest.raises(LoadBalancerError, match="green's weighted record points at k8s-blue-1.*'eks-bluegreen-blue', "
                       "not 'eks-bluegreen-green'"):  # fmt: skip
        find_load_balancers(aws["elbv2"], targets, CLUSTERS)
    with pytest.raises(LoadBalancerError, match="tag is None, not 'eks-bluegreen-green'"):
        find_load_balancers(aws["elbv2"], {"green": untagged["DNSName"]}, CLUSTERS)


def test_a_record_pointing_at_no_alb_names_the_dns_name(aws: dict[str, Any]) -> None:
    create_alb(aws, "k8s-blue", "eks-bluegreen-blue")
    with pytest.raises(
        LoadBalancerError, match="no load balancer .* 'gone-1.eu-west-1.elb.amazonaws.com' that green's"
    ):
        find_load_balancers(aws["elbv2"], {"green": "gone-1.eu-west-1.elb.amazonaws.com"}, CLUSTERS)


def put(cloudwatch: Any, dimension: str, metric: str, values: dict[int, float]) -> None:
    cloudwatch.put_metric_data(
        Namespace="AWS/ApplicationELB",  # accepted by moto; real AWS reserves AWS/ namespaces
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "LoadBalancer", "Value": dimension}],
                "Timestamp": T0 + timedelta(minutes=minute, seconds=seconds),
                "Value": value / 2,
            }
            for minute, value in values.items()
            for seconds in (5, 40)  # two samples per minute: the Sum adds them up
        ],
    )


def test_counts_are_per_minute_sums_with_missing_5xx_as_zero_and_idle_minutes_left_out(aws: dict[str, Any]) -> None:
    green = create_alb(aws, "k8s-green", "eks-bluegreen-green")
    balancer = LoadBalancer("green", green["LoadBalancerArn"], green["DNSName"], "eks-bluegreen-green")
    other = "app/k8s-other/0123456789abcdef"
    put(aws["cloudwatch"], balancer.dimension, "RequestCount", {0: 100, 1: 120, 3: 90})  # minute 2: idle
    put(aws["cloudwatch"], balancer.dimension, "HTTPCode_Target_5XX_Count", {1: 4})
    put(aws["cloudwatch"], balancer.dimension, "HTTPCode_ELB_5XX_Count", {1: 2, 2: 6})  # 503s, no target chosen
    put(aws["cloudwatch"], other, "RequestCount", {0: 5000})  # another ALB's numbers must not leak in

    minutes = CloudWatchMetrics(aws["cloudwatch"], {"green": balancer}).minutes("green", T0, T0 + timedelta(minutes=3))

    assert minutes == [
        Minute(T0, 100, 0, None, 0),
        Minute(T0 + timedelta(minutes=1), 120, 6, None, 2),
        Minute(T0 + timedelta(minutes=2), 0, 6, None, 6),
    ]  # the window is [10:00, 10:03): the minute starting at 10:03 is left out


def test_the_p90_comes_from_a_second_query_on_the_same_dimension() -> None:
    client = boto3.client("cloudwatch", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    balancer = LoadBalancer("blue", "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/k8s-b/abc", "d", "c")
    stamps = [T0, T0 + timedelta(minutes=1)]
    window = {"StartTime": T0, "EndTime": T0 + timedelta(minutes=2), "ScanBy": "TimestampAscending"}

    def query(query_id: str, metric: str, stat: str) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ApplicationELB",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "LoadBalancer", "Value": "app/k8s-b/abc"}],
                },
                "Period": 60,
                "Stat": stat,
            },
            "ReturnData": True,
        }

    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    {"Id": "req", "Timestamps": stamps, "Values": [200.0, 0.0]},
                    {"Id": "t5", "Timestamps": stamps[:1], "Values": [3.0]},
                    {"Id": "e5", "Timestamps": stamps[1:], "Values": [7.0]},
                ]
            },
            {
                "MetricDataQueries": [
                    query("req", "RequestCount", "Sum"),
                    query("t5", "HTTPCode_Target_5XX_Count", "Sum"),
                    query("e5", "HTTPCode_ELB_5XX_Count", "Sum"),
                ],
                **window,
            },
        )
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [{"Id": "p90", "Timestamps": stamps[:1], "Values": [0.25]}]},
            {"MetricDataQueries": [query("p90", "TargetResponseTime", "p90")], **window},
        )
        minutes = CloudWatchMetrics(client, {"blue": balancer}).minutes(
            "blue", T0 + timedelta(seconds=1), window["EndTime"]
        )
        stub.assert_no_pending_responses()

    assert minutes == [Minute(T0 + timedelta(minutes=1), 0, 7, None, 7)]  # 10:00 is before the start


def test_the_p90_is_kept_for_a_minute_with_requests() -> None:
    client = boto3.client("cloudwatch", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    balancer = LoadBalancer("blue", "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/k8s-b/abc", "d", "c")
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data", {"MetricDataResults": [{"Id": "req", "Timestamps": [T0], "Values": [200.0]}]}
        )
        stub.add_response(
            "get_metric_data", {"MetricDataResults": [{"Id": "p90", "Timestamps": [T0], "Values": [0.25]}]}
        )
        minutes = CloudWatchMetrics(client, {"blue": balancer}).minutes("blue", T0, T0 + timedelta(minutes=1))
    assert minutes == [Minute(T0, 200, 0, 0.25, 0)]
