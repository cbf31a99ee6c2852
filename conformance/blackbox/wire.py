"""The black-box wire contract (README, "Black-box mode"): a contract call as the HTTP request a
served SUT receives, and its HTTP answer as a ``Principal`` or an ``AuthError``. Pure functions:
``service`` does the sending.

A drawn request goes out as drawn — method, headers in order with duplicates, body, query — but
for what HTTP/1.1 cannot carry; each such change is recorded in ``Outgoing.changes`` (and so in
the counterexample's story): a ``Host`` added, a second ``Host`` or an unsendable header left
out, the body framed by a ``Content-Length``, the path replaced by the route's.
"""

from __future__ import annotations

import dataclasses
import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reference import InvalidClaims, Principal, Request, Role, Settings, Unauthorized

from .app import AppProfile

#: The contract's own route and JSON (README, "Black-box mode").
CONTRACT = AppProfile()

#: The route of each request entry point.
ROUTES = {"authenticate_request": "/whoami", "callback_subject": "/callback"}
RESET = "/__harness/reset"
CLOCK = "/__harness/clock"
#: ``GET``: the settings the service declares it cannot be configured with (``capabilities``).
CAPABILITIES = "/__harness/capabilities"
#: A request whose header section is larger than this may be refused by the HTTP layer itself
#: (Node's limit is 16 KiB): a connection closed on it is that layer's refusal, not a crash.
OVERSIZED = 8 * 1024

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})
_QUERY_SAFE = "!$&'()*+,;=:@/?%-._~"


class ServiceFault(Exception):
    """The service answered outside the contract — a 5xx, a body that is not the JSON, a
    dropped connection, no answer in time: a TOTAL violation (it is not an ``AuthError``)."""


@dataclass(frozen=True)
class Outgoing:
    """A request as it is sent: what changed from the drawn one, each change said."""

    method: str
    target: str
    headers: tuple[tuple[str, bytes], ...]
    body: bytes
    changes: tuple[str, ...]

    @property
    def header_bytes(self) -> int:
        """The size of the header section, roughly as it is sent."""
        return len(self.target) + sum(len(n) + len(v) + 4 for n, v in self.headers)


def settings_json(settings: Settings) -> str:
    """``CLERK_HARNESS_SETTINGS``: the deployment's settings but its keys (sent apart), its
    existing users as objects (``user_id``, ``email``, ``username``, ``clerk_user_id``)."""
    return json.dumps(
        {
            "org_id": settings.org_id,
            "algorithms": list(settings.algorithms),
            "leeway_s": settings.leeway_s,
            "cache_ttl_s": settings.cache_ttl_s,
            "jwks_ttl_s": settings.jwks_ttl_s,
            "authorized_parties": list(settings.authorized_parties),
            "issuer": settings.issuer,
            "existing_users": [dataclasses.asdict(user) for user in settings.existing_users],
        },
        sort_keys=True,
    )


def outgoing(method: str, request: Request, host: str, app: AppProfile = CONTRACT) -> Outgoing:
    """``request`` for entry point ``method``, as HTTP/1.1 lets it be sent to ``host`` (at the
    app's own ``whoami`` route)."""
    changes: list[str] = []
    verb = request.method if _TOKEN.fullmatch(request.method or "") else "POST"
    if verb != request.method:
        changes.append(f"method {request.method!r} is not an HTTP token: sent as POST")
    if app.own_route and method == "authenticate_request" and verb != "GET":
        changes.append(f"method {verb} sent as GET: the app's own route {app.whoami} takes GET")
        verb = "GET"
    _, sep, query = request.target.partition("?")
    route = app.whoami if method == "authenticate_request" else ROUTES[method]
    target = route + (sep + _quoted(query) if sep else "")
    headers: list[tuple[str, bytes]] = []
    seen_host = False
    for name, value in request.headers:
        why = _unsendable(name, value)
        if why:
            changes.append(f"header {name!r}: {value!r:.80} left out ({why})")
        elif name.lower() == "host" and seen_host:
            changes.append(f"a second Host {value!r:.80} left out (HTTP/1.1 allows one)")
        elif name.lower() in _FRAMING:
            changes.append(f"header {name}: {value!r:.80} left out (the harness frames the body)")
        else:
            seen_host = seen_host or name.lower() == "host"
            headers.append((name, value.encode()))
    if not seen_host:
        headers.insert(0, ("Host", host.encode()))
        changes.append(f"Host: {host} added (HTTP/1.1 requires one)")
    if request.body or verb not in ("GET", "HEAD"):
        headers.append(("Content-Length", str(len(request.body)).encode()))
    return Outgoing(verb, target, tuple(headers), request.body, tuple(changes))


