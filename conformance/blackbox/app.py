"""A service as it ships: its own "current user" route, the JSON it answers mapped to the
contract's principal, and the settings it declares it cannot take — given on the command line
(``clerk-harness audit --whoami PATH --principal user_id=auth.userId …``) instead of routes
written for the harness, and handed to every worker in ``CLERK_HARNESS_APP``.

A path is dotted (``auth.userId``): each step a key of a JSON object. An unmapped
``external_id`` is the ``user_id``'s value (an app with no user store of its own names the
Clerk user); an unmapped ``org_id``, ``role`` or ``session_id``, or a ``null`` one, is ``""``
(``guest`` for the role), and any other JSON value that is not a string its JSON text; a
``200`` naming no user is a refusal (signed out). A role is looked up in the role map
(``org:admin=admin``), else taken as it is when it is ``guest``, ``viewer`` or ``admin``, else
``guest`` (a role that is no string grants none).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reference import Principal, Role

APP_ENV = "CLERK_HARNESS_APP"
CONTRACT_ROUTE = "/whoami"
#: The principal's fields, each the contract's JSON key by default.
FIELDS = ("user_id", "external_id", "org_id", "role", "session_id")


class AppProfileError(ValueError):
    """A mapping that cannot be used: one line, for the command's usage error."""


@dataclass(frozen=True)
class AppProfile:
    """Where the service answers ``authenticate_request``, how its JSON names the principal,
    what it declares (``Capabilities``' JSON; ``None``: ask ``/__harness/capabilities``), and
    whether, lacking a reset route, each instance is a process of its own."""

    whoami: str = CONTRACT_ROUTE
    fields: Mapping[str, str] = field(default_factory=dict)
    roles: Mapping[str, str] = field(default_factory=dict)
    declared: Mapping[str, Any] | None = None
    fresh_processes: bool = False

    @property
    def own_route(self) -> bool:
        """Whether the service answers at a route of its own, not the contract's ``/whoami``
        (which takes every method): requests go to it as ``GET``, each change said."""
        return self.whoami != CONTRACT_ROUTE or not self.contract

    @property
    def contract(self) -> bool:
        """Whether the answer is the contract's own JSON (no mapping given)."""
        return not self.fields

    def check(self) -> AppProfile:
        """Itself, or ``AppProfileError`` naming what is wrong."""
        if not self.whoami.startswith("/"):
            raise AppProfileError(f"--whoami {self.whoami!r}: expected a path, /me say")
        unknown = set(self.fields) - set(FIELDS)
        if unknown:
            raise AppProfileError(f"--principal {sorted(unknown)}: expected one of {FIELDS}")
        if (self.fields or self.roles) and "user_id" not in self.fields:
            raise AppProfileError("--principal user_id=PATH is required with any mapping")
        bad = {role for role in self.roles.values() if role not in {r.value for r in Role}}
        if bad:
            raise AppProfileError(f"--role …={sorted(bad)}: expected guest, viewer or admin")
        return self

    def principal(self, data: Any) -> Principal | None:
        """The principal ``data`` (the route's JSON) names through the mapping; ``None`` when
        it names no user (``null``, absent or empty: signed out, as a "current user" route
        answers)."""
        values = {name: _at(data, path) for name, path in self.fields.items()}
        user = _text(values["user_id"])
        if not user:
            return None
        role = values.get("role")
        named = self.roles.get(role, role) if isinstance(role, str) else ""
        roles = {r.value: r for r in Role}
        return Principal(
            user, _text(values.get("external_id", user)), _text(values.get("org_id")),
            roles.get(named, Role.GUEST), _text(values.get("session_id")),
        )  # fmt: skip

    def to_env(self) -> str:
        return json.dumps(
            {
                "whoami": self.whoami,
                "fields": dict(self.fields),
                "roles": dict(self.roles),
                "declared": self.declared,
                "fresh_processes": self.fresh_processes,
            }
        )

    @classmethod
    def from_env(cls) -> AppProfile:
        """The profile ``CLERK_HARNESS_APP`` holds, else the contract's."""
        raw = os.environ.get(APP_ENV)
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(
            data["whoami"], data["fields"], data["roles"], data["declared"],
            bool(data.get("fresh_processes")),
        ).check()  # fmt: skip


def parse_pairs(pairs: list[str], what: str) -> dict[str, str]:
    """``NAME=VALUE`` pairs, each once; ``AppProfileError`` otherwise."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value or name in parsed:
            raise AppProfileError(f"{what} {pair!r}: expected NAME=VALUE, each NAME once")
        parsed[name] = value
    return parsed


def _text(value: Any) -> str:
    """A named value as the principal holds it: a string as it is, ``null`` as ``""``, any
    other JSON as its text (``0``, ``["org:admin"]``) — an id no real one equals, which the
    identity rows judge (a number taken for an org is ID-FAITHFUL's finding, not a crash)."""
    if value is None or isinstance(value, str):
        return value or ""
    return json.dumps(value, sort_keys=True)


def _at(data: Any, path: str) -> Any:
    for step in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(step)
    return data
