"""Unit tests of ``reference.requests``: which token a request's places yield, for API
requests and for the login callback, and every rejection reading them gives."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from reference import Request, Unauthorized
from reference.requests import form_fields, looks_like_jwt, percent_decode
from tests.reference_helpers import (
    ATTACKER_KEY,
    CALLBACK,
    FORM,
    auth,
    claims,
    form_post,
    get,
    reason_of,
    rejection,
    sign,
    token_for,
)

# ------------------------------------------------------------------------ requests: ambient


def test_no_credentials_is_no_token() -> None:
    assert reason_of(lambda: auth().authenticate_request(get())) == (Unauthorized, "no_token")
    assert reason_of(lambda: auth().callback_subject(get())) == (Unauthorized, "no_token")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
@pytest.mark.parametrize("name", ["Authorization", "authorization", "AUTHORIZATION"])
def test_bearer_scheme_and_header_name_are_case_insensitive(scheme: str, name: str) -> None:
    request = get((name, f"{scheme} {token_for('user_bearer')}"))
    assert auth().authenticate_request(request).external_id == "user_bearer"


def test_bearer_comes_before_the_session_cookie() -> None:
    request = get(
        ("Cookie", f"__session={token_for('user_cookie')}"),
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
    )
    assert auth().authenticate_request(request).external_id == "user_bearer"


@pytest.mark.parametrize("name", ["Cookie", "cookie", "COOKIE"])
def test_the_session_cookie_is_used_without_bearer(name: str) -> None:
    request = get((name, f"__client_uat=1; __session={token_for('user_cookie')}; theme=dark"))
    assert auth().authenticate_request(request).external_id == "user_cookie"


def test_the_session_cookie_may_be_in_any_cookie_header() -> None:
    request = get(("Cookie", "a=1"), ("Cookie", f"  __session = {token_for('user_cookie')} "))
    assert auth().authenticate_request(request).external_id == "user_cookie"


@pytest.mark.parametrize("auth_value", ["Basic dXNlcjpwYXNz", "Token abc", "Bearer\tabc"])
def test_other_schemes_are_ignored_in_favour_of_the_cookie(auth_value: str) -> None:
    request = get(("Authorization", auth_value), ("Cookie", f"__session={token_for('user_c')}"))
    assert auth().authenticate_request(request).external_id == "user_c"


@pytest.mark.parametrize(
    "cookie",
    ["__session=", "__Session=TOKEN", "__session_x7Yq=TOKEN", "session=TOKEN", "__session"],
)
def test_look_alike_or_empty_cookies_are_no_token(cookie: str) -> None:
    request = get(("Cookie", cookie.replace("TOKEN", token_for("user_decoy"))))
    assert reason_of(lambda: auth().authenticate_request(request)) == (Unauthorized, "no_token")


def test_several_authorization_headers_are_ambiguous() -> None:
    request = get(
        ("Authorization", f"Bearer {token_for('user_1')}"),
        ("authorization", f"Bearer {token_for('user_2')}"),
    )
    assert reason_of(lambda: auth().authenticate_request(request)) == (
        Unauthorized,
        "ambiguous_authorization",
    )


@pytest.mark.parametrize(
    "cookies",
    [
        [("Cookie", "__session=a.b.c; __session=d.e.f")],
        [("Cookie", "__session=a.b.c"), ("cookie", "__session=d.e.f")],
        [("Cookie", "__session=; __session=d.e.f")],
    ],
)
def test_several_session_cookies_are_ambiguous(cookies: list[tuple[str, str]]) -> None:
    request = get(*cookies)
    assert reason_of(lambda: auth().authenticate_request(request)) == (
        Unauthorized,
        "ambiguous_cookie",
    )


@pytest.mark.parametrize("value", ["Bearer", "Bearer ", "bearer    ", "  Bearer  "])
def test_bearer_without_a_token_is_malformed_authorization(value: str) -> None:
    request = get(("Authorization", value), ("Cookie", f"__session={token_for('user_1')}"))
    assert reason_of(lambda: auth().authenticate_request(request)) == (
        Unauthorized,
        "malformed_authorization",
    )


@pytest.mark.parametrize(
    "header",
    [
        ("Authorization", "Bearer a.b.c\r\nX-Injected: 1"),
        ("Authorization", "Bearer a.b.c\n"),
        ("Authorization", "Bearer a.b\x00.c"),
        ("Cookie", "__session=a.b.c\r\n"),
    ],
)
def test_cr_lf_or_nul_in_a_read_header_is_malformed_header(header: tuple[str, str]) -> None:
    assert reason_of(lambda: auth().authenticate_request(get(header))) == (
        Unauthorized,
        "malformed_header",
    )


@pytest.mark.parametrize(
    "request_",
    [
        Request("GET", "/", [("Authorization", "Bearer a.b.c")]),  # type: ignore[arg-type]
        Request("GET", "/", (("Authorization", 5),)),  # type: ignore[arg-type]
        Request("GET", "/", (("Authorization",),)),  # type: ignore[arg-type]
        Request("GET", "/", ("Authorization: Bearer a.b.c",)),  # type: ignore[arg-type]
        Request("POST", CALLBACK, (("Content-Type", FORM),), "clerk_session_token=a.b.c"),  # type: ignore[arg-type]
    ],
)
def test_requests_of_the_wrong_types_are_malformed_request(request_: Request) -> None:
    assert reason_of(lambda: auth().callback_subject(request_)) == (
        Unauthorized,
        "malformed_request",
    )


def test_authenticate_request_never_reads_the_body_or_the_query() -> None:
    relayed = token_for("user_body")
    request = form_post(
        f"clerk_session_token={relayed}",
        target=f"/api/v1/users/me?clerk_session_token={token_for('user_query')}",
    )
    assert reason_of(lambda: auth().authenticate_request(request)) == (Unauthorized, "no_token")
    with_cookie = form_post(
        f"clerk_session_token={relayed}", ("Cookie", f"__session={token_for('user_cookie')}")
    )
    assert auth().authenticate_request(with_cookie).external_id == "user_cookie"


def test_authenticate_request_does_not_demand_jwt_shape_but_verification_rejects() -> None:
    request = get(("Authorization", "Bearer ak_0123456789abcdef"))
    assert reason_of(lambda: auth().authenticate_request(request)) == (Unauthorized, "malformed")


# ----------------------------------------------------------------------- requests: callback


def test_the_relayed_body_token_comes_before_bearer_and_cookie() -> None:
    request = form_post(
        f"redirect_url=%2Fdashboard&clerk_session_token={token_for('user_body')}",
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
        ("Cookie", f"__session={token_for('user_cookie')}"),
    )
    assert auth().callback_subject(request).external_id == "user_body"


def test_without_a_relayed_token_bearer_then_cookie() -> None:
    bearer_and_cookie = form_post(
        "redirect_url=%2F",
        ("Cookie", f"__session={token_for('user_cookie')}"),
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
    )
    assert auth().callback_subject(bearer_and_cookie).external_id == "user_bearer"
    cookie_only = form_post("", ("Cookie", f"__session={token_for('user_cookie')}"))
    assert auth().callback_subject(cookie_only).external_id == "user_cookie"


def test_the_query_string_is_never_read() -> None:
    query = f"{CALLBACK}?clerk_session_token={token_for('user_query')}"
    request = form_post("redirect_url=%2F", target=query)
    assert reason_of(lambda: auth().callback_subject(request)) == (Unauthorized, "no_token")
    with_cookie = form_post("", ("Cookie", f"__session={token_for('user_cookie')}"), target=query)
    assert auth().callback_subject(with_cookie).external_id == "user_cookie"


@pytest.mark.parametrize("method", ["GET", "PUT", "post", "Post", "PATCH"])
def test_a_body_outside_a_post_is_ignored(method: str) -> None:
    body = f"clerk_session_token={token_for('user_body')}".encode("ascii")
    bare = Request(method, CALLBACK, (("Content-Type", FORM),), body)
    assert reason_of(lambda: auth().callback_subject(bare)) == (Unauthorized, "no_token")
    ambient = Request(
        method,
        CALLBACK,
        (("Content-Type", FORM), ("Authorization", f"Bearer {token_for('user_bearer')}")),
        body,
    )
    assert auth().callback_subject(ambient).external_id == "user_bearer"


@pytest.mark.parametrize(
    "content_types",
    [
        [("Content-Type", "application/json")],
        [("Content-Type", "multipart/form-data; boundary=x")],
        [("Content-Type", "text/plain")],
        [],
    ],
)
def test_a_body_that_is_not_a_form_is_ignored(
    content_types: list[tuple[str, str]],
) -> None:
    body = f"clerk_session_token={token_for('user_body')}".encode("ascii")
    headers = (*content_types, ("Cookie", f"__session={token_for('user_cookie')}"))
    request = Request("POST", CALLBACK, headers, body)
    assert auth().callback_subject(request).external_id == "user_cookie"


@pytest.mark.parametrize(
    "content_type",
    [
        FORM,
        "application/x-www-form-urlencoded; charset=UTF-8",
        "Application/X-WWW-Form-URLEncoded",
        "  application/x-www-form-urlencoded ;charset=utf-8",
    ],
)
@pytest.mark.parametrize("name", ["Content-Type", "content-type", "CONTENT-TYPE"])
def test_form_media_type_and_header_name_are_case_insensitive(content_type: str, name: str) -> None:
    body = f"clerk_session_token={token_for('user_body')}".encode("ascii")
    request = Request("POST", CALLBACK, ((name, content_type),), body)
    assert auth().callback_subject(request).external_id == "user_body"


def test_the_relayed_token_is_percent_decoded() -> None:
    token = token_for("user_body")
    encoded = "".join(f"%{byte:02X}" for byte in token.encode("ascii"))
    name = quote("clerk_session_token", safe="").replace("_", "%5F")
    request = form_post(f"{name}={encoded}")
    assert auth().callback_subject(request).external_id == "user_body"


def test_the_first_relayed_field_wins() -> None:
    request = form_post(
        f"clerk_session_token={token_for('user_first')}"
        f"&clerk_session_token={token_for('user_second')}"
    )
    assert auth().callback_subject(request).external_id == "user_first"


def test_an_empty_first_relayed_field_falls_back_to_ambient() -> None:
    request = form_post(
        f"clerk_session_token=&clerk_session_token={token_for('user_second')}",
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
    )
    assert auth().callback_subject(request).external_id == "user_bearer"


def test_look_alike_fields_are_not_relayed_tokens() -> None:
    request = form_post(
        f"clerk_session_token_x={token_for('user_decoy')}&Clerk_Session_Token={token_for('u2')}",
        ("X-Clerk-Session-Token", token_for("user_decoy")),
    )
    assert reason_of(lambda: auth().callback_subject(request)) == (Unauthorized, "no_token")


@pytest.mark.parametrize("place", ["body", "bearer", "cookie"])
@pytest.mark.parametrize(
    "token",
    ["mt_0123456789abcdefghijklmn", "oat_ABCDEFGHIJ0123456789xyz", "ak_live_abc", "a.b", "a..c"],
)
def test_non_jwts_are_not_a_session_token(place: str, token: str) -> None:
    headers = {
        "body": (),
        "bearer": (("Authorization", f"Bearer {token}"),),
        "cookie": (("Cookie", f"__session={token}"),),
    }[place]
    body = f"clerk_session_token={token}" if place == "body" else ""
    request = form_post(body, *headers)
    assert reason_of(lambda: auth().callback_subject(request)) == (
        Unauthorized,
        "not_a_session_token",
    )


def test_looks_like_jwt() -> None:
    assert looks_like_jwt("a.b.c")
    assert not any(looks_like_jwt(t) for t in ["", "a.b", "a..c", ".b.c", "a.b.", "a.b.c.d"])


def test_a_failing_relayed_token_never_falls_back() -> None:
    expired = sign({**claims(sub="user_body"), "iat": 1, "exp": 2}, add_times=False)
    request = form_post(
        f"clerk_session_token={expired}",
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
        ("Cookie", f"__session={token_for('user_cookie')}"),
    )
    assert reason_of(lambda: auth().callback_subject(request)) == (Unauthorized, "expired")


def test_a_failing_bearer_never_falls_back_to_the_cookie() -> None:
    forged = sign(claims(sub="user_bearer"), key=ATTACKER_KEY)
    request = form_post(
        "",
        ("Authorization", f"Bearer {forged}"),
        ("Cookie", f"__session={token_for('user_cookie')}"),
    )
    assert reason_of(lambda: auth().callback_subject(request)) == (Unauthorized, "bad_signature")


def test_a_relayed_machine_token_never_falls_back() -> None:
    request = form_post(
        "clerk_session_token=oat_0123456789abcdefghij",
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
    )
    assert reason_of(lambda: auth().callback_subject(request)) == (
        Unauthorized,
        "not_a_session_token",
    )


@pytest.mark.parametrize(
    "body",
    [
        b"clerk_session_token=%zz",
        b"clerk_session_token=%4",
        b"clerk_session_token=%",
        b"clerk_session_token=%ff%fe",
        b"clerk_session_token=%C3",
        b"clerk%ZZsession=1",
        b"clerk_session_token=\xc3\xa9",
        b"clerk_session_token=\xff",
    ],
)
def test_undecodable_form_bodies_are_malformed_body(body: bytes) -> None:
    request = form_post(body, ("Authorization", f"Bearer {token_for('user_bearer')}"))
    assert reason_of(lambda: auth().callback_subject(request)) == (Unauthorized, "malformed_body")


def test_an_undecodable_body_outside_a_form_post_is_not_read() -> None:
    request = Request(
        "POST",
        CALLBACK,
        (("Content-Type", "application/json"), ("Authorization", f"Bearer {token_for('u_b')}")),
        b"\xff%zz",
    )
    assert auth().callback_subject(request).external_id == "u_b"


def test_percent_decode_and_form_fields() -> None:
    assert percent_decode("a+b%2B%20c%C3%A9") == "a b+ c\u00e9"
    assert form_fields(b"a=1&&b&c=%3D&=v") == [("a", "1"), ("b", ""), ("c", "="), ("", "v")]


@pytest.mark.parametrize("method", ["authenticate_request", "callback_subject"])
@pytest.mark.parametrize(
    "request_",
    [
        Request("", "", (), b""),
        Request("POST", "?", (("Content-Type", FORM),), b"&&=&"),
        Request("POST", "/", (("Cookie", "=;=;"), ("Authorization", "")), b""),
        Request("POST", "/", (("Content-Type", FORM),), b"clerk_session_token=" + b"a." * 3),
    ],
)
def test_odd_requests_are_unauthorized(method: str, request_: Request) -> None:
    error = rejection(lambda: getattr(auth(), method)(request_))
    assert isinstance(error, Unauthorized)
    assert error.reason in {"no_token", "not_a_session_token"}


@pytest.mark.parametrize(
    "content_types",
    [
        [FORM, FORM],
        ["application/x-www-form-urlencoded, text/plain"],
        [FORM, "application/json"],
    ],
)
def test_an_ambiguous_content_type_is_rejected_not_read_past(content_types: list[str]) -> None:
    body_token, ambient = token_for("user_relayed"), token_for("user_ambient")
    headers = [("Content-Type", value) for value in content_types]
    request = Request(
        "POST",
        "/callback",
        (*headers, ("Authorization", f"Bearer {ambient}")),
        f"clerk_session_token={body_token}".encode(),
    )
    assert reason_of(lambda: auth().callback_subject(request)) == (
        Unauthorized,
        "ambiguous_content_type",
    )
