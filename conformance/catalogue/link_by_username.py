"""On a first login, links the Clerk user to the local account from before (the user store's
existing users) whose username is the token's ``username`` claim (else its ``name``) — even an
account already linked to another Clerk user, which it rebinds: a newcomer who picks X's
username gets X's account (a published helper library, issue 23)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import LocalUser, Settings

from ._base import ProfileLinker

VIOLATES = frozenset(
    {
        "IDENTITY-NOT-LINKED/linked-to-another",
        "IDENTITY-NOT-LINKED/unlinked-match",
        "IDENTITY-NOT-LINKED/rebound",
    }
)


class LinkByUsername(ProfileLinker):
    def matches(self, account: LocalUser, claims: Mapping[str, Any]) -> bool:
        name = claims.get("username") or claims.get("name")
        return isinstance(name, str) and name == account.username


def make(settings: Settings) -> LinkByUsername:
    return LinkByUsername(settings)
