"""Reads a JWT template's ``role`` with an app's own default: a role it does not know is a
member (VIEWER), where Clerk's mapping makes it a guest. A template token of a
``billing_manager`` or ``owner`` is a member; the same session's v1 or v2 token, a guest — the
template shape is read above what Clerk means."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from reference import Identity, ReferenceAuthenticator, Role, Settings
from reference.roles import ROLE_NAMES

VIOLATES = frozenset({"ID-SHAPE-INVARIANT/template-shape"})


class TemplateRoleMember(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        identity = super().identify(claims)
        role = claims.get("role")
        if "org_role" in claims or "o" in claims or not isinstance(role, str):
            return identity
        if role.removeprefix("org:") not in ROLE_NAMES:
            return dataclasses.replace(identity, role=Role.VIEWER)
        return identity


def make(settings: Settings) -> TemplateRoleMember:
    return TemplateRoleMember(settings)
