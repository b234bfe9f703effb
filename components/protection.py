"""Protection while live: the one rule every component uses to keep the colour carrying traffic alive.

`pulumi destroy` deletes dependents first and, since Pulumi 3.149, keeps going past a protect error,
so protecting only the cluster would still let the engine delete the Ingresses (and with them the
Route 53 records) of the live colour. Everything that carries or publishes traffic takes these
options; what may legitimately be replaced while live (a certificate whose names change) does not.
"""

from __future__ import annotations

import pulumi

from bluegreen.settings import Settings


def protected_while_live(settings: Settings, opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
    """`opts` plus `protect` while this colour carries traffic (trafficWeight > 0); at weight 0, nothing is."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=settings.carries_traffic))
