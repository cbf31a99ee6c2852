"""Clerk's API where an SDK hard-codes it: ``https://api.clerk.com`` on loopback, for a JVM
service. Clerk's Java SDK 5.0.0 fetches its keys from ``https://api.clerk.com/v1/jwks`` whatever
the environment says; a JVM reads its host names from the file ``-Djdk.net.hosts.file`` names
and trusts what ``-Djavax.net.ssl.trustStore`` holds, both taken from ``JAVA_TOOL_OPTIONS``. So
the harness serves ``/v1/jwks`` over TLS on port 443 of a loopback address of this process's
own (``127.0.0.2`` and up: each xdist worker has one), with a certificate for
``api.clerk.com`` valid from 1970 to 9999 (the service's clock is the harness's, which travels),
and tells each deployment's document apart by the secret key the SDK sends
(``Authorization: Bearer sk_live_…``, ``jwks.secret_key``); every fetch is counted with the
others (``JwksHost.fetch``). Binding port 443 needs root, or a user namespace of one's own
(``.ci/run``'s ``unshare -rn``): without it a networked JVM service refuses every session, and
its rows say so (their controls refused). The app itself is untouched."""

from __future__ import annotations

import datetime
import functools
import os
import ssl
import tempfile
import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .jwks import JsonHandler, jwks_host

HOSTNAME = "api.clerk.com"
#: The path the Java SDK fetches (``{apiUrl}/{apiVersion}/jwks``).
PATH = "/v1/jwks"
#: The trust store's password (it holds one public certificate).
PASSWORD = "clerk-harness"


@dataclass(frozen=True)
class ClerkApi:
    """The running loopback API: its address, its certificate (PEM) and the files a JVM is
    pointed at."""

    address: str
    certificate: str
    hosts: str
    truststore: str

    def environment(self) -> dict[str, str]:
        """``JAVA_TOOL_OPTIONS`` resolving ``api.clerk.com`` to ``address`` and trusting its
        certificate alone (any options already set come after, so they still apply)."""
        options = (
            f"-Djdk.net.hosts.file={self.hosts} -Djavax.net.ssl.trustStore={self.truststore} "
            f"-Djavax.net.ssl.trustStorePassword={PASSWORD} -Djavax.net.ssl.trustStoreType=PKCS12"
        )
        given = os.environ.get("JAVA_TOOL_OPTIONS", "")
        return {"JAVA_TOOL_OPTIONS": f"{options} {given}".strip()}


class _Handler(JsonHandler):
    def do_GET(self) -> None:
        scheme, _, secret = (self.headers.get("Authorization") or "").partition(" ")
        host = jwks_host()
        known = self.path.partition("?")[0] == PATH and scheme == "Bearer"
        self.send_json(host.fetch(host.secrets.get(secret)) if known else None, 401)


def _certificate(directory: str) -> tuple[ssl.SSLContext, str, str]:
    """A fresh key and a self-signed certificate for ``HOSTNAME``: the server's TLS context,
    the certificate alone (PEM), and the PKCS #12 trust store holding it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTNAME)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(1970, 1, 2, tzinfo=datetime.UTC))
        .not_valid_after(datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOSTNAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem, private = os.path.join(directory, "api.pem"), os.path.join(directory, "api.key")
    with open(pem, "wb") as file:
        file.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(private, "wb") as file:
        file.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem, private)
    truststore = os.path.join(directory, "truststore.p12")
    with open(truststore, "wb") as file:
        file.write(
            pkcs12.serialize_java_truststore(
                [pkcs12.PKCS12Certificate(certificate, HOSTNAME.encode())],
                serialization.BestAvailableEncryption(PASSWORD.encode()),
            )
        )
    return context, pem, truststore


def _bound() -> ThreadingHTTPServer | None:
    """The server on port 443 of the first free loopback address from ``127.0.0.2``, or None
    where none can be bound (not root)."""
    for last in range(2, 255):
        try:
            return ThreadingHTTPServer((f"127.0.0.{last}", 443), _Handler)
        except PermissionError:
            return None
        except OSError:
            continue  # taken: another process's (an xdist worker's)
    return None


@functools.cache
def clerk_api() -> ClerkApi | None:
    """This process's loopback ``api.clerk.com``, started on first use; None where port 443
    cannot be bound."""
    server = _bound()
    if server is None:
        return None
    directory = tempfile.mkdtemp(prefix="clerk-harness-api-")
    context, certificate, truststore = _certificate(directory)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    address = str(server.server_address[0])
    hosts = os.path.join(directory, "hosts")
    with open(hosts, "w") as file:
        file.write(f"{address} {HOSTNAME}\n127.0.0.1 localhost\n")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return ClerkApi(address, certificate, hosts, truststore)
