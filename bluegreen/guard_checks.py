"""Preview-time checks against what is deployed: each returns a message naming the fix, or None."""

from __future__ import annotations

from typing import Any

from bluegreen import dns
from bluegreen.settings import PROJECT, Settings, parse_weight


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
    # Stack outputs travel as JSON numbers: the SDK hands the peer's weight 1 back as 1.0.
    if isinstance(peer_weight, float) and peer_weight.is_integer():
        peer_weight = int(peer_weight)
    weight = parse_weight(peer_weight)
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
