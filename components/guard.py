"""Guard: stops a preview that would publish nothing, share an owner id, leave every weight at 0, or
leave a hostname served only at weight 0 or mix TLS (the pair rule of bluegreen/pair_agreement.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from bluegreen import guard_checks as checks
from bluegreen.settings import PROJECT, Settings


@dataclass
class GuardArgs:
    settings: Settings


class Guard(pulumi.ComponentResource):
    """Checks against deployed state, run at preview.

    `checked_weight` is this colour's weight, resolved only once the peer check passed: the Ingresses
    that carry the weight are built from it, so a failed check leaves no record to publish.
    """

    checked_weight: pulumi.Output[int]

    def __init__(self, name: str, args: GuardArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("eks-bluegreen:index:Guard", name, None, opts)
        settings = args.settings
        zone = aws.route53.get_zone(zone_id=settings.hosted_zone_id, opts=pulumi.InvokeOptions(parent=self))
        _fail_on(checks.zone_name_problem(settings, zone.name))
        # Only a colour at weight 0 needs its peer; a live colour must deploy even before the peer exists.
        if settings.traffic_weight == 0:
            # A missing stack fails the read in the engine ("unknown stack"), where no program can
            # catch it (pulumi/pulumi#11275): say beforehand what the read is for and what fixes it.
            pulumi.log.info(
                f"weight 0: reading stack {settings.peer_stack!r} to make sure it carries traffic; if it "
                f"does not exist yet, deploy it first or set {PROJECT}:peerStack to its name",
                resource=self,
            )
            peer = pulumi.StackReference(settings.peer_stack, opts=pulumi.ResourceOptions(parent=self))
            names = ("trafficWeight", "txtOwnerId", *checks.PEER_AGREEMENT_OUTPUTS, checks.PEER_TLS_OUTPUT)
            self.checked_weight = pulumi.Output.all(*(peer.get_output(n) for n in names)).apply(
                lambda values: self._check_peer(settings, dict(zip(names, values, strict=True)))
            )
        else:
            self.checked_weight = pulumi.Output.from_input(settings.traffic_weight)
        self.register_outputs({"checkedWeight": self.checked_weight})

    def _check_peer(self, settings: Settings, outputs: dict[str, Any]) -> int:
        if missing := [n for n in checks.PEER_AGREEMENT_OUTPUTS if outputs[n] is None]:
            pulumi.log.warn(
                f"stack {settings.peer_stack!r} exports no {', '.join(missing)} (deployed by an older version): "
                "not compared with this stack; deploy it again to compare them",
                resource=self,
            )
        return _fail_on(
            checks.all_zero_problem(settings, outputs["trafficWeight"])
            or checks.owner_id_problem(settings, outputs["txtOwnerId"])
            or checks.peer_agreement_problem(settings, pulumi.get_stack(), outputs),
            settings.traffic_weight,
        )


def _fail_on(problem: str | None, weight: int = 0) -> int:
    if problem:
        raise pulumi.RunError(problem)
    return weight
