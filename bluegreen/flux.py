"""What we tell Flux: chart values, the GitRepository and Kustomization specs, and when a Kustomization is Ready.

Pure functions, no Pulumi and no cluster. Facts are from the fluxcd-community flux2 chart 2.18.3
(values.yaml and templates, see tests/fixtures/flux2/SOURCE.md) and the Flux v1 APIs
(fluxcd/kustomize-controller api/v1/kustomization_types.go: interval and prune are required;
deletionPolicy MirrorPrune, Delete, WaitForTermination or Orphan; the Ready condition).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bluegreen.settings import Settings, Workloads

CHART_NAME = "flux2"
CHART_VERSION = "2.18.3"  # app 2.8.5
CHART_REPOSITORY = "https://fluxcd-community.github.io/helm-charts"
NAMESPACE = "flux-system"
RELEASE_NAME = "flux"
OBJECT_NAME = "workloads"  # the GitRepository and the Kustomization
CREDENTIALS_SECRET = "workloads-git"

SOURCE_API = "source.toolkit.fluxcd.io/v1"
KUSTOMIZE_API = "kustomize.toolkit.fluxcd.io/v1"
KUSTOMIZATION_TYPE = f"kubernetes:{KUSTOMIZE_API}:Kustomization"

# The controllers this project needs (Git source and Kustomize apply); the chart creates six by default.
KEPT_CONTROLLERS = ("sourceController", "kustomizeController")
DROPPED_CONTROLLERS = (
    "helmController",
    "imageAutomationController",
    "imageReflectionController",
    "notificationController",
)
# Requests are the chart's; limits are the ones `flux install` sets (and the chart suggests in comments).
CONTROLLER_RESOURCES = {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1000m", "memory": "1Gi"}}
# The chart's own container securityContext (templates/*-controller.yaml), written out so it stays
# at least that strict whatever a later chart changes.
CONTROLLER_SECURITY_CONTEXT = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True,
    "runAsUser": 65534,
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}

# Auto Mode starts a node for the first pods that need one: a minute or two before images are pulled.
# Flux gives up a reconciliation after `timeout` and retries after `retryInterval`; Pulumi waits
# for Ready up to AWAIT_TIMEOUT, long enough for a retry after a first attempt that timed out.
RECONCILE_INTERVAL = "5m"
RECONCILE_TIMEOUT = "10m"
RETRY_INTERVAL = "1m"
SOURCE_INTERVAL = "1m"
AWAIT_TIMEOUT = "25m"
WAIT_FOR_READY = {"pulumi.com/waitFor": "condition=Ready"}


def chart_values() -> dict[str, Any]:
    """flux2 chart values: the source and kustomize controllers only, with resources and security context."""
    values: dict[str, Any] = {"installCRDs": True}
    values.update({name: {"create": False} for name in DROPPED_CONTROLLERS})
    values.update(
        {
            name: {"create": True, "resources": CONTROLLER_RESOURCES, "securityContext": CONTROLLER_SECURITY_CONTEXT}
            for name in KEPT_CONTROLLERS
        }
    )
    return values


def substitutions(settings: Settings) -> dict[str, str]:
    """postBuild.substitute: this colour's values, all strings (Flux substitutes text: "1.30" must not be 1.3)."""
    return {
        "color": settings.color,
        "clusterName": settings.cluster_name,
        "clusterVersion": settings.cluster_version,
        "domain": settings.domain,
        "hostnames": ",".join(settings.hostnames),
    }


def git_repository_spec(workloads: Workloads, credentials_secret: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "url": workloads.url,
        "ref": {workloads.ref_kind: workloads.ref},
        "interval": SOURCE_INTERVAL,
    }
    if credentials_secret:
        spec["secretRef"] = {"name": credentials_secret}
    return spec


def kustomization_spec(settings: Settings, workloads: Workloads) -> dict[str, Any]:
    return {
        "sourceRef": {"kind": "GitRepository", "name": OBJECT_NAME},
        "path": workloads.path,
        "interval": RECONCILE_INTERVAL,
        "retryInterval": RETRY_INTERVAL,
        "timeout": RECONCILE_TIMEOUT,
        "prune": True,
        # Ready then means every applied object is healthy, not just applied.
        "wait": True,
        # Deleting the Kustomization deletes the workloads and waits until they are gone, so the load
        # balancers, volumes and network interfaces they made are released before the cluster and VPC.
        "deletionPolicy": "WaitForTermination",
        "postBuild": {"substitute": substitutions(settings)},
    }


def readiness_problem(settings: Settings, live: Mapping[str, Any] | None) -> str | None:
    """Why this colour may not take traffic given the live Kustomization object, or None when it is Ready."""
    if settings.traffic_weight == 0:
        return None
    name = f"Kustomization {NAMESPACE}/{OBJECT_NAME} on {settings.cluster_name}"
    status = (live or {}).get("status") or {}
    conditions: Sequence[Mapping[str, Any]] = status.get("conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    generation = _whole(((live or {}).get("metadata") or {}).get("generation"))
    observed = _whole(status.get("observedGeneration"))
    if ready is not None and ready.get("status") == "True":
        if generation is None or observed is None or observed >= generation:
            return None
        reported = f"Ready=True for generation {observed}, but the spec is at generation {generation}"
    elif ready is None:
        reported = "no Ready condition yet"
    else:
        reported = f"Ready={ready.get('status')}, reason {ready.get('reason')}: {ready.get('message')}"
    return (
        f"{name} is not Ready ({reported}), so trafficWeight {settings.traffic_weight} is refused: "
        f"fix the workloads (`flux get kustomizations -n {NAMESPACE}`, `kubectl describe kustomization "
        f"-n {NAMESPACE} {OBJECT_NAME}`) or set trafficWeight to 0 on this colour"
    )


def _whole(number: Any) -> int | None:
    """A generation as read back (the engine carries every number as a double)."""
    return None if number is None else int(number)
