"""Claim sets as Clerk sends them: v1 flat, v2 nested (``o``), JWT-template — and broken ones."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from ._validation import check_choice, check_type
from .draws import pick
from .identities import TRUSTED_ORG, ClerkIdentity
from .ids import NULL_WORDS, clerk_ids

SHAPES = ("v1", "v2", "template")
#: Clerk's built-in role names (without the ``org:`` prefix).
CLERK_ROLES = ("admin", "member", "guest")
#: Role names as Clerk writes them without the ``org:`` prefix, plus ones no mapping knows.
ROLE_NAMES = ("admin", "member", "guest", "billing_manager", "Admin", "owner", "")
#: Claims that name identity, role or session; noise claims never use these names.
RESERVED = frozenset(
    {
        "sub",
        "user_id",
        "org_id",
        "org_role",
        "org_slug",
        "org_permissions",
        "o",
        "role",
        "sid",
        "sts",
        "v",
        "exp",
        "iat",
        "nbf",
        "iss",
        "azp",
        "jti",
        "fva",
        "name",
        "email",
        "image_url",
    }
)


class _Draw:
    """Sentinel for "draw this option" (distinct from ``None``, which means "absent")."""

    def __repr__(self) -> str:
        return "DRAW"


DRAW: Any = _Draw()


#: JSON values parsers get wrong: ``null``, ``""``, ``0``, ``false``, ``[]``, ``{}``, null-words,
#: numbers-as-strings, a lone id in a container.
TRICKY_JSON: tuple[Any, ...] = (
    None, "", 0, 1, -1, 0.5, True, False, [], {}, "0", "123", *NULL_WORDS, ["user_0"], {"id": "x"},
)  # fmt: skip


@functools.cache
def json_values(*, max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value: half the time one parsers get wrong (``TRICKY_JSON``), else any scalar
    or nested containers. Shrinks to ``null``."""
    scalars: st.SearchStrategy[Any] = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=12)
    )
    nested = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=max_leaves,
    )
    return one_of_pool(TRICKY_JSON, scalars | nested, one_in=2)


