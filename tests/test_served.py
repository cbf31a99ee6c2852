"""Black-box mode end to end: the invariants survive the wire. The reference, served over real
HTTP by ``tests/impls/served.py``, holds every row; a served catalogue entry of each family is
caught on what it declares; a service that breaks the contract is reported, with the request that
did it, and the row goes on; one that never starts is one clear line."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conformance import BY_ID, INVARIANTS, Invariant, Target, catalogue
from conformance.blackbox import clock, jwks, service
from conformance.blackbox.app import APP_ENV, AppProfile
from conformance.blackbox.wire import answer
from conformance.findings import HOLDS, INCONCLUSIVE, VIOLATED, run_row
from conformance.registry import lookup
from conformance.target import present_claims
from reference import Request, Unauthorized
from strategies import TRUSTED_ORG

IMPLS = Path(__file__).parent / "impls"
PYTHON = shlex.quote(sys.executable)


def served(spec: str, script: str = "served.py") -> str:
    path, _, options = script.partition(" ")
    command = f"{PYTHON} {shlex.quote(str(IMPLS / path))} {options} {shlex.quote(spec)}"
    return "serve=" + " ".join(command.split())


REFERENCE = served("reference:make")


@pytest.mark.parametrize("invariant", INVARIANTS, ids=[inv.id for inv in INVARIANTS])
def test_the_served_reference_holds_every_row(invariant: Invariant) -> None:
    target = Target.load(REFERENCE)
    assert target.methods == {"authenticate_request", "callback_subject"}
    assert not target.limits and invariant.missing(target) == []
    result = run_row(invariant.id, lambda: invariant.check(target), lookup)
    assert result.status == HOLDS, (result.findings, result.inconclusive_reason)
    assert result.exercise.accepted > 0


#: One entry per family, each on what it declares: the seed's bug (claims and cache rows), a
#: forged signature accepted (token), a token read from the query (callback), a client-sent
#: org header trusted (request); and one fetching its keys from Clerk's API as the harness
#: serves it (``CLERK_API_URL``), again for every unknown kid (the fetches counted there).
FAMILIES = (
    "upstream_before_fix",
    "hs256_public_key",
    "query_token",
    "org_header_fallback",
    "jwks_refetch_on_miss",
)
CASES = [(e, row) for e in FAMILIES for row in sorted(catalogue.violated_rows(e))]


@pytest.mark.usefixtures("unshrunk")  # a finding list compared, not its counterexamples
@pytest.mark.parametrize(("entry", "row"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_a_served_entry_is_caught_on_what_it_declares(entry: str, row: str) -> None:
    script = "served.py --fetch-keys" if entry == "jwks_refetch_on_miss" else "served.py"
    target = Target.load(served(catalogue.sut_spec(entry), script))
    result = run_row(row, lambda: BY_ID[row].check(target), lookup)
    declared = {d for d in catalogue.violations(entry) if d.partition("/")[0] == row}
    found = {f.id for f in result.own}
    assert result.status == VIOLATED and found, result.inconclusive_reason
    assert {d for d in declared if "/" in d} <= found, found


#: Issue 25's request layer over the wire: a crash on a cookie with no ``=`` and on a
#: non-ASCII byte (which must reach the service as sent), the cookie read past a control byte
#: in a Bearer value, a crash on broken v2 claims.
BROKEN = (
    ("cookie_unpack", "TOTAL"),
    ("ascii_header", "TOTAL"),
    ("unreadable_authorization", "REQ-AMBIENT-ONLY"),
    ("permission_split", "TOTAL"),
)


@pytest.mark.usefixtures("unshrunk")
@pytest.mark.parametrize(("entry", "row"), BROKEN, ids=[f"{e}-{r}" for e, r in BROKEN])
def test_a_served_entry_is_caught_on_broken_requests_and_claims(entry: str, row: str) -> None:
    test_a_served_entry_is_caught_on_what_it_declares(entry, row)


@pytest.mark.slow  # hang and exit: shrinking through dead and hanging processes
@pytest.mark.parametrize("mode", ["garbage", "error", "exit", "hang"])
def test_a_service_breaking_the_contract_is_totals_finding_with_the_request(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "TIMEOUT_S", 0.25)
    target = Target.load(served(mode, "misbehaving_service.py"))
    result = run_row("ID-FAITHFUL", lambda: BY_ID["ID-FAITHFUL"].check(target), lookup)
    crashes = [f for f in result.findings if f.id == "TOTAL/crash"]
    assert crashes, (result.status, result.findings)
    said = {"garbage": "not a principal", "error": "answered 500", "exit": "exited with code 7",
            "hang": "no answer within 0.25 s"}[mode]  # fmt: skip
    assert said in crashes[0].message and "the request: GET /whoami" in crashes[0].message


def test_a_method_the_http_layer_refuses_is_a_refusal_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stdlib service answers ``501`` to a method it has no handler for (TOTAL draws any
    method: ``0``, ``post``, ``""``) and its router ``405`` to one a route does not take: the
    HTTP layer's refusals, each naming the method — TOTAL holds, with no crash finding."""
    refused: list[tuple[int, str]] = []

    def recorded(status: int, body: bytes, *, method: str, app: AppProfile) -> Any:
        try:
            return answer(status, body, method=method, app=app)
        except Unauthorized as exc:
            if exc.reason == "http_layer":
                refused.append((status, exc.detail))
            raise

    monkeypatch.setattr(service, "answer", recorded)
    target = Target.load(served("methods", "misbehaving_service.py"))
    result = run_row("TOTAL", lambda: BY_ID["TOTAL"].check(target), lookup)
    assert result.status == HOLDS and not result.findings, result.findings
    assert refused, "TOTAL drew no method the HTTP layer refuses"
    # Which methods TOTAL draws depends on the examples: each status is also sent on purpose.
    for method, status in (("DELETE", "405 Method Not Allowed"), ("0", "501 Not Implemented")):
        with pytest.raises(Unauthorized) as refusal:
            target.fresh().authenticate_request(Request(method, "/api/v1/users/me"))
        assert refusal.value.reason == "http_layer", refusal.value
        assert f"refused method {method!r} ({status})" in str(refusal.value.detail)
    assert all("HTTP layer refused method '" in detail for _, detail in refused), refused


