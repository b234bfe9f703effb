"""Demo: a tiny HTTP echo app that answers with its colour and Kubernetes version (service demo/echo:80)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from bluegreen.settings import Settings
from components.cluster import Cluster

NAMESPACE = "demo"
SERVICE = "echo"
IMAGE = "hashicorp/http-echo:1.0.0"
CONTAINER_PORT = 5678


@dataclass
class DemoArgs:
    settings: Settings
    cluster: Cluster


class Demo(pulumi.ComponentResource):
    service: k8s.core.v1.Service

    def __init__(self, name: str, args: DemoArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("eks-bluegreen:index:Demo", name, None, opts)
        settings = args.settings
        k8s_child = pulumi.ResourceOptions(parent=self, provider=args.cluster.provider)
        labels = {"app": SERVICE}
        namespace = k8s.core.v1.Namespace(
            f"{name}-ns", metadata=k8s.meta.v1.ObjectMetaArgs(name=NAMESPACE), opts=k8s_child
        )
        deployment = k8s.apps.v1.Deployment(
            f"{name}-echo",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=SERVICE, namespace=namespace.metadata.name),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=2,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True,
                            run_as_user=65532,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                        ),
                        containers=[
                            k8s.core.v1.ContainerArgs(
                                name="echo",
                                image=IMAGE,
                                args=[f"-text=color={settings.color} version={settings.cluster_version}"],
                                ports=[k8s.core.v1.ContainerPortArgs(container_port=CONTAINER_PORT)],
                                readiness_probe=k8s.core.v1.ProbeArgs(
                                    http_get=k8s.core.v1.HTTPGetActionArgs(path="/", port=CONTAINER_PORT)
                                ),
                                resources=k8s.core.v1.ResourceRequirementsArgs(
                                    requests={"cpu": "10m", "memory": "16Mi"}, limits={"memory": "32Mi"}
                                ),
                                security_context=k8s.core.v1.SecurityContextArgs(
                                    allow_privilege_escalation=False,
                                    read_only_root_filesystem=True,
                                    capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                                ),
                            )
                        ],
                    ),
                ),
            ),
            opts=k8s_child,
        )
        self.service = k8s.core.v1.Service(
            f"{name}-svc",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=SERVICE, namespace=namespace.metadata.name),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=labels,
                ports=[k8s.core.v1.ServicePortArgs(port=80, target_port=CONTAINER_PORT)],
            ),
            opts=pulumi.ResourceOptions.merge(k8s_child, pulumi.ResourceOptions(depends_on=[deployment])),
        )
        self.register_outputs({"service": f"{NAMESPACE}/{SERVICE}"})
