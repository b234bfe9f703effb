"""Real TLS servers on 127.0.0.1 with certificates made here (the `cryptography` package): a test CA
signs each server's certificate, and a check trusts that CA through `cafile`."""

from __future__ import annotations

import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.now(UTC)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate | None, signer: ec.EllipticCurvePrivateKey
) -> x509.CertificateBuilder:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
    )


class Pki:
    """A CA and the files a server needs for one leaf certificate."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.ca_key = _key()
        self.ca = (
            _certificate("test CA", self.ca_key, None, self.ca_key)
            .not_valid_after(NOW + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.ca_key, hashes.SHA256())
        )
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))

    def leaf(self, label: str, names: list[str], days: int) -> ssl.SSLContext:
        key = _key()
        certificate = (
            _certificate(names[0], key, self.ca, self.ca_key)
            .not_valid_after(NOW + timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        chain, key_file = self.directory / f"{label}.pem", self.directory / f"{label}.key"
        chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, key_file)
        return context


def serve(context: ssl.SSLContext) -> tuple[socket.socket, int]:
    """A listener on 127.0.0.1 that completes one TLS handshake per connection, in a daemon thread."""
    listener = socket.create_server(("127.0.0.1", 0))

    def loop() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # closed by the fixture
            try:
                with context.wrap_socket(connection, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                connection.close()

    threading.Thread(target=loop, daemon=True).start()
    return listener, listener.getsockname()[1]
