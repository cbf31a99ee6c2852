"""``fastapi-clerk-auth`` under the contract: its ``ClerkHTTPBearer`` guarding a real FastAPI
app, which every call reaches as an HTTP request, handed over as an ASGI server hands it.

The glue, all of it:

* configuration — ``ClerkConfig`` with a JWKS URL that is never fetched, ``leeway`` from
  ``leeway_s``, ``issuer`` (and ``verify_iss``) when the settings pin one; everything else is
  the package's default. It has no option for authorized parties or algorithms (RS256 is
  hard-coded): those settings are not used;
* the JWKS: ``ClerkHTTPBearer`` builds its own ``PyJWKClient``; that client's ``fetch_data`` —
  the method PyJWT documents as the one a subclass may override — is replaced on the instance
  by one returning a fresh copy of ``Settings.jwks``, so the package's key lookup, its cache
  and its verification run unchanged, with no network;
* the app: one route for every path and the usual methods but HEAD, guarded by the
  instance's ``ClerkHTTPBearer(config)`` as a dependency, as the package's README shows,
  answering the decoded payload (``json.dumps``, so any JSON value survives the trip back).
  Instances share one app (building it cost as much as two logins); each request carries its
  instance's guard — with that guard's own key cache — in the ASGI scope's ``state``, and the
  route's dependency awaits it with the request, as FastAPI would;
* the request: the ASGI ``http`` scope a server builds from it — the method as sent; the
  target made origin-form and percent-encoded as a client sends it, split into ``raw_path``
  (``path`` its percent-decoding) and ``query_string``; the header fields in order, names
  lower-cased (``_app.raw_headers``), with the ``Host`` and ``Content-Length`` a client adds
  when absent — and the body as one ``http.request`` message (``serve``; httpx's
  ``ASGITransport`` built the same scope at a third of every login's time);
  ``authenticate_token`` sends the token as ``Authorization: Bearer <token>`` of a ``GET /``;
* the answer: 200 → the payload goes to ``_app.MinimalApp`` as ``sub``; ``o.id``, ``o.rol`` for
  a v2 token (``"v": 2``, the layout Clerk documents) else ``org_id``, ``org_role``; ``sid`` —
  the package hands over the raw payload, so reading it is the application's job; any other
  status (the package answers 403) → ``Unauthorized``.

Not provided by the package, so not applicable: ``authenticate_claims``, ``callback_subject``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
import weakref
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar
from urllib.parse import unquote

from fastapi import Depends, FastAPI, Response
from fastapi import Request as HTTPRequest
from fastapi_clerk_auth import (  # type: ignore[import-untyped]
    ClerkConfig,
    ClerkHTTPBearer,
    HTTPAuthorizationCredentials,
)

from reference import Principal, Request, Settings, Unauthorized

from ._app import MinimalApp, bearer_request, raw_headers

JWKS_URL = "https://harness.clerk.accounts.dev/.well-known/jwks.json"  # never fetched
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]  # HEAD: no body to answer with
_TARGET_SAFE = frozenset(range(0x21, 0x7F)) - {ord("#"), ord("%")}
_LOOPS = threading.local()
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on the calling thread's own event loop, made once and closed when the
    thread is gone: a new loop per request was a quarter of every login's time."""
    loop = getattr(_LOOPS, "loop", None)
    if loop is None:
        loop = _LOOPS.loop = asyncio.new_event_loop()
        weakref.finalize(threading.current_thread(), loop.close)
    return loop.run_until_complete(coroutine)


def request_target(target: str) -> bytes:
    """``target`` as a client puts it on the wire: origin-form (a leading ``/``), every byte
    outside visible ASCII, ``#`` and a ``%`` not starting an escape percent-encoded."""
    raw = target.encode("utf-8", "surrogatepass")
    out = bytearray(b"" if raw.startswith(b"/") else b"/")
    for i, byte in enumerate(raw):
        escape = byte == ord("%") and _is_escape(raw[i + 1 : i + 3])
        out += bytes([byte]) if byte in _TARGET_SAFE or escape else b"%%%02X" % byte
    return bytes(out)


