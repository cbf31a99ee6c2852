"""A Python factory served over the black-box wire contract — to prove the invariants survive
the wire, or to audit a Python factory as a service: ``clerk-harness serve module:factory``
(``clerk-harness audit --serve 'clerk-harness serve reference:make'``).

Run as a command by the harness (imported by nothing else). It reads the harness's environment,
builds one instance, and answers ``/whoami`` (``authenticate_request``), ``/callback``
(``callback_subject``), ``POST /__harness/reset`` (a new instance) and ``POST /__harness/clock``
(freezegun, at the harness's instant). A method the instance lacks is a ``404``.

Glue, all of it: the raw request's method, target, headers (in order, duplicates kept; their
bytes, control bytes too, decoded as the UTF-8 the harness sends) and body become a
``reference.Request``; a ``Principal`` becomes the JSON; an ``InvalidClaims`` a
``422``, any other ``AuthError`` a ``401``, anything else a ``500``. The HTTP/1.1 is read here,
in a few string operations per request (``read_request``): a line may be 2 MiB long (then a
``431``; ``http.server`` stops at 64 KiB) — the shim must add nothing, and the harness's
mebibyte token reaches the code under test as it does in-process. Served with
``--fetch-keys``, the instance's ``Settings.jwks_source`` fetches ``{CLERK_API_URL}/v1/jwks``,
as Clerk's SDKs do (else its keys are the inline ``CLERK_HARNESS_JWKS``); the instance is built
at its first request, once that API is up.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import io
import json
import os
import socketserver
import sys
import threading
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import freezegun.api
from freezegun import freeze_time

from reference import AuthError, InvalidClaims, LocalUser, Principal, Request, Settings

ROUTES = {"/whoami": "authenticate_request", "/callback": "callback_subject"}


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


def as_sent(raw: bytes) -> str:
    """A header value as the client wrote it: the harness (and any client writing text) encodes
    UTF-8 — decoded so, the value the code under test gets is the one sent in-process. Bytes
    that are no UTF-8 are Latin-1, one character each (as ``http.server`` decodes them)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


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


#: The longest request or header line read (the harness's mebibyte token must reach the code
#: under test, as in-process), and the most header lines (``http.server``'s limit).
MAX_LINE = 1 << 21
MAX_HEADERS = 100


class BadRequest(Exception):
    """A request the HTTP layer refuses before any route runs: its status, and the connection
    is closed."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class Incoming:
    """A request as read off the connection: its header lines in order, duplicates kept, each
    name as sent and each value as ``http.server`` reads it (leading blanks stripped)."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    keep_alive: bool

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]


def read_request(rfile: io.BufferedIOBase) -> Incoming | None:
    """The next request on a keep-alive connection (``None``: the client closed it), or
    ``BadRequest``. HTTP/1.1 as the harness writes it, parsed in a few string operations:
    ``http.server`` parses each head into an e-mail message, which cost three times the
    reference's own work on a request."""
    line = rfile.readline(MAX_LINE + 1)
    if not line.strip():
        return None
    if len(line) > MAX_LINE:
        raise BadRequest(414)
    words = line.decode("latin-1").split()
    if len(words) != 3 or words[2] not in ("HTTP/1.0", "HTTP/1.1"):
        raise BadRequest(400)
    method, target, version = words
    headers: list[tuple[str, str]] = []
    while (field := rfile.readline(MAX_LINE + 1)) not in (b"\r\n", b"\n", b""):
        if len(field) > MAX_LINE or len(headers) == MAX_HEADERS:
            raise BadRequest(431)
        name, colon, value = field.rstrip(b"\r\n").partition(b":")
        if not colon:
            raise BadRequest(400)
        headers.append((name.decode("latin-1"), as_sent(value.lstrip(b" \t"))))
    fields = {name.lower(): value for name, value in reversed(headers)}  # the first of each
    connection = fields.get("connection", "").lower()
    keep_alive = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
    try:
        length = int(fields.get("content-length") or 0)
    except ValueError:
        raise BadRequest(400) from None
    body = rfile.read(length) if length > 0 else b""
    return Incoming(method, target, tuple(headers), body, keep_alive)


class Handler(socketserver.StreamRequestHandler):
    """One connection: its requests read and answered one after another, the served ``app``'s
    routes on each. A subclass may ``route`` otherwise (the tests' misbehaving services do)."""

    app: App
    disable_nagle_algorithm = True

    def handle(self) -> None:
        while True:
            try:
                incoming = read_request(self.rfile)
            except BadRequest as refused:
                return self.answer(refused.status, close=True)
            if incoming is None:
                return
            status, body = self.route(incoming)
            self.answer(status, body, close=not incoming.keep_alive)
            if not incoming.keep_alive:
                return

    def answer(self, status: int, body: Any = None, close: bool = False) -> None:
        """The answer, head and body in one write (no ``Date``/``Server``: nobody reads
        them)."""
        data = b"" if body is None else json.dumps(body).encode()
        lines = [
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
            "Content-Type: application/json",
            f"Content-Length: {len(data)}",
            *(["Connection: close"] if close else []),
        ]
        self.wfile.write("\r\n".join([*lines, "", ""]).encode("latin-1") + data)

    def route(self, incoming: Incoming) -> tuple[int, Any]:
        """The status and JSON answering ``incoming``, as the wire contract says."""
        app, path = self.app, incoming.path
        if path.removeprefix("/__harness/") in app.without:
            return 404, None
        if incoming.method == "POST" and path == "/__harness/reset":
            app.reset()
            return 204, None
        if incoming.method == "GET" and path == "/__harness/capabilities":
            return 200, app.capabilities()
        if incoming.method == "POST" and path == "/__harness/clock":
            app.set_clock(float(json.loads(incoming.body)["now"]))
            return 204, None
        method = getattr(app.sut, ROUTES.get(path, ""), None)
        if method is None:
            return 404, None
        request = Request(incoming.method, incoming.target, incoming.headers, incoming.body)
        try:
            principal: Principal = method(request)
        except InvalidClaims as exc:
            return 422, {"reason": exc.reason, "message": exc.detail}
        except AuthError as exc:
            return 401, {"reason": exc.reason, "message": exc.detail}
        except Exception as exc:  # a crash: the harness reports it as TOTAL's
            return 500, {"reason": "crash", "message": repr(exc)}
        return 200, {
            "user_id": principal.user_id, "external_id": principal.external_id,
            "org_id": principal.org_id, "role": principal.role.value,
            "session_id": principal.session_id,
        }  # fmt: skip


def handler(app: App) -> type[Handler]:
    """The handler class serving ``app``."""
    return type("Served", (Handler,), {"app": app})


class Server(socketserver.ThreadingTCPServer):
    """A thread per connection, and a listen backlog as deep as Node's: the harness races up
    to 32 threads' first connections at once (a backlog of 5 drops their SYNs for seconds)."""

    daemon_threads = True
    allow_reuse_address = True
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
