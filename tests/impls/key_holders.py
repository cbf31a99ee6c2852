"""The reference holding its key in each form a deployment keeps one in: ``make_<form>`` (the
form's name, ``-`` as ``_``) declares ``key_form`` fixed, so every instance is handed
``Settings.jwt_key`` in that form and reads it (``reference.keys``)."""

from __future__ import annotations

from typing import Any

from reference import ReferenceAuthenticator, Settings
from strategies.keys import KEY_FORMS


def _holder(form: str) -> Any:
    def make(settings: Settings) -> ReferenceAuthenticator:
        return ReferenceAuthenticator(settings)

    make.fixed = {"key_form": form}  # type: ignore[attr-defined]
    return make


def factory_name(form: str) -> str:
    """The attribute of this module that holds its key in ``form``."""
    return "make_" + form.replace("-", "_")


globals().update({factory_name(form): _holder(form) for form in KEY_FORMS})