def _is_escape(digits: bytes) -> bool:
    return len(digits) == 2 and all(chr(d) in "0123456789abcdefABCDEF" for d in digits)


def guard_for(settings: Settings) -> ClerkHTTPBearer:
    """The package's guard as ``settings`` configure it, its JWKS served from memory."""
    config = ClerkConfig(
        jwks_url=JWKS_URL,
        leeway=settings.leeway_s,
        issuer=settings.issuer,
        verify_iss=settings.issuer is not None,
    )
    guard = ClerkHTTPBearer(config=config)
    jwks = json.dumps(dict(settings.jwks))
    guard.jwks_client.fetch_data = lambda: json.loads(jwks)
    return guard


@functools.cache
def shared_app() -> FastAPI:
    """The FastAPI app every instance shares, whose every route is guarded by the request's
    ``ClerkHTTPBearer`` (its instance's own, carried in the ASGI scope's ``state``), answering
    the payload. Built once: an app and its first request's middleware cost as much as two
    logins, and a fresh instance needs its own guard, not its own routes."""
    app = FastAPI()

    async def guarded(request: HTTPRequest) -> HTTPAuthorizationCredentials:
        bearer: ClerkHTTPBearer = request.state.guard
        return await bearer(request)

    @app.api_route("/{path:path}", methods=METHODS)
    async def whoami(credentials: HTTPAuthorizationCredentials = Depends(guarded)) -> Response:  # noqa: B008
        return Response(json.dumps(credentials.decoded), media_type="application/json")

    return app


def guarded_by(guard: ClerkHTTPBearer) -> Any:
    """The shared app as an ASGI app whose requests carry ``guard``."""
    app = shared_app()

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        await app({**scope, "state": {"guard": guard}}, receive, send)

    return asgi


def documented_claims(payload: Mapping[str, Any]) -> tuple[object, object]:
    """``(org, org_role)`` where Clerk documents them: ``o.id``/``o.rol`` in a v2 token."""
    nested = payload.get("o")
    if payload.get("v") == 2 and isinstance(nested, Mapping):
        return nested.get("id"), nested.get("rol")
    return payload.get("org_id"), payload.get("org_role")


def scope_of(request: Request) -> dict[str, Any]:
    """The ASGI ``http`` scope of ``request`` as it arrives over HTTP/1.1."""
    raw_path, _, query = request_target(request.target).partition(b"?")
    headers = raw_headers(request)
    names = {name for name, _ in headers}
    if b"host" not in names:
        headers.insert(0, (b"host", b"testserver"))
    if request.body and b"content-length" not in names:
        headers.append((b"content-length", str(len(request.body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def serve(app: Any, request: Request) -> tuple[int, bytes]:
    """``request`` through the ASGI ``app``: the response's status and body."""
    answered = asyncio.Event()
    received = False
    status, body = 500, bytearray()

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:  # the client waits for the answer, then hangs up
            await answered.wait()
            return {"type": "http.disconnect"}
        received = True
        return {"type": "http.request", "body": request.body, "more_body": False}

    async def send(message: Mapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await app(scope_of(request), receive, send)
    return status, bytes(body)


class FastapiClerkAuth:
    """A FastAPI app guarded by ``ClerkHTTPBearer``, driven over ASGI."""

    def __init__(self, settings: Settings) -> None:
        self.application = MinimalApp(settings)
        self.app = guarded_by(guard_for(settings))

    def authenticate_request(self, request: Request) -> Principal:
        """The app's answer to the request, then the application's principal."""
        status, content = run(serve(self.app, request))
        if status != 200:
            raise Unauthorized(f"http_{status}", content[:200].decode("utf-8", "replace"))
        payload = json.loads(content)
        org, org_role = documented_claims(payload)
        return self.application.principal(payload.get("sub"), org, org_role, payload.get("sid"))

    def authenticate_token(self, token: str) -> Principal:
        """``token`` as the Bearer credential of an API request."""
        return self.authenticate_request(bearer_request(token))


def make(settings: Settings) -> FastapiClerkAuth:
    """The ``--sut`` factory."""
    return FastapiClerkAuth(settings)
