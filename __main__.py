"""eks-bluegreen: one EKS cluster of one colour, published by ExternalDNS as Route 53 weighted records.

settings ─► guard (zone name, all-zero weights, owner ids)
         ├► certificates (ACM, DNS-validated, or existing ones checked) ─► traffic (certificateARNs)
         └► network ─► cluster ─► external-dns ─► traffic (Ingress per hostname, weight annotation, HTTPS)
                               └► demo (optional echo app behind the hostnames)
                               └► workloads (optional: Flux applies a Git repository; Ready gates the weight)
"""

from pathlib import Path

import pulumi
import pulumi_aws as aws

from bluegreen.deploy_order import APPLIED_COMMIT, applied_commit, track_resources, when_applied
from bluegreen.settings import PROJECT, SETTINGS, Secret, Settings, SettingsError, parse
from components.certificates import Certificates, CertificatesArgs
from components.cluster import Cluster, ClusterArgs
from components.demo import Demo, DemoArgs
from components.external_dns import ExternalDns, ExternalDnsArgs
from components.guard import Guard, GuardArgs
from components.network import Network, NetworkArgs
from components.traffic import Traffic, TrafficArgs
from components.workloads import FluxWorkloads, WorkloadsArgs


def load_settings() -> Settings:
    config = pulumi.Config(PROJECT)
    # A secret setting is accepted only as a secret (`pulumi config set --secret`); parse refuses plain text.
    raw = {
        s.key: Secret(value) if s.secret and pulumi.runtime.is_config_secret(f"{PROJECT}:{s.key}") else value
        for s in SETTINGS
        if (value := config.get(s.key)) is not None
    }
    try:
        return parse(raw, source=f"stack {pulumi.get_stack()!r}")
    except SettingsError as error:
        raise pulumi.RunError(error.report("nothing was declared")) from None


settings = load_settings()
# Every resource declared from here on must have been applied before `appliedCommit` changes (docs/ci.md).
declared = track_resources()
guard = Guard("guard", GuardArgs(settings))
network = Network("network", NetworkArgs(settings))
cluster = Cluster("cluster", ClusterArgs(settings, network))
region = aws.get_region().region
external_dns = ExternalDns(
    "external-dns",
    ExternalDnsArgs(settings, cluster, partition=aws.get_partition().partition, region=region),
)
certificates = Certificates("certificates", CertificatesArgs(settings, region)) if settings.tls else None
demo = Demo("demo", DemoArgs(settings, cluster)) if settings.demo else None
workloads = (
    FluxWorkloads("workloads", WorkloadsArgs(settings, settings.workloads, cluster, guard.checked_weight))
    if settings.workloads
    else None
)
traffic = Traffic(
    "traffic",
    TrafficArgs(
        settings,
        cluster,
        external_dns,
        checked_weight=workloads.checked_weight if workloads else guard.checked_weight,
        public_subnet_ids=network.public_subnet_ids,
        app_dependencies=[demo] if demo else [workloads.kustomization] if workloads else [],
        certificate_arns=certificates.arns if certificates else None,
        certificate_dependencies=certificates.validations if certificates else [],
    ),
)

pulumi.export("color", settings.color)
pulumi.export("clusterName", cluster.name)
pulumi.export("clusterVersion", settings.cluster_version)
pulumi.export("trafficWeight", settings.traffic_weight)
pulumi.export("txtOwnerId", external_dns.txt_owner_id)
pulumi.export("hostnames", list(settings.hostnames))
# With hostnames, what the peer's guard compares: both colours publish the same names into one zone.
pulumi.export("domain", settings.domain)
pulumi.export("hostedZoneId", settings.hosted_zone_id)
pulumi.export("tls", settings.tls)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("loadBalancerHostnames", traffic.load_balancer_hostnames)
pulumi.export(APPLIED_COMMIT, when_applied(declared, applied_commit(Path(__file__).parent, pulumi.get_stack())))
