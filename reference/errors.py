"""The typed error hierarchy every authenticator raises (in the style of PyJWT's ``exceptions``).

Each error carries a short machine-readable ``reason`` (``"missing_org"``, ``"expired"``, …) so
tests can assert *why* a login failed, not only *that* it failed.
"""

from __future__ import annotations


class AuthError(Exception):
    """Every rejection. ``reason`` is a short, stable, machine-readable code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class InvalidClaims(AuthError):
    """The token verified, but its claims cannot name a user (Go's EINVALID)."""


class Unauthorized(AuthError):
    """No token; a bad, expired, forged or pending token; or the wrong kind of token."""
