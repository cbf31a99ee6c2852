"""On a first login, links the Clerk user to the local account from before (the user store's
existing users) with the same ``email`` claim, in any case — even an account already linked to
another Clerk user, which it rebinds: user Y, whose profile names X's address, logs in and
gets X's account (a published Django integration, issue 23)."""

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


class LinkByEmail(ProfileLinker):
    def matches(self, account: LocalUser, claims: Mapping[str, Any]) -> bool:
        email = claims.get("email")
        return isinstance(email, str) and bool(email) and email.lower() == account.email.lower()


def make(settings: Settings) -> LinkByEmail:
    return LinkByEmail(settings)
