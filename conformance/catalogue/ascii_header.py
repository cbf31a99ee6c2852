"""Decodes the raw ``Authorization`` and ``Cookie`` bytes strictly as ASCII
(``raw.decode("ascii")``, where a framework hands header bytes on): a non-ASCII character — a
token pasted with an accent, a cookie another app set to ``café`` — raises
``UnicodeDecodeError`` where a refusal belongs, a 500 anyone can cause."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import ambient_token, header_values

from ._base import AmbientReader

VIOLATES = frozenset({"TOTAL/request-layer"})


def ascii_values(request: Request) -> None:
    """Every ``Authorization`` and ``Cookie`` value, decoded as ASCII (raising on any other)."""
    for name in ("authorization", "cookie"):
        for value in header_values(request, name):
            value.encode("utf-8").decode("ascii")  # the bytes on the wire


class AsciiHeader(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        ascii_values(request)
        return ambient_token(request)


def make(settings: Settings) -> AsciiHeader:
    return AsciiHeader(settings)
