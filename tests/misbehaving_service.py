"""A service that breaks the wire contract in one way, chosen by its argument, after answering
its first requests correctly (the reference behind it): ``garbage`` (a ``200`` that is not a
principal), ``error`` (a ``500``), ``exit`` (the process dies), ``hang`` (no answer). Run as a
script by the harness's tests of black-box mode; never imported."""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from served import App, Server, handler

HEALTHY_REQUESTS = 3


def main() -> None:
    mode = sys.argv[1]
    app = App("reference:make")
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

    port = int(os.environ["CLERK_HARNESS_PORT"])
    Server(("127.0.0.1", port), Misbehaving).serve_forever()


if __name__ == "__main__":
    main()
