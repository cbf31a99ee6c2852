"""Role mapping: least privilege, so an unknown or missing role never grants more than GUEST."""

from __future__ import annotations

from .contract import Role

ROLE_NAMES = {"admin": Role.ADMIN, "member": Role.VIEWER, "guest": Role.GUEST}


def map_role(name: str) -> Role:
    """Map a normalised role name (no ``org:`` prefix) to a ``Role``; unknown → GUEST.

    >>> map_role("member")
    <Role.VIEWER: 'viewer'>
    """
    return ROLE_NAMES.get(name, Role.GUEST)
