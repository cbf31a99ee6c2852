"""HTTP/1.1 on both ends of black-box mode, without a row: the served shim reads each request as
the harness wrote it (``serve.read_request``) and refuses what is no request with the status
``http.server`` would; the harness's requests share a service's keep-alive connections, so
threads racing again reuse the last race's, and a connection the service closed while idle is
replaced, not reported."""

from __future__ import annotations

import io
import socket
import threading

import pytest

from conformance import Target
from conformance.blackbox import http1
from conformance.blackbox.serve import MAX_HEADERS, MAX_LINE, BadRequest, Incoming, read_request
from conformance.target import mint
from reference import Request
from strategies import TRUSTED_ORG
from tests.test_served import REFERENCE


def read(raw: bytes) -> Incoming | None:
    return read_request(io.BufferedReader(io.BytesIO(raw)))


@pytest.mark.quick
def test_a_request_is_read_as_written_its_headers_in_order_with_duplicates() -> None:
    raw = (
        b"GET /whoami?x=1 HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\ncookie:\t b=2  \r\n"
        b"X-Name: \xc3\xa9t\xc3\xa9\r\nX-Raw: \xe9\x00\x85\r\nContent-Length: 3\r\n\r\nabcGET"
    )
    got = read(raw)
    assert got is not None
    assert (got.method, got.target, got.path, got.body) == ("GET", "/whoami?x=1", "/whoami", b"abc")
    assert got.headers == (
        ("Host", "h"), ("Cookie", "a=1"), ("cookie", "b=2  "),  # leading blanks only stripped
        ("X-Name", "été"),  # UTF-8, as the harness encodes text
        ("X-Raw", "\xe9\x00\x85"),  # no UTF-8: Latin-1, a character per byte
        ("Content-Length", "3"),
    )  # fmt: skip
    assert got.keep_alive


@pytest.mark.quick
@pytest.mark.parametrize(
    ("version", "connection", "keep_alive"),
    [("HTTP/1.1", "", True), ("HTTP/1.1", "close", False), ("HTTP/1.1", "Close", False),
     ("HTTP/1.0", "", False), ("HTTP/1.0", "keep-alive", True)],
)  # fmt: skip
def test_the_connection_stays_open_as_http_1_1_says(
    version: str, connection: str, keep_alive: bool
) -> None:
    header = f"Connection: {connection}\r\n" if connection else ""
    got = read(f"GET / {version}\r\n{header}\r\n".encode())
    assert got is not None and got.keep_alive is keep_alive


@pytest.mark.quick
def test_a_mebibyte_header_line_is_read_and_a_longer_one_refused() -> None:
    token = "a" * (1 << 20)
    got = read(f"GET /whoami HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    assert got is not None and got.headers == (("Authorization", f"Bearer {token}"),)
    with pytest.raises(BadRequest) as refused:
        read(b"GET / HTTP/1.1\r\nX: " + b"a" * MAX_LINE + b"\r\n\r\n")
    assert refused.value.status == 431


@pytest.mark.quick
@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET /\r\n\r\n", 400),  # HTTP/0.9
        (b"GET / HTTP/2.0\r\n\r\n", 400),
        (b"GET / HTTP/1.1 extra\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nno colon\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * (MAX_HEADERS + 1) + b"\r\n", 431),
        (b"GET /" + b"a" * MAX_LINE + b" HTTP/1.1\r\n\r\n", 414),
    ],
)
def test_what_is_no_request_is_refused_with_http_servers_status(raw: bytes, status: int) -> None:
    with pytest.raises(BadRequest) as refused:
        read(raw)
    assert refused.value.status == status


@pytest.mark.quick
def test_a_closed_connection_is_no_request() -> None:
    assert read(b"") is None


def _bearer(target: Target, user: str) -> Request:
    token = mint(target, {"sub": user, "org_id": TRUSTED_ORG, "sid": f"sess_{user}"})
    return Request("GET", "/whoami", (("Authorization", f"Bearer {token}"),))


def test_threads_racing_again_reuse_the_connections_of_the_last_race() -> None:
    target = Target.load(REFERENCE)
    client = target.fresh()
    request = _bearer(target, "user_pool")
    barrier = threading.Barrier(8)
    users: list[str] = []

    def login() -> None:
        barrier.wait()
        users.append(client.authenticate_request(request).external_id)

    # The served reference's processes are pooled per worker: an earlier test may have left
    # this one idle connections. What counts is what the races open (the objects are kept, so
    # that no id is reused).
    seen = {id(connection): connection for connection in client.service.connections}
    before = set(seen)
    for _ in range(2):
        threads = [threading.Thread(target=login) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seen.update((id(connection), connection) for connection in client.service.connections)
    assert users == ["user_pool"] * 16
    # At most 8 requests are ever in flight: the two races together opened at most 8
    # connections (one per thread and race would be 16), every one given back.
    assert client.service.connections and len(seen.keys() - before) <= 8, (len(before), len(seen))


def test_a_connection_closed_while_idle_is_replaced_not_reported() -> None:
    target = Target.load(REFERENCE)
    client = target.fresh()
    request = _bearer(target, "user_stale")
    assert client.authenticate_request(request).external_id == "user_stale"
    idle: list[http1.Connection] = list(client.service.connections)
    assert idle
    for connection in idle:  # as a service closing idle keep-alive connections does
        connection.sock.shutdown(socket.SHUT_RDWR)
    assert client.authenticate_request(request).external_id == "user_stale"
    assert not set(map(id, idle)) & set(map(id, client.service.connections))
