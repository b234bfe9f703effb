"""Cluster: one EKS cluster in Auto Mode, and a Kubernetes provider that talks to it."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from bluegreen.settings import Settings
from components.network import Network
from components.protection import protected_while_live

CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


@dataclass
class ClusterArgs:
    settings: Settings
    network: Network


class Cluster(pulumi.ComponentResource):
    name: str
    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("eks-bluegreen:index:Cluster", name, None, opts)
        settings, network = args.settings, args.network
        self.name = settings.cluster_name
        cluster = eks.Cluster(
            f"{name}-eks",
            name=settings.cluster_name,
            version=settings.cluster_version,
            # Auto Mode: EKS runs the nodes and the load balancer controller, so we install neither.
            auto_mode=eks.AutoModeOptionsArgs(enabled=True),
            # Auto Mode runs cluster DNS itself (EKS user guide, managing-coredns.html: "With Amazon EKS
            # Auto Mode, you don't need to install or upgrade networking add-ons"). pulumi-eks still creates
            # the managed coredns add-on when autoMode is on unless told not to (nodejs/eks/cluster/cluster.ts
            # @1069dbbf: `(fargate || !skipDefaultNodeGroup || autoMode?.enabled) && (enabled ?? true)`),
            # and that add-on fails on an Auto Mode cluster (pulumi/pulumi-eks#1726).
            coredns_addon_options=eks.CoreDnsAddonOptionsArgs(enabled=False),
            authentication_mode=eks.AuthenticationMode.API,
            access_entries={
                f"admin-{index}": eks.AccessEntryArgs(
                    principal_arn=role,
                    access_policies={
                        "cluster-admin": eks.AccessPolicyAssociationArgs(
                            policy_arn=CLUSTER_ADMIN_POLICY,
                            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                        )
                    },
                )
                for index, role in enumerate(settings.admin_role_arns)
            },
            # Only the private subnets: Auto Mode's default node class launches nodes in the cluster's
            # subnets. Load balancers find the public ones through the IngressClassParams.
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            # Auto Mode makes its own node role; the legacy instance role would be unused.
            create_instance_role=False,
            endpoint_public_access=True,
            endpoint_private_access=True,
            public_access_cidrs=list(settings.public_access_cidrs),
            enabled_cluster_log_types=CONTROL_PLANE_LOGS,
            tags=dict(settings.tags),
            # The colour that carries traffic cannot be destroyed: set its weight to 0 first.
            opts=protected_while_live(settings, pulumi.ResourceOptions(parent=self)),
        )
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.kubeconfig,
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"clusterName": self.name, "kubeconfig": self.kubeconfig})
