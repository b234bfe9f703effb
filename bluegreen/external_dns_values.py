"""What we tell ExternalDNS: Helm values, Ingress annotations and the names they rely on.

One constant, ANNOTATION_PREFIX, is both passed to ExternalDNS (--annotation-prefix) and used to write
every annotation, so the v0.22 change of the default prefix cannot make ExternalDNS ignore us.
"""

from __future__ import annotations

from typing import Any

from bluegreen.settings import EXTERNAL_DNS_CHART_TESTED, PROJECT, Endpoint, Settings, version_tuple

CHART_NAME = "external-dns"
CHART_REPOSITORY = "https://kubernetes-sigs.github.io/external-dns/"
NAMESPACE = "external-dns"
# The chart names its ServiceAccount after the release's full name; fixing both keeps the IAM
# binding and the chart pointing at the same account.
RELEASE_NAME = "external-dns"
SERVICE_ACCOUNT = "external-dns"

# The GA prefix: the default from v0.22 on, and accepted by --annotation-prefix on earlier versions.
ANNOTATION_PREFIX = "external-dns.kubernetes.io/"

# Route 53 allows 5 API requests per second per account, shared by both colours' ExternalDNS:
# reconcile on Ingress/Service events, do the full sync rarely and cache the zone list.
ZONES_CACHE_DURATION = "1h"

# The stack's own IngressClass: not "alb", the name applications use, so that an application Ingress
# (delivered by Flux, say) cannot join the stack's ALB group and inherit its listeners.
INGRESS_CLASS = "eks-bluegreen"

# ExternalDNS publishes only Ingresses that carry this label (--label-filter): the stack's own. An
# application's Ingress or LoadBalancer Service with a host in the domain never reaches Route 53
# through this ExternalDNS, whose role may write the stack's names.
PUBLISH_LABEL = "eks-bluegreen/publish"
PUBLISH_LABEL_VALUE = "true"


def publish_labels() -> dict[str, str]:
    """Labels of every Ingress this stack publishes."""
    return {PUBLISH_LABEL: PUBLISH_LABEL_VALUE}


def chart_version_warning(version: str) -> str | None:
    """A chart newer than the one the tests cover may change how values become flags: say so at preview."""
    if version_tuple(version) <= version_tuple(EXTERNAL_DNS_CHART_TESTED):
        return None
    return (
        f"{PROJECT}:externalDnsChartVersion {version} is newer than {EXTERNAL_DNS_CHART_TESTED}, the chart this "
        "project's tests check the values and flags against; read its CHANGELOG before deploying"
    )


def ingress_name(endpoint: Endpoint, suffix: str = "") -> str:
    """The Ingress that publishes one shared hostname (ExternalDNS records it as ingress/<ns>/<name>)."""
    base = f"bluegreen-{endpoint.hostname.replace('.', '-')}"
    return base[: 63 - len(suffix)].rstrip("-") + suffix


def direct_ingress_name(endpoint: Endpoint) -> str:
    return ingress_name(endpoint, suffix="-direct")


def direct_hostname(color: str, endpoint: Endpoint) -> str:
    """The per-colour smoke-test name, a simple record that only this cluster publishes."""
    return f"{color}.{endpoint.hostname}"


def weighted_annotations(settings: Settings, endpoint: Endpoint) -> dict[str, str]:
    """Annotations that make ExternalDNS publish `endpoint` as this colour's weighted record."""
    return {
        ANNOTATION_PREFIX + "hostname": endpoint.hostname,
        ANNOTATION_PREFIX + "set-identifier": settings.color,
        ANNOTATION_PREFIX + "aws-weight": str(settings.traffic_weight),
    }


def direct_annotations(settings: Settings, endpoint: Endpoint) -> dict[str, str]:
    """Annotations for the smoke-test Ingress: a simple record, no set identifier, no weight."""
    return {ANNOTATION_PREFIX + "hostname": direct_hostname(settings.color, endpoint)}


def chart_values(settings: Settings, region: str) -> dict[str, Any]:
    """Values for the official external-dns chart (validated against its values.schema.json in tests)."""
    return {
        "fullnameOverride": RELEASE_NAME,
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        "provider": {"name": "aws"},
        # The stack publishes through its own Ingresses only: no `service` source, and a label filter.
        "sources": ["ingress"],
        "labelFilter": f"{PUBLISH_LABEL}={PUBLISH_LABEL_VALUE}",
        "registry": "txt",
        "txtOwnerId": settings.txt_owner_id,
        "policy": settings.external_dns_policy,
        "domainFilters": [settings.domain],
        "annotationPrefix": ANNOTATION_PREFIX,
        "interval": settings.external_dns_interval,
        "triggerLoopOnEvent": True,
        "extraArgs": [
            f"--zone-id-filter={settings.hosted_zone_id}",
            "--aws-zone-type=public",
            f"--aws-zones-cache-duration={ZONES_CACHE_DURATION}",
        ],
        "env": [{"name": "AWS_DEFAULT_REGION", "value": region}],
        "logLevel": "info",
        "logFormat": "json",
        "deploymentStrategy": {"type": "Recreate"},  # one instance at a time: no leader election
        "podSecurityContext": {
            "runAsNonRoot": True,
            "fsGroup": 65534,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "securityContext": {
            "privileged": False,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 65532,
            "runAsGroup": 65532,
            "capabilities": {"drop": ["ALL"]},
        },
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"cpu": "200m", "memory": "128Mi"},
        },
    }
