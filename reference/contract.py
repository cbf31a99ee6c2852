"""The public contract every implementation under test is reached through (README, *Run the
suite against your implementation*)."""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


class Role(enum.Enum):
    """A user's role in the trusted organization, ordered by privilege: GUEST < VIEWER < ADMIN."""

    GUEST = "guest"
    VIEWER = "viewer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Position in the privilege order (GUEST is 0)."""
        return _RANKS[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Role):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Role):
            return NotImplemented
        return self.rank <= other.rank


_RANKS = {Role.GUEST: 0, Role.VIEWER: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class LocalUser:
    """An account the deployment's user store holds before the SUT starts: its internal id, its
    profile, and the Clerk user it is linked to (``None``: a local account never linked)."""

    user_id: str
    email: str
    username: str
    clerk_user_id: str | None = None


#: A deployment's JWKS endpoint: called, it returns the JWKS the endpoint serves now.
JwksSource = Callable[[], Mapping[str, Any]]


class SharedCache:
    """A cache backend several deployments may share (one Redis; in-process, one object handed
    to their factories): string keys, any values, each entry kept ``ttl_s`` seconds."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        """The live value under ``key``, or ``None``."""
        with self._lock:
            expires_at, value = self._entries.get(key, (0.0, None))
            return value if time.time() < expires_at else None

    def set(self, key: str, value: Any, ttl_s: float) -> None:
        """Keep ``value`` under ``key`` for ``ttl_s`` seconds."""
        with self._lock:
            self._entries[key] = (time.time() + ttl_s, value)


@dataclass(frozen=True)
class Settings:
    """What a deployment configures — and, in ``existing_users``, the users its store already
    holds (linked ones in ``org_id``): the state a first login meets."""

    org_id: str
    jwks: Mapping[str, Any]
    algorithms: tuple[str, ...] = ("RS256",)
    leeway_s: float = 5.0
    cache_ttl_s: float = 300.0
    authorized_parties: tuple[str, ...] = ()
    issuer: str | None = None
    existing_users: tuple[LocalUser, ...] = ()
    #: The JWKS endpoint, when the deployment fetches its keys: ``jwks`` is what it served when
    #: the instance was built; a key it drops must be refused ``jwks_ttl_s`` seconds later.
    jwks_source: JwksSource | None = None
    jwks_ttl_s: float = 300.0
    #: A cache backend this deployment shares with others (``None``: none).
    shared_cache: SharedCache | None = None
    #: The JWKS's first RSA key as the deployment holds it (Clerk's ``jwtKey``): the exact text
    #: a config file or secret store hands it — a PEM (SPKI or PKCS#1, however its whitespace
    #: came out), a certificate, an OpenSSH line, a JWK. ``None``: it holds the JWKS alone.
    jwt_key: str | None = None


@dataclass(frozen=True)
class Request:
    """A framework-neutral HTTP request: raw, ordered header pairs and a raw body."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass(frozen=True)
class Principal:
    """Who an implementation decided the caller is."""

    user_id: str
    external_id: str
    org_id: str
    role: Role
    session_id: str


@runtime_checkable
class ClaimsAuthenticator(Protocol):
    """Turns already-verified claims into a principal."""

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal: ...


@runtime_checkable
class TokenAuthenticator(Protocol):
    """Verifies a compact JWS, then authenticates its claims."""

    def authenticate_token(self, token: str) -> Principal: ...


@runtime_checkable
class RequestAuthenticator(Protocol):
    """API middleware: authenticates the ambient credential of a request."""

    def authenticate_request(self, request: Request) -> Principal: ...


@runtime_checkable
class CallbackAuthenticator(Protocol):
    """Browser-login callback: picks the one token a callback request should use."""

    def callback_subject(self, request: Request) -> Principal: ...


@runtime_checkable
class Authenticator(
    ClaimsAuthenticator, TokenAuthenticator, RequestAuthenticator, CallbackAuthenticator, Protocol
):
    """The whole contract. A SUT may implement any subset of its four methods."""


CONTRACT_METHODS = (
    "authenticate_claims",
    "authenticate_token",
    "authenticate_request",
    "callback_subject",
)