def test_a_plain_request_the_http_layer_refuses_is_a_refused_control_not_a_pass() -> None:
    """A service whose ``/whoami`` takes only ``POST`` refuses the plain ``GET`` Bearer request
    every correct service accepts: the row is ``inconclusive``, naming the method, never
    ``holds``."""
    target = Target.load(served("post-only", "misbehaving_service.py"))
    result = run_row("TOTAL", lambda: BY_ID["TOTAL"].check(target), lookup)
    assert result.status == INCONCLUSIVE, (result.status, result.findings)
    assert "refused method 'GET' (405 Method Not Allowed)" in result.inconclusive_reason


def test_a_service_that_never_starts_is_one_line_with_its_stderr(tmp_path: Path) -> None:
    command = f"{PYTHON} -c \"import sys; sys.stderr.write('no CLERK_JWT_KEY here'); sys.exit(3)\""
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "audit", "-n", "0", "--serve", command],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "exited with code 3" in lines[0] and "no CLERK_JWT_KEY here" in lines[0]


def _running(
    tmp_path: Path, spec: str, port: int, preload: bool = False
) -> subprocess.Popen[bytes]:
    """A service started as a user starts one for ``--url``: in ``clerk-harness env``'s
    environment (``preload``: its clock too), before the audit, outside the harness."""
    env = f"{PYTHON} -m conformance env --keys {tmp_path / 'keys.json'} --port {port}"
    env += " --preload-clock" if preload else ""
    script = f'eval "$({env})" && exec {PYTHON} {shlex.quote(str(IMPLS / "served.py"))} {spec}'
    started = subprocess.Popen(["bash", "-c", script], cwd=tmp_path, start_new_session=True)
    for _ in range(500):  # counted, not timed
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return started
        except OSError:
            assert started.poll() is None, "the service did not start"
            time.sleep(0.02)
    raise AssertionError("the service did not listen")


def _audited_by_url(
    tmp_path: Path, spec: str, rows: tuple[str, ...], preload: bool = False
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """``spec`` started as a user starts a service for ``--url`` (``_running``), audited on
    ``rows`` at its URL, then stopped: the audit's process and its cells."""
    port = jwks.free_port()
    running = _running(tmp_path, spec, port, preload)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "audit", "--url", f"http://127.0.0.1:{port}",
             "--keys", str(tmp_path / "keys.json"), *(w for r in rows for w in ("--invariant", r)),
             "--json", str(tmp_path / "out.json")],
            capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False,
        )  # fmt: skip
    finally:
        os.killpg(running.pid, signal.SIGKILL)
        running.wait()
    return done, json.loads((tmp_path / "out.json").read_text())["results"]


