"""Clerk's official Python SDK (``clerk-backend-api``) under the contract: its networkless
``authenticate_request``, configured and used as Clerk's Python-backend guide does.

The glue, all of it:

* configuration — ``jwt_key``: ``Settings.jwt_key``, the first RSA key of ``Settings.jwks`` as
  the deployment holds it (a PEM unless declared otherwise; the SDK takes
  one key, as ``CLERK_JWT_KEY`` holds the instance's one public key; the harness signs valid
  tokens with that key); ``authorized_parties`` when the settings list any;
  ``clock_skew_in_ms`` from ``leeway_s``; ``accepts_token=["session_token"]``, as the guide
  sets it (the default ``any`` would post ``mt_``/``oat_``/``ak_`` tokens to Clerk's API).
  ``Settings.algorithms`` and ``Settings.issuer`` have no SDK option and are not used;
* ``authenticate_request``: the harness's request becomes the ``starlette.requests.Request`` a
  FastAPI app passes to the SDK (``_app.raw_headers``); ``authenticate_token``: the token sent
  as ``Authorization: Bearer <token>`` of a ``GET /``;
* the result: a signed-out state is ``Unauthorized`` with the SDK's reason code; a signed-in
  payload goes to ``_app.MinimalApp`` as ``sub``, ``org_id``, ``org_role``, ``sid`` — the SDK
  has already copied ``o.id``/``o.rol`` of v2 tokens into ``org_id``/``org_role``.

Not provided by the SDK, so not applicable: ``authenticate_claims``, ``callback_subject``.
"""

from __future__ import annotations

from clerk_backend_api.security import authenticate_request
from clerk_backend_api.security.types import AuthenticateRequestOptions, AuthStatus
from starlette.requests import Request as StarletteRequest

from reference import Principal, Request, Settings, Unauthorized
from strategies.keys import jwt_key_pem

from ._app import MinimalApp, bearer_request, raw_headers


class ClerkBackendApi:
    """``clerk_backend_api.security.authenticate_request`` behind the contract."""

    def __init__(self, settings: Settings) -> None:
        self.application = MinimalApp(settings)
        self.options = AuthenticateRequestOptions(
            jwt_key=settings.jwt_key or jwt_key_pem(settings.jwks),
            authorized_parties=list(settings.authorized_parties) or None,
            clock_skew_in_ms=int(settings.leeway_s * 1000),
            accepts_token=["session_token"],
        )

    def authenticate_request(self, request: Request) -> Principal:
        """The SDK's verdict on the request's headers, then the application's principal."""
        scope = {"type": "http", "method": request.method, "headers": raw_headers(request)}
        state = authenticate_request(StarletteRequest(scope), self.options)
        if state.status is not AuthStatus.SIGNED_IN or state.payload is None:
            code, message = state.reason.value if state.reason else ("signed_out", "")
            raise Unauthorized(code, message)
        payload = state.payload
        return self.application.principal(
            payload.get("sub"), payload.get("org_id"), payload.get("org_role"), payload.get("sid")
        )

    def authenticate_token(self, token: str) -> Principal:
        """``token`` as the Bearer credential of an API request."""
        return self.authenticate_request(bearer_request(token))


def make(settings: Settings) -> ClerkBackendApi:
    """The ``--sut`` factory."""
    return ClerkBackendApi(settings)
