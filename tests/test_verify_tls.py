"""`bluegreen verify` checks each colour's certificate: records from moto, real handshakes with local TLS servers.

Each colour's weighted alias record points at its "load balancer"; the test's TLS servers on
127.0.0.1 stand in for them (the alias names are mapped to their ports, as DNS would map them to
addresses), and every handshake is real, with SNI.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bluegreen import tls_probe
from bluegreen.commands import verify
from bluegreen.exits import ExitStatus
from tests.support.json_schema import assert_valid
from tests.support.route53 import ALB, HOST, colour_records, command_args, moto_zone, put, write_project
from tests.support.tls_servers import Pki, serve

BOTH = [*colour_records("blue", 1), *colour_records("green", 0)]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def load_balancers(pki: Pki) -> Iterator[dict[str, Any]]:
    """Per colour: a listener serving that colour's names, and a handshake that reaches it by the ALB's name."""
    listeners = {}

    def start(color: str, names: list[str], days: int = 90) -> None:
        listeners[ALB[color]] = serve(pki.leaf(color, names, days))

    def handshake(address: str, server_name: str) -> tls_probe.TlsResult:
        _, port = listeners[address]
        return tls_probe.check("127.0.0.1", server_name, port, cafile=str(pki.ca_file), timeout=5)

    yield {"start": start, "handshake": handshake}
    for listener, _ in listeners.values():
        listener.close()


def run_verify(tmp_path: Path, handshake: Any, tls: str = "true") -> ExitStatus:
    project = write_project(tmp_path, tls=tls)
    with moto_zone() as client:
        put(client, *BOTH)
        return verify.run(command_args(verify, project), client=client, tls_check=handshake)


def test_both_colours_serve_valid_certificates_for_every_name(
    tmp_path: Path, load_balancers: dict[str, Any], capsys: Any
) -> None:
    load_balancers["start"]("blue", [HOST, f"blue.{HOST}"])
    load_balancers["start"]("green", [HOST, f"green.{HOST}"])
    code = run_verify(tmp_path, load_balancers["handshake"])
    out = capsys.readouterr().out
    assert code == ExitStatus.OK, out
    for color in ("blue", "green"):
        for name in (HOST, f"{color}.{HOST}"):
            assert f"  {color} {name} at {ALB[color]}: valid: certificate valid for {name}; expires " in out


def test_a_wrong_name_and_a_certificate_about_to_expire_fail_verify(
    tmp_path: Path, load_balancers: dict[str, Any], capsys: Any
) -> None:
    load_balancers["start"]("blue", [HOST, f"blue.{HOST}"], days=10)
    load_balancers["start"]("green", [HOST])  # green's direct name is missing from its certificate
    code = run_verify(tmp_path, load_balancers["handshake"])
    out = capsys.readouterr().out
    assert code == ExitStatus.PROBLEM
    assert f"  blue {HOST} at {ALB['blue']}: expiring: fewer than 30 days left" in out
    assert f"  green green.{HOST} at {ALB['green']}: wrong name: certificate is for {HOST};" in out
    assert f"  green {HOST} at {ALB['green']}: valid" in out
    assert "3 TLS check(s) failed." in out  # blue's two names and green's direct name


def test_each_part_is_shown_as_soon_as_it_is_known(tmp_path: Path, load_balancers: dict[str, Any], capsys: Any) -> None:
    """The records' table before the first handshake, each handshake's line before the next one starts."""
    load_balancers["start"]("blue", [HOST, f"blue.{HOST}"])
    load_balancers["start"]("green", [HOST, f"green.{HOST}"])
    shown_before: list[str] = []

    def handshake(address: str, server_name: str) -> tls_probe.TlsResult:
        shown_before.append(capsys.readouterr().out)
        return load_balancers["handshake"](address, server_name)

    assert run_verify(tmp_path, handshake) == ExitStatus.OK
    assert f"{HOST}: matches the stack files." in shown_before[0] and "HTTPS: a TLS handshake" in shown_before[0]
    assert shown_before[1].startswith(f"  blue {HOST} at {ALB['blue']}: valid: ")
    assert capsys.readouterr().out.endswith("All 1 hostname(s) match the stack files.\n")


def test_json_gives_each_handshake_its_outcome_names_and_expiry(
    tmp_path: Path, load_balancers: dict[str, Any], capsys: Any
) -> None:
    load_balancers["start"]("blue", [HOST, f"blue.{HOST}"], days=10)
    load_balancers["start"]("green", [HOST])
    project = write_project(tmp_path, tls="true")
    with moto_zone() as client:
        put(client, *BOTH)
        args = command_args(verify, project, "--json")
        code = verify.run(args, client=client, tls_check=load_balancers["handshake"])
    document = json.loads(capsys.readouterr().out)
    assert_valid("verify", document)
    assert code == ExitStatus.PROBLEM and document["matched"] is False
    assert document["hostnames"][0]["matched"] is True  # the records match: the certificates fail the verdict
    checks = {(c["color"], c["server_name"]): c for c in document["tls"]}
    assert list(checks) == [("blue", HOST), ("blue", f"blue.{HOST}"), ("green", HOST), ("green", f"green.{HOST}")]
    expiring = checks[("blue", HOST)]
    assert (expiring["outcome"], expiring["valid"], expiring["address"]) == ("expiring", False, ALB["blue"])
    assert expiring["names"] == [HOST, f"blue.{HOST}"]
    days_left = datetime.fromisoformat(expiring["expires"]) - datetime.now(UTC)
    assert expiring["expires"].endswith("Z") and 9 <= days_left.days <= 10
    assert (checks[("green", HOST)]["outcome"], checks[("green", HOST)]["valid"]) == ("valid", True)
    wrong = checks[("green", f"green.{HOST}")]
    assert (wrong["outcome"], wrong["names"]) == ("wrong name", [HOST])


def test_a_load_balancer_that_does_not_answer_is_reported_unreachable(tmp_path: Path, capsys: Any) -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]  # closed again: nothing listens there
    code = run_verify(tmp_path, lambda address, name: tls_probe.check("127.0.0.1", name, port, timeout=2))
    out = capsys.readouterr().out
    assert code == ExitStatus.PROBLEM
    assert f"  blue {HOST} at {ALB['blue']}: unreachable: cannot connect to 127.0.0.1:{port}" in out
    assert "4 TLS check(s) failed." in out


def test_a_pair_without_tls_makes_no_handshake(tmp_path: Path, capsys: Any) -> None:
    def no_handshake(address: str, server_name: str) -> tls_probe.TlsResult:
        raise AssertionError(f"handshake with {address} for {server_name}")

    assert run_verify(tmp_path, no_handshake, tls="false") == ExitStatus.OK
    assert "HTTPS" not in capsys.readouterr().out


def test_only_the_compared_colours_are_checked(tmp_path: Path, load_balancers: dict[str, Any], capsys: Any) -> None:
    load_balancers["start"]("green", [HOST, f"green.{HOST}"])  # blue's load balancer is being lowered: not checked
    project = write_project(tmp_path, tls="true")
    with moto_zone() as client:
        put(client, *BOTH)
        args = command_args(verify, project, "--only", "green")
        code = verify.run(args, client=client, tls_check=load_balancers["handshake"])
    out = capsys.readouterr().out
    assert code == ExitStatus.OK, out
    assert f"  green green.{HOST} at {ALB['green']}: valid" in out
    assert f"  blue {HOST} at" not in out and f"  blue blue.{HOST}" not in out
