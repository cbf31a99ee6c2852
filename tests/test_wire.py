"""The black-box wire contract, unit by unit: a drawn request as it is sent, and each answer as
what it means (README, "Black-box mode")."""

from __future__ import annotations

import base64
import http.client
import json
import urllib.parse
import urllib.request

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from conformance.blackbox import jwks
from conformance.blackbox.app import APP_ENV, AppProfile, AppProfileError
from conformance.blackbox.service import service_environment, settings_json
from conformance.blackbox.wire import OVERSIZED, Outgoing, ServiceFault, answer, outgoing
from reference import InvalidClaims, LocalUser, Principal, Request, Role, Settings, Unauthorized
from strategies import signing_keys
from strategies.keys import jwt_key_pem

HOST = "127.0.0.1:9"


def sent(request: Request, method: str = "authenticate_request") -> Outgoing:
    return outgoing(method, request, HOST)


def test_a_request_goes_out_as_drawn_with_a_host_added() -> None:
    headers = (("Cookie", "a=1"), ("X-Dup", "1"), ("cookie", "__session=t"), ("X-Dup", "2"))
    out = sent(Request("GET", "/api/me?clerk_session_token=x&y=%20", headers))
    assert out.method == "GET" and out.target == "/whoami?clerk_session_token=x&y=%20"
    assert out.headers[0] == ("Host", HOST.encode())
    assert out.headers[1:] == tuple((n, v.encode()) for n, v in headers)
    assert out.changes == (f"Host: {HOST} added (HTTP/1.1 requires one)",)


def test_what_http_cannot_carry_is_left_out_and_said() -> None:
    headers = (
        ("Host", "app.example.com"), ("Host", "evil.example.com"), ("X-Nul", "a\x00b"),
        ("X-Lf", "a\nb"), ("Bad Name", "v"), ("X-Ctl", "a\x01"), ("Content-Length", "99"),
        ("Authorization", "Bearer t"),
    )  # fmt: skip
    out = sent(Request("POST", "/cb", headers, b"clerk_session_token=t"), "callback_subject")
    assert out.target == "/callback"
    names = [name for name, _ in out.headers]
    assert names == ["Host", "X-Ctl", "Authorization", "Content-Length"]
    assert out.headers[1] == ("X-Ctl", b"a\x01")  # a control byte HTTP/1.1 can carry goes out
    assert out.headers[-1] == ("Content-Length", b"21")
    assert len(out.changes) == 5
    assert any("a second Host" in change for change in out.changes)
    assert any("CR, LF or NUL" in change for change in out.changes)


def test_broken_header_values_go_out_as_raw_bytes() -> None:
    """A non-ASCII character and the control bytes HTTP/1.1 can carry reach the wire as sent
    (UTF-8), unchanged: the broken requests TOTAL and the request rows send are the ones a
    served implementation receives."""
    headers = (
        ("Authorization", "Bearer a.b\u00e9.c"), ("Authorization", "Bearer\x0ba.b.c"),
        ("Cookie", "__session=x\x7f; theme=caf\u00e9"), ("Authorization", ""),
    )  # fmt: skip
    out = sent(Request("GET", "/api/me", headers))
    assert out.headers[1:] == (
        ("Authorization", b"Bearer a.b\xc3\xa9.c"), ("Authorization", b"Bearer\x0ba.b.c"),
        ("Cookie", b"__session=x\x7f; theme=caf\xc3\xa9"), ("Authorization", b""),
    )  # fmt: skip
    assert len(out.changes) == 1  # the Host added, nothing left out


def test_a_query_with_bytes_a_target_cannot_hold_is_percent_encoded() -> None:
    out = sent(Request("GET", "/x?q=a b&é=1"))
    assert out.target == "/whoami?q=a%20b&%C3%A9=1"
    assert out.header_bytes > 0 and OVERSIZED == 8192


PRINCIPAL = {
    "user_id": "usr_1", "external_id": "user_1", "org_id": "org_1", "role": "admin",
    "session_id": "sess_1",
}  # fmt: skip


def test_each_status_means_what_the_contract_says() -> None:
    assert answer(200, json.dumps(PRINCIPAL).encode(), method="GET") == Principal(
        "usr_1", "user_1", "org_1", Role.ADMIN, "sess_1"
    )
    with pytest.raises(Unauthorized) as refused:
        answer(401, b'{"reason": "expired", "message": "Token expired"}', method="GET")
    assert (refused.value.reason, refused.value.detail) == ("expired", "Token expired")
    with pytest.raises(InvalidClaims) as invalid:
        answer(422, b"", method="GET")
    assert invalid.value.reason == "http_422"
    for layer in (400, 431):
        with pytest.raises(Unauthorized, match="HTTP layer"):
            answer(layer, b"<html>", method="GET")
    with pytest.raises(Unauthorized, match="redirect"):
        answer(307, b"", method="GET")


