"""The wall clock a served service is preloaded with (``conformance/blackbox/clock.py``): the
harness's shim fakes the wall clock alone, from its file, following each rename of a new file
over it; and without a C compiler the harness falls back to libfaketime, or says what to
install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.blackbox import clock

#: What a process under the preload reads: the wall clock (Python's and libc's ``time``) and a
#: monotonic clock, before and after the harness moves its file to 2100, then back to "+0".
PROBE = """
import ctypes, json, os, sys, time
libc = ctypes.CDLL(None)
libc.time.restype = ctypes.c_long
def read():
    return {"wall": time.time(), "libc": libc.time(None), "mono": time.monotonic()}
def move(text):
    with open(sys.argv[1] + ".new", "w") as file:
        file.write(text)
    os.replace(sys.argv[1] + ".new", sys.argv[1])
seen = [read()]
move("4102444800.250000\\n")
seen.append(read())
move("+0\\n")
seen.append(read())
print(json.dumps(seen))
"""

needs_shim = pytest.mark.skipif(clock.shim() is None, reason="needs a C compiler (cc)")


def _probe(library: str, path: Path) -> list[dict[str, float]]:
    """``PROBE`` run with ``library`` preloaded on the clock file ``path``."""
    path.write_text(clock.REAL_TIME)
    environment = {**os.environ, **clock.PreloadedClock(library, None, str(path)).environment()}
    done = subprocess.run([sys.executable, "-c", PROBE, str(path)], env=environment,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    readings: list[dict[str, float]] = json.loads(done.stdout)
    return readings


@needs_shim
def test_the_shim_moves_the_wall_clock_alone(tmp_path: Path) -> None:
    before = time.time()
    real, moved, back = _probe(str(clock.shim()), tmp_path / "now")
    assert abs(real["wall"] - before) < 30 and abs(real["libc"] - before) < 30
    assert moved["wall"] == 4102444800.25 and moved["libc"] == 4102444800
    assert abs(back["wall"] - before) < 30, "+0 is the real time again"
    # monotonic time runs on, untouched: timeouts and event loops keep their pace
    assert 0 <= moved["mono"] - real["mono"] < 30 and 0 <= back["mono"] - moved["mono"] < 30


@needs_shim
def test_the_shim_is_preferred_and_built_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(clock.FAKETIME_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = clock.clock_library()
    assert built is not None and clock.library_name(built) == "the harness's wall-clock shim"
    assert Path(built).parent == tmp_path / "clerk-harness"
    monkeypatch.setenv("CC", str(tmp_path / "no-compiler"))
    assert clock.clock_library() == built, "the build is reused, the compiler not needed again"


def test_without_a_compiler_libfaketime_or_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(clock.FAKETIME_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-compiler"))
    fallback = next((path for path in clock.LIBFAKETIME if Path(path).is_file()), None)
    assert clock.clock_library() == fallback
    monkeypatch.setattr(clock, "LIBFAKETIME", ())
    assert clock.clock_library() is None
    assert "apt-get install" in clock.NO_CLOCK_LIBRARY


@pytest.mark.skipif(
    not any(Path(path).is_file() for path in clock.LIBFAKETIME), reason="needs libfaketime"
)
def test_libfaketime_reads_the_same_file(tmp_path: Path) -> None:
    library = next(path for path in clock.LIBFAKETIME if Path(path).is_file())
    real, moved, back = _probe(library, tmp_path / "now")
    assert int(moved["wall"]) == 4102444800 and moved["libc"] == 4102444800
    assert abs(back["wall"] - real["wall"]) < 30
