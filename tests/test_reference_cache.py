"""Unit tests of ``reference.cache``: the user cache and store keyed by the ``(org_id,
external_id)`` tuple, their ids, the TTL cache's expiry and eviction, concurrent logins."""

from __future__ import annotations

import threading

import pytest
from freezegun import freeze_time

from reference import LocalUser, Principal, TTLCache, UserStore
from tests.reference_helpers import ORG, T0, auth, claims


def test_the_seed_bug_two_sidless_users_never_share_an_entry() -> None:
    a = auth()
    first = a.authenticate_claims(claims(sub="user_alice"))
    second = a.authenticate_claims(claims(sub="user_bob"))
    assert (first.external_id, second.external_id) == ("user_alice", "user_bob")
    assert first.user_id != second.user_id
    assert a.authenticate_claims(claims(sub="user_alice")).user_id == first.user_id


@pytest.mark.parametrize(
    "users",
    [
        ("user_1", "USER_1"),
        ("user_1", "user_1 "),
        ("user_1", " user_1"),
        ("user_1", "user_1\x00"),
        ("None", "null"),
        ("<nil>", "None"),
        ("\u00e9", "e\u0301"),
        ("user_\uff11", "user_1"),
    ],
)
def test_confusable_users_get_distinct_internal_ids(users: tuple[str, str]) -> None:
    a = auth()
    one, two = (a.authenticate_claims(claims(sub=user)) for user in users)
    assert one.user_id != two.user_id
    assert (one.external_id, two.external_id) == users


def test_the_cache_key_is_the_org_user_tuple() -> None:
    a = auth()
    principal = a.authenticate_claims(claims(sub="user_1"))
    record = a.cache.get((ORG, "user_1"))
    assert record is not None
    assert (record.user_id, record.org_id, record.external_id) == (
        principal.user_id,
        ORG,
        "user_1",
    )
    assert a.cache.get(f"{ORG}:user_1") is None  # type: ignore[arg-type]


def test_moved_separators_never_share_a_store_row() -> None:
    store = UserStore()
    left, right = store.get_or_create(("org_a:b", "c")), store.get_or_create(("org_a", "b:c"))
    assert left.user_id != right.user_id
    assert (left.org_id, left.external_id) == ("org_a:b", "c")


def test_user_store_is_stable_and_sequential() -> None:
    store = UserStore()
    first = store.get_or_create((ORG, "user_1"))
    second = store.get_or_create((ORG, "user_2"))
    assert store.get_or_create((ORG, "user_1")) is first
    assert (first.user_id, second.user_id) == ("usr_000001", "usr_000002")


def test_existing_users_linked_to_clerk_are_found_and_their_ids_never_reused() -> None:
    linked = LocalUser("usr_000001", "ada@example.com", "ada", "user_1")
    unlinked = LocalUser("usr_000002", "grace@example.com", "grace")
    a = auth(existing_users=(linked, unlinked))
    assert a.authenticate_claims({"sub": "user_1", "org_id": ORG}).user_id == "usr_000001"
    profile = {"email": "grace@example.com", "username": "grace", "name": "grace"}
    newcomer = a.authenticate_claims({"sub": "user_2", "org_id": ORG, **profile})
    assert newcomer.user_id == "usr_000003"  # not the unlinked account, nor a taken id


def test_ttl_cache_expires_exactly_at_the_ttl() -> None:
    with freeze_time(T0) as clock:
        cache: TTLCache[str, int] = TTLCache(ttl_s=300.0)
        cache.put("k", 1)
        clock.tick(299.9)
        assert cache.get("k") == 1
        clock.tick(0.1)
        assert cache.get("k") is None
        cache.put("k", 2)
        clock.tick(120)
        assert cache.get("k") == 2


def test_ttl_cache_evicts_the_least_recently_used() -> None:
    cache: TTLCache[str, int] = TTLCache(ttl_s=60.0, max_size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


def test_concurrent_logins_each_get_their_own_identity() -> None:
    a = auth()
    users = [f"user_{n}" for n in range(16)]
    results: dict[str, list[Principal]] = {user: [] for user in users}
    barrier = threading.Barrier(len(users))

    def login(user: str) -> None:
        barrier.wait()
        for sid in (None, "sess_shared", None):
            results[user].append(a.authenticate_claims(claims(sub=user, sid=sid)))

    threads = [threading.Thread(target=login, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for user, principals in results.items():
        assert {p.external_id for p in principals} == {user}
        assert len({p.user_id for p in principals}) == 1
    assert len({ps[0].user_id for ps in results.values()}) == len(users)
