"""The executable specification of Clerk-style session authentication.

The public contract (README, *Run the suite against your implementation*) and the reference
authenticator::

    from reference import ReferenceAuthenticator, Settings
    auth = ReferenceAuthenticator(Settings(org_id="org_1", jwks={"keys": [...]}))
    principal = auth.authenticate_claims({"sub": "user_1", "org_id": "org_1"})
"""

from .authenticator import ReferenceAuthenticator
from .cache import TTLCache, UserRecord, UserStore
from .claims import Identity, resolve_identity
from .contract import (
    CONTRACT_METHODS,
    Authenticator,
    CallbackAuthenticator,
    ClaimsAuthenticator,
    JwksSource,
    LocalUser,
    Principal,
    Request,
    RequestAuthenticator,
    Role,
    Settings,
    SharedCache,
    TokenAuthenticator,
)
from .errors import AuthError, InvalidClaims, Unauthorized


def make(settings: Settings) -> ReferenceAuthenticator:
    """The factory ``--sut reference:make`` names (the suite's default SUT)."""
    return ReferenceAuthenticator(settings)


__all__ = [
    "CONTRACT_METHODS",
    "AuthError",
    "Authenticator",
    "CallbackAuthenticator",
    "ClaimsAuthenticator",
    "Identity",
    "InvalidClaims",
    "JwksSource",
    "LocalUser",
    "Principal",
    "ReferenceAuthenticator",
    "Request",
    "RequestAuthenticator",
    "Role",
    "Settings",
    "SharedCache",
    "TTLCache",
    "TokenAuthenticator",
    "Unauthorized",
    "UserRecord",
    "UserStore",
    "make",
    "resolve_identity",
]
