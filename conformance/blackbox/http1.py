"""The harness's HTTP/1.1 client: one keep-alive connection to a service on loopback, each
request written as the harness built it (method, target, headers in order, body), each answer
read by its framing — ``Content-Length``, chunked, or to the connection's close.

``http.client`` parses every answer's headers into an e-mail message: a third of the harness's
time on a request. An answer here is its status, its body and whether the connection closes;
the harness reads nothing else. Requests may be written ahead of their answers (pipelined, in
order, as HTTP/1.1 allows): the service answers them one by one, in order, as if each had
waited for the one before.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

#: A line of the answer's head, and how many header lines, at most (``http.client``'s limits).
MAX_LINE = 65536
MAX_HEADERS = 100


class BadAnswer(ConnectionError):
    """The service answered with no answer: closed before it, or something no HTTP/1.x answer
    is. The connection is then unusable."""


@dataclass(frozen=True)
class Answer:
    """An answer's status, its body, and whether the service closes the connection after it."""

    status: int
    body: bytes
    will_close: bool


class Connection:
    """One keep-alive connection, Nagle's algorithm off: a request goes out as written, not held
    for the delayed ACK of the last answer (40 ms a request on Linux)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def write(
        self, method: str, target: str, headers: tuple[tuple[str, Any], ...], body: bytes
    ) -> None:
        """Send one request: its method, target and headers as given (a ``str`` value as
        Latin-1, as ``http.client`` writes it; ``bytes`` as they are), then its body."""
        lines = [f"{method} {target} HTTP/1.1\r\n".encode("ascii")]
        for name, value in headers:
            raw = value if isinstance(value, bytes) else str(value).encode("latin-1")
            lines.append(name.encode("ascii") + b": " + raw + b"\r\n")
        lines.append(b"\r\n")
        self.sock.sendall(b"".join(lines) + body)

    def read(self, method: str) -> Answer:
        """The next answer, to a request of ``method`` (a ``HEAD``'s has no body); interim
        ``1xx`` answers are skipped."""
        while True:
            version, status = self._status_line()
            fields = self._fields()
            if not 100 <= status < 200:
                break
        connection = fields.get(b"connection", b"").lower()
        will_close = b"close" in connection or (
            version == b"HTTP/1.0" and b"keep-alive" not in connection
        )
        if method == "HEAD" or status in (204, 304):
            return Answer(status, b"", will_close)
        if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
            return Answer(status, self._chunked(), will_close)
        length = fields.get(b"content-length")
        if length is None:  # to the close
            return Answer(status, self.reader.read(), True)
        try:
            size = int(length.split(b",")[0])
        except ValueError:
            raise BadAnswer(f"a Content-Length of {length!r:.40}") from None
        return Answer(status, self._exactly(size), will_close)

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def _line(self) -> bytes:
        line = self.reader.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise BadAnswer("an answer's line longer than 64 KiB")
        return line

    def _status_line(self) -> tuple[bytes, int]:
        line = self._line()
        if not line:
            raise BadAnswer("the service closed the connection without an answer")
        version, _, rest = line.partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or not code.isdigit():
            raise BadAnswer(f"no HTTP status line: {line!r:.80}")
        return version, int(code)

    def _fields(self) -> dict[bytes, bytes]:
        """The header fields the framing needs (lower-cased names; repeated ones joined)."""
        fields: dict[bytes, bytes] = {}
        for _ in range(MAX_HEADERS + 1):
            line = self._line()
            if line in (b"\r\n", b"\n"):
                return fields
            if not line:
                raise BadAnswer("the service closed the connection inside an answer's head")
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name in (b"connection", b"transfer-encoding", b"content-length"):
                fields[name] = (fields[name] + b"," if name in fields else b"") + value.strip()
        raise BadAnswer(f"an answer with more than {MAX_HEADERS} header lines")

    def _exactly(self, size: int) -> bytes:
        data = self.reader.read(size)
        if len(data) < size:
            raise BadAnswer(f"the service closed the connection {len(data)} of {size} bytes in")
        return data

    def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self._line()
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BadAnswer(f"a chunk size of {line!r:.40}") from None
            if size == 0:
                while self._line() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self._exactly(size))
            self._line()  # the chunk's CRLF
