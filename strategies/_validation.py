"""Argument validation in Hypothesis's style: wrong arguments fail loudly at definition time."""

from __future__ import annotations

from collections.abc import Collection

from hypothesis.errors import InvalidArgument


def check_choice(name: str, value: object, allowed: Collection[object]) -> None:
    """Raise ``InvalidArgument`` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise InvalidArgument(f"{name}={value!r} must be one of {sorted(map(repr, allowed))}")


def check_type(name: str, value: object, kind: type | tuple[type, ...]) -> None:
    """Raise ``InvalidArgument`` unless ``value`` is an instance of ``kind``."""
    if not isinstance(value, kind):
        raise InvalidArgument(f"{name}={value!r} must be of type {kind}")
