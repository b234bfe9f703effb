"""ExternalDNS: the official Helm chart, and an IAM role that may only edit this stack's hosted zone."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_command as command
import pulumi_kubernetes as k8s

from bluegreen import external_dns_values as externaldns
from bluegreen import iam
from bluegreen.settings import Settings
from components.cluster import Cluster
from components.protection import protected_while_live

TEARDOWN_PAUSE_SECONDS = 60


@dataclass
class ExternalDnsArgs:
    settings: Settings
    cluster: Cluster
    partition: str
    region: str


class ExternalDns(pulumi.ComponentResource):
    role_arn: pulumi.Output[str]
    release: k8s.helm.v3.Release
    teardown_pause: command.local.Command
    txt_owner_id: str

    def __init__(self, name: str, args: ExternalDnsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("eks-bluegreen:index:ExternalDns", name, None, opts)
        settings, cluster = args.settings, args.cluster
        self.txt_owner_id = settings.txt_owner_id
        if warning := externaldns.chart_version_warning(settings.external_dns_chart_version):
            pulumi.log.warn(warning, resource=self)
        child = pulumi.ResourceOptions(parent=self)
        # What lets ExternalDNS keep (or, on destroy, delete) the live colour's records.
        live_child = protected_while_live(settings, child)
        k8s_child = pulumi.ResourceOptions(parent=self, provider=cluster.provider)

        account_id = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self)).account_id
        route53_policy = iam.external_dns_policy(settings, args.partition)
        if problem := iam.policy_size_problem(route53_policy, "ExternalDNS's Route 53 policy"):
            raise pulumi.RunError(problem)
        role = aws.iam.Role(
            f"{name}-role",
            name=f"{settings.cluster_name}-external-dns",
            assume_role_policy=json.dumps(
                iam.pod_identity_trust_policy(
                    iam.eks_cluster_arn(args.partition, args.region, account_id, cluster.name),
                    externaldns.NAMESPACE,
                    externaldns.SERVICE_ACCOUNT,
                )
            ),
            tags=dict(settings.tags),
            opts=live_child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-route53",
            role=role.id,
            policy=json.dumps(route53_policy),
            opts=live_child,
        )
        namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=externaldns.NAMESPACE),
            opts=k8s_child,
        )
        # Pod Identity binds the role to the chart's ServiceAccount (same namespace and name).
        association = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity",
            cluster_name=cluster.name,
            namespace=externaldns.NAMESPACE,
            service_account=externaldns.SERVICE_ACCOUNT,
            role_arn=role.arn,
            tags=dict(settings.tags),
            opts=protected_while_live(settings, pulumi.ResourceOptions(parent=self, depends_on=[cluster])),
        )
        self.release = k8s.helm.v3.Release(
            f"{name}-chart",
            name=externaldns.RELEASE_NAME,
            chart=externaldns.CHART_NAME,
            version=settings.external_dns_chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=externaldns.CHART_REPOSITORY),
            namespace=namespace.metadata.name,
            values=externaldns.chart_values(settings, args.region),
            atomic=True,
            timeout=600,  # the first pod waits for Auto Mode to start a node
            # Credentials must exist before the first pod starts, or it crash-loops on AccessDenied.
            opts=protected_while_live(
                settings,
                pulumi.ResourceOptions(parent=self, provider=cluster.provider, depends_on=[policy, association]),
            ),
        )
        # On destroy, Pulumi removes the Ingresses (they depend on this component) and then the chart.
        # ExternalDNS reacts to the deletion only after --min-event-sync-interval (5 s) and a Route 53
        # round trip, so it is given time to delete the records before its pod is stopped.
        self.teardown_pause = command.local.Command(
            f"{name}-teardown-pause",
            delete=f"sleep {TEARDOWN_PAUSE_SECONDS}",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.release]),
        )
        self.role_arn = role.arn
        self.register_outputs({"roleArn": self.role_arn, "txtOwnerId": self.txt_owner_id})
