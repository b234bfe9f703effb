"""Each colour's ALB, found from its weighted alias record, and its per-minute counts from CloudWatch.

The way from a hostname to numbers:
1. The colour's weighted alias record (set identifier = colour) names the ALB that Route 53 sends the
   colour's share to: its `AliasTarget.DNSName`, with a `dualstack.` prefix and a trailing dot.
2. DescribeLoadBalancers cannot filter by DNS name, so every load balancer is listed (paginated, 400 a
   page, as Argo Rollouts does) and matched on the normalised name. Its `eks:eks-cluster-name` tag,
   which EKS Auto Mode puts on every load balancer it creates, must name the colour's cluster: a record
   pointing at another cluster's ALB would judge the wrong colour.
3. GetMetricData returns the raw per-minute Sums (RequestCount, target and ELB 5xx) and, in a second
   query, the TargetResponseTime p90, for the LoadBalancer dimension `app/<name>/<id>` (the tail of the
   ARN). Rates are computed in Python: the judge's exact test needs counts, and moto can evaluate
   neither metric math nor percentiles. The numbers cover the whole ALB, every host it serves
   (the smoke-test hostname `<colour>.<hostname>` included), since ELB 5xx has no per-target-group series.

Sources: /work/shared/reference/delivery/promotion.md §1 (ALBDOC:7, 41, 52, 61, 64, 108-109;
argoproj/argo-rollouts utils/aws/aws.go:124-139; awsdocs amazon-route53-docs routing-to-elb-load-balancer.md:51).
boto3 is imported by the caller that makes the clients; this module only calls them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from bluegreen import dns
from bluegreen.exits import BluegreenError, ExitStatus
from bluegreen.promotion.judge import MINUTE, Minute

if TYPE_CHECKING:
    from bluegreen.route53 import RecordSet

NAMESPACE = "AWS/ApplicationELB"
PERIOD_SECONDS = 60
LOAD_BALANCER_PAGE_SIZE = 400  # the most DescribeLoadBalancers returns per call
TAGS_PER_CALL = 20  # DescribeTags takes at most 20 ARNs
CLUSTER_TAG = "eks:eks-cluster-name"
COUNT_METRICS = {"req": "RequestCount", "t5": "HTTPCode_Target_5XX_Count", "e5": "HTTPCode_ELB_5XX_Count"}
LATENCY_METRIC = "TargetResponseTime"
LATENCY_STAT = "p90"


class MetricsSource(Protocol):
    """Per-minute counts of one colour's ALB; CloudWatch here, replayed counts in a simulation."""

    def minutes(self, color: str, start: datetime, end: datetime) -> list[Minute]:
        """The minutes starting in [start, end) that have a datapoint, oldest first."""
        ...


class LoadBalancerError(BluegreenError):
    """A colour's ALB cannot be found or does not belong to the colour's cluster; the message says which."""

    exit_status = ExitStatus.PROBLEM


@dataclass(frozen=True)
class LoadBalancer:
    color: str
    arn: str
    dns_name: str
    cluster: str | None  # its eks:eks-cluster-name tag

    @property
    def dimension(self) -> str:
        """CloudWatch's LoadBalancer dimension: `app/<name>/<id>`, the tail of the ARN (ALBDOC:108)."""
        return self.arn.split(":loadbalancer/", 1)[1]


def alb_dns_name(name: str) -> str:
    """A load balancer's DNS name as DescribeLoadBalancers spells it: lower case, no trailing dot, and no
    `dualstack.` prefix, which alias targets to an ALB carry."""
    return dns.normalize(name).removeprefix("dualstack.")


def alias_targets(records: Iterable[RecordSet], hostname: str) -> dict[str, str]:
    """Colour -> the ALB DNS name its weighted alias record for `hostname` points at (A preferred, else AAAA)."""
    targets: dict[str, str] = {}
    for record_type in ("AAAA", "A"):
        for record in records:
            if (
                record.name == dns.normalize(hostname)
                and record.type == record_type
                and record.policy == "weighted"
                and record.set_identifier
                and record.alias_target
            ):
                targets[record.set_identifier] = alb_dns_name(record.alias_target)
    return targets


def record_weights(records: Iterable[RecordSet], hostname: str) -> dict[str, int]:
    """Colour -> the weight Route 53 holds for it on `hostname` (what really splits the traffic)."""
    return {
        record.set_identifier: record.weight
        for record in records
        if record.name == dns.normalize(hostname)
        and record.type == "A"
        and record.set_identifier
        and record.weight is not None
    }


