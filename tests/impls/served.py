"""``clerk-harness serve``, as a script the tests start by path:
``python tests/impls/served.py SPEC`` (the shim is ``conformance.blackbox.serve``, in the
wheel)."""

from __future__ import annotations

import sys

from conformance.blackbox.serve import serve

if __name__ == "__main__":
    serve(sys.argv[1])
