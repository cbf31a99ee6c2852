"""A service that breaks the wire contract in one way, chosen by its argument, after answering
its first requests correctly (the reference behind it): ``garbage`` (a ``200`` that is not a
principal), ``error`` (a ``500``), ``exit`` (the process dies), ``hang`` (no answer). Or one
that keeps it while its HTTP layer refuses methods, as a stdlib service's does: ``methods``
routes ``GET`` and ``POST``, answers ``405`` to ``PUT``/``PATCH``/``DELETE`` and to any other
method the ``501`` ``http.server`` answers one it has no handler for; ``post-only`` routes only
``POST``, so every ``GET`` — the plain Bearer request every correct service accepts — is a
``405``. Run as a script by the harness's tests of black-box mode; never imported."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from conformance.blackbox.serve import App, Incoming, Server, handler

HEALTHY_REQUESTS = 3
#: The methods each refusing mode routes; the methods its router knows, for a 405.
ROUTED = {"methods": frozenset({"GET", "POST"}), "post-only": frozenset({"POST"})}
KNOWN = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


def router(app: App, routed: frozenset[str]) -> type:
    """A stdlib-style router: the routed methods served, ``405`` for another method it knows,
    and for any other the ``501`` ``http.server`` answers a method it has no handler for."""

    class Router(handler(app)):  # type: ignore[misc]
        def route(self, incoming: Incoming) -> tuple[int, Any]:
            if incoming.method in routed:
                return super().route(incoming)  # type: ignore[no-any-return]
            if incoming.method in KNOWN:
                return 405, {"reason": "method_not_allowed", "message": incoming.method}
            return 501, None

    return Router


def main() -> None:
    mode = sys.argv[1]
    app = App("reference:make")
    port = int(os.environ["CLERK_HARNESS_PORT"])
    if mode in ROUTED:
        Server(("127.0.0.1", port), router(app, ROUTED[mode])).serve_forever()
    base = handler(app)
    seen = [0]

    class Misbehaving(base):  # type: ignore[misc, valid-type]
        def route(self, incoming: Incoming) -> tuple[int, Any]:
            control = incoming.path.startswith("/__harness/")
            if control or seen[0] < HEALTHY_REQUESTS:
                seen[0] += not control
                return super().route(incoming)  # type: ignore[no-any-return]
            if mode == "garbage":
                return 200, {"hello": "world"}
            if mode == "error":
                return 500, {"reason": "boom"}
            if mode == "exit":
                os._exit(7)
            time.sleep(3600)
            return 500, None

    Server(("127.0.0.1", port), Misbehaving).serve_forever()


if __name__ == "__main__":
    main()