@st.composite
def one_of_pool(
    draw: st.DrawFn, pool: tuple[Any, ...], generated: st.SearchStrategy[Any], one_in: int
) -> Any:
    """A member of ``pool`` (copied), or one time in ``one_in`` a ``generated`` value: in one
    choice when it comes from the pool, where a ``one_of`` costs two. Shrinks to ``pool[0]``.
    (Hypothesis's cost grows with the choices an example makes, and pools are hot.)"""
    index = draw(st.integers(0, len(pool) * one_in // (one_in - 1) - 1))
    if index < len(pool):
        return copy.deepcopy(pool[index]) if isinstance(pool[index], (list, dict)) else pool[index]
    return draw(generated)


def _role_claim(shape: str, role: str, prefixed: bool) -> dict[str, Any]:
    if shape == "v1":
        return {"org_role": f"org:{role}"}
    if shape == "v2":
        return {}  # v2 carries the role inside ``o``
    return {"role": f"org:{role}" if prefixed else role}  # a template maps either form


#: Custom claim names templates use; some near identity names, none of them ``RESERVED``.
NOISE_NAMES = ("plan", "tenant", "metadata", "public_metadata", "user", "org", "id", "uid", "x")
#: What custom claims carry: values parsers get wrong, and values shaped like an identity or a
#: role, which a parser that looks in the wrong place would take.
NOISE_VALUES: tuple[Any, ...] = (
    *TRICKY_JSON,
    "user_2NNEqL2nrIRdJ194ndJqAHwEfxC",
    "org_2vOtherOrg",
    "org:admin",
    ["org:admin"],
    {"sub": "user_0"},
    {"user_id": "user_0", "org_id": "org_0"},
    {"role": "admin"},
    {"o": {"id": "org_0", "rol": "admin"}},
)
#: One custom claim each (and none first): ``noise_claims`` draws most of its values from here.
NOISE_POOL: tuple[dict[str, Any], ...] = (
    {},
    *({name: value} for value in NOISE_VALUES for name in NOISE_NAMES),
)


@functools.cache
def noise_claims() -> st.SearchStrategy[dict[str, Any]]:
    """Extra custom claims a template may add, never under an identity-bearing name: mostly one
    from ``NOISE_POOL`` (a name like a real one, a value parsers get wrong or shaped like an
    identity), else up to three, any lowercase names, any JSON values. Shrinks to none."""
    invented = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10)
    names = st.sampled_from(NOISE_NAMES) | invented.filter(lambda n: n not in RESERVED)
    arbitrary = st.dictionaries(names, json_values(max_leaves=2), min_size=1, max_size=3)
    return one_of_pool(NOISE_POOL, arbitrary, one_in=16)


def profile_claims(identity: ClerkIdentity) -> st.SearchStrategy[dict[str, Any]]:
    """Profile data (``name``, ``email``, ``image_url``): never identity; sometimes not a string."""
    email = {} if identity.email is None else {"email": identity.email}
    return _profile_extras().map(lambda d: {**d, **email})


#: Display names: ordinary, empty, null, not a string, or shaped like another user's id.
PROFILE_NAMES: tuple[Any, ...] = ("Ada Lovelace", "", None, 0, ["Ada"], {"first": "Ada"}, "user_0")
_IMAGE = {"image_url": "https://img.clerk.com/x.png"}


#: The profile claims a session may carry: ``name`` (any of ``PROFILE_NAMES``) and
#: ``image_url``, each present or not. Read-only: callers copy what they keep.
_PROFILES: tuple[dict[str, Any], ...] = (
    {},
    _IMAGE,
    *({"name": n} for n in PROFILE_NAMES),
    *({"name": n, **_IMAGE} for n in PROFILE_NAMES),
)


@functools.cache
def _profile_extras() -> st.SearchStrategy[dict[str, Any]]:
    """One of ``_PROFILES``: one draw."""
    return st.sampled_from(_PROFILES)


#: Drawn roles: none, Clerk's three, or a custom one.
_ROLES: tuple[str | None, ...] = (None, *CLERK_ROLES, "billing_manager")


def session_claims(
    identity: ClerkIdentity,
    *,
    shape: str | None = None,
    sid: str | None = DRAW,
    role: str | None = DRAW,
    noise: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """The claims of a Clerk session token naming ``identity``.

    ``shape`` is ``"v1"`` (flat ``org_id``/``org_role: "org:admin"``), ``"v2"`` (``"v": 2`` with
    ``o: {"id", "rol": "admin", "slg"}``), ``"template"`` (``sub`` + custom ``user_id``,
    ``org_id``, ``role``) or ``None`` to draw one. ``sid`` and ``role`` are drawn unless given;
    ``None`` leaves the claim out; a drawn ``sid`` is always there in v1 and v2 (Clerk's
    session tokens always carry one), half the time in a template; a drawn role is realistic
    (Clerk's three or a custom one) — pass ``ROLE_NAMES`` members for hostile ones. Role names
    are written without ``org:``; the shape adds it.
    An absent identity part (``None``) leaves its claims out.

    >>> session_claims(ClerkIdentity("org_1", "user_1"), shape="v2", sid=None, role="admin",
    ...                noise=False).example()  # doctest: +SKIP
    {'sub': 'user_1', 'v': 2, 'o': {'id': 'org_1', 'rol': 'admin', 'slg': 'acme'}}
    """
    _check_session(identity, shape)
    return _session_claims_for(identity, shape, sid, role, noise)


def draw_session_claims(
    draw: st.DrawFn,
    identity: ClerkIdentity,
    *,
    shape: str | None = None,
    sid: str | None = DRAW,
    role: str | None = DRAW,
    noise: bool = True,
) -> dict[str, Any]:
    """``session_claims`` as a function of ``draw``, for a composite strategy drawing many
    sessions: a strategy per identity costs Hypothesis more (it validates each new one) than
    the one or two choices it makes.

    >>> @st.composite
    ... def two_sessions(draw, first, second):
    ...     return [draw_session_claims(draw, who, noise=False) for who in (first, second)]
    """
    _check_session(identity, shape)
    return _claims(draw, identity, shape, sid, role, noise)


def _check_session(identity: ClerkIdentity, shape: str | None) -> None:
    if shape is not None:
        check_choice("shape", shape, SHAPES)
    check_type("identity", identity, ClerkIdentity)


@functools.lru_cache(maxsize=4096)
def _session_claims_for(
    identity: ClerkIdentity, shape: str | None, sid: str | None, role: str | None, noise: bool
) -> st.SearchStrategy[dict[str, Any]]:
    """The strategy, built once for the same arguments: Hypothesis validates each new one, and
    the same identities recur — within a run as it mutates examples, and across the SUTs an
    audit runs with the same derandomized examples."""
    return _session_claims(identity, shape, sid, role, noise)


#: A session's optional parts, one bit each.
_USER_ID, _PERMISSIONS, _PREFIXED, _AZP, _STS, _SID = (1 << bit for bit in range(6))
_PARTS = 1 << 6
#: A session's shape, optional parts, role and profile, as one number (its digits in mixed
#: radix): one choice where separate draws cost four — Hypothesis's cost grows with the
#: choices an example makes. Shrinks to a v1 session with none of the optional parts.
_LAYOUT = st.integers(0, len(SHAPES) * _PARTS * len(_ROLES) * len(_PROFILES) - 1)


def _claims(
    draw: st.DrawFn,
    identity: ClerkIdentity,
    shape: str | None,
    sid: str | None,
    role: str | None,
    noise: bool,
) -> dict[str, Any]:
    layout, drawn_shape = divmod(draw(_LAYOUT), len(SHAPES))
    layout, flags = divmod(layout, _PARTS)
    profile, drawn_role = divmod(layout, len(_ROLES))
    shape = shape or SHAPES[drawn_shape]
    if sid is DRAW:  # Clerk's session tokens always carry ``sid``; a template may omit it
        sid = draw(clerk_ids("sess")) if flags & _SID or shape != "template" else None
    if role is DRAW:
        role = _ROLES[drawn_role]

    claims: dict[str, Any] = {}
    if identity.user_id is not None:
        claims["sub"] = identity.user_id
        if shape == "template" and flags & _USER_ID:
            claims["user_id"] = identity.user_id
    if shape == "v2":
        claims["v"] = 2
        nested: dict[str, Any] = {"slg": "acme"}
        if identity.org_id is not None:
            nested["id"] = identity.org_id
        if role is not None:
            nested["rol"] = role
        if flags & _PERMISSIONS:
            nested.update(per="read,manage", fpm="3")
        claims["o"] = nested
        claims["fva"] = [0, -1]  # minutes since the first factor; no second factor
        claims["sts"] = "active"  # v2 tokens always carry the session status
    else:
        if identity.org_id is not None:
            claims["org_id"] = identity.org_id
        if shape == "v1":
            claims["org_slug"] = "acme"
        if role is not None:
            claims.update(_role_claim(shape, role, bool(flags & _PREFIXED)))
    if sid is not None:
        claims["sid"] = sid
    if flags & _AZP:
        claims["azp"] = "https://app.example.com"
    if flags & _STS and shape != "v2":
        claims["sts"] = "active"
    claims.update(_PROFILES[profile])
    if identity.email is not None:
        claims["email"] = identity.email
    if noise:
        claims.update(draw(noise_claims()))
    return claims


_session_claims = st.composite(_claims)


def claims_shape(claims: Any) -> str:
    """Which shape of Clerk token ``claims`` are — ``"v2"`` (``"v": 2``), ``"template"`` (a
    ``role``, or a ``user_id`` with no v1 org claim beside it) or ``"v1"`` — and
    ``" without sid"`` when no usable ``sid``: a control's label, so that a refused shape
    is named once, with its count. Clerk's own session tokens are the v1 and v2 ones with a
    ``sid``: the only claims a control may present (a template is a scenario of its own).

    >>> claims_shape({"sub": "user_1", "v": 2, "o": {"id": "org_1"}, "sid": "sess_1"})
    'v2'
    >>> claims_shape({"sub": "user_1", "org_id": "org_1", "role": "admin"})
    'template without sid'
    """
    if not isinstance(claims, Mapping):
        return "not an object"
    if claims.get("v") == 2:
        shape = "v2"
    elif "role" in claims or ("user_id" in claims and not {"org_slug", "org_role"} & set(claims)):
        shape = "template"  # a claim only a template names, and none only v1 does
    else:
        shape = "v1"
    sid = claims.get("sid")
    return shape if isinstance(sid, str) and sid else f"{shape} without sid"


MALFORMED_KINDS = ("missing_org", "missing_user", "conflicting_user", "conflicting_org")


@functools.cache
def _unusable() -> st.SearchStrategy[Any]:
    """A value that is *not* a usable id: absent-like, empty, or not a string at all."""
    return st.sampled_from([None, "", 0, 123, True, False, [], {}, ["user_1"], {"id": "x"}]) | (
        json_values().filter(lambda v: not (isinstance(v, str) and v))
    )


@functools.lru_cache(maxsize=1024)
def malformed_claims(
    *,
    org_id: str = TRUSTED_ORG,
    kinds: tuple[str, ...] = MALFORMED_KINDS,
    user_id: str | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Claims a correct implementation must reject.

    ``missing_org`` / ``missing_user`` (rejected with ``InvalidClaims``): every candidate of that
    field (``org_id``/``o.id``, or ``sub``/``user_id``) is absent, ``null``, empty or not a
    string, while the other field is usable (the org being ``org_id``).
    ``conflicting_user``: ``sub`` ≠ ``user_id``, both usable; ``conflicting_org``: ``org_id`` ≠
    ``o.id``, one of them ``org_id``. The other value is unrelated or a near-variant (case,
    whitespace, NUL, NFKC) that a naive comparison calls equal. ``user_id`` fixes the user the
    claims are built around (drawn when ``None``).
    """
    for kind in kinds:
        check_choice("kinds", kind, MALFORMED_KINDS)
    if user_id is not None:
        check_type("user_id", user_id, str)
    return _malformed_claims(org_id, kinds, user_id)


def _near_variants(value: str) -> tuple[str, ...]:
    """Variants of ``value`` that naive comparison calls equal (case, surrounding whitespace,
    a trailing NUL, NFKC)."""
    return (
        value.swapcase(),
        f" {value}",
        f"{value} ",
        f"{value}\x00",
        value.replace("_", "\uff3f"),
    )


_NEAR_OR_UNRELATED = st.integers(0, 2 * len(_near_variants("")) - 1)


def _draw_other_than(draw: st.DrawFn, value: str) -> str:
    """Another id: half the time a near-variant of ``value``, else an unrelated one."""
    pick = draw(_NEAR_OR_UNRELATED)
    near = _near_variants(value)
    if pick < len(near):
        return near[pick]
    kind = value.split("_", 1)[0] if value.split("_", 1)[0] in ("user", "org") else "user"
    other = draw(clerk_ids(kind))
    return other if other != value else near[0]


@st.composite
def _malformed_claims(
    draw: st.DrawFn, org_id: str, kinds: tuple[str, ...], user_id: str | None
) -> dict[str, Any]:
    kind = pick(draw, kinds)
    user = user_id if user_id is not None else draw(clerk_ids("user"))
    base = draw_session_claims(draw, ClerkIdentity(org_id, user), sid=DRAW, noise=False)
    base.pop("user_id", None)
    if kind == "missing_org":
        base.pop("org_id", None)
        nested = base.pop("o", None)
        if draw(st.booleans()):
            base["org_id"] = draw(_unusable())
        inner = dict(nested or {})
        inner.pop("id", None)
        if draw(st.booleans()):
            inner["id"] = draw(_unusable())
        # ``o`` absent, an object without a usable id, or not an object at all
        shapes_of_o = (None, inner, "org", [inner], 7)
        base["o"] = pick(draw, shapes_of_o)
        if base["o"] is None:
            del base["o"]
    elif kind == "missing_user":
        del base["sub"]
        for name in ("sub", "user_id"):
            if draw(st.booleans()):
                base[name] = draw(_unusable())
    elif kind == "conflicting_user":
        other = _draw_other_than(draw, user)
        base["user_id"] = other
        if draw(st.booleans()):
            base["sub"], base["user_id"] = other, user
    else:
        other_org = _draw_other_than(draw, org_id)
        base.pop("org_id", None)
        nested = dict(base.get("o") or {})
        base["org_id"], nested["id"] = (
            (other_org, org_id) if draw(st.booleans()) else (org_id, other_org)
        )
        base["o"] = nested
    return base


ROLE_CLAIM_VALUES: tuple[Any, ...] = (
    "admin",
    "org:admin",
    "member",
    "org:member",
    "guest",
    "org:guest",
    "Admin",
    "ORG:ADMIN",
    "org:org:admin",
    "owner",
    "",
    None,
    # near-misses and non-strings that a lenient mapping turns into admin
    "administrator",
    " admin",
    "admin\x00",
    ["org:admin"],
    True,
    {},
)


#: Each of ``role``, ``org_role`` and ``o.rol`` absent (0) or a ``ROLE_CLAIM_VALUES`` member.
_ROLE_CHOICES = len(ROLE_CLAIM_VALUES) + 1


@st.composite
def role_claims(draw: st.DrawFn, claims: dict[str, Any]) -> dict[str, Any]:
    """``claims`` with any subset of ``role``, ``org_role`` and ``o.rol`` set to role values —
    agreeing, disagreeing, prefixed or not, unknown, empty, near-misses, non-strings, absent —
    in any shape. All three are one choice (a number whose base-19 digits pick them), shrinking
    to none of them."""
    return with_role_claims(draw, claims)


_ROLE_PICKS = st.integers(0, _ROLE_CHOICES**3 - 1)


def with_role_claims(draw: st.DrawFn, claims: dict[str, Any]) -> dict[str, Any]:
    """``role_claims`` as a function of ``draw``, for a composite strategy drawing several (no
    strategy built per call)."""
    out = {k: v for k, v in claims.items() if k not in ("role", "org_role")}
    nested = dict(out.get("o") or {}) if isinstance(out.get("o"), dict) else None
    if nested is not None:
        nested.pop("rol", None)
    picked = draw(_ROLE_PICKS)
    role, org_role, rol = (picked // _ROLE_CHOICES**i % _ROLE_CHOICES for i in range(3))
    for name, digit in (("role", role), ("org_role", org_role)):
        if digit:
            out[name] = copy.deepcopy(ROLE_CLAIM_VALUES[digit - 1])
    if rol:
        nested = nested if nested is not None else {}
        nested["rol"] = copy.deepcopy(ROLE_CLAIM_VALUES[rol - 1])
    if nested is not None:
        out["o"] = nested
    return out


#: Where template claims carry roles that real integrations read (and Clerk's own role claims are
#: not): a top-level ``roles``, and ``role``/``roles`` inside ``metadata`` or ``public_metadata``
#: (a template maps ``{{user.public_metadata}}`` there). Each is ``name`` or ``(claim, key)``.
TEMPLATE_ROLE_PLACES: tuple[str | tuple[str, str], ...] = (
    "roles",
    ("metadata", "role"),
    ("metadata", "roles"),
    ("public_metadata", "role"),
    ("public_metadata", "roles"),
)
#: The claims holding ``TEMPLATE_ROLE_PLACES``: dropping them drops every template role.
TEMPLATE_ROLE_CLAIMS = ("roles", "metadata", "public_metadata")


def with_template_roles(claims: dict[str, Any], roles: list[Any], shift: int = 0) -> dict[str, Any]:
    """``claims`` with each of ``roles`` at one of ``TEMPLATE_ROLE_PLACES`` — from the
    ``shift``-th on, cycling — and all of them as one list at the next place (where an "any
    match" reading finds an admin beside a lesser role); the rest of ``metadata`` and
    ``public_metadata`` is kept when it is an object. No draw: the roles come from the caller's.

    >>> with_template_roles({"sub": "user_1"}, ["admin"])
    {'sub': 'user_1', 'roles': 'admin', 'metadata': {'role': ['admin']}}
    """
    out = {k: copy.deepcopy(v) for k, v in claims.items()}
    values = [*roles, list(roles)]
    for i, value in enumerate(values[: len(TEMPLATE_ROLE_PLACES)]):
        place = TEMPLATE_ROLE_PLACES[(shift + i) % len(TEMPLATE_ROLE_PLACES)]
        if isinstance(place, str):
            out[place] = copy.deepcopy(value)
        else:
            holder, key = place
            inner = out.get(holder)
            out[holder] = {**(inner if isinstance(inner, dict) else {}), key: copy.deepcopy(value)}
    return out


def without_template_roles(claims: dict[str, Any]) -> dict[str, Any]:
    """``claims`` without ``TEMPLATE_ROLE_CLAIMS``: only the role claims Clerk's rules read."""
    return {k: v for k, v in claims.items() if k not in TEMPLATE_ROLE_CLAIMS}
