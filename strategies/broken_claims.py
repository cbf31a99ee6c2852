"""Clerk v2 session claims as JWT templates and hand-made tokens break them: the permission
claims a parser digs into (``fea``, ``o.per``, ``o.fpm``) missing, of the wrong type or length,
and ``v`` as a string.

Clerk v2 writes an org's permissions as three strings: ``fea`` lists features by scope
(``"o:reports,u:billing"``), ``o.per`` the permission names (``"read,manage"``) and ``o.fpm``
one number per org feature, a bit mask over ``per`` (``"3"``: both). Code that splits them,
indexes ``fpm`` by feature or compares ``v`` with a number crashes on what Clerk never mints
but the instance's key may sign. Each case is applied to a valid v2 session, so identity stays
readable and the broken claim is the only reason to stumble.

``broken_v2_claims(claims)`` is every case once (a check's probe, deterministic);
``broken_v2_draws(org_id)`` draws a v2 session of any identity in ``org_id`` and a case, with
a value of the wrong type drawn for the type cases.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from .claims import draw_session_claims, json_values
from .identities import identities

#: ``fea`` with org features (``o:``) and a user feature (``u:``), as Clerk writes it.
FEATURES = "o:reports,o:exports,u:billing"
#: The permission names and one mask per org feature of ``FEATURES``.
PERMISSIONS, MASKS = "read,manage", "3,1"

#: What a wrong type is, by JSON kind: a probe's value, and a strategy drawing others.
WRONG_TYPES: dict[str, tuple[Any, st.SearchStrategy[Any]]] = {
    "number": (3, st.integers() | st.floats(allow_nan=False, allow_infinity=False)),
    "list": (["read", "manage"], st.lists(json_values(), max_size=3)),
    "object": ({"reports": 3}, st.dictionaries(st.text(max_size=6), json_values(), max_size=3)),
    "null": (None, st.none()),
}


@dataclass(frozen=True)
class V2Case:
    """One way v2 claims break: its name, what it is, and how it changes valid v2 claims (a
    copy, with the value the case puts in)."""

    name: str
    what: str
    apply: Callable[[dict[str, Any], Any], None]
    wrong: str = ""  # the ``WRONG_TYPES`` kind of the value put in, or "" (a fixed change)

    def broken(self, claims: Mapping[str, Any], value: Any = None) -> dict[str, Any]:
        """``claims`` (valid v2) broken this way; ``value``: the wrong-typed value put in
        (this kind's probe value when not given)."""
        out = copy.deepcopy(dict(claims))
        out["o"] = dict(out.get("o") or {})
        if self.wrong and value is None and self.wrong != "null":
            value = copy.deepcopy(WRONG_TYPES[self.wrong][0])
        self.apply(out, value)
        return out


def _permissions(claims: dict[str, Any], features: str, per: Any, fpm: Any) -> None:
    claims["fea"] = features
    claims["o"].update(per=per, fpm=fpm)


def _without_permissions(claims: dict[str, Any], _: Any) -> None:
    claims["fea"] = FEATURES
    claims["o"].pop("per", None)
    claims["o"].pop("fpm", None)


def _without_o(claims: dict[str, Any], _: Any) -> None:
    claims["fea"] = FEATURES
    del claims["o"]


def _typed(field: str, kind: str) -> V2Case:
    """``o.<field>`` (``per`` or ``fpm``) of JSON kind ``kind``, beside the other one right."""

    def apply(claims: dict[str, Any], value: Any) -> None:
        right = {"per": PERMISSIONS, "fpm": MASKS}
        _permissions(claims, FEATURES, **{**right, field: value})

    return V2Case(f"{field}-{kind}", f"`o.{field}` a {kind}, not a string", apply, kind)


#: Every case: permissions missing, of the wrong type, of the wrong length; ``v`` a string.
CASES: tuple[V2Case, ...] = (
    V2Case("fea-without-per", "`fea` with org features, no `o.per`/`o.fpm`", _without_permissions),
    V2Case("fea-without-o", "`fea` with org features, no `o` at all", _without_o),
    *(_typed(field, kind) for field in ("per", "fpm") for kind in WRONG_TYPES),
    V2Case(
        "fpm-more",
        "`o.fpm` with more masks than `fea` has org features",
        lambda c, _: _permissions(c, FEATURES, PERMISSIONS, "3,1,2,7"),
    ),
    V2Case(
        "fpm-fewer",
        "`o.fpm` with fewer masks than `fea` has org features",
        lambda c, _: _permissions(c, FEATURES, PERMISSIONS, "3"),
    ),
    V2Case("v-string", '`v` the string "2"', lambda c, _: c.update(v="2")),
)
BY_NAME = {case.name: case for case in CASES}


def broken_v2_claims(claims: Mapping[str, Any]) -> list[tuple[V2Case, dict[str, Any]]]:
    """Every case once, applied to ``claims`` (a valid v2 session): the probe a check runs
    whatever a seed draws."""
    return [(case, case.broken(claims)) for case in CASES]


@functools.cache
def _wrong(kind: str) -> st.SearchStrategy[Any]:
    return WRONG_TYPES[kind][1] if kind else st.none()


@st.composite
def broken_v2_draws(draw: st.DrawFn, org_id: str) -> tuple[V2Case, dict[str, Any]]:
    """A v2 session of any identity in ``org_id``, broken by any case (a wrong-typed value of
    the case's kind drawn). Shrinks to ``fea`` without ``o.per``."""
    who = draw(identities(org_id=org_id, adversarial=False))
    claims = draw_session_claims(draw, who, shape="v2", noise=False)
    case = CASES[draw(st.integers(0, len(CASES) - 1))]
    return case, case.broken(claims, draw(_wrong(case.wrong)))
