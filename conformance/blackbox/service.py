"""Black-box targets: a service the harness starts (``--serve CMD``) and reaches over real HTTP
on loopback, as the Clerk issuer — it serves the service's JWKS and mints its tokens.

Each SUT instance a check builds is one service process of its own, for its ``Settings``: taken
from a pool (and reset, ``POST /__harness/reset``) when one is idle, started otherwise, and given
back when the instance is dropped or its example ends (``example_scope``), whichever is first —
so two instances alive in one example never share a cache, as two in-process instances never
do, and an instance a failing example's traceback keeps does not keep its process. Before each
request the service's clock is set to the harness's (``POST /__harness/clock``), so tokens
minted on the frozen clock mean the same there. A service's keep-alive connections are shared:
each request takes an idle one or opens one, so threads racing again reuse the last race's
(a new connection per thread and instance was a third of CACHE-CONCURRENT over HTTP).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import contextvars
import functools
import gc
import itertools
import json
import os
import shlex
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from reference import AuthError, Principal, Request, Settings
from strategies import ISSUER, TRUSTED_ORG, sign, signing_keys, with_times
from strategies.clock import I32_MAX, is_frozen
from strategies.keys import KEYS_ENV, jwt_key_pem, keys_file_extra
from strategies.requests import plain_request

from ..capabilities import Capabilities, CapabilityError
from ..findings import example_began
from . import http1
from .app import AppProfile
from .clerk_api import clerk_api
from .clock import (
    FAKETIME_ENV,
    NO_CLOCK_LIBRARY,
    PreloadedClock,
    clock_file,
    clock_library,
    library_name,
)
from .jwks import JWKS_PATH, SDK_PATHS, free_port, jwks_host, jwks_host_at, secret_key
from .wire import (
    CAPABILITIES,
    CLOCK,
    CONTRACT,
    OVERSIZED,
    RESET,
    ROUTES,
    Outgoing,
    ServiceFault,
    answer,
    outgoing,
)
from .wire import layer_refusal as layer_refusal
from .wire import settings_json as settings_json

SERVE_PREFIX = "serve="
URL_PREFIX = "url="  # a served "command" that names a running service: serve=url=http://…
#: How long a request may go unanswered before it is a TOTAL violation (and the process is
#: replaced), and how long a service may take to start listening.
TIMEOUT_S = 10.0
START_S = 30.0
#: Processes one ``Settings`` may run before the cycle collector frees dropped instances.
POOL_BEFORE_COLLECTING = 2
#: Processes started ahead for a service without a reset route, each for one instance.
SPARES = 2
#: Rows that judge what an instance remembers: without a reset, state carried from one example
#: to the next could pass for a flaw (or hide one), so they are ``n/a`` for such a service —
#: unless every instance is a fresh process (``--fresh-processes``).
STATEFUL_ROWS = (
    "CACHE-ISOLATION",
    "CACHE-KEY-INJECTIVE",
    "CACHE-NO-POISON",
    "CACHE-FRESH",
    "CACHE-CONCURRENT",
    "IDENTITY-NOT-LINKED",
)


class ServiceStartError(Exception):
    """The service never listened on its port: one line, with the tail of its stderr."""


def service_environment(
    settings: Settings, jwks_url: str, api_url: str, port: int | None
) -> dict[str, str]:
    """What a served service is told (README, *Black-box mode*): its port, its settings, where
    its JWKS is served, the JWKS itself and its first RSA key as it holds it (a PEM unless it
    declared another ``key_form``); and, under the names Clerk's SDKs read, the API base its
    JWKS is fetched from (``jwks.SDK_PATHS`` below it), that JWKS's URL and keys of the forms
    the SDKs expect — one place, for ``--serve`` and for ``clerk-harness env`` alike."""
    frontend = urllib.parse.urlsplit(settings.issuer or ISSUER).netloc or "clerk.invalid"
    return {
        **({"CLERK_HARNESS_PORT": str(port)} if port else {}),
        "CLERK_HARNESS_SETTINGS": settings_json(settings),
        "CLERK_HARNESS_JWKS_URL": jwks_url,
        "CLERK_HARNESS_JWKS": json.dumps(settings.jwks),
        "CLERK_HARNESS_JWT_KEY": settings.jwt_key or jwt_key_pem(settings.jwks),
        "CLERK_API_URL": api_url,
        "CLERK_JWKS_URL": api_url + SDK_PATHS[1],
        "CLERK_SECRET_KEY": secret_key(api_url),
        "CLERK_PUBLISHABLE_KEY": "pk_live_" + base64.b64encode(f"{frontend}$".encode()).decode(),
    }


@dataclass
class Traffic:
    """What black-box mode cost in this process: requests sent and service processes started
    (read by ``benchmarks/run.py``; reports do not show it)."""

    requests: int = 0
    processes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, requests: int = 0, processes: int = 0) -> None:
        with self.lock:
            self.requests += requests
            self.processes += processes


TRAFFIC = Traffic()


class Service:
    """One running service process for one ``Settings``."""

    def __init__(self, command: str, settings: Settings, preload: str | None = None) -> None:
        TRAFFIC.add(processes=1)
        self._attach(command, settings, "127.0.0.1", free_port())
        host = jwks_host()
        # its clock, set through a file (``clock``), not a route
        preloaded = PreloadedClock(preload, time.time()) if preload is not None else None
        self.preloaded = preloaded
        env = {
            **os.environ,
            **service_environment(
                settings, host.url(settings.jwks), host.api_url(settings.jwks), self.port
            ),
            **(preloaded.environment() if preloaded else {}),
            **(api.environment() if (api := clerk_api()) else {}),  # a JVM's api.clerk.com
        }
        self.process = subprocess.Popen(
            command, shell=True, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.stderr, start_new_session=True,
        )  # fmt: skip
        self._wait_listening()

    def _attach(self, command: str, settings: Settings, host: str, port: int) -> None:
        """The state of a service at ``host:port``, whether the harness started it or not."""
        self.preloaded = None
        self.command, self.settings = command, settings
        self.port, self.host = port, f"{host}:{port}"
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (the process's lifetime)
        self.clock_sent: float | None = None
        self.broken = ""
        self.lease = 0  # the current lease's number (0: idle)
        #: Keep-alive connections between requests: each request takes one (or opens one) and
        #: gives it back, so threads racing on a service reuse the connections of the last race.
        self.connections: list[http1.Connection] = []
        self.connections_lock = threading.Lock()

    def _wait_listening(self) -> None:
        for _ in range(int(START_S / 0.02)):  # counted, not timed: the clock may be frozen
            if self.process.poll() is not None:
                self._fail(f"it exited with code {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.02)
        self._fail(f"it did not listen on {self.host} within {START_S:.0f} s")

    def _fail(self, why: str) -> None:
        self.stop()
        raise ServiceStartError(f"--serve {self.command!r}: {why}; its stderr ends: {self.tail()}")

    def tail(self, lines: int = 5) -> str:
        """The last lines of the service's stderr, on one line."""
        self.stderr.seek(0)
        text = self.stderr.read().decode("utf-8", "replace").strip().splitlines()[-lines:]
        return " | ".join(text) or "(nothing)"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None and not self.broken

    def stop(self) -> None:
        """Stop the process (its whole group: a shell's children too)."""
        self._close_idle()
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if self.preloaded is not None:
            self.preloaded.remove()
            self.preloaded = None

    def post(self, path: str, body: bytes = b"") -> int:
        """A harness-control request's status (``0``: no answer)."""
        headers = (
            ("Host", self.host), ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        )  # fmt: skip
        try:
            status, _ = self.send("POST", path, headers, body)
        except ServiceFault:
            return 0
        return status

    def call(
        self, method: str, request: Request, clock: bool, app: AppProfile = CONTRACT
    ) -> Principal:
        """``request`` to ``method``'s route (the ``app``'s own), the clock set first: its
        principal, or raises."""
        if clock:
            self.set_clock(time.time())  # the harness's clock: frozen inside a check
        out = outgoing(method, request, self.host, app)
        oversized = out.header_bytes + len(out.body) > OVERSIZED
        try:
            status, body = self.send(out.method, out.target, out.headers, out.body, oversized)
            return answer(status, body, method=out.method, app=app)
        except ServiceFault as fault:
            if oversized and "dropped" in str(fault):
                raise layer_refusal(f"it closed the connection on {len(out.body)} body bytes "
                                    f"and {out.header_bytes} header bytes") from fault  # fmt: skip
            raise ServiceFault(f"{fault} — the request: {_said(out)}") from fault

    def set_clock(self, now: float) -> None:
        if now != self.clock_sent and self.preloaded is not None:
            self.preloaded.set(now)
            self.clock_sent = now
        if now != self.clock_sent:
            status = self.post(CLOCK, json.dumps({"now": now}).encode())
            if status != 204:
                raise ServiceFault(f"POST {CLOCK} answered {status or 'nothing'}, not 204")
            self.clock_sent = now

    def send(
        self,
        method: str,
        target: str,
        headers: tuple[tuple[str, Any], ...],
        body: bytes,
        oversized: bool = False,
    ) -> tuple[int, bytes]:
        """One request on an idle keep-alive connection, or a new one (on an idle one gone
        stale, once more on a new one, the other idle ones closed). An oversized request goes on
        a connection of its own and, closed on, is neither sent again nor waited on: that is its
        HTTP layer refusing it (``call``)."""
        TRAFFIC.add(requests=1)
        for attempt in (1, 2):
            connection = None if oversized or attempt == 2 else self._idle_connection()
            reused = connection is not None
            try:
                if connection is None:  # its errors are faults, as the request's are
                    connection = http1.Connection("127.0.0.1", self.port, TIMEOUT_S)
                connection.write(method, target, headers, body)
                got = connection.read(method)
            except TimeoutError as exc:
                _close(connection)
                self.broken = f"no answer within {TIMEOUT_S:g} s"
                raise ServiceFault(self.broken) from exc
            except OSError as exc:  # BadAnswer and the socket's errors alike
                _close(connection)
                if oversized:
                    raise ServiceFault(f"the connection was dropped ({exc!r})") from exc
                if reused and attempt == 1 and self.process.poll() is None:
                    self._close_idle()  # idle as long, the others are likely closed too
                    continue  # the server closed an idle keep-alive connection: once more
                raise ServiceFault(self._dropped(exc)) from exc
            if got.will_close:
                connection.close()
            else:
                with self.connections_lock:
                    self.connections.append(connection)
            return got.status, got.body
        raise AssertionError("unreachable")

    def _dropped(self, exc: BaseException) -> str:
        for _ in range(25):  # a process that closed its sockets by dying: let it be reaped
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        if self.process.poll() is not None:
            return (f"the connection was dropped: the service exited with code "
                    f"{self.process.returncode}; its stderr ends: {self.tail()}")  # fmt: skip
        return f"the connection was dropped ({type(exc).__name__}: {exc})"

    def _idle_connection(self) -> http1.Connection | None:
        with self.connections_lock:
            return self.connections.pop() if self.connections else None

    def _close_idle(self) -> None:
        with self.connections_lock:
            idle, self.connections = self.connections, []
        for connection in idle:
            connection.close()


