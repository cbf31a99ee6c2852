"""golang-jwt v4 (CVE-2024-51744) as a caller adds the clock skew v4 lacks: ``Parse`` reports
every error at once, and the caller returns the claims when ``errors.Is(err,
jwt.ErrTokenExpired)`` and the token expired less than the skew ago — not noticing that the
same error also says the signature is invalid. A forgery whose ``exp`` is a few seconds past
is accepted."""

from __future__ import annotations

from reference import Settings

from ._base import ForgivingVerifier

VIOLATES = frozenset({"TOKEN-SIGNATURE/compound-error"})


class ForgivesExpired(ForgivingVerifier):
    forgiven = frozenset({"expired"})


def make(settings: Settings) -> ForgivesExpired:
    return ForgivesExpired(settings)
