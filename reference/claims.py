"""Claim resolution: v1 flat, v2 nested (``o``) and JWT-template claims → one ``Identity``.

Policy: absent or JSON ``null`` is missing; a non-empty string is a value;
anything else is malformed. All present candidates for a field must agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .contract import Role
from .errors import InvalidClaims, Unauthorized
from .roles import map_role

#: Where each identity field may appear: a top-level claim, or ("o", key) inside v2's ``o``.
ORG_CLAIMS: tuple[str | tuple[str, str], ...] = ("org_id", ("o", "id"))
USER_CLAIMS: tuple[str | tuple[str, str], ...] = ("sub", "user_id")
ROLE_CLAIMS: tuple[str | tuple[str, str], ...] = ("role", "org_role", ("o", "rol"))


@dataclass(frozen=True)
class Identity:
    """What a set of claims says about its subject."""

    org_id: str
    external_id: str
    role: Role
    session_id: str


def claim_string(claims: Mapping[str, Any], name: str) -> str | None:
    """The claim's string value; ``None`` when absent or null; ``InvalidClaims`` otherwise."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value:
        return value
    raise InvalidClaims(f"malformed_{name}", f"{name} must be a non-empty string")


def nested_claims(claims: Mapping[str, Any]) -> Mapping[str, Any]:
    """The v2 ``o`` object (empty when absent); ``InvalidClaims`` when it is not an object."""
    nested = claims.get("o")
    if nested is None:
        return {}
    if isinstance(nested, Mapping):
        return nested
    raise InvalidClaims("malformed_o", "o must be an object")


def candidates(claims: Mapping[str, Any], places: tuple[str | tuple[str, str], ...]) -> list[str]:
    """Every present value of a field, in the order of ``places``."""
    found = []
    for place in places:
        if isinstance(place, tuple):
            value = claim_string(nested_claims(claims), place[1])
        else:
            value = claim_string(claims, place)
        if value is not None:
            found.append(value)
    return found


def single_value(values: list[str], field: str) -> str:
    """The one value all candidates agree on; missing or conflicting → ``InvalidClaims``."""
    if not values:
        raise InvalidClaims(f"missing_{field}", f"no {field} claim")
    if any(value != values[0] for value in values):
        raise InvalidClaims(f"conflicting_{field}", f"{field} claims disagree: {values!r}")
    return values[0]


def resolve_role(claims: Mapping[str, Any]) -> Role:
    """The role all role claims agree on (after dropping one ``org:``); GUEST when none."""
    names = [name.removeprefix("org:") for name in candidates(claims, ROLE_CLAIMS)]
    if "" in names:
        raise InvalidClaims("malformed_role", "a role claim is empty once org: is dropped")
    if not names:
        return Role.GUEST
    return map_role(single_value(names, "role"))


def check_session_status(claims: Mapping[str, Any]) -> None:
    """Pending (or any non-active) sessions never authenticate; Clerk's SDKs treat them as out."""
    status = claim_string(claims, "sts")
    if status == "pending":
        raise Unauthorized("pending_session", "the session is pending (sign-in not complete)")
    if status not in (None, "active"):
        raise Unauthorized("inactive_session", f"session status {status!r}")


def resolve_identity(claims: Mapping[str, Any]) -> Identity:
    """Resolve org, user, role and sid from verified claims of any Clerk shape."""
    if not isinstance(claims, Mapping):
        raise InvalidClaims("malformed_claims", "claims must be a JSON object")
    identity = Identity(
        org_id=single_value(candidates(claims, ORG_CLAIMS), "org"),
        external_id=single_value(candidates(claims, USER_CLAIMS), "user"),
        role=resolve_role(claims),
        session_id=claim_string(claims, "sid") or "",
    )
    check_session_status(claims)
    return identity
