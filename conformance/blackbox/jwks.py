"""The trusted keys on loopback, as Clerk's API serves them: one HTTP server per process serving
each deployment's JWKS document at a path of its own, and under an API base of its own at the
paths Clerk's SDKs fetch from a base URL (``SDK_PATHS``) — counting every fetch, and reading a
live source (a check's ``Settings.jwks_source``) on each one where a check gave it."""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reference.contract import JwksSource

#: Where ``clerk-harness env`` tells a service started elsewhere to fetch its JWKS.
JWKS_PATH = "/jwks.json"
#: Where Clerk's SDKs fetch the JWKS below their API base URL: ``@clerk/backend`` and the Java
#: SDK ``{apiUrl}/v1/jwks``, clerk-rs ``{base}/jwks``, OIDC clients the well-known path.
SDK_PATHS = ("/v1/jwks", "/.well-known/jwks.json", "/jwks")
#: The document a host on a port given in advance serves at ``JWKS_PATH`` and at the root's
#: ``SDK_PATHS`` (``clerk-harness env``'s API base is the host itself).
ROOT = "root"
_API = "/clerk/"


def document_id(path: str) -> str | None:
    """The deployment a request path names: ``/jwks/<id>.json``, ``/clerk/<id>`` followed by
    one of ``SDK_PATHS``; ``ROOT`` for ``JWKS_PATH`` and the bare ``SDK_PATHS``."""
    path = path.partition("?")[0]
    if path == JWKS_PATH:
        return ROOT
    if path.startswith("/jwks/") and path.endswith(".json"):
        return path[len("/jwks/") : -len(".json")] or None
    for suffix in SDK_PATHS:
        if path.endswith(suffix):
            base = path[: -len(suffix)]
            if not base:
                return ROOT
            if base.startswith(_API) and "/" not in base[len(_API) :]:
                return base[len(_API) :] or None
            return None
    return None


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet handler answering a JSON document, or an empty refusal when there is none —
    over HTTP/1.1 keep-alive, as Clerk's API: an SDK keeping its connection fetches again on it
    (Node's fetch: 4 connections for one check's 1,133 fetches, 1,133 before). Nagle's algorithm
    off: an answer's head and body are two writes, and the body must not wait for an ACK."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def send_json(self, body: bytes | None, refusal: int) -> None:
        self.send_response(200 if body else refusal)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class JwksHost:
    """The process's loopback JWKS endpoint: each deployment's document at its own paths."""

    def __init__(self, port: int = 0) -> None:
        self.documents: dict[str, bytes] = {}
        #: Each API base's secret key (``secret_key``), to the document served under it: how
        #: a host that serves one path for every deployment tells them apart (``clerk_api``).
        self.secrets: dict[str, str] = {}
        self.sources: dict[str, JwksSource] = {}
        self.fetches: collections.Counter[str] = collections.Counter()
        self.lock = threading.RLock()  # static() runs in finalizers too
        host = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                self.send_json(host.fetch(document_id(self.path)), 404)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fetch(self, doc: str | None) -> bytes | None:
        """The document ``doc`` names, counted: its live source's JWKS now, else the one
        registered (``None``: no such document)."""
        with self.lock:
            if doc is None or doc not in self.documents:
                return None
            self.fetches[doc] += 1
            source = self.sources.get(doc)
            body = self.documents[doc]
        return _encoded(source()) if source is not None else body

    def register(self, jwks: Mapping[str, Any], doc: str = "") -> str:
        """Serve ``jwks`` (as ``doc``, else under its digest); its id."""
        body = _encoded(jwks)
        doc = doc or hashlib.sha256(body).hexdigest()[:16]
        with self.lock:
            self.documents[doc] = body
        return doc

    def url(self, jwks: Mapping[str, Any], path: str = "") -> str:
        """Where ``jwks`` is served as a document (registered on first use); given ``path``
        (``JWKS_PATH``, the only one served so), as ``ROOT``."""
        if path:
            self.register(jwks, ROOT)
            return self.origin + path
        return f"{self.origin}/jwks/{self.register(jwks)}.json"

    def api_url(self, jwks: Mapping[str, Any]) -> str:
        """The API base URL under which ``jwks`` is served at each of ``SDK_PATHS`` (its secret
        key remembered)."""
        doc = self.register(jwks)
        url = f"{self.origin}{_API}{doc}"
        with self.lock:
            self.secrets[secret_key(url)] = doc
        return url

    def live(self, jwks: Mapping[str, Any], source: JwksSource) -> None:
        """From now on, ``jwks``'s paths serve what ``source`` returns at each fetch — a
        check's endpoint, which may drop a key mid-life."""
        doc = self.register(jwks)
        with self.lock:
            self.sources[doc] = source

    def static(self, jwks: Mapping[str, Any], source: JwksSource) -> None:
        """``jwks``'s paths serve ``jwks`` itself again, if ``source`` is still the live one."""
        doc = self.register(jwks)
        with self.lock:
            if self.sources.get(doc) is source:
                del self.sources[doc]


def secret_key(api_url: str) -> str:
    """The secret key of the deployment at ``api_url``, of the form Clerk's SDKs expect: they
    send it on every fetch of the JWKS."""
    return "sk_live_" + hashlib.sha256(api_url.encode()).hexdigest()[:40]


def _encoded(jwks: Mapping[str, Any]) -> bytes:
    return json.dumps(jwks, sort_keys=True).encode()


@functools.cache
def jwks_host() -> JwksHost:
    """The process's JWKS host, started on first use."""
    return JwksHost()


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def jwks_host_at(port: int) -> JwksHost:
    """A JWKS host on a port given in advance (a service started elsewhere fetches there)."""
    return JwksHost(port)
