"""Without reachable AWS, verify, migrate, prune, judge and promote stop within seconds with one clear line, not
after minutes of silent retries; the client they then use keeps its retries for Route 53 throttling."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bluegreen import cli
from bluegreen.exits import ExitStatus
from bluegreen.promotion.adapters import Clients
from bluegreen.route53 import client as route53_client
from tests.support.route53 import HOST, write_project

COMMANDS = {
    "verify": ["verify"],
    "migrate": ["migrate", "--hostname", HOST, "--color", "blue", "--dry-run"],
    "prune": ["prune", "--color", "green"],
    "judge": ["judge", "green"],
}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_endpoint() -> Iterator[int]:
    """A server on 127.0.0.1 that accepts connections and never answers (a black-holed endpoint)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.mark.parametrize("command", COMMANDS.values(), ids=list(COMMANDS))
def test_a_refused_endpoint_stops_the_command_at_once_with_what_to_check(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    write_project(tmp_path)
    started = time.monotonic()
    code = cli.main(["--project-dir", str(tmp_path), *command])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == ExitStatus.AWS
    assert f"Contacting Route 53 at {endpoint} …\n" in err
    assert f"error: cannot reach Route 53 at {endpoint}" in err
    assert "Check the network or proxy" in err
    # Two tries, no backoff of ten attempts: well under the 10 s a user would call a hang.
    assert elapsed < 10, elapsed


def test_promotes_clients_stop_at_once_too(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`promote` makes its clients after Pulumi's checks (which need the pulumi CLI, absent here): the same probe."""
    endpoint = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    started = time.monotonic()
    with pytest.raises(route53_client.AwsUnreachable, match=f"cannot reach Route 53 at {endpoint}"):
        Clients.make("eu-west-1", None)
    assert time.monotonic() - started < 10
    assert capsys.readouterr().err == f"Contacting Route 53 at {endpoint} …\n"


def test_an_endpoint_that_never_answers_stops_after_the_short_timeouts(
    silent_endpoint: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(route53_client, "CONNECT_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{silent_endpoint}")
    write_project(tmp_path)
    started = time.monotonic()
    code = cli.main(["--project-dir", str(tmp_path), "verify"])
    elapsed = time.monotonic() - started
    assert code == ExitStatus.AWS
    assert "error: cannot reach Route 53" in capsys.readouterr().err
    assert elapsed < 8, elapsed  # 2 tries of 0.5 s read timeout, plus botocore's short retry delay


def test_the_client_the_commands_use_keeps_ten_attempts_for_throttling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(route53_client, "check_reachable", lambda probe, progress: None)
    client = route53_client.make_client("us-east-1", None)
    # botocore stores max_attempts=10 (retries after the first call) as total_max_attempts=11.
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 11}
