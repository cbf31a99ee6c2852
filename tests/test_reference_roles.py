"""Unit tests of ``reference.roles``: role claims mapped to ``Role``, least privilege for any
name it does not know."""

from __future__ import annotations

from typing import Any

import pytest

from reference import Role
from reference.roles import map_role
from tests.reference_helpers import ORG, auth, claims


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({"org_role": "org:admin"}, Role.ADMIN),
        ({"org_role": "org:member"}, Role.VIEWER),
        ({"org_role": "org:guest"}, Role.GUEST),
        ({"o": {"id": ORG, "rol": "admin"}}, Role.ADMIN),
        ({"o": {"id": ORG, "rol": "member"}}, Role.VIEWER),
        ({"o": {"id": ORG, "rol": "guest"}}, Role.GUEST),
        ({"role": "admin"}, Role.ADMIN),
        ({"role": "org:admin"}, Role.ADMIN),
        ({"role": "guest"}, Role.GUEST),
        ({"role": "member"}, Role.VIEWER),
        ({"role": "admin", "org_role": "org:admin", "o": {"id": ORG, "rol": "admin"}}, Role.ADMIN),
        ({"role": "guest", "org_role": "org:guest"}, Role.GUEST),
        ({}, Role.GUEST),
        ({"role": None, "org_role": None}, Role.GUEST),
        ({"role": "billing_manager"}, Role.GUEST),
        ({"role": "Admin"}, Role.GUEST),
        ({"org_role": "ORG:ADMIN"}, Role.GUEST),
        ({"org_role": "org:org:admin"}, Role.GUEST),
        ({"o": {"id": ORG, "rol": "owner"}}, Role.GUEST),
    ],
)
def test_role_mapping(roles: dict[str, Any], expected: Role) -> None:
    assert auth().authenticate_claims(claims(**roles)).role is expected


def test_map_role_unknown_names_are_least_privilege() -> None:
    assert [map_role(n) for n in ("admin", "member", "guest", "owner", "")] == [
        Role.ADMIN,
        Role.VIEWER,
        Role.GUEST,
        Role.GUEST,
        Role.GUEST,
    ]
