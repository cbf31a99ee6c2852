"""``clerk-harness serve``, as a script the tests start by path: ``python tests/served.py SPEC``
(the shim is ``conformance.serve``, shipped in the wheel)."""

from __future__ import annotations

import sys

from conformance.serve import serve

if __name__ == "__main__":
    serve(sys.argv[1])
