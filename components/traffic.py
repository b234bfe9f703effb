"""Traffic: one ALB-backed Ingress per shared hostname, annotated for ExternalDNS with this colour's weight."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from bluegreen import external_dns_values as externaldns
from bluegreen import tls
from bluegreen.settings import Endpoint, Settings
from components.cluster import Cluster
from components.external_dns import ExternalDns
from components.protection import protected_while_live

# EKS Auto Mode's own load balancing: the controller and parameter kind it watches.
AUTO_MODE_ALB_CONTROLLER = "eks.amazonaws.com/alb"
AUTO_MODE_API_GROUP = "eks.amazonaws.com"


@dataclass
class TrafficArgs:
    settings: Settings
    cluster: Cluster
    external_dns: ExternalDns
    # The weight once every check allows it (the guard's, and the workloads' health when Flux is on).
    checked_weight: pulumi.Output[int]
    public_subnet_ids: pulumi.Input[Sequence[str]]
    # What the backends need first: the demo app's namespace and Service, or Flux's Kustomization.
    app_dependencies: Sequence[pulumi.Resource] = ()
    # Issued certificates for the load balancer (None: plain HTTP), and what must outlive it on
    # destroy: ACM refuses to delete a certificate while a load balancer uses it.
    certificate_arns: pulumi.Input[Sequence[str]] | None = None
    certificate_dependencies: Sequence[pulumi.Resource] = ()


def ingress_spec(endpoint: Endpoint, hostname: str) -> k8s.networking.v1.IngressSpecArgs:
    return k8s.networking.v1.IngressSpecArgs(
        ingress_class_name=externaldns.INGRESS_CLASS,
        rules=[
            k8s.networking.v1.IngressRuleArgs(
                host=hostname,
                http=k8s.networking.v1.HTTPIngressRuleValueArgs(
                    paths=[
                        k8s.networking.v1.HTTPIngressPathArgs(
                            path="/",
                            path_type="Prefix",
                            backend=k8s.networking.v1.IngressBackendArgs(
                                service=k8s.networking.v1.IngressServiceBackendArgs(
                                    name=endpoint.service,
                                    port=k8s.networking.v1.ServiceBackendPortArgs(number=endpoint.port),
                                )
                            ),
                        )
                    ]
                ),
            )
        ],
    )


class Traffic(pulumi.ComponentResource):
    load_balancer_hostnames: pulumi.Output[list[str]]

    def __init__(self, name: str, args: TrafficArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("eks-bluegreen:index:Traffic", name, None, opts)
        settings = args.settings
        k8s_child = pulumi.ResourceOptions(parent=self, provider=args.cluster.provider)
        params = k8s.apiextensions.CustomResource(
            f"{name}-alb-params",
            api_version=f"{AUTO_MODE_API_GROUP}/v1",
            kind="IngressClassParams",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=externaldns.INGRESS_CLASS),
            spec={
                "scheme": "internet-facing",
                "subnets": {"ids": args.public_subnet_ids},
                # One ALB per cluster for every hostname, weighted and direct alike.
                "group": {"name": settings.cluster_name},
                # Issued ARNs only (from the validations): the params depend on them through this input.
                **({"certificateARNs": args.certificate_arns} if args.certificate_arns is not None else {}),
            },
            opts=k8s_child,
        )
        ingress_class = k8s.networking.v1.IngressClass(
            f"{name}-alb-class",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=externaldns.INGRESS_CLASS),
            spec=k8s.networking.v1.IngressClassSpecArgs(
                controller=AUTO_MODE_ALB_CONTROLLER,
                parameters=k8s.networking.v1.IngressClassParametersReferenceArgs(
                    api_group=AUTO_MODE_API_GROUP, kind="IngressClassParams", name=externaldns.INGRESS_CLASS
                ),
            ),
            opts=pulumi.ResourceOptions.merge(k8s_child, pulumi.ResourceOptions(depends_on=[params])),
        )
        # Ingresses depend on ExternalDNS so that destroy removes them first, while ExternalDNS is
        # still running to delete the records it made for them.
        # Protected while live: removing a hostname from the live colour is a deliberate act (README).
        ingress_opts = protected_while_live(
            settings,
            pulumi.ResourceOptions.merge(
                k8s_child,
                pulumi.ResourceOptions(
                    depends_on=[
                        ingress_class,
                        args.external_dns,
                        *args.app_dependencies,
                        *args.certificate_dependencies,
                    ]
                ),
            ),
        )
        # The same listeners on every Ingress: ssl-redirect and ssl-policy must agree across the group.
        listeners = tls.listener_annotations(settings)

        def ingress(
            hostname: str, endpoint: Endpoint, kube_name: str, annotations: pulumi.Input[dict[str, str]]
        ) -> k8s.networking.v1.Ingress:
            return k8s.networking.v1.Ingress(
                f"{name}-{hostname}",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=kube_name,
                    namespace=endpoint.namespace,
                    labels=externaldns.publish_labels(),
                    annotations=annotations,
                ),
                spec=ingress_spec(endpoint, hostname),
                opts=ingress_opts,
            )

        ingresses: list[k8s.networking.v1.Ingress] = []
        for endpoint in settings.endpoints:
            # Built from the checked weight: no weight annotation until every check passed.
            weighted = args.checked_weight.apply(
                lambda _, endpoint=endpoint: {**externaldns.weighted_annotations(settings, endpoint), **listeners}
            )
            ingresses.append(ingress(endpoint.hostname, endpoint, externaldns.ingress_name(endpoint), weighted))
            if settings.direct_hostnames:
                ingresses.append(
                    ingress(
                        externaldns.direct_hostname(settings.color, endpoint),
                        endpoint,
                        externaldns.direct_ingress_name(endpoint),
                        {**externaldns.direct_annotations(settings, endpoint), **listeners},
                    )
                )
        self.load_balancer_hostnames = pulumi.Output.all(
            *(ingress.status.apply(_load_balancer_hostname) for ingress in ingresses)
        ).apply(lambda names: sorted({n for n in names if n}))
        self.register_outputs({"loadBalancerHostnames": self.load_balancer_hostnames})


def _load_balancer_hostname(status: k8s.networking.v1.outputs.IngressStatus | None) -> str | None:
    """The ALB's DNS name once Auto Mode has provisioned it (unknown during a first preview)."""
    if status is None or status.load_balancer is None or not status.load_balancer.ingress:
        return None
    return status.load_balancer.ingress[0].hostname
