"""The suite's options, parsed where the pytest plugin and the command both need them — a module
of constants and small parsers, so that the plugin (loaded in every pytest run of a project that
installs the harness) imports nothing heavy to declare them."""

from __future__ import annotations

#: The implementation the suite runs against when none is named: the reference.
DEFAULT_SUT = "reference:make"
#: How many distinct identities CACHE-ISOLATION's crowd logs in, each twice (``--crowd N``).
CROWD = 4096
#: The options that name what the suite runs against: given one, a run is the harness's.
SUT_OPTIONS = ("--sut", "--sut-serve", "--sut-url", "--sut-keys")
#: ``strategies.keys.KEYS_ENV``, here so that declaring ``--sut-keys`` imports no strategy.
KEYS_ENV = "CLERK_HARNESS_KEYS"


def parse_crowd(text: str | None) -> int:
    """``--crowd N`` as N, at least 2 (two identities can collide); ``CROWD`` when not given;
    ``ValueError`` with the reason otherwise."""
    if text is None:
        return CROWD
    if not str(text).strip().isdigit() or int(text) < 2:
        raise ValueError(f"--crowd {text!r}: expected a whole number of identities, at least 2")
    return int(text)


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"K/N"`` as ``(K, N)``, 1 <= K <= N; ``ValueError`` with the reason otherwise."""
    if text is None:
        return None
    index, sep, count = text.partition("/")
    if not sep or not index.strip().isdigit() or not count.strip().isdigit():
        raise ValueError(f"--shard {text!r}: expected K/N, e.g. 2/4")
    k, n = int(index), int(count)
    if not 1 <= k <= n:
        raise ValueError(f"--shard {text!r}: K must be between 1 and N")
    return k, n
