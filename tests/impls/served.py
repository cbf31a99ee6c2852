"""``clerk-harness serve``, as a script the tests start by path:
``python tests/impls/served.py [--without ROUTE]… [--fetch-keys] SPEC`` (the shim is
``conformance.blackbox.serve``, in the wheel)."""

from __future__ import annotations

import sys

from conformance.blackbox.serve import serve

if __name__ == "__main__":
    args = sys.argv[1:]
    without = frozenset(args[i + 1] for i, a in enumerate(args[:-1]) if a == "--without")
    serve(args[-1], without, "--fetch-keys" in args)