def _close(connection: http1.Connection | None) -> None:
    if connection is not None:
        connection.close()


def _said(out: Outgoing) -> str:
    """The request as sent, and how it differs from the drawn one."""
    how = "as drawn" if not out.changes else "with " + "; ".join(out.changes)
    return f"{out.method} {out.target:.200}, sent {how}"


class ServedFactory:
    """``--serve CMD`` as a SUT factory: each call an instance on a service process of its own
    for those settings (see the module docstring)."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.idle: dict[str, list[Service]] = {}
        self.every: list[Service] = []
        self.running: dict[str, int] = {}
        self.lock = threading.RLock()
        self.routes: frozenset[str] | None = None
        self.has_reset = self.has_clock = False
        self.declared: tuple[int, bytes] = (404, b"")
        #: The wall-clock library (``clock.clock_library``), preloaded into every process the
        #: service's clock has no route for;
        #: and, when a process so started does not follow it, why (every row is then n/a).
        self.preload: str | None = None
        self.unfollowed = ""
        self.app = AppProfile.from_env()  # the app's own route and JSON, if given
        #: Without a reset route, every instance is a process of its own: started ahead here.
        self.spares: dict[str, list[Service]] = {}
        self.filling: set[str] = set()
        self.stopping = False
        _factories.append(self)

    def __call__(self, settings: Settings) -> Any:
        source = settings.jwks_source
        if source is not None:  # served before the reset: a fresh instance may fetch at once
            jwks_host().live(settings.jwks, source)
        try:
            service = self._lease(settings)
            if self.routes is None:
                service = self._first(service, settings)
        except BaseException:
            if source is not None:
                jwks_host().static(settings.jwks, source)
            raise
        service.lease = lease = next(_LEASES)
        client: Any = _CLIENTS[self.routes or frozenset()](self, service, lease)
        weakref.finalize(client, self._give_back, settings, service, lease)
        scope = _SCOPE.get()
        if scope is not None:
            scope.append(functools.partial(self._give_back, settings, service, lease))
        return client

    def _first(self, service: Service, settings: Settings) -> Service:
        """The routes the first process provides; without a clock route, the service started
        again with its wall clock preloaded, probed for following it, and a process the probe has
        not touched leased instead."""
        self._probe(service)
        library = clock_library()
        if self.has_clock or library is None or not self.routes or not self.restartable:
            return service
        self._retire(settings, service)  # started plain: again, its clock preloaded
        self.preload = library
        probed = self._lease(settings)
        self.unfollowed = self._follows(probed, settings)
        self.has_clock = not self.unfollowed
        self._retire(settings, probed)  # it has seen the probe's sessions, five years on
        return self._lease(settings)

    #: Whether the harness starts the service's processes (and may start them again).
    restartable = True

    def _key(self, settings: Settings) -> str:
        return settings_json(settings) + json.dumps(
            [settings.jwks, settings.jwt_key], sort_keys=True
        )

    def _lease(self, settings: Settings) -> Service:
        """An idle process for ``settings``, reset; else a new one. A dropped instance caught in
        a reference cycle (an error's traceback holds the frame that held it) is given back
        only by the cycle collector: it runs before a third process for one ``Settings``."""
        if self.fresh_only:
            return self._fresh(settings)
        key = self._key(settings)
        collected = 0
        while True:
            with self.lock:
                pool = self.idle.get(key)
                service = pool.pop() if pool else None
                running = self.running.get(key, 0)
            if service is None and running >= POOL_BEFORE_COLLECTING and collected < 2:
                gc.collect(1 if collected == 0 else 2)  # the young generations first: cheap
                collected += 1
                continue
            if service is None:
                break
            if service.alive and self.has_clock and is_frozen():  # built at the harness's now
                with contextlib.suppress(ServiceFault):
                    service.set_clock(time.time())
            if service.alive and (not self.has_reset or service.post(RESET) == 204):
                return service
            service.stop()
            with self.lock:
                self.running[key] -= 1
        service = Service(self.command, settings, self.preload)
        with self.lock:
            self.every.append(service)
            self.running[key] = self.running.get(key, 0) + 1
        return service

    @property
    def fresh_only(self) -> bool:
        """Whether every instance is a process of its own (no reset route, and
        ``--fresh-processes``): what one remembers never reaches another."""
        return self.routes is not None and not self.has_reset and self.app.fresh_processes

    def _fresh(self, settings: Settings) -> Service:
        """A process no instance has used, for a service without a reset route: a spare started
        ahead, else a new one; ``SPARES`` more are started meanwhile — for these settings only
        (the spares of others are stopped: a check drawing settings per example would leave
        them idle)."""
        key = self._key(settings)
        with self.lock:
            others = [s for k, pool in self.spares.items() if k != key for s in pool]
            self.spares = {key: self.spares.get(key, [])}
            spares = self.spares[key]
            service = spares.pop(0) if spares else None
        for other in others:
            self._discard(other)
        if service is not None and not service.alive:
            self._discard(service)
            service = None
        if service is None:
            service = self._started(settings)
        self._refill(settings, key)
        return service

    def _started(self, settings: Settings) -> Service:
        service = Service(self.command, settings, self.preload)
        with self.lock:
            self.every.append(service)
            stopping = self.stopping
        if stopping:  # started while the harness stops: it must not outlive it
            service.stop()
            raise ServiceStartError(f"--serve {self.command!r}: the harness is stopping")
        return service

    def _refill(self, settings: Settings, key: str) -> None:
        """Start spares for ``settings`` in the background, up to ``SPARES``."""
        with self.lock:
            if key in self.filling or self.stopping:
                return
            self.filling.add(key)

        def fill() -> None:
            try:
                while len(self.spares.get(key, ())) < SPARES:
                    spare = self._started(settings)
                    with self.lock:
                        if key in self.spares:
                            self.spares[key].append(spare)
                            continue
                    self._discard(spare)  # other settings are leased now
                    return
            except ServiceStartError:
                pass  # the next lease starts one itself, and reports why it cannot
            finally:
                with self.lock:
                    self.filling.discard(key)

        threading.Thread(target=fill, daemon=True).start()

    def _discard(self, service: Service) -> None:
        """A process no instance may use again (a service without a reset): stopped in the
        background (this runs in a finalizer), listed until it is."""

        def stop() -> None:
            service.stop()
            with self.lock:
                if service in self.every:
                    self.every.remove(service)

        threading.Thread(target=stop, daemon=True).start()

    def _retire(self, settings: Settings, service: Service) -> None:
        """Stop a leased process for good (a fresh one, ``_fresh``'s, was never counted)."""
        service.stop()
        key = self._key(settings)
        with self.lock:
            self.running[key] = max(0, self.running.get(key, 0) - 1)

    def _follows(self, service: Service, settings: Settings) -> str:
        """Whether the service's clock follows the preloaded one: a plain session minted now
        and one minted five years on (before 2038: a 32-bit time is VALID-ACCEPTED's finding),
        each sent at its own instant, are both accepted (``""``); else why not."""
        method = sorted(self.routes or ())[0]
        with contextlib.suppress(CapabilityError):  # a bad declaration stops the load, after
            settings = self.capabilities().applied(settings)  # its parties: the probe's azp
        claims = {"sub": "user_2ClockProbe", "org_id": settings.org_id, "sid": "sess_clock"}
        parties = settings.authorized_parties
        key = signing_keys().trusted[0]
        now = float(int(time.time()))
        refused = []
        later = min(now + 5 * 365 * 86_400, I32_MAX - 86_400)  # not a 2038 bug's to decide
        for instant, when in ((now, "now"), (later, "five years on")):
            minted = with_times(claims, instant, issuer=settings.issuer,
                                party=parties[0] if parties else None)  # fmt: skip
            service.set_clock(instant)
            try:
                token = sign(minted, key, add_times=False)
                service.call(method, plain_request(method, token), False, self.app)
            except (AuthError, ServiceFault) as exc:
                refused.append(f"a plain session minted {when} was refused at that instant "
                               f"({type(exc).__name__}: {exc})")  # fmt: skip
        if not refused:
            return ""
        return (f"its clock does not follow the harness's, preloaded with "
                f"{library_name(self.preload or '')} (a binary reading the clock without libc — "
                "a static Go one, say — cannot): "
                + "; ".join(refused))  # fmt: skip

    def _give_back(self, settings: Settings, service: Service, lease: int) -> None:
        """An instance was dropped, or its example ended: its process is idle — once, for the
        lease it was given (a finalizer: it may run inside any call of this thread, hence the
        re-entrant lock and nothing slow)."""
        with self.lock:
            if service.lease == lease:
                service.lease = 0
                if self.fresh_only:
                    self._discard(service)  # what it remembers must not reach another example
                else:
                    self.idle.setdefault(self._key(settings), []).append(service)
                if settings.jwks_source is not None:
                    jwks_host().static(settings.jwks, settings.jwks_source)

    def _probe(self, service: Service) -> None:
        """Which routes the service provides (a ``404`` means not), and its control endpoints."""
        provided = set()
        for method, route in {**ROUTES, "authenticate_request": self.app.whoami}.items():
            verb = "GET" if method == "authenticate_request" else "POST"
            status, _ = service.send(verb, route, (("Host", service.host),), b"")
            if status != 404:
                provided.add(method)
        self.routes = frozenset(provided)
        self.has_reset = service.post(RESET) == 204
        self.has_clock = service.post(CLOCK, json.dumps({"now": time.time()}).encode()) == 204
        service.clock_sent = None
        try:
            self.declared = service.send("GET", CAPABILITIES, (("Host", service.host),), b"")
        except ServiceFault:
            self.declared = (0, b"")

    def capabilities(self) -> Capabilities:
        """What the service declares at ``GET /__harness/capabilities`` (a ``200``'s JSON; any
        other answer: nothing); ``CapabilityError`` when that JSON is not a declaration."""
        if self.app.declared is not None:  # given on the command line (``--declare``)
            return Capabilities.from_json(self.app.declared, f"--declare for {self.command!r}")
        status, body = self.declared
        if status != 200:
            return Capabilities()
        where = f"--serve {self.command!r}: GET {CAPABILITIES}"
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        return Capabilities.from_json(data, where)

    def limits(self, rows: tuple[str, ...]) -> dict[str, str]:
        """The rows this service cannot be judged on, each with the reason."""
        if self.unfollowed:
            return dict.fromkeys(rows, self.unfollowed)
        if not self.has_clock:
            instead = (
                f"there is nothing to set its clock with: {NO_CLOCK_LIBRARY}, or "
                f"{FAKETIME_ENV}" if self.restartable else
                "it was started elsewhere without the clock `clerk-harness env "
                "--preload-clock` prints"
            )  # fmt: skip
            why = (f"the service has no POST {CLOCK}, and {instead}: the harness mints "
                   "its tokens on a frozen clock it moves, which it cannot follow")  # fmt: skip
            return dict.fromkeys(rows, why)
        if not self.has_reset and not self.fresh_only:
            why = (f"the service has no POST {RESET}: this row judges what an instance "
                   "remembers, and state carried from one example to the next would pass for a "
                   "flaw (--fresh-processes: a new process for every instance decides it, at the "
                   "cost of a process start each)")  # fmt: skip
            return dict.fromkeys((r for r in rows if r in STATEFUL_ROWS), why)
        return {}

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            every = list(self.every)
        for service in every:
            service.stop()

    def drain(self) -> None:
        """Stop every idle process and spare, so the next instance starts on a new one: state a
        service without a reset keeps from one row cannot reach the next."""
        with self.lock:
            idle = [service for pool in self.idle.values() for service in pool]
            spares = [service for pool in self.spares.values() for service in pool]
            self.idle.clear()
            self.spares.clear()
            for service in idle:
                self.running[self._key(service.settings)] -= 1
        for service in (*idle, *spares):
            service.stop()


class NotApplicable(unittest.SkipTest):
    """A check needs what a service started elsewhere cannot give: other settings, or two
    instances at once. Hypothesis and pytest let it through: the row is ``n/a``, with why."""


class _NoProcess:
    """Stands for the process of a service the harness did not start."""

    pid = returncode = None

    def poll(self) -> None:
        return None


class RunningService(Service):
    """A service already running at ``host:port`` (``--url``): reached, never started."""

    def __init__(self, host: str, port: int, settings: Settings) -> None:
        self._attach(f"http://{host}:{port}", settings, host, port)  # its stderr stays empty
        self.process = _NoProcess()  # type: ignore[assignment]

    def tail(self, lines: int = 5) -> str:
        return "(a service the harness did not start: its output is its own)"

    def stop(self) -> None:
        pass


class UrlFactory(ServedFactory):
    """``--url URL`` as a SUT factory: the one service running there, started with
    ``clerk-harness env``'s environment (the default ``Settings``, the keys file's keys). Every
    instance is that service, reset; a check needing other settings, or two instances at once,
    is ``n/a`` (``NotApplicable``)."""

    def __init__(self, url: str) -> None:
        super().__init__(URL_PREFIX + url)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError(
                f"--url {url!r}: expected http://127.0.0.1:PORT (audits stay on this machine: "
                "the service fetches its JWKS from the harness)"
            )
        if not parts.port:
            raise ValueError(f"--url {url!r}: expected a port, http://127.0.0.1:PORT")
        self.url = url
        self.expected = Settings(org_id=TRUSTED_ORG, jwks=signing_keys().jwks)
        self.service = RunningService("127.0.0.1", parts.port, self.expected)
        port = keys_file_extra("jwks_port")
        if isinstance(port, int):  # where `clerk-harness env` told the service to fetch it
            try:
                jwks_host_at(port).url(self.expected.jwks, JWKS_PATH)
            except OSError as exc:
                why = f"--url {url!r}: cannot serve the JWKS on port {port}: {exc}"
                raise OSError(why) from exc

    def _first(self, service: Service, settings: Settings) -> Service:
        """The routes it provides; without a clock route, the clock file ``clerk-harness env
        --preload-clock`` preloaded it with (beside the keys file), if it did — probed for
        being followed, as a process the harness preloads is."""
        self._probe(service)
        keys = os.environ.get(KEYS_ENV)
        path = clock_file(keys) if keys else None
        if self.has_clock or path is None or not path.is_file() or not self.routes:
            return service
        service.preloaded = PreloadedClock("", None, str(path))  # its owner preloaded it
        self.unfollowed = self._follows(service, settings)
        self.has_clock = not self.unfollowed
        return service

    def stop(self) -> None:
        """Its clock file, if the audit drove one, reads the real time again."""
        super().stop()
        if self.service.preloaded is not None:
            self.service.preloaded.remove()

    def _lease(self, settings: Settings) -> Service:
        # the key it holds follows from its JWKS, in the form it was given (`clerk-harness env`)
        changed = [f for f in fields(Settings) if f.name != "jwt_key" and getattr(settings, f.name)
                   != getattr(self.expected, f.name)]  # fmt: skip
        if changed:
            raise NotApplicable(
                f"the check configures its SUT with other settings "
                f"({', '.join(f.name for f in changed)}); the service at {self.url} runs with "
                "the one it was started with"
            )
        for generation in (1, 2):
            if not self.service.lease:
                break
            gc.collect(generation)
        if self.service.lease:
            raise NotApplicable(
                f"the check needs two SUT instances at once; the service at {self.url} is one"
            )
        if self.has_clock and is_frozen():  # the instance is built at the harness's now
            with contextlib.suppress(ServiceFault):
                self.service.set_clock(time.time())
        if self.has_reset and self.service.post(RESET) != 204:
            raise ServiceFault(f"POST {RESET} to {self.url} did not answer 204")
        return self.service

    def _give_back(self, settings: Settings, service: Service, lease: int) -> None:
        with self.lock:
            if service.lease == lease:
                service.lease = 0

    @property
    def fresh_only(self) -> bool:
        return False  # the one service running there: it cannot be started afresh

    #: It runs as it was started: its clock cannot be preloaded.
    restartable = False


class _Client:
    """One SUT instance: a service process, reached through the routes it provides."""

    def __init__(self, factory: ServedFactory, service: Service, lease: int) -> None:
        self.factory, self.service, self.lease = factory, service, lease

    def _call(self, method: str, request: Request) -> Principal:
        if self.service.lease != self.lease:  # a harness bug: checks build instances per example
            raise RuntimeError("a served SUT instance was used after its example ended")
        if not self.service.alive:  # replaced once it crashed or hung; the audit goes on
            why = self.service.broken or f"it exited with code {self.service.process.returncode}"
            raise ServiceFault(f"the service is down ({why}); its stderr ends: "
                               f"{self.service.tail()}")  # fmt: skip
        return self.service.call(method, request, self.factory.has_clock, self.factory.app)


class _RequestClient(_Client):
    def authenticate_request(self, request: Request) -> Principal:
        return self._call("authenticate_request", request)


class _CallbackClient(_Client):
    def callback_subject(self, request: Request) -> Principal:
        return self._call("callback_subject", request)


class _BothClient(_RequestClient, _CallbackClient):
    pass


_CLIENTS: dict[frozenset[str], type[_Client]] = {
    frozenset(): _Client,
    frozenset({"authenticate_request"}): _RequestClient,
    frozenset({"callback_subject"}): _CallbackClient,
    frozenset(ROUTES): _BothClient,
}
_factories: list[ServedFactory] = []
_LEASES = itertools.count(1)
_SCOPE: contextvars.ContextVar[list[functools.partial[None]] | None] = contextvars.ContextVar(
    "clerk_harness_example_scope", default=None
)


@contextlib.contextmanager
def example_scope() -> Iterator[None]:
    """One example — a check's test body, or a login-history machine's run — counted
    (``findings.example_began``): every served instance leased inside it is given back when it
    ends, even one something still references (a failing example's traceback holds the check's
    frames)."""
    example_began()
    leases: list[functools.partial[None]] = []
    token = _SCOPE.set(leases)
    try:
        yield
    finally:
        _SCOPE.reset(token)
        for give_back in leases:
            give_back()


def served_factory(command: str) -> ServedFactory:
    """The process's one factory for ``command`` (``url=URL``: the service running there) and
    the app profile in force (``CLERK_HARNESS_APP``): every target of that command shares its
    pool of processes, instead of starting its own."""
    app = AppProfile.from_env()
    for factory in _factories:
        if factory.command == command and factory.app == app:
            return factory
    if command.startswith(URL_PREFIX):
        return UrlFactory(command[len(URL_PREFIX) :])
    return ServedFactory(command)


@functools.cache
def serve_spec(command: str) -> str:
    """The ``--sut`` spec of a served command."""
    return SERVE_PREFIX + command


def url_spec(url: str) -> str:
    """The ``--sut`` spec of a service running at ``url``."""
    return SERVE_PREFIX + URL_PREFIX + url


def is_url(spec: str) -> bool:
    """Whether ``spec`` names a running service (``url_spec``)."""
    return spec.startswith(SERVE_PREFIX + URL_PREFIX)


def served_command(spec: str) -> str | None:
    """The command a ``serve=`` spec names, or None."""
    return spec[len(SERVE_PREFIX) :] if spec.startswith(SERVE_PREFIX) else None


def short_command(command: str) -> str:
    """A served command, shortened for a matrix heading."""
    if command.startswith(URL_PREFIX):
        return command[len(URL_PREFIX) :]
    words = shlex.split(command) if command else []
    return " ".join(words[-2:]) if words else command


@atexit.register
def stop_all() -> None:
    """Stop every service this process started."""
    for factory in _factories:
        factory.stop()
