"""Application load balancers in moto, tagged the way EKS Auto Mode tags the ones it creates."""

from __future__ import annotations

from typing import Any

import boto3

REGION = "eu-west-1"


def subnets() -> list[str]:
    """Two subnets in two zones of a new VPC (an ALB needs two); call inside mock_aws."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("ab")
    ]


def create_alb(elbv2: Any, name: str, subnet_ids: list[str], cluster: str | None) -> dict[str, Any]:
    """An ALB whose eks:eks-cluster-name tag is `cluster` (None: another tag only)."""
    tags = [{"Key": "eks:eks-cluster-name", "Value": cluster}] if cluster else [{"Key": "team", "Value": "web"}]
    return elbv2.create_load_balancer(Name=name, Subnets=subnet_ids, Tags=tags)["LoadBalancers"][0]