URL_ROWS = ("TOTAL", "REQ-AMBIENT-ONLY", "KEYS-ISOLATED", "CACHE-ISOLATION")


@pytest.mark.parametrize(
    ("spec", "violated"),
    [("reference:make", set()), ("conformance.catalogue.query_token:make", {"REQ-AMBIENT-ONLY"})],
)
def test_a_running_service_is_audited_by_url(tmp_path: Path, spec: str, violated: set[str]) -> None:
    """``--url``: a service already running is audited on what it can be judged on — a flaw
    caught as served — and every row it cannot (other settings, two instances at once) is
    ``n/a`` with that reason, never ``holds``."""
    done, results = _audited_by_url(tmp_path, spec, URL_ROWS)
    assert done.returncode == (1 if violated else 0), done.stdout[-2000:] + done.stderr
    cells = {cell["invariant"]: cell for cell in results}
    assert {row for row, c in cells.items() if c["status"] == VIOLATED} == violated
    assert cells["TOTAL"]["status"] == HOLDS and cells["TOTAL"]["exercise"]["accepted"]
    assert cells["KEYS-ISOLATED"]["status"] == "n/a"
    assert "other settings (jwks" in cells["KEYS-ISOLATED"]["reason"]  # _source, the probe
    assert cells["CACHE-ISOLATION"]["status"] == "n/a"
    assert "two SUT instances at once" in cells["CACHE-ISOLATION"]["reason"]


def test_a_url_that_is_not_one_is_a_usage_error(tmp_path: Path) -> None:
    for url, says in (("https://example.com:443", "expected http://127.0.0.1:PORT"),
                      ("http://127.0.0.1", "expected a port")):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "audit", "--url", url],
            capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 2 and says in done.stderr, done.stderr


#: Rows whose verdicts turn on the clock: token times at the leeway's edge, a JWKS endpoint's
#: TTL, sessions minted up to 2100. (A cache's TTL, CACHE-FRESH, held so too, measured once:
#: 23 s here, for what these three already show of the preloaded clock.)
CLOCK_ROWS = ("TOKEN-TIME", "KEYS-ISOLATED", "VALID-ACCEPTED")
NO_CLOCK = served("reference:make", "served.py --without clock")
needs_clock_library = pytest.mark.skipif(
    clock.clock_library() is None, reason=f"needs a clock library: {clock.NO_CLOCK_LIBRARY}"
)


@needs_clock_library
def test_the_clock_probe_mints_for_the_parties_a_service_declares() -> None:
    """The preloaded clock's probe mints its sessions as the service declares its deployment:
    an app listing only its own front end follows the clock and is judged (a probe minted for
    another party was refused, read as a clock not followed, and every row left n/a)."""
    target = Target.load(served("tests.impls.front_end:make", "served.py --without clock"))
    assert not target.limits, target.limits
    result = run_row("TOKEN-TIME", lambda: BY_ID["TOKEN-TIME"].check(target), lookup)
    assert result.status == HOLDS and result.exercise.accepted, result


@needs_clock_library
@pytest.mark.parametrize("row", CLOCK_ROWS)
def test_a_service_without_a_clock_route_follows_a_preloaded_clock(row: str) -> None:
    """No ``POST /__harness/clock``: the harness preloads its wall-clock shim and moves the
    service's clock through its file; the reference so served decides each row as it does with
    the route, and a flaw on the clock is still caught."""
    target = Target.load(NO_CLOCK)
    assert not target.limits, target.limits
    result = run_row(row, lambda: BY_ID[row].check(target), lookup)
    assert result.status == HOLDS, (result.findings, result.inconclusive_reason)
    assert result.exercise.accepted > 0 and result.exercise.controls_refused == 0


@needs_clock_library
@pytest.mark.usefixtures("unshrunk")
@pytest.mark.parametrize(("entry", "row"), [("inclusive_exp", "TOKEN-TIME"),
                                            ("hour_jwks_cache", "KEYS-ISOLATED")])  # fmt: skip
