"""The reference as an app naming its own front end in its code (Clerk's Python guide lists
``http://localhost:3000``): those are its authorized parties whatever it is configured with —
declared fixed, so the harness mints its tokens for them."""

from __future__ import annotations

from dataclasses import replace

from reference import ReferenceAuthenticator, Settings

FRONT_END = ("http://localhost:3000",)


def make(settings: Settings) -> ReferenceAuthenticator:
    return ReferenceAuthenticator(replace(settings, authorized_parties=FRONT_END))


make.fixed = {"authorized_parties": list(FRONT_END)}  # type: ignore[attr-defined]
