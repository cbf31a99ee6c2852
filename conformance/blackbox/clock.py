"""A served service's clock without a route: a wall-clock library preloaded (``LD_PRELOAD``),
reading the instant from a file of the process's own that the harness rewrites before a request
on a changed clock — atomically (a new file renamed over the old), as requests run concurrently.

The library is the harness's own shim (``wallclock.c``, built once with the machine's C
compiler) or, without a compiler, Debian's libfaketime; both read the same file. Only the wall
clock is faked (``CLOCK_REALTIME``, ``gettimeofday``, ``time``): monotonic clocks stay real, so
the service's own timeouts and event loop run as they do. The shim is preferred by measurement:
it touches nothing else, where libfaketime also intercepts the timed waits of condition
variables and polls — two uvicorn services under it on two busy cores answered 30 times slower,
a JVM 40 times (the README's *Black-box mode*). A binary that reads the clock without libc (a
static Go binary, through the vDSO) follows neither: the harness probes that
(``ServedFactory``) and judges no row of such a service.

A service the harness does not start (``--url``) is preloaded by its owner with what
``clerk-harness env --preload-clock`` prints: its clock file sits beside the keys file
(``clock_file``), reads ``+0`` (the real time) until an audit drives it, and again after.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

#: The shim's source, shipped beside this module.
SHIM_SOURCE = Path(__file__).with_name("wallclock.c")
#: Without a C compiler (``CC``, else ``cc``), libfaketime is looked for here (Debian's
#: ``libfaketime`` package first); ``CLERK_HARNESS_FAKETIME`` names a library to use instead.
LIBFAKETIME = (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
)
FAKETIME_ENV = "CLERK_HARNESS_FAKETIME"
#: What to install when neither the shim nor libfaketime can be had.
NO_CLOCK_LIBRARY = (
    "no C compiler (cc) to build the wall-clock shim, nor libfaketime (apt-get install gcc, or "
    "libfaketime)"
)
#: What a clock file reads while no audit drives it: the real time (libfaketime's offset zero).
REAL_TIME = "+0\n"


def clock_library() -> str | None:
    """The library to preload: ``CLERK_HARNESS_FAKETIME``'s, else the shim (built if need
    be), else the first of ``LIBFAKETIME`` present; None when there is none."""
    given = os.environ.get(FAKETIME_ENV)
    if given:
        return given if Path(given).is_file() else None
    return shim() or next((path for path in LIBFAKETIME if Path(path).is_file()), None)


def library_name(path: str) -> str:
    """How a report names the preloaded library."""
    name = os.path.basename(path)
    return "the harness's wall-clock shim" if name.startswith("wallclock-") else name


def shim() -> str | None:
    """The shim built from ``SHIM_SOURCE`` into the user's cache, once per source (named by
    its hash; a build is renamed into place, so concurrent audits never see half of one), or
    None without a working C compiler."""
    source = SHIM_SOURCE.read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clerk-harness"
    built = cache / f"wallclock-{hashlib.sha256(source).hexdigest()[:16]}.so"
    if built.is_file():
        return str(built)
    compiler = shutil.which(os.environ.get("CC", "cc"))
    if compiler is None:
        return None
    try:
        cache.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=cache, prefix=".wallclock-", suffix=".so")
        os.close(fd)
        command = [compiler, "-shared", "-fPIC", "-O2", "-o", partial, str(SHIM_SOURCE), "-ldl"]
        done = subprocess.run(command, capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            os.unlink(partial)
            return None
        os.replace(partial, built)
    except (OSError, subprocess.SubprocessError):
        return None
    return str(built)


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
        """What the service is started with: the library preloaded, reading ``path`` (the
        instant as Unix seconds, fractional), monotonic clocks left real — under the shim's
        variable and libfaketime's alike."""
        preload = " ".join(p for p in (self.library, os.environ.get("LD_PRELOAD", "")) if p)
        return {
            "LD_PRELOAD": preload,
            "CLERK_HARNESS_CLOCK_FILE": self.path,
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