@pytest.mark.parametrize(
    ("status", "method", "said"),
    [
        (501, "0", "refused method '0' (501 Not Implemented)"),
        (405, "PUT", "refused method 'PUT' (405 Method Not Allowed)"),
    ],
)
def test_a_method_refused_by_the_http_layer_is_its_refusal_naming_the_method(
    status: int, method: str, said: str
) -> None:
    """``http.server`` answers ``501`` to a method it has no handler for, a router ``405`` to
    one a route does not take: refusals before any authentication code ran, not crashes."""
    with pytest.raises(Unauthorized) as refused:
        answer(status, b"<html>Unsupported method</html>", method=method)
    assert refused.value.reason == "http_layer"
    assert refused.value.detail == f"the service's HTTP layer {said}"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b"boom"),
        (200, b"not json"),
        (200, json.dumps({**PRINCIPAL, "role": "root"}).encode()),
        (200, json.dumps({k: v for k, v in PRINCIPAL.items() if k != "org_id"}).encode()),
        (204, b""),
        (404, b""),
        (502, b"bad gateway"),
    ],
)
def test_anything_else_is_a_fault_not_an_auth_error(status: int, body: bytes) -> None:
    with pytest.raises(ServiceFault):
        answer(status, body, method="GET")


def test_the_service_gets_the_settings_and_the_key_clerk_sdks_take() -> None:
    keys = signing_keys()
    existing = (LocalUser("42", "ada@example.com", "ada", "user_1"), LocalUser("7", "g@x", "g"))
    settings = Settings(
        org_id="org_1", jwks=keys.jwks, leeway_s=0, issuer="https://i", existing_users=existing
    )
    data = json.loads(settings_json(settings))
    assert data == {
        "org_id": "org_1", "algorithms": ["RS256"], "leeway_s": 0, "cache_ttl_s": 300.0,
        "jwks_ttl_s": 300.0, "authorized_parties": [], "issuer": "https://i",
        "existing_users": [
            {"user_id": "42", "email": "ada@example.com", "username": "ada",
             "clerk_user_id": "user_1"},
            {"user_id": "7", "email": "g@x", "username": "g", "clerk_user_id": None},
        ],
    }  # fmt: skip
    pem = jwt_key_pem(keys.jwks)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    numbers = load_pem_public_key(pem.encode()).public_numbers()  # type: ignore[union-attr]
    assert numbers == keys.trusted[0].private_key.public_key().public_numbers()  # type: ignore[union-attr]


def test_the_jwks_is_served_where_clerk_sdks_fetch_it_and_each_fetch_counted() -> None:
    keys = signing_keys()
    settings = Settings(org_id="org_1", jwks=keys.jwks, issuer="https://clerk.example.com")
    host = jwks.JwksHost()
    env = service_environment(settings, host.url(settings.jwks), host.api_url(settings.jwks), None)
    base = env["CLERK_API_URL"]
    doc = jwks.document_id(urllib.parse.urlsplit(base).path + "/v1/jwks")
    assert doc is not None and host.fetches[doc] == 0
    for url in (base + "/v1/jwks", base + "/jwks", env["CLERK_JWKS_URL"],
                env["CLERK_HARNESS_JWKS_URL"]):  # fmt: skip
        with urllib.request.urlopen(url) as got:
            assert json.loads(got.read()) == keys.jwks, url
    assert host.fetches[doc] == 4
    dropped = {"keys": keys.jwks["keys"][1:]}
    source = lambda: dropped  # noqa: E731 (a check's endpoint, dropping a key)
    host.live(settings.jwks, source)
    with urllib.request.urlopen(base + "/v1/jwks") as got:
        assert json.loads(got.read()) == dropped
    host.static(settings.jwks, source)
    with urllib.request.urlopen(base + "/v1/jwks") as got:
        assert json.loads(got.read()) == keys.jwks
    assert env["CLERK_SECRET_KEY"].startswith("sk_live_")
    publishable = env["CLERK_PUBLISHABLE_KEY"].removeprefix("pk_live_")
    assert base64.b64decode(publishable) == b"clerk.example.com$"


