"""The TLS check of `verify` against real TLS servers on 127.0.0.1, with certificates made here.

A test CA signs three server certificates: one valid for the name, one for another name, one that
expires in 10 days. Each is served by its own listener; the check does a real handshake with SNI.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import pytest

from bluegreen import tls_probe
from tests.support.tls_servers import NOW, Pki, serve

NAME = "app.example.test"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int | str]]:
    pki = Pki(tmp_path_factory.mktemp("pki"))
    # Like an ALB with several certificates: the one for the name the client asks for, else a default.
    by_name = pki.leaf("sni-default", ["default.example.test"], days=90)
    for_name = pki.leaf("sni-match", [NAME], days=90)

    def choose(connection: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, _: ssl.SSLContext) -> None:
        if server_name == NAME:
            connection.context = for_name

    by_name.sni_callback = choose  # type: ignore[assignment]
    listeners = {
        "sni": serve(by_name),
        "valid": serve(pki.leaf("valid", [NAME, f"blue.{NAME}"], days=90)),
        "wrong": serve(pki.leaf("wrong", ["other.example.test"], days=90)),
        "expiring": serve(pki.leaf("expiring", [NAME], days=10)),
        "wildcard": serve(pki.leaf("wildcard", ["*.example.test"], days=90)),
    }
    yield {"cafile": str(pki.ca_file), **{label: port for label, (_, port) in listeners.items()}}
    for listener, _ in listeners.values():
        listener.close()


def check(servers: dict[str, int | str], label: str, name: str = NAME) -> tls_probe.TlsResult:
    return tls_probe.check("127.0.0.1", name, int(servers[label]), cafile=str(servers["cafile"]), timeout=5)


def test_a_valid_certificate_passes_with_its_expiry(servers: dict[str, int | str]) -> None:
    result = check(servers, "valid")
    assert result.ok and result.outcome == tls_probe.VALID
    assert result.expires is not None and 88 <= (result.expires - NOW).days <= 90
    assert "(89 days left)" in result.describe(NOW) or "(90 days left)" in result.describe(NOW)


def test_the_server_name_is_sent_and_matched_for_each_name(servers: dict[str, int | str]) -> None:
    assert check(servers, "sni").ok  # the server picked the certificate by the name the check sent
    assert check(servers, "sni", f"blue.{NAME}").detail == "certificate is for default.example.test"
    assert check(servers, "valid", f"blue.{NAME}").ok
    assert check(servers, "wildcard", NAME).ok
    wrong = check(servers, "wildcard", f"blue.{NAME}")  # *.example.test covers one label only
    assert wrong.outcome == tls_probe.WRONG_NAME


def test_a_certificate_for_another_name_fails_and_still_shows_its_expiry(servers: dict[str, int | str]) -> None:
    result = check(servers, "wrong")
    assert not result.ok and result.outcome == tls_probe.WRONG_NAME
    assert result.detail == "certificate is for other.example.test"
    assert result.expires is not None


def test_fewer_than_30_days_left_fails(servers: dict[str, int | str]) -> None:
    result = check(servers, "expiring")
    assert not result.ok and result.outcome == tls_probe.EXPIRING
    assert "renewal is stuck" in result.detail
    assert result.expires is not None and (result.expires - NOW).days in (9, 10)


def test_a_certificate_from_an_unknown_authority_is_untrusted(servers: dict[str, int | str]) -> None:
    result = tls_probe.check("127.0.0.1", NAME, int(servers["valid"]), timeout=5)  # the platform's trust store
    assert result.outcome == tls_probe.UNTRUSTED
    assert "unable to get local issuer certificate" in result.detail


def test_nothing_listening_is_reported_as_unreachable(servers: dict[str, int | str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    result = tls_probe.check("127.0.0.1", NAME, port, cafile=str(servers["cafile"]), timeout=2)
    assert result.outcome == tls_probe.UNREACHABLE and not result.ok
    assert result.detail.startswith(f"cannot connect to 127.0.0.1:{port}")
