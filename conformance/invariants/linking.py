"""IDENTITY-NOT-LINKED: a first login never lands on an existing local user by its profile.

A published integration, on a Clerk user's first login, linked it to the local account with the
same email or username — and rebound an account already linked to another Clerk user: user Y
logged in and got user X's account (issue 23). Each example seeds the deployment's user store
(``Settings.existing_users``) with a local account linked to Clerk user X and one never linked,
then logs in a new Clerk user Y whose profile claims (``email``, ``username``, ``name``) copy
one of them: Y must not land on either (a refusal is allowed). Then X logs in again: X must
still land on its own account.

The control is X's login on a fresh instance, which must land on its seeded ``user_id``: an
implementation that keeps no user store of its own, or ignores ``existing_users``, cannot be
judged here, and the row is ``n/a`` with that reason — never ``holds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from reference import LocalUser, Principal
from strategies import ClerkIdentity, clerk_ids, draw_session_claims
from strategies.ratings import CRITICAL, HIGH, USER

from ..blackbox.service import NotApplicable
from ..rows import CLAIMS, Row
from ..target import Outcome, Target, control, describe, try_claims, violated
from ._common import Drawn, for_all, numbered

# a Clerk user's profile (email, username, name) is theirs to set: anyone with an account can
# make their first login's profile claims copy another's
IDENTITY_NOT_LINKED = Row(
    "IDENTITY-NOT-LINKED",
    CRITICAL,
    "a first login never lands on an existing user by its profile",
    CLAIMS,
)
LINKED_TO_ANOTHER = IDENTITY_NOT_LINKED.security(
    "linked-to-another",
    USER,
    "a first login matching the profile of a user linked to another never lands on it",
    fix="find users by the Clerk user id (`sub`) alone; never by email, username or name",
)
UNLINKED_MATCH = IDENTITY_NOT_LINKED.security(
    "unlinked-match",
    USER,
    "a first login matching an unlinked local account's profile never lands on it",
    HIGH,
    fix="link a local account to a Clerk user in a verified step of its own, not at login",
)
REBOUND = IDENTITY_NOT_LINKED.security(
    "rebound",
    USER,
    "a linked user's login lands on its own account, whoever logged in before",
    fix="never rewrite an account's Clerk link at login: a linked account stays its user's",
)


#: The profile claims a first login may be linked by (``name`` carries a username).
PROFILE = ("email", "username", "name")
#: Internal ids: a store's own next ones among them, so a new user must skip those taken.
_USER_IDS = ("usr_000001", "usr_000002", "usr_000003", "42", "7f3e2b9c0d1a4e5f")
_EMAILS = ("ada@example.com", "grace@example.com", "alan@example.org", "root@example.net")
_USERNAMES = ("ada", "grace", "alan", "admin")


@dataclass(frozen=True)
class Scene:
    """The seeded accounts, and the sessions of their owner X and of the newcomer Y."""

    linked: LocalUser  # X's account
    unlinked: LocalUser  # a local account no Clerk user is linked to
    owner: dict[str, Any]  # X's session claims
    newcomer: dict[str, Any]  # Y's first session, its profile copying ``copied`` of ``targeted``
    targeted: LocalUser
    copied: tuple[str, ...]

    @property
    def existing(self) -> tuple[LocalUser, ...]:
        return (self.linked, self.unlinked)


def _profile(account: LocalUser, name: str) -> str:
    """The value of profile claim ``name`` that names ``account``."""
    return account.email if name == "email" else account.username


@st.composite
def _scenes(draw: st.DrawFn, org: str) -> Drawn[Scene]:
    """Two seeded accounts (X's and an unlinked one), X's session — its own profile in it or
    not — and Y's first session copying one to three profile claims of one of them."""
    ids = draw(st.lists(st.sampled_from(_USER_IDS), min_size=2, max_size=2, unique=True))
    emails = draw(st.lists(st.sampled_from(_EMAILS), min_size=3, max_size=3, unique=True))
    names = draw(st.lists(st.sampled_from(_USERNAMES), min_size=3, max_size=3, unique=True))
    owner_id, newcomer_id = draw(st.lists(clerk_ids("user"), min_size=2, max_size=2, unique=True))
    linked = LocalUser(ids[0], emails[0], names[0], owner_id)
    unlinked = LocalUser(ids[1], emails[1], names[1], None)
    owner = _session(draw, org, owner_id)
    if draw(st.booleans()):
        owner.update({name: _profile(linked, name) for name in PROFILE})
    targeted = linked if draw(st.booleans()) else unlinked
    copied = tuple(draw(st.lists(st.sampled_from(PROFILE), min_size=1, unique=True)))
    own = {"email": emails[2], "username": names[2], "name": names[2]}
    newcomer = _session(draw, org, newcomer_id)
    for name in PROFILE:
        if name in copied:
            newcomer[name] = _profile(targeted, name)
        elif draw(st.booleans()):
            newcomer[name] = own[name]
    scene = Scene(linked, unlinked, owner, newcomer, targeted, copied)
    which = "X's account" if targeted is linked else "an unlinked account"
    return Drawn(scene, f"Y's first login copies {', '.join(copied)} of {which}")


def _session(draw: st.DrawFn, org: str, user: str) -> dict[str, Any]:
    """A plain session of ``user`` (with a ``sid``, as Clerk's are), no profile claims."""
    sid = draw(clerk_ids("sess"))
    claims = draw_session_claims(draw, ClerkIdentity(org, user), sid=sid, noise=False)
    return {name: value for name, value in claims.items() if name not in PROFILE}


def _seeded(scene: Scene) -> str:
    """The seeded accounts, said."""
    return "; ".join(
        f"{u.user_id} (email {u.email}, username {u.username}, "
        + (f"linked to {u.clerk_user_id})" if u.clerk_user_id else "never linked)")
        for u in scene.existing
    )


def _probe(target: Target, scene: Scene) -> None:
    """The control: X's login on a fresh seeded instance lands on X's seeded account — else
    the SUT cannot be seeded, and the row is not applicable."""
    sut = target.fresh(existing_users=scene.existing)
    outcome = try_claims(IDENTITY_NOT_LINKED.id, target, sut, scene.owner)
    what = f"a linked user's login ({scene.linked.clerk_user_id}, seeded as {scene.linked.user_id})"
    if isinstance(outcome, Principal) and outcome.user_id != scene.linked.user_id:
        raise NotApplicable(
            f"{what} landed on {outcome.user_id!r}: the implementation keeps no user store the "
            "harness can seed, or ignores Settings.existing_users"
        )
    control(outcome, what, claims=scene.owner)


def _landed(outcome: Outcome, scene: Scene) -> LocalUser | None:
    """The seeded account ``outcome`` landed on, if any."""
    if not isinstance(outcome, Principal):
        return None
    return next((u for u in scene.existing if u.user_id == outcome.user_id), None)


@IDENTITY_NOT_LINKED.check
def check_identity_not_linked(target: Target) -> None:
    """A newcomer whose profile claims match an existing account never lands on it; the
    account's own Clerk user still lands on it afterwards."""

    @for_all(scene=_scenes(target.settings.org_id))
    def run(scene: Drawn[Scene]) -> None:
        drawn = scene.value
        _probe(target, drawn)
        sut = target.fresh(existing_users=drawn.existing)
        story = [f"seeded: {_seeded(drawn)}"]
        first = try_claims(IDENTITY_NOT_LINKED.id, target, sut, drawn.newcomer)
        story.append(f"Y's first login {drawn.newcomer!r:.300}: {describe(first)}")
        landed = _landed(first, drawn)
        if landed is not None:
            linked = landed.clerk_user_id is not None
            violated(
                LINKED_TO_ANOTHER if linked else UNLINKED_MATCH,
                f"Y ({drawn.newcomer.get('sub')}) landed on {landed.user_id}, "
                + (f"the account of {landed.clerk_user_id}" if linked else "a local account")
                + f", by its {', '.join(drawn.copied)}:\n"
                + numbered(story),
                table=(("seeded", _seeded(drawn)), ("Y's claims", repr(drawn.newcomer))),
            )
        again = try_claims(IDENTITY_NOT_LINKED.id, target, sut, drawn.owner)
        story.append(f"X's login {drawn.owner!r:.300}: {describe(again)}")
        control(again, "a linked user's login after another user's first login", claims=drawn.owner)
        if isinstance(again, Principal) and again.user_id != drawn.linked.user_id:
            violated(
                REBOUND,
                f"X ({drawn.linked.clerk_user_id}) landed on {again.user_id}, not its own "
                f"account {drawn.linked.user_id}:\n" + numbered(story),
                table=(("seeded", _seeded(drawn)), ("Y's claims", repr(drawn.newcomer))),
            )

    run()
