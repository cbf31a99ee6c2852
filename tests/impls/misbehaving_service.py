"""A service that breaks the wire contract in one way, chosen by its argument, after answering
its first requests correctly (the reference behind it): ``garbage`` (a ``200`` that is not a
principal), ``error`` (a ``500``), ``exit`` (the process dies), ``hang`` (no answer). Or one
that keeps it while its HTTP layer refuses methods, as a stdlib service's does: ``methods``
routes ``GET`` and ``POST``, answers ``405`` to ``PUT``/``PATCH``/``DELETE`` and leaves every
other method to ``http.server``'s own ``501``; ``post-only`` routes only ``POST``, so every
``GET`` — the plain Bearer request every correct service accepts — is a ``405``. Run as a
script by the harness's tests of black-box mode; never imported."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from conformance.blackbox.serve import App, Server, handler

HEALTHY_REQUESTS = 3
#: The methods each refusing mode routes; the methods its router knows, for a 405.
ROUTED = {"methods": frozenset({"GET", "POST"}), "post-only": frozenset({"POST"})}
KNOWN = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


def router(app: App, routed: frozenset[str]) -> type:
    """A stdlib handler with a method only for each routed one: ``405`` for another method its
    router knows, and for any other ``http.server``'s ``501`` (it has no ``do_`` method)."""

    class Router(handler(app)):  # type: ignore[misc]
        def __getattr__(self, name: str) -> Any:
            verb = name.removeprefix("do_")
            if name.startswith("do_") and verb in routed:
                return self._route
            if name.startswith("do_") and verb in KNOWN:
                return self._not_allowed
            raise AttributeError(name)

        def _not_allowed(self) -> None:
            self._body()
            self._answer(405, {"reason": "method_not_allowed", "message": self.command})

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
        def _route(self) -> None:
            if self.path.startswith("/__harness/") or seen[0] < HEALTHY_REQUESTS:
                seen[0] += not self.path.startswith("/__harness/")
                return super()._route()
            self._body()
            if mode == "garbage":
                return self._answer(200, {"hello": "world"})
            if mode == "error":
                return self._answer(500, {"reason": "boom"})
            if mode == "exit":
                os._exit(7)
            time.sleep(3600)

    Server(("127.0.0.1", port), Misbehaving).serve_forever()


if __name__ == "__main__":
    main()
