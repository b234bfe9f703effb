"""What blue and green must agree on, so that every shared name gets the traffic the weights say.

One rule for the program's guard (a colour at weight 0 against its peer's exported `hostnames`,
`domain` and `hostedZoneId`) and for the offline commands (both stack files). Pure: no files, no
Pulumi, no AWS.

Route 53 answers a name from the records that exist for it: when every record of a name has weight 0
it treats them like an all-zero group and sends that name all its traffic. So a hostname served only
by colours at weight 0 is as good as live on them. It is added on the colour carrying traffic first
and removed from the standby first, one pull request each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bluegreen import dns, tls
from bluegreen.settings import PROJECT, Settings


@dataclass(frozen=True)
class PublishedSide:
    """What one stack publishes into Route 53. None: not known (a peer deployed before it was exported)."""

    stack: str
    weight: int
    hostnames: frozenset[str] | None
    domain: str | None
    hosted_zone_id: str | None
    tls: bool | None = None

    @classmethod
    def from_settings(cls, stack: str, settings: Settings) -> PublishedSide:
        return cls(
            stack,
            settings.traffic_weight,
            frozenset(settings.hostnames),
            settings.domain,
            settings.hosted_zone_id,
            settings.tls,
        )

    @classmethod
    def from_outputs(
        cls,
        stack: str,
        weight: int,
        hostnames: Iterable[str] | None,
        domain: str | None,
        hosted_zone_id: str | None,
        tls: bool | None = None,
    ) -> PublishedSide:
        """A deployed stack as its outputs describe it, names normalised like the settings'."""
        return cls(
            stack,
            weight,
            None if hostnames is None else frozenset(dns.normalize(h) for h in hostnames),
            None if domain is None else dns.normalize(domain),
            hosted_zone_id,
            tls,
        )


def agreement_problems(sides: Sequence[PublishedSide]) -> list[str]:
    """Why these stacks do not publish the same names into the same zone safely; empty when they do.

    Names that every stack serves with every weight 0 are left to the all-zero rule (allowAllZero).
    """
    problems = []
    for key, label in (("domain", "domain"), ("hosted_zone_id", "hostedZoneId")):
        known = {side.stack: getattr(side, key) for side in sides if getattr(side, key) is not None}
        if len(set(known.values())) > 1:
            values = ", ".join(f"{stack} has {value!r}" for stack, value in known.items())
            problems.append(
                f"{PROJECT}:{label} differs ({values}): both colours must publish into the same zone, "
                f"so give every stack the same {PROJECT}:domain and {PROJECT}:hostedZoneId"
            )
    if len(sides) == 2 and sides[0].tls is not None and sides[1].tls is not None:
        one, other = (tls.ColourTls(side.stack, side.tls, side.weight) for side in sides if side.tls is not None)
        if problem := tls.mixed_pair_problem(one, other):
            problems.append(problem)
    if any(side.hostnames is None for side in sides):
        return problems  # cannot tell which colours serve a name
    for hostname in sorted(set().union(*(side.hostnames or () for side in sides))):
        serving = [side for side in sides if hostname in (side.hostnames or ())]
        if any(side.weight > 0 for side in serving) or len(serving) == len(sides):
            continue
        missing = [side for side in sides if side not in serving]
        problems.append(
            f"{hostname} would be served only by {_stacks(serving)} at weight 0 ({_stacks(missing)} does not "
            "list it), and Route 53 sends all of a name's traffic to its only records even at weight 0: "
            "add a hostname to the colour carrying traffic first and remove it from the standby first, "
            "each in its own pull request"
        )
    return problems


def _stacks(sides: Iterable[PublishedSide]) -> str:
    return ", ".join(repr(side.stack) for side in sides)
