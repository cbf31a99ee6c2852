"""Takes any JWT its instance's key signed for a session: it never looks at the header's
``typ`` or ``cat``, nor at a machine's ``mch_`` subject. So an OAuth access token an app holds
for a user signs in as that user, and an M2M token with custom claims naming the org signs in
as a user called ``mch_…`` (clerk/javascript PR #9168)."""

from __future__ import annotations

import time
from typing import Any

from reference import ReferenceAuthenticator, Settings
from reference import tokens as _tokens

VIOLATES = frozenset({"SESSION-TOKENS-ONLY/m2m-jwt", "SESSION-TOKENS-ONLY/oauth-jwt"})


def _any_class(token: str, keys: _tokens.KeySet, settings: Settings) -> dict[str, Any]:
    claims = _tokens.verify_signature(token, keys, settings.algorithms)
    _tokens.check_times(claims, time.time(), settings.leeway_s)
    _tokens.check_audience(claims, settings)
    return claims


class IgnoresTokenClass(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Any:
        return self.authenticate_claims(_any_class(token, self.keys, self.settings))


def make(settings: Settings) -> IgnoresTokenClass:
    return IgnoresTokenClass(settings)
