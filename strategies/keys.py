"""Real signing keys, generated once per process, and the JWKS document that publishes them.

RSA key generation costs ~60 ms: ``signing_keys()`` is cached, so every test in a session (and
every example) signs with the same keys. With ``CLERK_HARNESS_KEYS`` naming a keys file
(``write_keys``), every process loads the same keys from it instead — what a service started
elsewhere, before the audit, was configured with (``clerk-harness env``, ``--url``).
"""

from __future__ import annotations

import datetime
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True)
class SigningKey:
    """A private key and the ``kid`` the JWKS publishes its public half under; RSA keys sign
    RS256, P-256 keys ES256."""

    kid: str
    private_key: PrivateKey

    @property
    def alg(self) -> str:
        """The JWS algorithm this key signs with."""
        return "ES256" if isinstance(self.private_key, ec.EllipticCurvePrivateKey) else "RS256"

    @property
    def public_key(self) -> PublicKey:
        """The public half."""
        return self.private_key.public_key()

    def public_pem(self) -> bytes:
        """The public key as SubjectPublicKeyInfo PEM — what a server keeps in its config."""
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_der(self) -> bytes:
        """The public key as SubjectPublicKeyInfo DER."""
        return self.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_jwk(self) -> dict[str, Any]:
        """The RFC 7517 public JWK, with ``kid``, ``alg`` and ``use``."""
        if isinstance(self.public_key, ec.EllipticCurvePublicKey):
            jwk = ECAlgorithm.to_jwk(self.public_key, as_dict=True)
        else:
            jwk = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def certificate_der(self) -> bytes:
        """A self-signed X.509 certificate of this key (DER), as an ``x5c`` chain carries it."""
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.kid)])
        start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.public_key)
            .serial_number(1)
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=3650))
            .sign(self.private_key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class SigningKeys:
    """The trusted RS256 keys, a trusted ES256 key (inert unless a deployment allows ES256), and
    the attacker's RSA and EC keys, which the JWKS never publishes."""

    trusted: tuple[SigningKey, ...]
    attacker: SigningKey
    trusted_ec: SigningKey
    attacker_ec: SigningKey

    @property
    def jwks(self) -> dict[str, Any]:
        """The JWKS document a deployment is configured with: the trusted public keys only."""
        return {"keys": [key.public_jwk() for key in (*self.trusted, self.trusted_ec)]}


#: The environment variable naming a keys file every process loads its keys from.
KEYS_ENV = "CLERK_HARNESS_KEYS"
_RSA_KIDS = ("ins_harness_2026a", "ins_harness_2026b", "ins_attacker", "ins_other_2026a",
             "ins_other_2026b")  # fmt: skip
_EC_KIDS = ("ins_harness_ec", "ins_attacker_ec")


class KeysFileError(Exception):
    """``CLERK_HARNESS_KEYS`` names a file that is not a keys file ``write_keys`` wrote."""


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def _keys() -> dict[str, SigningKey]:
    """Every key the harness signs with, by kid: generated, or loaded from the keys file."""
    path = os.environ.get(KEYS_ENV)
    if not path:
        generated: dict[str, PrivateKey] = {kid: _rsa() for kid in _RSA_KIDS}
        generated.update({kid: ec.generate_private_key(ec.SECP256R1()) for kid in _EC_KIDS})
        return {kid: SigningKey(kid, key) for kid, key in generated.items()}
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        keys = {
            kid: serialization.load_pem_private_key(document["keys"][kid].encode(), None)
            for kid in (*_RSA_KIDS, *_EC_KIDS)
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeysFileError(f"{KEYS_ENV}={path}: not a keys file ({exc!r})") from exc
    return {kid: SigningKey(kid, key) for kid, key in keys.items()}  # type: ignore[arg-type]


def write_keys(path: Path, **extra: Any) -> None:
    """Write this process's keys (private: test keys, never a secret of anyone's) and
    ``extra`` to ``path``, for ``CLERK_HARNESS_KEYS``."""
    pem = {
        kid: key.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        for kid, key in _keys().items()
    }
    path.write_text(json.dumps({"keys": pem, **extra}, indent=2) + "\n", encoding="utf-8")


def keys_file_extra(name: str) -> Any:
    """A value ``write_keys`` stored beside the keys (None without a keys file)."""
    path = os.environ.get(KEYS_ENV)
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8")).get(name)
    except (OSError, ValueError) as exc:
        raise KeysFileError(f"{KEYS_ENV}={path}: {exc}") from exc


@functools.cache
def signing_keys() -> SigningKeys:
    """The process-wide key set: two trusted RSA-2048 keys (a rotation), a trusted P-256 key,
    and the attacker's RSA-2048 and P-256 keys."""
    keys = _keys()
    return SigningKeys(
        trusted=(keys["ins_harness_2026a"], keys["ins_harness_2026b"]),
        attacker=keys["ins_attacker"],
        trusted_ec=keys["ins_harness_ec"],
        attacker_ec=keys["ins_attacker_ec"],
    )


@functools.cache
def other_deployment_keys() -> tuple[SigningKey, ...]:
    """Another deployment's two RSA-2048 signing keys (another Clerk instance, in the same
    process): never in ``signing_keys()``'s JWKS."""
    keys = _keys()
    return (keys["ins_other_2026a"], keys["ins_other_2026b"])


def reusing_kids(
    keys: tuple[SigningKey, ...], kids_of: tuple[SigningKey, ...]
) -> tuple[SigningKey, ...]:
    """``keys`` published under the kids of ``kids_of``, in order: two deployments whose JWKS
    use the same ``kid`` for different keys."""
    return tuple(
        SigningKey(named.kid, key.private_key) for key, named in zip(keys, kids_of, strict=True)
    )


def jwks_of(*keys: SigningKey) -> dict[str, Any]:
    """The JWKS document publishing ``keys``."""
    return {"keys": [key.public_jwk() for key in keys]}


#: The forms a deployment holds its public key in (``key_text``): PEM as the SDKs document it,
#: the same PEM as config files and secret stores mangle it, PKCS#1, a certificate, OpenSSH,
#: a JWK. ``spki-pem`` is what ``CLERK_HARNESS_JWT_KEY`` carries unless told otherwise.
KEY_FORMS = (
    "spki-pem",
    "spki-pem-no-final-newline",
    "spki-pem-crlf",
    "spki-pem-leading-newline",
    "spki-pem-leading-space",
    "pkcs1-pem",
    "pkcs1-pem-no-final-newline",
    "certificate-pem",
    "openssh",
    "jwk-pretty",
    "jwk-compact",
)
DEFAULT_KEY_FORM = "spki-pem"
#: The forms an EC key has too (PKCS#1 is RSA's alone).
EC_KEY_FORMS = tuple(form for form in KEY_FORMS if not form.startswith("pkcs1"))


@functools.cache
def key_text(key: SigningKey, form: str) -> str:
    """``key``'s public half as a deployment holds it in ``form`` (one of ``KEY_FORMS``): the
    exact text a config file, an environment variable or a secret store hands its verifier."""
    public = key.public_key
    if form.startswith("spki-pem"):
        pem = key.public_pem().decode("ascii")
        return _mangled(pem, form.removeprefix("spki-pem"))
    if form.startswith("pkcs1-pem"):
        if not isinstance(public, rsa.RSAPublicKey):
            raise ValueError(f"an EC key has no {form} form")
        raw = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        return _mangled(raw.decode("ascii"), form.removeprefix("pkcs1-pem"))
    if form == "certificate-pem":
        der = key.certificate_der()
        certificate = x509.load_der_x509_certificate(der)
        return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    if form == "openssh":
        raw = public.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        return raw.decode("ascii")
    if form in ("jwk-pretty", "jwk-compact"):
        jwk = key.public_jwk()
        if form == "jwk-pretty":
            return json.dumps(jwk, indent=2) + "\n"
        return json.dumps(jwk, separators=(",", ":"))
    raise ValueError(f"unknown key form {form!r}; expected one of {KEY_FORMS}")


def _mangled(pem: str, how: str) -> str:
    """A PEM as storage mangles it: ``""`` as written, without its final newline, with CRLF
    line ends, after a newline or a space (a YAML block, a ``.env`` value)."""
    return {
        "": pem,
        "-no-final-newline": pem.rstrip("\n"),
        "-crlf": pem.replace("\n", "\r\n"),
        "-leading-newline": "\n" + pem,
        "-leading-space": "  " + pem,
    }[how]


def held_key_text(jwks: Any, form: str) -> str | None:
    """The first RSA key of ``jwks`` in ``form``, when it is one of this process's keys (a
    certificate needs its private half); ``None`` otherwise."""
    for jwk in jwks.get("keys", ()):
        if jwk.get("kty") == "RSA":
            key = _keys().get(jwk.get("kid"))
            if key is not None and _modulus(key) == jwk.get("n"):
                return key_text(key, form)
            return None
    return None


@functools.cache
def _modulus(key: SigningKey) -> str:
    """An RSA key's JWK ``n`` (an EC key: ``""``)."""
    return str(key.public_jwk().get("n", ""))


def jwt_key_pem(jwks: Any) -> str:
    """The first RSA key of a JWKS document as a SubjectPublicKeyInfo PEM (``""``: none) — what
    Clerk's SDKs take as ``jwtKey``/``CLERK_JWT_KEY`` in place of a JWKS fetch."""
    for jwk in jwks.get("keys", ()):
        if jwk.get("kty") == "RSA":
            public = RSAAlgorithm.from_jwk(json.dumps(jwk))
            if not isinstance(public, rsa.RSAPublicKey):
                raise ValueError("the JWKS publishes a private RSA key")
            pem = public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return pem.decode("ascii")
    return ""
