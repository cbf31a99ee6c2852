"""The trusted keys on loopback: one HTTP server per process serving each deployment's JWKS
document at a path of its own, as a service under test fetches it."""

from __future__ import annotations

import functools
import json
import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: Where ``clerk-harness env`` tells a service started elsewhere to fetch its JWKS.
JWKS_PATH = "/jwks.json"


class JwksHost:
    """The process's loopback JWKS endpoint: each deployment's document at its own path."""

    def __init__(self, port: int = 0) -> None:
        documents: dict[str, bytes] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = documents.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.documents = documents
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, jwks: Mapping[str, Any], path: str = "") -> str:
        """Where ``jwks`` is served (registered on first use; at ``path`` if given)."""
        body = json.dumps(jwks, sort_keys=True).encode()
        path = path or f"/jwks/{abs(hash(body)):x}.json"
        self.documents[path] = body
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


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