def _quoted(query: str) -> str:
    """The query as drawn, its bytes outside a request target's characters percent-encoded."""
    return urllib.parse.quote(query, safe=_QUERY_SAFE)


_CR_LF_NUL = re.compile("[\r\n\x00]")


def _unsendable(name: str, value: str) -> str:
    """Why a header cannot be sent in HTTP/1.1 (empty: it can). Other control bytes and
    non-ASCII characters (as UTF-8) go out raw, as a client breaking them sends them: an HTTP
    layer refusing them answers ``400``, its refusal."""
    if not _TOKEN.fullmatch(name):
        return "its name is not an HTTP token"
    if _CR_LF_NUL.search(value):
        return "its value holds CR, LF or NUL"
    return ""


#: The statuses by which an HTTP layer refuses a request's method before any authentication
#: code runs — ``http.server`` answers ``501`` to a method it has no handler for, a router
#: ``405`` to one a route does not take: the layer's refusals, not crashes.
METHOD_REFUSALS = {405: "Method Not Allowed", 501: "Not Implemented"}


def answer(status: int, body: bytes, *, method: str, app: AppProfile = CONTRACT) -> Principal:
    """The principal a ``200`` names; else the ``AuthError`` the status means (``401``/``403``
    ``Unauthorized``, ``422`` ``InvalidClaims``, ``400``/``431`` the HTTP layer's refusal,
    ``405``/``501`` its refusal of ``method``, a ``3xx`` a redirect to sign in); else
    ``ServiceFault``."""
    if status == 200:
        if app.contract:
            return _principal(body)
        data = _json(body)
        if not isinstance(data, Mapping):
            raise ServiceFault(f"200 with a body that is not a JSON object: {_shown(body)}")
        named = app.principal(data)
        if named is None:
            raise Unauthorized("signed_out", f"200 naming no user at {app.fields['user_id']}")
        return named
    if status in (401, 403, 422):
        reason, message = _error(body, status)
        raise (InvalidClaims if status == 422 else Unauthorized)(reason, message)
    if status in (400, 431):
        raise layer_refusal(f"it answered {status}")
    if status in METHOD_REFUSALS:
        raise layer_refusal(f"{status} {METHOD_REFUSALS[status]}", f"method {method!r}")
    if 300 <= status < 400:  # a browser sent to sign in (Clerk's handshake, say): not signed in
        raise Unauthorized("redirect", f"the service answered {status}, a redirect")
    raise ServiceFault(f"the service answered {status}: {_shown(body)}")


def layer_refusal(how: str, what: str = "the request") -> Unauthorized:
    """A refusal of ``what`` by the service's HTTP layer, before its authentication code ran."""
    return Unauthorized("http_layer", f"the service's HTTP layer refused {what} ({how})")


def _principal(body: bytes) -> Principal:
    data = _json(body)
    fields = ("user_id", "external_id", "org_id", "role", "session_id")
    if not isinstance(data, Mapping) or not all(isinstance(data.get(f), str) for f in fields):
        raise ServiceFault(f"200 with a body that is not a principal's JSON: {_shown(body)}")
    roles = {role.value: role for role in Role}
    if data["role"] not in roles:
        raise ServiceFault(f"200 with role {data['role']!r}, not guest, viewer or admin")
    return Principal(
        data["user_id"], data["external_id"], data["org_id"], roles[data["role"]],
        data["session_id"],
    )  # fmt: skip


def _error(body: bytes, status: int) -> tuple[str, str]:
    """The optional ``{"reason", "message"}`` of a refusal."""
    data = _json(body) if body.strip() else None
    if isinstance(data, Mapping):
        reason, message = data.get("reason"), data.get("message")
        return (
            reason if isinstance(reason, str) and reason else f"http_{status}",
            message if isinstance(message, str) else "",
        )
    return f"http_{status}", _shown(body) if body.strip() else ""


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _shown(body: bytes, limit: int = 200) -> str:
    text = body.decode("utf-8", "replace")
    return repr(text if len(text) <= limit else text[:limit] + "…")
