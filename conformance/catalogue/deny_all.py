"""Refuses every login, whatever it is given — the implementation that would pass a suite that
only checks refusals. Nothing it refuses proves anything: every row whose controls (valid
sessions) it refuses must be ``inconclusive``, never ``holds``. Its findings: every session
Clerk mints is refused (VALID-ACCEPTED). (Claims without a user or org it refuses as
``Unauthorized``, not ``InvalidClaims`` — but with the user and org supplied too: a refusal
not for the missing identity, so no ID-REQUIRED finding.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Principal, Request, Settings, Unauthorized

VIOLATES = frozenset({"VALID-ACCEPTED/v1", "VALID-ACCEPTED/v2"})
#: Every other applicable row: nothing valid is ever accepted, so nothing can be decided.
INCONCLUSIVE = "all"


class DenyAll:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        raise Unauthorized("denied", "this implementation refuses everyone")

    def authenticate_token(self, token: str) -> Principal:
        raise Unauthorized("denied", "this implementation refuses everyone")

    def authenticate_request(self, request: Request) -> Principal:
        raise Unauthorized("denied", "this implementation refuses everyone")

    def callback_subject(self, request: Request) -> Principal:
        raise Unauthorized("denied", "this implementation refuses everyone")


def make(settings: Settings) -> DenyAll:
    return DenyAll(settings)
