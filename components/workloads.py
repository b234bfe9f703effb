"""Workloads: Flux pulls the team's applications from one Git repository, with this colour's values.

Flux (the flux2 chart, source and kustomize controllers only), one GitRepository and one Kustomization.
The Kustomization carries `pulumi.com/waitFor: condition=Ready`, so the run that creates or changes it
waits until Flux reports every applied object healthy; the Ingresses depend on it. A weight change
does not touch the Kustomization, so when this colour takes traffic its live status is also read
on every run (preview too) and a weight above 0 is refused unless it is Ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from bluegreen import flux
from bluegreen.settings import Settings, Workloads
from components.cluster import Cluster
from components.protection import protected_while_live


@dataclass
class WorkloadsArgs:
    settings: Settings
    workloads: Workloads
    cluster: Cluster
    # This colour's weight as checked so far (the guard's); passed on only once the gate agrees.
    weight: pulumi.Output[int]


class LiveKustomization(pulumi.CustomResource):
    """A read of the Kustomization as it is in the cluster now (`CustomResource.get` keeps no status)."""

    status: pulumi.Output[Any]
    metadata: pulumi.Output[Any]

    def __init__(self, name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions):
        super().__init__(
            flux.KUSTOMIZATION_TYPE,
            name,
            {"apiVersion": None, "kind": None, "metadata": None, "status": None},
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)),
        )


class FluxWorkloads(pulumi.ComponentResource):
    kustomization: k8s.apiextensions.CustomResource
    """The Kustomization: depending on it means waiting until the workloads are Ready."""
    checked_weight: pulumi.Output[int]
    """The weight, resolved only when it is 0 or the Kustomization is Ready; fails the run otherwise."""

    def __init__(self, name: str, args: WorkloadsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("eks-bluegreen:index:Workloads", name, None, opts)
        settings, workloads = args.settings, args.workloads
        k8s_child = pulumi.ResourceOptions(parent=self, provider=args.cluster.provider)
        # Deleting Flux's namespace, Flux or the Kustomization on the live colour would prune the
        # workloads its Ingresses send traffic to: protected while live, like the Ingresses. The
        # GitRepository and its Secret are not: without them Flux stops updating but prunes nothing.
        live_child = protected_while_live(settings, k8s_child)
        namespace = k8s.core.v1.Namespace(
            f"{name}-ns", metadata=k8s.meta.v1.ObjectMetaArgs(name=flux.NAMESPACE), opts=live_child
        )
        release = k8s.helm.v3.Release(
            f"{name}-flux",
            name=flux.RELEASE_NAME,
            chart=flux.CHART_NAME,
            version=flux.CHART_VERSION,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=flux.CHART_REPOSITORY),
            namespace=namespace.metadata.name,
            values=flux.chart_values(),
            atomic=True,
            timeout=600,  # the first pods wait for Auto Mode to start a node
            opts=live_child,
        )
        source_dependencies: list[pulumi.Resource] = [release]
        secret_name = None
        if workloads.credentials:
            secret = k8s.core.v1.Secret(
                f"{name}-git-credentials",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=flux.CREDENTIALS_SECRET, namespace=flux.NAMESPACE),
                string_data={
                    key: pulumi.Output.secret(value.value or "") for key, value in workloads.credentials.items()
                },
                opts=pulumi.ResourceOptions.merge(k8s_child, pulumi.ResourceOptions(depends_on=[namespace])),
            )
            source_dependencies.append(secret)
            secret_name = flux.CREDENTIALS_SECRET
        repository = k8s.apiextensions.CustomResource(
            f"{name}-git-repository",
            api_version=flux.SOURCE_API,
            kind="GitRepository",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=flux.OBJECT_NAME, namespace=flux.NAMESPACE),
            spec=flux.git_repository_spec(workloads, secret_name),
            opts=pulumi.ResourceOptions.merge(k8s_child, pulumi.ResourceOptions(depends_on=source_dependencies)),
        )
        # Depending on Flux and the source means destroy deletes the Kustomization first, while the
        # controllers still run to prune (and wait for) the workloads.
        self.kustomization = k8s.apiextensions.CustomResource(
            f"{name}-kustomization",
            api_version=flux.KUSTOMIZE_API,
            kind="Kustomization",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=flux.OBJECT_NAME, namespace=flux.NAMESPACE, annotations=flux.WAIT_FOR_READY
            ),
            spec=flux.kustomization_spec(settings, workloads),
            opts=pulumi.ResourceOptions.merge(
                live_child,
                pulumi.ResourceOptions(
                    depends_on=[release, repository],
                    custom_timeouts=pulumi.CustomTimeouts(
                        create=flux.AWAIT_TIMEOUT, update=flux.AWAIT_TIMEOUT, delete=flux.AWAIT_TIMEOUT
                    ),
                ),
            ),
        )
        self.checked_weight = self._gate(name, settings, args.weight, k8s_child)
        self.register_outputs({"kustomization": f"{flux.NAMESPACE}/{flux.OBJECT_NAME}"})

    def _gate(
        self, name: str, settings: Settings, weight: pulumi.Output[int], opts: pulumi.ResourceOptions
    ) -> pulumi.Output[int]:
        if settings.traffic_weight == 0:
            return weight
        problem = pulumi.Output.from_input(self._live_problem(name, settings, opts))
        return pulumi.Output.all(weight, problem).apply(lambda values: _fail_on(values[1], values[0]))

    async def _live_problem(self, name: str, settings: Settings, opts: pulumi.ResourceOptions) -> str | None:
        """What the live Kustomization says against taking traffic, read after this run created or changed it.

        Its id is known once it exists: at preview for one already in the cluster, during an update
        once it has been created or changed (and awaited). A preview that will create it has nothing
        to read: then the Ready await, which every Ingress depends on, is the gate.
        """
        if not await self.kustomization.id.is_known():
            pulumi.log.info(
                f"{flux.NAMESPACE}/{flux.OBJECT_NAME} does not exist yet: the Ingresses wait for it to be Ready",
                resource=self,
            )
            return None
        live = LiveKustomization(f"{name}-live-status", self.kustomization.id, opts)
        metadata, status = await live.metadata.future(), await live.status.future()
        return flux.readiness_problem(settings, {"metadata": metadata, "status": status})


def _fail_on(problem: str | None, weight: int) -> int:
    if problem:
        raise pulumi.RunError(problem)
    return weight
