"""Peeks at the unverified payload — to log the issuer before verification — with a hand-rolled
decoder that assumes a well-formed token. One segment, bad base64url, a payload that is not
JSON or not an object: an ``IndexError``, ``binascii.Error``, ``UnicodeDecodeError`` or
``AttributeError`` escapes — a 500 where a 401 belongs, and a log line an attacker writes."""

from __future__ import annotations

import json
import logging

from reference import Principal, ReferenceAuthenticator, Settings
from strategies.attacks import unb64url

VIOLATES = frozenset(
    {
        "TOKEN-MALFORMED/error-class",
        "TOTAL/crash",
    }
)

log = logging.getLogger(__name__)


def peek(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return json.loads(unb64url(payload))  # type: ignore[no-any-return]


class PeekingDecoder(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        log.debug("token from issuer %s", peek(token).get("iss"))
        return super().authenticate_token(token)


def make(settings: Settings) -> PeekingDecoder:
    return PeekingDecoder(settings)