def test_the_jwks_host_keeps_a_connection_alive_across_fetches() -> None:
    """As Clerk's API does: an SDK keeping its connection fetches again on it, a refusal
    included, and each fetch of a document is counted."""
    keys = signing_keys()
    host = jwks.JwksHost()
    doc = host.register(keys.jwks)
    origin = urllib.parse.urlsplit(host.origin)
    connection = http.client.HTTPConnection(origin.hostname or "", origin.port, timeout=10)
    try:
        first = None
        for path, body in ((f"/jwks/{doc}.json", keys.jwks), ("/jwks/unknown.json", None),
                           (f"/jwks/{doc}.json", keys.jwks)):  # fmt: skip
            connection.request("GET", path)
            answer = connection.getresponse()
            got = answer.read()
            assert (answer.status, answer.will_close) == (200 if body else 404, False), path
            assert (json.loads(got) if body else got) == (body or b""), path
            first = first or connection.sock
            assert connection.sock is first, path  # the same connection throughout
    finally:
        connection.close()
    assert host.fetches[doc] == 2


@pytest.mark.parametrize(
    ("path", "doc"),
    [
        ("/jwks.json", jwks.ROOT), ("/v1/jwks", jwks.ROOT), ("/jwks", jwks.ROOT),
        ("/.well-known/jwks.json", jwks.ROOT), ("/jwks/ab12.json", "ab12"),
        ("/clerk/ab12/v1/jwks", "ab12"), ("/clerk/ab12/jwks?x=1", "ab12"),
        ("/clerk/ab12/.well-known/jwks.json", "ab12"), ("/clerk/a/b/jwks", None),
        ("/other/v1/jwks", None), ("/clerk//jwks", None), ("/v2/jwks.json", None),
    ],
)  # fmt: skip
def test_each_sdk_path_names_its_document(path: str, doc: str | None) -> None:
    assert jwks.document_id(path) == doc


APP = AppProfile(
    "/me",
    {"user_id": "auth.userId", "org_id": "auth.orgId", "role": "auth.orgRole",
     "session_id": "auth.sessionId"},
    {"org:admin": "admin", "org:member": "viewer"},
)  # fmt: skip


def test_an_apps_own_route_and_json_name_the_principal() -> None:
    body = {"auth": {"userId": "user_1", "orgId": "org_1", "orgRole": "org:admin",
                     "sessionId": "sess_1"}}  # fmt: skip
    got = answer(200, json.dumps(body).encode(), method="GET", app=APP)
    assert got == Principal("user_1", "user_1", "org_1", Role.ADMIN, "sess_1")
    member = {"auth": {"userId": "user_1", "orgRole": "org:member"}}
    assert answer(200, json.dumps(member).encode(), method="GET", app=APP).role is Role.VIEWER
    odd = {"auth": {"userId": "user_1", "orgId": 0, "orgRole": ["org:admin"]}}
    named = answer(200, json.dumps(odd).encode(), method="GET", app=APP)
    assert (named.org_id, named.role) == ("0", Role.GUEST)  # ID-FAITHFUL's to judge, no crash
    for signed_out in ({"auth": {"userId": None}}, {"auth": {}}, {}):
        with pytest.raises(Unauthorized):
            answer(200, json.dumps(signed_out).encode(), method="GET", app=APP)
    for broken in (b"not json", b"[1]"):
        with pytest.raises(ServiceFault):
            answer(200, broken, method="GET", app=APP)
    with pytest.raises(Unauthorized):
        answer(401, b"", method="GET", app=APP)


def test_an_apps_own_route_is_sent_each_request_as_get() -> None:
    out = outgoing("authenticate_request", Request("PUT", "/x?a=1", (), b"{}"), HOST, APP)
    assert (out.method, out.target) == ("GET", "/me?a=1")
    assert any("sent as GET" in change for change in out.changes)
    assert outgoing("authenticate_request", Request("GET", "/", (), b""), HOST, APP).changes == (
        f"Host: {HOST} added (HTTP/1.1 requires one)",
    )


@pytest.mark.parametrize(
    "bad",
    [
        AppProfile("me", {"user_id": "id"}),
        AppProfile("/me", {"org_id": "org"}),
        AppProfile("/me", {"user_id": "id", "name": "n"}),
        AppProfile("/me", {"user_id": "id"}, {"org:admin": "root"}),
    ],
)
def test_a_mapping_that_cannot_be_used_is_one_line(bad: AppProfile) -> None:
    with pytest.raises(AppProfileError):
        bad.check()


def test_the_profile_reaches_every_worker_through_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(APP_ENV, APP.to_env())
    assert AppProfile.from_env() == APP
    monkeypatch.delenv(APP_ENV)
    assert AppProfile.from_env() == AppProfile() and AppProfile().contract