def find_load_balancers(
    client: Any, targets: Mapping[str, str], clusters: Mapping[str, str], page_size: int = LOAD_BALANCER_PAGE_SIZE
) -> dict[str, LoadBalancer]:
    """Colour -> its ALB, from one paginated pass over DescribeLoadBalancers; the cluster tag is checked.

    `targets` maps colour -> DNS name (from `alias_targets`), `clusters` colour -> expected cluster name.
    """
    found: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("describe_load_balancers").paginate(PaginationConfig={"PageSize": page_size}):
        for description in page["LoadBalancers"]:
            name = alb_dns_name(description["DNSName"])
            found.update({color: description for color, target in targets.items() if alb_dns_name(target) == name})
    missing = [color for color in targets if color not in found]
    if missing:
        raise LoadBalancerError(
            "; ".join(
                f"no load balancer in this account and region has the DNS name {targets[c]!r} that {c}'s "
                "weighted record points at (wrong --region, or the ALB was deleted: run `bluegreen verify`)"
                for c in missing
            )
        )
    tags = _cluster_tags(client, [description["LoadBalancerArn"] for description in found.values()])
    balancers = {
        color: LoadBalancer(color, d["LoadBalancerArn"], alb_dns_name(d["DNSName"]), tags.get(d["LoadBalancerArn"]))
        for color, d in found.items()
    }
    wrong = [b for b in balancers.values() if b.cluster != clusters.get(b.color)]
    if wrong:
        raise LoadBalancerError(
            "; ".join(
                f"{b.color}'s weighted record points at {b.dns_name}, whose {CLUSTER_TAG} tag is "
                f"{b.cluster!r}, not {clusters.get(b.color)!r}: the record does not lead to the {b.color} "
                "cluster's ALB, so its metrics would judge the wrong colour"
                for b in wrong
            )
        )
    return balancers


def _cluster_tags(client: Any, arns: Sequence[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for index in range(0, len(arns), TAGS_PER_CALL):
        response = client.describe_tags(ResourceArns=list(arns[index : index + TAGS_PER_CALL]))
        for description in response["TagDescriptions"]:
            for tag in description.get("Tags", []):
                if tag["Key"] == CLUSTER_TAG:
                    tags[description["ResourceArn"]] = tag["Value"]
    return tags


class CloudWatchMetrics:
    """`MetricsSource` reading each colour's ALB metrics with GetMetricData (two queries per call)."""

    def __init__(self, client: Any, load_balancers: Mapping[str, LoadBalancer]):
        self.client = client
        self.load_balancers = dict(load_balancers)

    def minutes(self, color: str, start: datetime, end: datetime) -> list[Minute]:
        dimension = self.load_balancers[color].dimension
        window = {"StartTime": _minute_floor(start), "EndTime": _minute_ceil(end), "ScanBy": "TimestampAscending"}
        counts = self._series(
            [_query(query_id, metric, "Sum", dimension) for query_id, metric in COUNT_METRICS.items()], window
        )
        latency = self._series([_query("p90", LATENCY_METRIC, LATENCY_STAT, dimension)], window)
        return minutes_from_series(counts, latency.get("p90", {}), start, end)

    def _series(self, queries: list[dict[str, Any]], window: Mapping[str, Any]) -> dict[str, dict[datetime, float]]:
        series: dict[str, dict[datetime, float]] = {query["Id"]: {} for query in queries}
        for page in self.client.get_paginator("get_metric_data").paginate(MetricDataQueries=queries, **window):
            for result in page["MetricDataResults"]:
                for timestamp, value in zip(result["Timestamps"], result["Values"], strict=True):
                    series[result["Id"]][timestamp.astimezone(UTC)] = value
        return series


def minutes_from_series(
    counts: Mapping[str, Mapping[datetime, float]],
    p90: Mapping[datetime, float],
    start: datetime,
    end: datetime,
) -> list[Minute]:
    """One Minute per minute in [start, end) where any count has a datapoint; a missing 5xx series is 0
    (ALBs publish it only when nonzero), a minute with no count at all is left out (no traffic)."""
    stamps = sorted({stamp for series in counts.values() for stamp in series if start <= stamp < end})
    minutes = []
    for stamp in stamps:
        requests = round(counts.get("req", {}).get(stamp, 0))
        target_errors = round(counts.get("t5", {}).get(stamp, 0))
        elb_errors = round(counts.get("e5", {}).get(stamp, 0))
        minutes.append(
            Minute(
                start=stamp,
                requests=requests,
                errors=target_errors + elb_errors,
                p90_seconds=p90.get(stamp) if requests else None,
                elb_errors=elb_errors,
            )
        )
    return minutes


def _query(query_id: str, metric: str, stat: str, dimension: str) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": metric,
                "Dimensions": [{"Name": "LoadBalancer", "Value": dimension}],
            },
            "Period": PERIOD_SECONDS,
            "Stat": stat,
        },
        "ReturnData": True,
    }


def _minute_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def _minute_ceil(moment: datetime) -> datetime:
    floor = _minute_floor(moment)
    return floor if floor == moment.astimezone(UTC) else floor + MINUTE
