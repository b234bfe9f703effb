"""Whether the public DNS sends a domain to our hosted zone: the one network look-up the program makes.

ACM validates a certificate by resolving the validation CNAME through the public DNS. When the
hosted zone is not the one the domain is delegated to (a new zone whose name servers were never
entered at the registrar or the parent zone), the record is written where nobody looks and the
validation waits for the provider's whole timeout. Comparing name servers at preview says so in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable

from bluegreen import dns as names
from bluegreen.settings import PROJECT


class LookupFailed(Exception):
    """The resolver could not answer (no network, timeout): the delegation is unknown, not wrong."""


def lookup_name_servers(domain: str, timeout: float = 5.0) -> set[str]:
    """The NS set the public DNS answers for `domain`; empty when the name does not exist or has no NS."""
    import dns.exception
    import dns.resolver  # dnspython, imported here: only the program's preview needs it

    try:
        answer = dns.resolver.resolve(domain, "NS", lifetime=timeout)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return set()
    except dns.exception.DNSException as error:
        raise LookupFailed(f"{type(error).__name__}: {error}") from error
    return {names.normalize(str(record.target)) for record in answer}  # type: ignore[attr-defined]


def delegation_problem(domain: str, zone_id: str, zone_name_servers: Iterable[str], public: set[str]) -> str | None:
    """The fix when the public DNS does not send `domain` to the zone's name servers."""
    ours = {names.normalize(n) for n in zone_name_servers}
    if public == ours:
        return None
    found = ", ".join(sorted(public)) if public else "no name servers at all"
    return (
        f"{PROJECT}:hostedZoneId {zone_id}: the public DNS sends {domain!r} to {found}, not to this zone's "
        f"name servers ({', '.join(sorted(ours))}), so ACM could never see the validation records; delegate "
        f"{domain} to these name servers (NS records at the registrar or in the parent zone) or use the "
        "zone the domain is delegated to"
    )
