"""HTTPS rules: which names each colour's certificates carry, which validation records they share, the
listener annotations, and what an existing certificate must cover. Pure functions, no files and no AWS.

Facts (sources in the README's HTTPS section):
- ACM allows 10 names per certificate by default; `certificateNameQuota` follows a raised quota.
- ACM gives every certificate of one account the same validation CNAME for the same name, and `*.x`
  shares the record of `x`: one record per distinct name with the wildcard stripped.
- A wildcard covers exactly one label: `*.example.com` covers `app.example.com`, not
  `blue.app.example.com` and not `example.com`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bluegreen import dns, external_dns_values
from bluegreen.settings import PROJECT, Settings

# AWS's recommended policy for ALB HTTPS listeners: TLS 1.3 and 1.2 with forward secrecy only.
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
HTTPS_PORT = 443
ISSUED = "ISSUED"
# The provider waits up to 75 minutes for issuance by default (terraform-provider-aws,
# internal/service/acm/certificate_validation.go). With the delegation checked before, the usual
# cause of a hang is gone; a certificate still pending after this long needs a person.
VALIDATION_TIMEOUT = "30m"

ALB_ANNOTATION = "alb.ingress.kubernetes.io/"


def required_names(settings: Settings) -> list[str]:
    """Every name this colour's load balancer must present a certificate for, each host next to its direct name.

    Both colours need every shared hostname (the weighted record sends a client to either);
    `<color>.<host>` reaches only this colour.
    """
    names: list[str] = []
    for endpoint in settings.endpoints:
        names.append(endpoint.hostname)
        if settings.direct_hostnames:
            names.append(external_dns_values.direct_hostname(settings.color, endpoint))
    return names


def certificate_names(settings: Settings) -> list[list[str]]:
    """The names of each certificate to request, in order, at most `certificate_name_quota` per certificate.

    Adding a hostname at the end changes only the last certificate.
    """
    names = required_names(settings)
    quota = settings.certificate_name_quota
    return [names[start : start + quota] for start in range(0, len(names), quota)]


def validation_name(name: str) -> str:
    """The name whose validation CNAME ACM asks for: a wildcard shares the record of its base name."""
    return dns.normalize(name).removeprefix("*.")


def validation_names(names: Iterable[str]) -> list[str]:
    """Distinct validation names, in first-seen order."""
    return list(dict.fromkeys(validation_name(n) for n in names))


def listener_annotations(settings: Settings) -> dict[str, str]:
    """Listeners for every Ingress of the group: HTTPS 443, and 80 only to redirect to it.

    `ssl-redirect` and `ssl-policy` are "Exclusive" in a group (every Ingress must carry the same
    value), so the same map goes on every Ingress. Without TLS: nothing, the default HTTP 80.
    """
    if not settings.tls:
        return {}
    return {
        ALB_ANNOTATION + "listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": HTTPS_PORT}], separators=(",", ":")),
        ALB_ANNOTATION + "ssl-redirect": str(HTTPS_PORT),
        ALB_ANNOTATION + "ssl-policy": SSL_POLICY,
    }


def covers(certificate_name: str, hostname: str) -> bool:
    """Whether a certificate name matches a host name, with ACM's one-label wildcard rule."""
    pattern, host = dns.normalize(certificate_name), dns.normalize(hostname)
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    first, _, rest = host.partition(".")
    return bool(first) and rest == pattern[2:]


def uncovered(certificate_names: Iterable[str], hostnames: Iterable[str]) -> list[str]:
    """The host names that no certificate name covers."""
    names = list(certificate_names)
    return [h for h in hostnames if not any(covers(n, h) for n in names)]


@dataclass(frozen=True)
class ExistingCertificate:
    """What ACM says about a certificate given in `certificateArn`."""

    arn: str
    status: str
    names: Sequence[str]  # the domain name and every subject alternative name


def arn_region(arn: str) -> str:
    return arn.split(":")[3]


def region_problems(arns: Iterable[str], region: str) -> list[str]:
    """An ALB can only use ACM certificates of its own region."""
    return [
        f"{PROJECT}:certificateArn {arn} is in region {arn_region(arn)}, but this stack deploys to {region}: "
        f"an ALB serves only certificates of its own region; request or import one in {region}"
        for arn in arns
        if arn_region(arn) != region
    ]


def existing_certificate_problems(settings: Settings, certificates: Sequence[ExistingCertificate]) -> list[str]:
    """Every given certificate issued, and together covering every name this colour serves."""
    problems = [
        f"{PROJECT}:certificateArn {c.arn} is {c.status}, not {ISSUED}: an ALB serves only issued certificates"
        for c in certificates
        if c.status != ISSUED
    ]
    missing = uncovered([n for c in certificates for n in c.names], required_names(settings))
    if missing:
        problems.append(
            f"{PROJECT}:certificateArn: no certificate covers {', '.join(missing)} (a wildcard covers one "
            "label only: *.example.com covers app.example.com, not blue.app.example.com); add a certificate "
            "with these names, or remove certificateArn to have the stack request them"
        )
    return problems


@dataclass(frozen=True)
class ColourTls:
    """One colour's `tls` setting and weight, as a stack file or a deployed stack says."""

    stack: str
    tls: bool
    weight: int


def mixed_pair_problem(one: ColourTls, other: ColourTls) -> str | None:
    """Both colours must agree on `tls`, except halfway through changing it.

    The one mixed pair allowed is the colour with TLS carrying no traffic while the other carries
    it: TLS turned on for the standby first (or off for the live one first). Any other mix sends
    some clients of the shared hostnames to a load balancer that does not serve what they expect.
    """
    if one.tls == other.tls:
        return None
    with_tls, without = (one, other) if one.tls else (other, one)
    if with_tls.weight == 0 and without.weight > 0:
        return None
    if without.weight == 0 and with_tls.weight > 0:
        return (
            f"{PROJECT}:tls is false on {without.stack} (weight 0) while {with_tls.stack} (weight "
            f"{with_tls.weight}) serves HTTPS: traffic moved to {without.stack} would break every https:// "
            f"client; set tls: true on {without.stack} first (TLS goes on the standby colour first, then the live one)"
        )
    return (
        f"{PROJECT}:tls differs between the colours ({with_tls.stack} HTTPS at weight {with_tls.weight}, "
        f"{without.stack} plain HTTP at weight {without.weight}) while both carry traffic: clients of the "
        f"shared hostnames would get HTTPS from one and not the other; until tls is the same on both, only "
        f"{without.stack} may carry traffic: set tls: true on {without.stack} first"
    )


@dataclass(frozen=True)
class HandshakeTarget:
    """One TLS handshake `verify` makes: a colour's load balancer, asked for one name."""

    color: str
    address: str | None  # the load balancer the colour's weighted record points at; None: no such record
    server_name: str


def handshake_targets(
    stacks: Mapping[str, Settings], addresses: Mapping[tuple[str, str], str]
) -> list[HandshakeTarget]:
    """Each colour with TLS, at the address of its weighted record per shared hostname, asked for that
    hostname and (with `directHostnames`) the colour's direct name, which the same load balancer serves.

    `addresses` maps (colour, hostname) to the alias target or address of that colour's weighted record.
    """
    targets = []
    for color, settings in stacks.items():
        if not settings.tls:
            continue
        for endpoint in settings.endpoints:
            address = addresses.get((color, endpoint.hostname))
            targets.append(HandshakeTarget(color, address, endpoint.hostname))
            if settings.direct_hostnames:
                direct = external_dns_values.direct_hostname(color, endpoint)
                targets.append(HandshakeTarget(color, address, direct))
    return targets
