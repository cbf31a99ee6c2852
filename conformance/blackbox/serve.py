"""A Python factory served over the black-box wire contract — to prove the invariants survive
the wire, or to audit a Python factory as a service: ``clerk-harness serve module:factory``
(``clerk-harness audit --serve 'clerk-harness serve reference:make'``).

Run as a command by the harness (imported by nothing else). It reads the harness's environment,
builds one
instance, and answers ``/whoami`` (``authenticate_request``), ``/callback``
(``callback_subject``), ``POST /__harness/reset`` (a new instance) and ``POST /__harness/clock``
(freezegun, at the harness's instant). A method the instance lacks is a ``404``.

Glue, all of it: the raw request's method, target, headers (in order, duplicates kept; their
bytes, control bytes too, decoded as the UTF-8 the harness sends) and body become a
``reference.Request``; a ``Principal`` becomes the JSON; an ``InvalidClaims`` a
``422``, any other ``AuthError`` a ``401``, anything else a ``500``. ``http.server``'s limit on
a header line (64 KiB, then a ``431``) is raised to 2 MiB: the shim must add nothing, and the
harness's mebibyte token reaches the code under test as it does in-process. Served with
``--fetch-keys``, the instance's ``Settings.jwks_source`` fetches ``{CLERK_API_URL}/v1/jwks``,
as Clerk's SDKs do (else its keys are the inline ``CLERK_HARNESS_JWKS``); the instance is built
at its first request, once that API is up.
"""

from __future__ import annotations

import datetime
import functools
import http.client
import importlib
import json
import os
import sys
import threading
import urllib.request
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import freezegun.api
from freezegun import freeze_time

from reference import AuthError, InvalidClaims, LocalUser, Principal, Request, Settings

ROUTES = {"/whoami": "authenticate_request", "/callback": "callback_subject"}
http.client._MAXLINE = 1 << 21  # type: ignore[attr-defined]  # http.server's header limit


def settings_from_env(fetch_keys: bool = False) -> Settings:
    """The harness's ``Settings``: its JSON (existing users included), the inline JWKS, the key
    as the deployment holds it, and — ``fetch_keys``, where the harness serves Clerk's API
    (``CLERK_API_URL``) — the JWKS endpoint the instance reads, as Clerk's SDKs read
    ``{CLERK_API_URL}/v1/jwks``."""
    data = json.loads(os.environ["CLERK_HARNESS_SETTINGS"])
    api = os.environ.get("CLERK_API_URL") if fetch_keys else None
    return Settings(
        org_id=data["org_id"],
        jwks=json.loads(os.environ["CLERK_HARNESS_JWKS"]),
        algorithms=tuple(data["algorithms"]),
        leeway_s=data["leeway_s"],
        cache_ttl_s=data["cache_ttl_s"],
        authorized_parties=tuple(data["authorized_parties"]),
        issuer=data["issuer"],
        existing_users=tuple(LocalUser(**user) for user in data.get("existing_users", ())),
        jwt_key=os.environ.get("CLERK_HARNESS_JWT_KEY") or None,
        jwks_source=functools.partial(fetch_jwks, api + "/v1/jwks") if api else None,
        jwks_ttl_s=data.get("jwks_ttl_s", 300.0),
    )


