"""A served service's clock without a route: libfaketime preloaded (``LD_PRELOAD``), reading
the instant from a file of the process's own that the harness rewrites before a request on a
changed clock — atomically (a new file renamed over the old), as requests run concurrently.

Only the wall clock is faked (``CLOCK_REALTIME``, ``gettimeofday``, ``time``): monotonic
clocks stay real, so the service's own timeouts and event loop run as they do. A binary that
reads the clock without libc (a static Go binary, through the vDSO) does not follow it: the
harness probes that (``ServedFactory``) and judges no row of such a service.

A service the harness does not start (``--url``) is preloaded by its owner with what
``clerk-harness env --preload-clock`` prints: its clock file sits beside the keys file
(``clock_file``), reads ``+0`` (the real time) until an audit drives it, and again after.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: Where ``CLERK_HARNESS_FAKETIME`` is not set, libfaketime is looked for here (Debian's
#: ``libfaketime`` package first).
LIBFAKETIME = (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
)
FAKETIME_ENV = "CLERK_HARNESS_FAKETIME"
#: What a clock file reads while no audit drives it: libfaketime's offset from the real time.
REAL_TIME = "+0\n"


def libfaketime() -> str | None:
    """The libfaketime library to preload (``CLERK_HARNESS_FAKETIME``, else the first of
    ``LIBFAKETIME`` present), or None."""
    given = os.environ.get(FAKETIME_ENV)
    if given:
        return given if Path(given).is_file() else None
    return next((path for path in LIBFAKETIME if Path(path).is_file()), None)


def clock_file(keys: str | os.PathLike[str]) -> Path:
    """The clock file of a service started with ``clerk-harness env --keys KEYS
    --preload-clock``: beside the keys file."""
    return Path(f"{os.fspath(keys)}.clock")


class PreloadedClock:
    """One service process's clock file, and the environment that makes it read it: a file of
    its own (removed with it), or — ``path``, for a service started elsewhere — its owner's,
    left reading the real time when released."""

    def __init__(self, library: str, now: float | None, path: str | None = None) -> None:
        self.library = library
        self.owned = path is None
        self.directory = tempfile.mkdtemp(prefix="clerk-harness-clock-") if path is None else (
            os.path.dirname(os.path.abspath(path))
        )  # fmt: skip
        self.path = os.path.join(self.directory, "now") if path is None else path
        if now is not None:
            self.set(now)

    def environment(self) -> dict[str, str]:
        """What the service is started with: the library preloaded, reading ``path`` at every
        call (the instant as Unix seconds, fractional), monotonic clocks left real."""
        preload = " ".join(p for p in (self.library, os.environ.get("LD_PRELOAD", "")) if p)
        return {
            "LD_PRELOAD": preload,
            "FAKETIME_TIMESTAMP_FILE": self.path,
            "FAKETIME_FMT": "%s",
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }

    def set(self, now: float | None) -> None:
        """The service's clock reads ``now`` from its next call on (``None``: the real time)."""
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".clerk-harness-clock-")
        with os.fdopen(fd, "w") as file:
            file.write(REAL_TIME if now is None else f"{now:.6f}\n")
        os.replace(temporary, self.path)

    def remove(self) -> None:
        """Its own file removed; an owner's left reading the real time."""
        if not self.owned:
            self.set(None)
            return
        for name in os.listdir(self.directory):
            os.unlink(os.path.join(self.directory, name))
        os.rmdir(self.directory)
