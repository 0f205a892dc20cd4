"""Loopback servers that misbehave below HTTP: one that accepts and never answers, and one that
speaks TLS with a self-signed certificate and then garbage. For tests of timeouts and TLS errors.
"""

import datetime
import socket
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class _RawServer:
    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.port = int(self._socket.getsockname()[1])
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> "_RawServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for connection in self._held:
            connection.close()
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self._handle(connection)

    def _handle(self, connection: socket.socket) -> None:
        raise NotImplementedError


class SilentServer(_RawServer):
    """Accepts connections and never says a word: every read times out."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _handle(self, connection: socket.socket) -> None:
        self._held.append(connection)


class SelfSignedTlsServer(_RawServer):
    """TLS with a certificate nobody trusts; a client that goes on anyway reads garbage."""

    def __init__(self) -> None:
        super().__init__()
        self._directory = tempfile.TemporaryDirectory()
        certificate, key = _self_signed(Path(self._directory.name))
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(certificate, key)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _handle(self, connection: socket.socket) -> None:
        connection.settimeout(2)
        try:
            with self._context.wrap_socket(connection, server_side=True) as tls:
                tls.sendall(b"\x00\x01garbage, not HTTP\r\n")
        except (ssl.SSLError, OSError):  # the client refused the certificate: as expected
            connection.close()

    def stop(self) -> None:
        super().stop()
        self._directory.cleanup()


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "toko.example")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / "certificate.pem", directory / "key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_path, key_path
