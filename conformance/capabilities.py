"""Declared capabilities: the settings a SUT cannot be configured with, said by the SUT itself.

A real package may fix what the harness would configure — a clock skew it always allows, the
algorithms it always accepts — or have no such setting at all (no authorized parties, no issuer
pin). Configuring it otherwise and judging it by that would be a false verdict, so a SUT
declares them, and the harness judges the deployment it can be:

* in-process, as attributes of the factory::

      make.fixed = {"leeway_s": 5}                       # always this value, whatever is asked
      make.unsupported = ("authorized_parties", "issuer")  # cannot be configured at all

      make.fixed = {"key_form": "pkcs1-pem"}               # the key it holds, in that form

* served, as the answer to ``GET /__harness/capabilities``: ``200`` with JSON
  ``{"fixed": {"leeway_s": 5}, "unsupported": ["issuer"]}`` (any other status: nothing declared).

The key a SUT holds (``Settings.jwt_key``, ``CLERK_HARNESS_JWT_KEY``) is the JWKS's first RSA
key as a SubjectPublicKeyInfo PEM unless it declares another ``key_form``. A fixed setting
replaces what every check configures (TOKEN-TIME then runs with that leeway
only); a sub-check that needs an unsupported setting is ``n/a`` with the reason, never a
finding. A SUT declaring nothing is judged as before. Reports list the declarations beside the
verdicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from reference import Settings
from strategies.keys import DEFAULT_KEY_FORM, KEY_FORMS, held_key_text

#: Settings a SUT may declare fixed, each with what its value must be.
FIXABLE = {
    "leeway_s": "a whole number of seconds >= 0",
    "algorithms": "a non-empty list of names",
    "key_form": f"one of {', '.join(KEY_FORMS)}",
    "jwks_ttl_s": "a number of seconds > 0 (how long a fetched JWKS is used)",
    "authorized_parties": "a non-empty list of origins (an app listing its own front end)",
}
#: Settings a SUT may declare unsupported, each with the sub-checks that need it.
UNSUPPORTABLE: Mapping[str, tuple[str, ...]] = {
    "authorized_parties": (
        "TOKEN-AUDIENCE/azp-missing",
        "TOKEN-AUDIENCE/azp-unlisted",
        "TOKEN-AUDIENCE/azp-not-a-string",
    ),
    "issuer": ("TOKEN-AUDIENCE/iss-mismatch",),
}
#: What a deployment lacking each unsupported setting cannot do, for a reason or a report.
_LACKS = {"authorized_parties": "no authorized parties", "issuer": "no issuer pin"}


class CapabilityError(ValueError):
    """A declaration that is not one: an unknown setting, or a value of the wrong type."""


def _fixed_value(name: str, value: object, where: str) -> Any:
    """``value`` as the fixed setting ``name`` (``CapabilityError`` when it cannot be one)."""
    if name == "leeway_s":
        if isinstance(value, int | float) and not isinstance(value, bool):
            whole = value >= 0 and value == int(value)
            if whole:
                return int(value)
    elif name == "algorithms":
        if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
            return tuple(value)
    elif name == "key_form":
        if value in KEY_FORMS:
            return value
    elif name == "authorized_parties":
        if (
            isinstance(value, list | tuple)
            and value
            and all(isinstance(v, str) and v for v in value)
        ):
            return tuple(value)
    elif name == "jwks_ttl_s":
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e9:
            return float(value)
    else:
        raise CapabilityError(
            f"{where}: fixed {name!r} is not a setting that can be fixed; use {sorted(FIXABLE)}"
        )
    raise CapabilityError(f"{where}: fixed {name!r} must be {FIXABLE[name]}, not {value!r}")


@dataclass(frozen=True)
class Capabilities:
    """What a SUT declares: settings it always has (``fixed``, by name) and settings it cannot
    be configured with (``unsupported``)."""

    fixed: tuple[tuple[str, Any], ...] = ()
    unsupported: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, fixed: object, unsupported: object, where: str) -> Capabilities:
        """Validate a declaration (``None``: nothing declared); ``CapabilityError``, one line,
        naming ``where`` it was read, on anything else."""
        fixed = {} if fixed is None else fixed
        unsupported = () if unsupported is None else unsupported
        if not isinstance(fixed, Mapping):
            raise CapabilityError(f"{where}: fixed must be a mapping of setting to value")
        if isinstance(unsupported, str) or not isinstance(unsupported, list | tuple | frozenset):
            raise CapabilityError(f"{where}: unsupported must be a list of setting names")
        for name in unsupported:
            if name not in UNSUPPORTABLE:
                raise CapabilityError(
                    f"{where}: unsupported {name!r} is not a setting that can be left out; use "
                    f"{sorted(UNSUPPORTABLE)} (a leeway is declared fixed: fixed={{'leeway_s': N}})"
                )
        values = tuple(sorted((str(n), _fixed_value(str(n), v, where)) for n, v in fixed.items()))
        return cls(values, frozenset(unsupported))

    @classmethod
    def of_factory(cls, factory: object, where: str) -> Capabilities:
        """An in-process factory's declaration: its ``fixed`` and ``unsupported`` attributes."""
        return cls.parse(
            getattr(factory, "fixed", None), getattr(factory, "unsupported", None), where
        )

    @classmethod
    def from_json(cls, data: object, where: str) -> Capabilities:
        """A served SUT's declaration, the JSON of ``GET /__harness/capabilities``."""
        if not isinstance(data, Mapping):
            raise CapabilityError(f"{where}: expected a JSON object with fixed and unsupported")
        return cls.parse(data.get("fixed"), data.get("unsupported"), where)

    def as_json(self) -> dict[str, Any]:
        return {
            "fixed": {n: list(v) if isinstance(v, tuple) else v for n, v in self.fixed},
            "unsupported": sorted(self.unsupported),
        }

    def __bool__(self) -> bool:
        return bool(self.fixed or self.unsupported)

    def value(self, name: str) -> Any:
        """The fixed value of setting ``name``, or ``None``."""
        return dict(self.fixed).get(name)

    @property
    def key_form(self) -> str:
        """The form the SUT holds its key in (``strategies.KEY_FORMS``): the one it declares,
        else a PEM as Clerk's SDKs document it."""
        return str(self.value("key_form") or DEFAULT_KEY_FORM)

    def applied(self, settings: Settings) -> Settings:
        """``settings`` as the SUT runs them: every fixed setting at its value, and the key it
        holds (``jwt_key``) in its form — none for a deployment fetching its JWKS."""
        fixed = {name: value for name, value in self.fixed if name != "key_form"}
        held = None if settings.jwks_source else held_key_text(settings.jwks, self.key_form)
        return replace(settings, **fixed, jwt_key=held)

    def not_applicable(self, row: str) -> dict[str, str]:
        """The sub-checks of ``row`` (by name) this SUT cannot be judged on, each with why."""
        skipped = {}
        for name in sorted(self.unsupported):
            for sub in UNSUPPORTABLE[name]:
                if sub.partition("/")[0] == row:
                    why = f"the SUT declares {_LACKS[name]} ({name} unsupported): nothing to judge"
                    skipped[sub.partition("/")[2]] = why
        return skipped

    def describe(self) -> str:
        """One line: what the deployment cannot be configured to do."""
        return describe_json(self.as_json())


def describe_json(data: Mapping[str, Any]) -> str:
    """A declaration's JSON (``Capabilities.as_json``) as one line, for every report."""
    said = []
    for name, value in sorted((data.get("fixed") or {}).items()):
        if name == "leeway_s":
            said.append(f"leeway fixed at {value:g} s")
        else:
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            said.append(f"{name} fixed: {shown}")
    said += [_LACKS.get(name, f"no {name}") for name in data.get("unsupported") or ()]
    return "; ".join(said)