def fetch_jwks(url: str) -> Any:
    """The JWKS document at ``url`` (the harness's, on loopback)."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def as_sent(value: str) -> str:
    """A header value as the client wrote it: ``http.server`` decodes the raw bytes as
    Latin-1; the harness (and any client writing text) encodes UTF-8 — decoded so, the value
    the code under test gets is the one sent in-process. Bytes that are no UTF-8 stay
    Latin-1, one character each."""
    raw = value.encode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return value


class App:
    """The served instance, replaced on reset; the frozen clock, moved on request — or, served
    ``without`` the clock route, the process's own (the preloaded wall clock, under the
    harness)."""

    def __init__(
        self, spec: str, without: frozenset[str] = frozenset(), fetch_keys: bool = False
    ) -> None:
        self.without = without
        module, _, attr = spec.partition(":")
        self.factory = getattr(importlib.import_module(module), attr)
        self.settings = settings_from_env(fetch_keys)
        self.built: Any = None
        self.building = threading.Lock()
        if "clock" not in without:
            freezegun.api.call_stack_inspection_limit = 1
            self.frozen = freeze_time(datetime.datetime.now(datetime.UTC)).start()

    def capabilities(self) -> dict[str, Any]:
        """What the factory declares (``make.fixed``, ``make.unsupported``), as the wire says."""
        fixed = getattr(self.factory, "fixed", None) or {}
        return {"fixed": fixed, "unsupported": list(getattr(self.factory, "unsupported", ()))}

    @property
    def sut(self) -> Any:
        """The instance, built at its first request (once, whichever of concurrent first
        requests comes first): one reading its keys from the harness's endpoint
        (``CLERK_API_URL``) can, once the harness that serves them is running."""
        if self.built is None:
            with self.building:
                if self.built is None:
                    self.built = self.factory(self.settings)
        return self.built

    def reset(self) -> None:
        self.built = self.factory(self.settings)

    def set_clock(self, now: float) -> None:
        self.frozen.move_to(datetime.datetime.fromtimestamp(now, datetime.UTC))


def handler(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _answer(self, status: int, body: Any = None) -> None:
            """The answer, head and body in one write (no ``Date``/``Server``: nobody reads
            them, and formatting the date cost more than the rest of the head)."""
            data = b"" if body is None else json.dumps(body).encode()
            phrase = HTTPStatus(status).phrase
            head = (f"HTTP/1.1 {status} {phrase}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n")  # fmt: skip
            self.wfile.write(head.encode("latin-1") + data)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _route(self) -> None:
            body = self._body()
            path = self.path.partition("?")[0]
            route = path.removeprefix("/__harness/")
            if route in app.without:
                return self._answer(404)
            if self.command == "POST" and path == "/__harness/reset":
                app.reset()
                return self._answer(204)
            if self.command == "GET" and path == "/__harness/capabilities":
                return self._answer(200, app.capabilities())
            if self.command == "POST" and path == "/__harness/clock":
                app.set_clock(float(json.loads(body)["now"]))
                return self._answer(204)
            method = getattr(app.sut, ROUTES.get(path, ""), None)
            if method is None:
                return self._answer(404)
            headers = tuple((name, as_sent(value)) for name, value in self.headers.items())
            request = Request(self.command, self.path, headers, body)
            try:
                principal: Principal = method(request)
            except InvalidClaims as exc:
                return self._answer(422, {"reason": exc.reason, "message": exc.detail})
            except AuthError as exc:
                return self._answer(401, {"reason": exc.reason, "message": exc.detail})
            except Exception as exc:  # a crash: the harness reports it as TOTAL's
                return self._answer(500, {"reason": "crash", "message": repr(exc)})
            self._answer(200, {
                "user_id": principal.user_id, "external_id": principal.external_id,
                "org_id": principal.org_id, "role": principal.role.value,
                "session_id": principal.session_id,
            })  # fmt: skip

        def __getattr__(self, name: str) -> Any:
            """Every method, whatever its spelling (``post`` is a method too): routed."""
            if name.startswith("do_"):
                return self._route
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class Server(ThreadingHTTPServer):
    """A thread per connection, and a listen backlog as deep as Node's: the harness races up
    to 32 threads' first connections at once (a backlog of 5 drops their SYNs for seconds)."""

    daemon_threads = True
    request_queue_size = 511


def serve(spec: str, without: frozenset[str] = frozenset(), fetch_keys: bool = False) -> None:
    """Serve ``spec`` (``module:factory``, importable from the working directory) on
    ``CLERK_HARNESS_PORT`` until killed, ``without`` the ``/__harness`` routes named; its
    instances reading their keys from ``CLERK_API_URL`` if ``fetch_keys``."""
    sys.path.insert(0, os.getcwd())
    app = App(spec, without, fetch_keys)
    Server(("127.0.0.1", int(os.environ["CLERK_HARNESS_PORT"])), handler(app)).serve_forever()


if __name__ == "__main__":
    serve(sys.argv[1])
