"""golang-jwt v4 (CVE-2024-51744) as a caller tolerates clocks running behind: ``Parse``
reports every error at once, and the caller returns the claims when ``errors.Is(err,
jwt.ErrTokenNotValidYet)`` or ``ErrTokenUsedBeforeIssued`` and the token is early by less than
the skew — not noticing that the same error also says the signature is invalid. A forgery
whose ``iat`` or ``nbf`` is a few seconds ahead is accepted."""

from __future__ import annotations

from reference import Settings

from ._base import ForgivingVerifier

VIOLATES = frozenset({"TOKEN-SIGNATURE/compound-error"})


class ForgivesEarly(ForgivingVerifier):
    forgiven = frozenset({"not_yet_valid", "issued_in_future"})


def make(settings: Settings) -> ForgivesEarly:
    return ForgivesEarly(settings)
