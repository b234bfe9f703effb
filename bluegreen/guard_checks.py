"""Preview-time checks against what is deployed: each returns a message naming the fix, or None."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bluegreen import dns
from bluegreen.pair_agreement import PublishedSide, agreement_problems
from bluegreen.settings import PROJECT, Settings, parse_weight

# The peer's outputs the pair rule reads, beside trafficWeight (and `tls`, which an older peer lacks).
PEER_AGREEMENT_OUTPUTS = ("hostnames", "domain", "hostedZoneId")
PEER_TLS_OUTPUT = "tls"


def zone_name_problem(settings: Settings, zone_name: str) -> str | None:
    """ExternalDNS's domain filter must match the zone, or it silently publishes nothing."""
    if dns.normalize(zone_name) == settings.domain:
        return None
    return (
        f"{PROJECT}:hostedZoneId {settings.hosted_zone_id} is the zone {dns.normalize(zone_name)!r}, "
        f"but {PROJECT}:domain is {settings.domain!r}: set domain to the zone's name or use that domain's zone id"
    )


def all_zero_problem(settings: Settings, peer_weight: Any) -> str | None:
    """With this colour at weight 0, the peer must carry traffic, or Route 53 splits it equally."""
    if settings.traffic_weight > 0 or settings.allow_all_zero:
        return None
    fix = f"raise one colour's {PROJECT}:trafficWeight first, or set {PROJECT}:allowAllZero: true"
    if peer_weight is None:
        return (
            f"{PROJECT}:trafficWeight is 0 and the peer stack {settings.peer_stack!r} has no deployed "
            f"trafficWeight output (not deployed yet, or the name is wrong: set {PROJECT}:peerStack); "
            f"nothing would carry traffic: {fix}"
        )
    weight = _output_weight(peer_weight)
    if weight is None:
        return f"the peer stack {settings.peer_stack!r} exports trafficWeight {peer_weight!r}, not an integer 0..255"
    if weight == 0:
        return (
            f"both colours would have weight 0 ({settings.color} here, {settings.peer_color} in "
            f"{settings.peer_stack!r}); Route 53 then splits traffic equally between them: {fix}"
        )
    return None


def owner_id_problem(settings: Settings, peer_owner_id: Any) -> str | None:
    """Two ExternalDNS instances with one owner id under --policy=sync delete each other's records."""
    if peer_owner_id is None or peer_owner_id != settings.txt_owner_id:
        return None
    return (
        f"{PROJECT}:txtOwnerId {settings.txt_owner_id!r} is also the owner id of {settings.peer_stack!r}; "
        "under --policy=sync each ExternalDNS would delete the other's records: give each colour its own"
    )


def peer_agreement_problem(settings: Settings, stack: str, peer_outputs: Mapping[str, Any]) -> str | None:
    """The pair rule (`bluegreen.pair_agreement`) between this stack and its peer's deployed outputs.

    An output the peer does not export (deployed by an older version) is not compared.
    """
    hostnames = peer_outputs.get("hostnames")
    peer = PublishedSide.from_outputs(
        settings.peer_stack,
        # A weight the all-zero check let through unparsed (allowAllZero) counts as 0.
        weight=_output_weight(peer_outputs.get("trafficWeight")) or 0,
        hostnames=[str(h) for h in hostnames] if isinstance(hostnames, list) else None,
        domain=_text(peer_outputs.get("domain")),
        hosted_zone_id=_text(peer_outputs.get("hostedZoneId")),
        # A peer without a `tls` output was deployed before HTTPS existed: it serves plain HTTP.
        tls=peer_outputs.get("tls") is True,
    )
    problems = agreement_problems([PublishedSide.from_settings(stack, settings), peer])
    return "; ".join(problems) or None


def _output_weight(value: Any) -> int | None:
    # Stack outputs travel as JSON numbers: the SDK hands the peer's weight 1 back as 1.0.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return parse_weight(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
