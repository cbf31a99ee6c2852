"""Clerk's API on loopback for an SDK that hard-codes it (``conformance/blackbox/clerk_api.py``):
``https://api.clerk.com/v1/jwks`` over TLS, each deployment's JWKS told apart by the secret key
the SDK sends, every fetch counted; and the JVM options that point a service at it."""

from __future__ import annotations

import http.client
import json
import socket
import ssl

import pytest

from conformance.blackbox.clerk_api import HOSTNAME, PATH, clerk_api
from conformance.blackbox.jwks import jwks_host, secret_key
from strategies import signing_keys

API = clerk_api()
pytestmark = pytest.mark.skipif(
    API is None, reason="binding port 443 needs root, or a user namespace (unshare -rn)"
)


def _get(secret: str, path: str = PATH) -> tuple[int, bytes]:
    """``GET path`` from the loopback API as ``api.clerk.com``, trusting its certificate alone."""
    assert API is not None
    context = ssl.create_default_context(cafile=API.certificate)
    connection = http.client.HTTPSConnection(API.address, 443, context=context, timeout=10)
    raw = socket.create_connection((API.address, 443), timeout=10)
    connection.sock = context.wrap_socket(raw, server_hostname=HOSTNAME)  # its name, not its IP
    connection.request("GET", path, headers={"Authorization": f"Bearer {secret}"})
    answer = connection.getresponse()
    return answer.status, answer.read()


def test_each_deployment_gets_its_own_jwks_by_its_secret_key() -> None:
    host = jwks_host()
    first, second = ({"keys": [key.public_jwk()]} for key in signing_keys().trusted)
    secrets = [secret_key(host.api_url(jwks)) for jwks in (first, second)]
    before = sum(host.fetches.values())
    for jwks, secret in zip((first, second), secrets, strict=True):
        status, body = _get(secret)
        assert status == 200 and json.loads(body) == json.loads(json.dumps(jwks, sort_keys=True))
    assert sum(host.fetches.values()) == before + 2, "every fetch is counted"
    assert _get("sk_live_" + "0" * 40)[0] == 401, "an unknown secret key gets no keys"
    assert _get(secrets[0], "/v1/users")[0] == 401, "only the JWKS is served"


def test_a_jvm_is_pointed_at_it_by_its_options() -> None:
    assert API is not None
    options = API.environment()["JAVA_TOOL_OPTIONS"]
    assert f"-Djdk.net.hosts.file={API.hosts}" in options
    assert f"-Djavax.net.ssl.trustStore={API.truststore}" in options
    with open(API.hosts) as hosts:
        assert f"{API.address} {HOSTNAME}" in hosts.read()
