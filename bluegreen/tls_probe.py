"""A real TLS handshake with SNI to one address: is the certificate it serves valid for the name, and until when.

`verify` runs it against each colour's load balancer for every shared and direct hostname. The chain
is verified by the platform's trust store; the name is matched by our own rule (`tls.covers`, ACM's
one-label wildcard) so that a certificate for the wrong name still reports its expiry.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bluegreen import tls

HTTPS_PORT = 443
# ACM starts renewing 60 days before expiry; fewer than 30 days left means renewal is stuck
# (https://docs.aws.amazon.com/acm/latest/userguide/dns-renewal-validation.html).
MIN_DAYS_LEFT = 30

VALID = "valid"
EXPIRING = "expiring"
WRONG_NAME = "wrong name"
UNTRUSTED = "untrusted"
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class TlsResult:
    address: str
    server_name: str
    outcome: str  # one of VALID, EXPIRING, WRONG_NAME, UNTRUSTED, UNREACHABLE
    detail: str
    expires: datetime | None = None
    names: tuple[str, ...] = ()  # the certificate's DNS names (subject alternative names), when one was seen

    @property
    def ok(self) -> bool:
        return self.outcome == VALID

    def describe(self, now: datetime) -> str:
        expiry = ""
        if self.expires is not None:
            expiry = f"; expires {self.expires:%Y-%m-%d} ({(self.expires - now).days} days left)"
        return f"{self.outcome}: {self.detail}{expiry}"


def check(
    address: str,
    server_name: str,
    port: int = HTTPS_PORT,
    *,
    cafile: str | None = None,
    timeout: float = 5.0,
    now: datetime | None = None,
) -> TlsResult:
    """Handshake with `address` asking for `server_name` (SNI) and judge the certificate it presents.

    `cafile` replaces the platform's trust store (tests use their own CA).
    """
    now = now or datetime.now(UTC)
    context = ssl.create_default_context(cafile=cafile)
    context.check_hostname = False  # matched below, so that a wrong name still shows its expiry

    def result(outcome: str, detail: str, expires: datetime | None = None, names: tuple[str, ...] = ()) -> TlsResult:
        return TlsResult(address, server_name, outcome, detail, expires, names)

    try:
        with (
            socket.create_connection((address, port), timeout=timeout) as connection,
            context.wrap_socket(connection, server_hostname=server_name) as secured,
        ):
            certificate = secured.getpeercert()
    except ssl.SSLCertVerificationError as error:
        return result(UNTRUSTED, f"certificate not accepted: {error.verify_message}")
    except ssl.SSLError as error:
        return result(UNREACHABLE, f"no TLS handshake on port {port}: {error.reason or error}")
    except OSError as error:
        return result(UNREACHABLE, f"cannot connect to {address}:{port}: {error.strerror or error}")
    names = tuple(str(value) for kind, value in (certificate or {}).get("subjectAltName", ()) if kind == "DNS")
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(str((certificate or {})["notAfter"])), UTC)
    if not any(tls.covers(name, server_name) for name in names):
        return result(WRONG_NAME, f"certificate is for {', '.join(names) or 'no DNS name'}", expires, names)
    if expires - now < timedelta(days=MIN_DAYS_LEFT):
        return result(
            EXPIRING,
            f"fewer than {MIN_DAYS_LEFT} days left: ACM renews 60 days ahead, so renewal is stuck "
            "(is the validation CNAME still in the zone?)",
            expires,
            names,
        )
    return result(VALID, f"certificate valid for {server_name}", expires, names)
