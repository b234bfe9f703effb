"""Network: the VPC a colour runs in, either shared (existing) or its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from bluegreen.settings import PROJECT, Settings

# Internet-facing load balancers go to the public subnets; there is no internal load balancer, so the
# private subnets need no `kubernetes.io/role/internal-elb` tag.
PUBLIC_ROLE_TAG = "kubernetes.io/role/elb"
# An ALB needs subnets in at least two Availability Zones, and so does an EKS cluster.
MIN_AVAILABILITY_ZONES = 2


def cluster_tag(cluster_name: str) -> str:
    return f"kubernetes.io/cluster/{cluster_name}"


def missing_role_tags(subnet_tags: Mapping[str, Mapping[str, str]], role_tag: str) -> list[str]:
    """Subnets (of an existing VPC) that lack the load-balancer role tag."""
    return sorted(subnet for subnet, tags in subnet_tags.items() if tags.get(role_tag) != "1")


def availability_zone_problem(key: str, subnet_zones: Mapping[str, str]) -> str | None:
    """Why the subnets listed under `key` (id -> Availability Zone) cannot host an ALB or a cluster, or None."""
    zones = sorted(set(subnet_zones.values()))
    if len(zones) >= MIN_AVAILABILITY_ZONES:
        return None
    listed = ", ".join(f"{subnet} ({zone})" for subnet, zone in sorted(subnet_zones.items()))
    return (
        f"{PROJECT}:{key} lists {listed}: {len(zones)} Availability Zone(s), but an ALB and an EKS cluster need "
        f"subnets in at least {MIN_AVAILABILITY_ZONES}; add a subnet of another zone"
    )


@dataclass
class NetworkArgs:
    settings: Settings


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[Sequence[str]]
    private_subnet_ids: pulumi.Output[Sequence[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("eks-bluegreen:index:Network", name, None, opts)
        settings = args.settings
        if settings.vpc_id:
            self._use_existing(name, settings)
        else:
            self._create(name, settings)
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
            }
        )

    def _use_existing(self, name: str, settings: Settings) -> None:
        assert settings.vpc_id
        self.vpc_id = pulumi.Output.from_input(settings.vpc_id)
        self.public_subnet_ids = pulumi.Output.from_input(list(settings.public_subnet_ids))
        self.private_subnet_ids = pulumi.Output.from_input(list(settings.private_subnet_ids))
        # Looked up at preview: where each subnet is, and the role tag that belongs to the shared VPC
        # (both colours rely on it, so we check it rather than own it: a Tag resource here would be
        # deleted with the first retired colour).
        invoke = pulumi.InvokeOptions(parent=self)
        subnets = {
            subnet: aws.ec2.get_subnet(id=subnet, opts=invoke)
            for subnet in (*settings.public_subnet_ids, *settings.private_subnet_ids)
        }
        for key, subnet_ids in (
            ("publicSubnetIds", settings.public_subnet_ids),
            ("privateSubnetIds", settings.private_subnet_ids),
        ):
            if problem := availability_zone_problem(key, {s: subnets[s].availability_zone for s in subnet_ids}):
                raise pulumi.RunError(problem)
        public_tags = {subnet: subnets[subnet].tags for subnet in settings.public_subnet_ids}
        if missing := missing_role_tags(public_tags, PUBLIC_ROLE_TAG):
            raise pulumi.RunError(
                f"subnets {', '.join(missing)} lack the tag {PUBLIC_ROLE_TAG}=1 that load balancers are placed by; "
                f"add it once for the shared VPC: aws ec2 create-tags --resources {' '.join(missing)} "
                f"--tags Key={PUBLIC_ROLE_TAG},Value=1"
            )
        # Each colour owns its own cluster tag on the shared subnets, so retiring one leaves the other's.
        for subnet in (*settings.public_subnet_ids, *settings.private_subnet_ids):
            aws.ec2.Tag(
                f"{name}-{subnet}-cluster-tag",
                resource_id=subnet,
                key=cluster_tag(settings.cluster_name),
                value="shared",
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _create(self, name: str, settings: Settings) -> None:
        shared_tag = {cluster_tag(settings.cluster_name): "shared"}
        vpc = awsx.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=settings.vpc_cidr,
            number_of_availability_zones=3,
            # EKS nodes register by DNS name; awsx leaves DNS hostnames off unless asked.
            enable_dns_hostnames=True,
            enable_dns_support=True,
            # One NAT gateway keeps the standby colour cheap; the live colour's nodes only need egress.
            nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=awsx.ec2.NatGatewayStrategy.SINGLE),
            subnet_specs=[
                awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PUBLIC, tags={PUBLIC_ROLE_TAG: "1", **shared_tag}),
                awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PRIVATE, tags=shared_tag),
            ],
            tags={**settings.tags, "Name": f"{settings.cluster_name}"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.vpc_id = vpc.vpc_id
        self.public_subnet_ids = vpc.public_subnet_ids
        self.private_subnet_ids = vpc.private_subnet_ids