def test_a_flaw_on_the_clock_is_caught_without_a_clock_route(entry: str, row: str) -> None:
    # the JWKS cache's entry reads its keys from the harness's API, as Clerk's SDKs do
    script = "served.py --without clock" + (" --fetch-keys" if row == "KEYS-ISOLATED" else "")
    target = Target.load(served(catalogue.sut_spec(entry), script))
    result = run_row(row, lambda: BY_ID[row].check(target), lookup)
    declared = {d for d in catalogue.violations(entry) if d.partition("/")[0] == row}
    assert result.status == VIOLATED and declared <= {f.id for f in result.own}, result.findings


@needs_clock_library
def test_a_service_not_following_the_preloaded_clock_is_judged_on_no_row() -> None:
    """A process that drops the preload (as a static binary ignores it) is probed: a session
    minted five years on is refused at that instant, and every row is n/a with why."""
    target = Target.load(f"serve=env -u LD_PRELOAD {NO_CLOCK.removeprefix('serve=')}")
    assert set(target.limits) == {inv.id for inv in INVARIANTS}
    why = target.limits["TOKEN-TIME"]
    assert "does not follow" in why and "wall-clock shim" in why and "five years on" in why


NO_RESET = served("reference:make", "served.py --without reset")


def _loaded(spec: str, app: AppProfile) -> Target:
    """``spec`` loaded under ``app`` (``CLERK_HARNESS_APP``, as the command sets it)."""
    previous = os.environ.get(APP_ENV)
    os.environ[APP_ENV] = app.to_env()
    try:
        return Target.load(spec)
    finally:
        if previous is None:
            del os.environ[APP_ENV]
        else:
            os.environ[APP_ENV] = previous


def test_without_a_reset_route_the_rows_of_what_an_instance_remembers_are_n_a() -> None:
    target = _loaded(NO_RESET, AppProfile())
    assert set(target.limits) == set(service.STATEFUL_ROWS)
    assert "--fresh-processes" in target.limits["CACHE-ISOLATION"]


def test_fresh_processes_keep_one_instances_memory_from_the_next() -> None:
    """``--fresh-processes``: without a reset route, every instance is a process of its own
    (started ahead), so the rows of what an instance remembers are decided. The reference's
    user store numbers the users it creates: a reused process numbers the second instance's
    user after the first's; a fresh one starts again."""
    made = {}
    for fresh in (False, True):
        target = _loaded(NO_RESET, AppProfile(fresh_processes=fresh))
        assert bool(target.limits) is not fresh
        users, pids = [], []
        for sub in ("user_a", "user_b"):
            sut = target.fresh()
            users.append(present_claims(target, sut, {"sub": sub, "org_id": TRUSTED_ORG}))
            pids.append(sut.service.process.pid)
            del sut  # its process goes back (reused), or is stopped (fresh)
        assert (pids[0] != pids[1]) is fresh
        made[fresh] = [user.user_id for user in users]
    assert made[False][0] != made[False][1]  # the reused process remembered its first user
    assert made[True][0] == made[True][1]  # each a first user, in a process of its own


def test_a_running_service_without_a_clock_route_is_judged_on_no_row(tmp_path: Path) -> None:
    """``--url``: a service the harness did not start cannot be started again with a preloaded
    clock — every row is ``n/a`` with that reason, never a crash of the audit."""
    done, cells = _audited_by_url(tmp_path, "--without clock reference:make", ("TOKEN-TIME",))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert [cell["status"] for cell in cells] == ["n/a"]
    assert "no POST /__harness/clock" in cells[0]["reason"], cells[0]["reason"]


@needs_clock_library
@pytest.mark.parametrize(
    ("spec", "status"),
    [("reference:make", HOLDS), ("conformance.catalogue.i32_clock:make", VIOLATED)],
)
def test_a_running_service_follows_the_clock_env_preloaded(
    tmp_path: Path, spec: str, status: str
) -> None:
    """``--url``: a service without a clock route, started in ``clerk-harness env
    --preload-clock``'s environment, follows the harness's clock — judged on sessions minted up
    to 2100, a clock read as 32 bits caught — and its clock reads the real time once the audit
    ends."""
    spec = f"--without clock {spec}"
    done, cells = _audited_by_url(tmp_path, spec, ("VALID-ACCEPTED",), preload=True)
    assert [cell["status"] for cell in cells] == [status], done.stdout[-2000:] + done.stderr
    assert cells[0]["exercise"]["accepted"]
    assert clock.clock_file(tmp_path / "keys.json").read_text() == clock.REAL_TIME
