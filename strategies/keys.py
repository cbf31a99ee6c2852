"""Real signing keys, generated once per process, and the JWKS document that publishes them.

RSA key generation costs ~60 ms: ``signing_keys()`` is cached, so every test in a session (and
every example) signs with the same keys.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


@dataclass(frozen=True)
class SigningKey:
    """A private key and the ``kid`` the JWKS publishes its public half under."""

    kid: str
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict[str, Any]:
        """The RFC 7517 public JWK, with ``kid``, ``alg`` and ``use``."""
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


@dataclass(frozen=True)
class SigningKeys:
    """The trusted keys (published in ``jwks``) and one attacker key that is not."""

    trusted: tuple[SigningKey, ...]
    attacker: SigningKey

    @property
    def jwks(self) -> dict[str, Any]:
        """The JWKS document a deployment is configured with: the trusted public keys only."""
        return {"keys": [key.public_jwk() for key in self.trusted]}


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def signing_keys() -> SigningKeys:
    """The process-wide key set: two trusted RSA-2048 keys (a rotation) and an attacker key."""
    trusted = (SigningKey("ins_harness_2026a", _rsa()), SigningKey("ins_harness_2026b", _rsa()))
    return SigningKeys(trusted=trusted, attacker=SigningKey("ins_attacker", _rsa()))
