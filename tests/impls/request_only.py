"""Implementations reached only through requests, as an HTTP service is: the reference, and the
seed's code after its fix, with their claims and token methods hidden."""

from __future__ import annotations

from typing import Any

from conformance.catalogue import upstream_after_fix
from reference import Principal, ReferenceAuthenticator, Request, Settings


class RequestOnly:
    """``authenticate_request`` and ``callback_subject`` of ``inner``, nothing else."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def authenticate_request(self, request: Request) -> Principal:
        return self.inner.authenticate_request(request)  # type: ignore[no-any-return]

    def callback_subject(self, request: Request) -> Principal:
        return self.inner.callback_subject(request)  # type: ignore[no-any-return]


def reference(settings: Settings) -> RequestOnly:
    return RequestOnly(ReferenceAuthenticator(settings))


def after_fix(settings: Settings) -> RequestOnly:
    return RequestOnly(upstream_after_fix.make(settings))
