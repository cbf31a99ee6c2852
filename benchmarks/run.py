"""How fast and how sharp the harness is (not part of the test suite: nothing here asserts).

    python -m benchmarks.run                       # everything, from the checkout's root
    python -m benchmarks.run --only throughput     # one part: bound, throughput, crowd,
                                                   # detection, seeds, http, wall, ci

Prints a table per part and writes them all to ``benchmarks/results.json`` (``--json PATH``):

* **bound** — raw PyJWT RS256 sign+verify per second with the harness's trusted key: the
  ceiling for checks that sign what they present;
* **throughput** — each invariant against the reference on one core, derandomized, grouped:
  examples per second (a cache check's login histories count as examples too) and, for the
  token group, tokens judged per second next to the bound;
* **crowd** — CACHE-ISOLATION's crowd (``CROWD`` identities, each logged in twice): its cost
  through claims and through Bearer requests, and the key widths it finds a collision in;
* **detection** — for each catalogue entry and each invariant it declares, over 20 seeds at
  the default profile (100 examples, random): the share of runs that catch it and the median
  number of examples until the first failure (shrinking off: it is detection, not reporting);
* **seeds** — soundness under random seeds: every row against the reference and the
  alternative implementation (``tests/impls/alternative_impl.py``) over 20 seeds of Hypothesis's
  default profile (random, as a user's suite runs): each must hold, every control accepted;
* **http** — black-box mode, for each served peer: the harness's request rate (drawn Bearer
  requests through the served SUT's client: the wire contract's encoding, the keep-alive
  connection, the answer's decoding) next to the bound, a raw keep-alive loopback client
  sending the same requests' bytes to the same service (and the service's CPU time a request,
  meanwhile); and, for the served reference, each row's cost next to its in-process cost — the
  reference as it is (claims taken directly) and reached only through requests as a served one
  is (the same tokens verified, no HTTP; both runs reusing the tokens a first one signed, as an
  audit's later SUTs do) — with the requests and service processes it took;
* **wall** — wall time and peak memory (summed over the process tree) of the README's test
  command, ``pytest -n 3 --hypothesis-profile=clerk-ci``, of its quick tier (``-n 2 -m
  quick``) and of ``clerk-harness audit``;
* **ci** — ``.ci/run`` in a fresh clone of the committed ``HEAD``, as CI runs it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
from hypothesis import Phase, settings

import conformance.invariants.cache as cache
import conformance.invariants.crowds as crowds
import reference
from conformance import (
    BY_ID,
    INVARIANTS,
    Target,
    catalogue,
    profiles,
)
from conformance.findings import Exercise, recording, run_row
from conformance.plugin import harness_modules
from conformance.registry import lookup
from conformance.target import mint
from strategies import TRUSTED_ORG, signing_keys, with_times
from strategies.requests import plain_request
from strategies.tokens import signing_afresh

if TYPE_CHECKING:  # black-box mode is imported where it runs (``http``)
    from conformance.blackbox.wire import Outgoing

ROOT = Path(__file__).resolve().parent.parent

PARTS = ("bound", "throughput", "crowd", "detection", "seeds", "http", "wall", "ci")
GROUPS = {  # the first group whose prefix an ID starts with
    "requests": ("CB-", "REQ-", "PATH-", "SESSION-TOKENS-"),  # requests carrying signed tokens
    # one login's claims per example
    "claims": ("ID-", "IDENTITY-", "ROLE-", "SESSION-", "SID-", "TOTAL", "VALID-"),
    "cache": ("CACHE-",),  # a history of logins per example
    "tokens": ("TOKEN-", "KEYS-"),  # a family of signed tokens per example
}
SEEDS = 20
TARGETS = {
    "claims_examples_per_s": 1000,
    "tokens_share_of_bound": 0.5,
    "detection_runs_caught": f"{SEEDS}/{SEEDS}",
    "critical_median_examples": 20,
    "quick_wall_s": 90,
    "suite_wall_s": 360,
    "ci_run_wall_s": 600,
    "audit_wall_s": 90,
    "http_share_of_raw_client": 0.5,
    "served_audit_wall_s": 180,
}
#: The reference reached only through requests, as a served one is: the served path's work
#: (tokens signed and verified) without HTTP, the like-for-like baseline of the http part.
REQUESTS_ONLY = "tests.impls.request_only:reference"
#: The served peers the http part measures, by name: the command ``--serve`` runs.
SERVED = {
    "reference (clerk-harness serve)": f"{sys.executable} -m conformance serve reference:make",
    "@clerk/express": "node services/clerk-express/server.js",
}


def group_of(invariant_id: str) -> str:
    return next(g for g, prefixes in GROUPS.items() if invariant_id.startswith(prefixes))


# ----------------------------------------------------------------------------- counting


@contextmanager
def counted() -> Iterator[Exercise]:
    """What the checks run meanwhile do, as the harness counts it (``findings.Exercise``):
    examples (test bodies and login-history machine runs), the example that first failed, and
    SUT calls — for a token check, each one token judged."""
    with recording(Exercise()) as exercise:
        yield exercise


# ----------------------------------------------------------------------------- parts


def bound(seconds: float = 3.0) -> dict[str, Any]:
    """Raw PyJWT RS256 sign+verify per second (fresh claims each time, as checks sign)."""
    keys = signing_keys()
    key = keys.trusted[0]
    public = jwt.PyJWK(dict(keys.jwks["keys"][0]))
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        claims = with_times({"sub": f"user_{n}", "org_id": TRUSTED_ORG})
        token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
        jwt.decode(token, public, algorithms=["RS256"], options={"verify_aud": False})
        n += 1
    rate = n / (time.perf_counter() - start)
    print(f"bound: PyJWT RS256 sign+verify {rate:,.0f}/s")
    return {"rs256_sign_verify_per_s": round(rate)}


def crowd() -> dict[str, Any]:
    """CACHE-ISOLATION's crowd: its cost on the reference (claims) and through Bearer requests
    (tokens signed once per process: the first run signs them), and the key widths a crowd of
    its size finds a collision in, by the birthday bound."""
    size = crowds.CROWD
    runs: dict[str, dict[str, float]] = {}
    out: dict[str, Any] = {"identities": size, "runs": runs}
    for spec in ("reference:make", REQUESTS_ONLY):
        target = Target.load(spec)
        for run in ("first", "again"):
            start = time.perf_counter()
            crowds.check_crowd(target, cache.CROWD)
            seconds = time.perf_counter() - start
            per_login = seconds / (2 * size) * 1e6
            runs[f"{spec} {run}"] = {
                "seconds": round(seconds, 3),
                "us_per_login": round(per_login, 1),
            }
            print(f"  {spec:32} {run:5}  {seconds:6.2f}s  {per_login:7.1f} µs per login")
    birthday = {bits: round(crowds.birthday(size, bits), 4) for bits in (16, 20, 22, 24, 28)}
    out["birthday"] = birthday
    shown = ", ".join(f"{b} bits {p:.2%}" for b, p in birthday.items())
    print(f"  a crowd of {size} meets a collision of a random key of: {shown}")
    return out


@contextmanager
def profile(name: str, **changes: Any) -> Iterator[None]:
    settings.register_profile(name, parent=settings.get_profile("clerk-ci"), **changes)
    previous = settings.get_current_profile_name()
    settings.load_profile(name)
    try:
        yield
    finally:
        settings.load_profile(previous)


def throughput(examples: int, rate_bound: float | None) -> dict[str, Any]:
    """Each invariant against the reference, ``examples`` per check, one core."""
    target = Target.load("reference:make")
    rows, groups = [], {g: {"examples": 0, "tokens": 0, "seconds": 0.0} for g in GROUPS}
    with profile("bench-throughput", max_examples=examples):
        for inv in INVARIANTS:
            start = time.perf_counter()
            with counted() as count:
                inv.check(target)
            seconds = time.perf_counter() - start
            row: dict[str, Any] = {
                "id": inv.id,
                "group": group_of(inv.id),
                "examples": count.examples,
                "tokens": count.calls,
                "seconds": round(seconds, 3),
                "examples_per_s": round(count.examples / seconds),
            }
            rows.append(row)
            total = groups[row["group"]]
            total["examples"] += count.examples
            total["tokens"] += count.calls
            total["seconds"] += seconds
            print(
                f"  {inv.id:27} {count.examples:5} ex {seconds:6.2f}s "
                f"{row['examples_per_s']:6,} ex/s {count.calls:6} calls",
                flush=True,
            )
    summary = {}
    afresh = _tokens_signed_afresh(target, examples) if rate_bound else None
    for name, total in groups.items():
        entry: dict[str, Any] = {
            "examples_per_s": round(total["examples"] / total["seconds"]),
            "seconds": round(total["seconds"], 2),
        }
        if name == "tokens":  # every example signs and verifies a family of tokens
            entry["tokens_per_s"] = round(total["tokens"] / total["seconds"])
            if rate_bound and afresh:
                entry["share_of_bound"] = round(entry["tokens_per_s"] / rate_bound, 2)
                entry["tokens_per_s_signed_afresh"] = afresh
                entry["share_of_bound_signed_afresh"] = round(afresh / rate_bound, 2)
        summary[name] = entry
        print(f"group {name:9} {entry}")
    return {"examples_per_check": examples, "checks": rows, "groups": summary}


def _tokens_signed_afresh(target: Target, examples: int) -> int:
    """Tokens judged per second by the token checks when nothing signed is reused."""
    tokens, seconds = 0, 0.0
    with profile("bench-afresh", max_examples=examples), signing_afresh():
        for inv in INVARIANTS:
            if group_of(inv.id) == "tokens":
                start = time.perf_counter()
                with counted() as count:
                    inv.check(target)
                seconds += time.perf_counter() - start
                tokens += count.calls
    print(f"  token checks, every signature made afresh: {tokens / seconds:,.0f} tokens/s")
    return round(tokens / seconds)


def _detect_one(job: tuple[str, str, int]) -> dict[str, Any]:
    """One (entry, row, seed) run at the default profile, shrinking off: every finding the row
    makes (``run_row``), the examples to the first."""
    entry, invariant_id, seed = job
    target = Target.load(catalogue.sut_spec(entry))
    phases = tuple(p for p in Phase if p not in (Phase.shrink, Phase.explain))
    bench = {"derandomize": False, "phases": phases, "print_blob": False}
    with profiles.seeded(seed, parent="clerk-ci", **bench):
        start = time.perf_counter()
        row = BY_ID[invariant_id]
        result = run_row(invariant_id, lambda: row.check(target), lookup)
        seconds = time.perf_counter() - start
    return {
        "entry": entry,
        "invariant": invariant_id,
        "seed": seed,
        "found": sorted({f.id for f in result.findings}),
        "examples": result.exercise.first_failure,
        "seconds": round(seconds, 3),
    }


def _caught(run: dict[str, Any], entry: str, invariant_id: str) -> bool:
    """The run found the row and every sub-check of it the entry declares."""
    declared = {d for d in catalogue.violations(entry) if d.startswith(f"{invariant_id}/")}
    found = set(run["found"])
    return any(f.startswith(f"{invariant_id}/") for f in found) and declared <= found


def _worker_init() -> None:
    """Profiles and every module, once per process. Every harness module and catalogue entry
    is imported first, as the plugin's ``preload`` does for a test session: Hypothesis
    draws some values from the constants of the modules loaded so far, so a job run after
    another entry's first load would draw other examples than the same job run first."""
    profiles.register()
    settings.load_profile("clerk-ci")
    for name in [*harness_modules(), *(f"conformance.catalogue.{n}" for n in catalogue.ENTRIES)]:
        importlib.import_module(name)


def detection(seeds: int, workers: int, entries: list[str]) -> dict[str, Any]:
    """Every (entry, declared invariant) pair over ``seeds`` seeds, in ``workers`` processes."""
    pairs = [(n, i) for n in entries for i in sorted(catalogue.violated_rows(n))]
    jobs = [(n, i, seed) for n, i in pairs for seed in range(seeds)]
    with concurrent.futures.ProcessPoolExecutor(workers, initializer=_worker_init) as pool:
        runs = list(pool.map(_detect_one, jobs, chunksize=4))
    rows = []
    for entry, invariant_id in pairs:
        mine = [r for r in runs if (r["entry"], r["invariant"]) == (entry, invariant_id)]
        caught = [r for r in mine if _caught(r, entry, invariant_id)]
        counts = [r["examples"] for r in caught if r["examples"] is not None]
        row = {
            "entry": entry,
            "invariant": invariant_id,
            "severity": BY_ID[invariant_id].severity,
            "caught": f"{len(caught)}/{len(mine)}",
            "median_examples": statistics.median(counts) if counts else None,
            "max_examples": max(counts) if counts else None,
            "median_seconds": round(statistics.median(r["seconds"] for r in mine), 2),
            "other_findings": sorted(
                {f for r in mine for f in r["found"] if not f.startswith(f"{invariant_id}/")}
            ),
        }
        rows.append(row)
        print(
            f"  {entry:26} {invariant_id:27} {row['severity']:8} caught {row['caught']:>5}  "
            f"median {row['median_examples']} examples (max {row['max_examples']}), "
            f"{row['median_seconds']}s",
            flush=True,
        )
    return {"seeds": seeds, "pairs": rows}


#: The correct implementations every row must hold for under any seed.
CORRECT = ("reference:make", "tests.impls.alternative_impl:make")


def _seeded_row(job: tuple[str, str, int]) -> dict[str, Any]:
    """One (correct implementation, row, seed) run at Hypothesis's default profile."""
    spec, invariant_id, seed = job
    target = Target.load(spec)
    with profiles.seeded(seed):
        result = run_row(invariant_id, lambda: BY_ID[invariant_id].check(target), lookup)
    return {
        "sut": spec,
        "invariant": invariant_id,
        "seed": seed,
        "status": result.status,
        "findings": sorted({f.id for f in result.findings}),
        "controls": result.exercise.controls,
        "controls_refused": result.exercise.controls_refused,
        "reason": result.inconclusive_reason,
    }


def seeded_soundness(seeds: int, workers: int) -> dict[str, Any]:
    """Every row against each correct implementation over ``seeds`` random seeds."""
    jobs = [(spec, inv.id, seed) for spec in CORRECT for inv in INVARIANTS for seed in range(seeds)]
    with concurrent.futures.ProcessPoolExecutor(workers, initializer=_worker_init) as pool:
        runs = list(pool.map(_seeded_row, jobs, chunksize=4))
    failed = [run for run in runs if run["status"] != "holds" or run["controls_refused"]]
    for run in failed:
        print(f"  {run['sut']} {run['invariant']} seed {run['seed']}: {run['status']} "
              f"{run['findings']} {run['reason'][:200]}", flush=True)  # fmt: skip
    rows = {spec: sum(run["sut"] == spec and run not in failed for run in runs) for spec in CORRECT}
    for spec, held in rows.items():
        print(f"  {spec:30} held {held}/{len(INVARIANTS) * seeds} (row, seed) runs", flush=True)
    return {
        "seeds": seeds,
        "held": {spec: f"{held}/{len(INVARIANTS) * seeds}" for spec, held in rows.items()},
        "controls": sum(run["controls"] for run in runs),
        "failed": failed,
    }


def _bearer_requests(target: Target, n: int) -> list[reference.Request]:
    """``n`` valid Bearer requests of distinct users (the requests the token rows send)."""
    return [
        plain_request("authenticate_request", mint(target, {"sub": f"user_{i}",
                      "org_id": TRUSTED_ORG, "sid": f"sess_{i}"}), "bearer")
        for i in range(n)
    ]  # fmt: skip


def _raw_rate(port: int, wire: list[bytes], seconds: float) -> float:
    """The bound: requests per second of a minimal keep-alive client, the bytes prepared."""
    import socket

    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = sock.makefile("rb")
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        sock.sendall(wire[n % len(wire)])
        length = 0
        reader.readline()  # the status line
        while (line := reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        reader.read(length)
        n += 1
    sock.close()
    return n / (time.perf_counter() - start)


def _harness_rate(service: Any, requests: list[reference.Request], seconds: float) -> float:
    """Requests per second through the harness's own path: each drawn request encoded for the
    wire, sent on the keep-alive connection and its answer decoded (the clock set once before,
    as a check sets it once per example: its clock is frozen)."""
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        service.call("authenticate_request", requests[n % len(requests)], False)
        n += 1
    return n / (time.perf_counter() - start)


def _wire_bytes(out: Outgoing) -> bytes:
    """The request as the raw client sends it: the harness's own bytes."""
    lines = [f"{out.method} {out.target} HTTP/1.1".encode("latin-1")]
    for name, value in out.headers:
        raw = value if isinstance(value, bytes) else str(value).encode("latin-1")
        lines.append(name.encode("latin-1") + b": " + raw)
    return b"\r\n".join(lines) + b"\r\n\r\n" + out.body


def http(seconds: float = 5.0) -> dict[str, Any]:
    """Black-box mode: the harness's rate against each served peer next to a raw client's,
    then the served reference's per-row cost next to the in-process reference's."""
    from conformance.blackbox.service import TRAFFIC, stop_all
    from conformance.blackbox.wire import outgoing

    out: dict[str, Any] = {"peers": {}, "rows": {}}
    for name, command in SERVED.items():
        target = Target.load(f"serve={command}")
        requests = _bearer_requests(target, 500)
        client = target.fresh()  # real time: freezegun would freeze perf_counter too
        service = client.service
        service.set_clock(time.time())
        service.call("authenticate_request", requests[0], False)  # a principal, or it raises
        harness = _harness_rate(service, requests, seconds)
        wire = [_wire_bytes(outgoing("authenticate_request", r, service.host)) for r in requests]
        cpu = _tree_cpu_s(service.process.pid)
        raw = _raw_rate(service.port, wire, seconds)
        service_us = (_tree_cpu_s(service.process.pid) - cpu) / (raw * seconds) * 1e6
        share = harness / raw
        out["peers"][name] = {
            "harness_per_s": round(harness),
            "raw_client_per_s": round(raw),
            "share": round(share, 3),
            "service_cpu_us_per_request": round(service_us),
        }
        print(f"  {name:28} harness {harness:7,.0f}/s  raw client {raw:7,.0f}/s  {share:.0%}"
              f"  (the service's CPU: {service_us:.0f} µs a request)")  # fmt: skip
        del client
    stop_all()
    served = Target.load(f"serve={SERVED['reference (clerk-harness serve)']}")
    local = Target.load("reference:make")
    requests_only = Target.load(REQUESTS_ONLY)  # the served path's work, no HTTP
    with profile("bench-http"):
        for invariant in INVARIANTS:
            if invariant.missing(served):
                continue
            in_process = _row_seconds(invariant, local)
            _row_seconds(invariant, requests_only)  # signs its tokens: both runs below reuse them
            through_requests = _row_seconds(invariant, requests_only)
            before = (TRAFFIC.requests, TRAFFIC.processes)
            over_http = _row_seconds(invariant, served)
            sent = {
                "requests": TRAFFIC.requests - before[0],
                "processes": TRAFFIC.processes - before[1],
            }
            out["rows"][invariant.id] = {
                "in_process_s": round(in_process, 2),
                "requests_only_s": round(through_requests, 2),
                "http_s": round(over_http, 2),
                "ratio": round(over_http / in_process, 1),
                "ratio_requests_only": round(over_http / through_requests, 1),
                "requests": sent["requests"],
                "processes": sent["processes"],
                "ms_per_request": round(over_http / max(sent["requests"], 1) * 1e3, 2),
            }
            row = out["rows"][invariant.id]
            print(
                f"  {invariant.id:24} in-process {in_process:6.2f}s  requests only "
                f"{through_requests:6.2f}s  http {over_http:6.2f}s (x{row['ratio']:4.1f}, "
                f"x{row['ratio_requests_only']:4.1f})  {sent['requests']:6} requests, "
                f"{sent['processes']:3} processes",
                flush=True,
            )
    stop_all()
    return out


def _row_seconds(invariant: Any, target: Target) -> float:
    """Seconds one row takes against ``target`` (real time: the checks freeze their own)."""
    began = time.perf_counter()
    run_row(invariant.id, functools.partial(invariant.check, target), lookup)
    return time.perf_counter() - began


def _tree(root: int) -> dict[int, list[str]]:
    """``root`` and its descendants, each with its ``/proc/PID/stat`` fields after the name
    (Linux; empty elsewhere)."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, f in stats.items() if f[1] == str(parent) and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return {pid: stats[pid] for pid in tree if pid in stats}


def _tree_rss_kib(root: int) -> int:
    """Resident memory of ``root`` and its descendants."""
    page = os.sysconf("SC_PAGE_SIZE")
    return sum(int(f[21]) * page // 1024 for f in _tree(root).values())


def _tree_cpu_s(root: int) -> float:
    """CPU seconds (user and system) ``root`` and its descendants have used."""
    ticks = sum(int(f[11]) + int(f[12]) for f in _tree(root).values())
    return ticks / os.sysconf("SC_CLK_TCK")


def timed(
    command: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``command`` in ``cwd`` (the repository root): wall time, exit code, peak tree memory."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kib(child.pid))
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = child.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - start
    tail = output.decode(errors="replace").strip().splitlines()[-1:]
    print(
        f"  {' '.join(command[-4:])}: {seconds:.1f}s, exit {child.returncode}, "
        f"peak {peak / 1024:.0f} MiB — {tail[0] if tail else ''}",
        flush=True,
    )
    return {
        "command": " ".join(command),
        "seconds": round(seconds, 1),
        "exit_code": child.returncode,
        "peak_mib": round(peak / 1024),
        "last_line": tail,
    }


def wall() -> dict[str, Any]:
    """The README's test command, its quick tier (``-m quick``) and ``clerk-harness audit``."""
    bin_dir = Path(sys.executable).parent
    pytest = [str(bin_dir / "pytest"), "--hypothesis-profile=clerk-ci", "-q"]
    quick = timed([*pytest, "-n", "2", "-m", "quick"])
    suite = timed([*pytest, "-n", "3"])
    audit = timed([str(bin_dir / "clerk-harness"), "audit"])
    return {"quick": quick, "suite": suite, "audit": audit}


def ci() -> dict[str, Any]:
    """``.ci/run`` as CI runs it: in a fresh clone of this checkout's committed ``HEAD``."""
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "repo"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        return {"ci_run": timed(["bash", ".ci/run"], cwd=clone, env={**os.environ, "CI": "true"})}


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
    args.add_argument("--examples", type=int, default=200, help="per check (throughput)")
    args.add_argument("--seeds", type=int, default=SEEDS, help="per pair (detection)")
    args.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="(detection)")
    args.add_argument("--entry", action="append", choices=catalogue.ENTRIES, help="(detection)")
    args.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    options = args.parse_args()
    parts = options.only or list(PARTS)
    _worker_init()
    results: dict[str, Any] = {
        "targets": TARGETS,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    started = time.perf_counter()
    if "bound" in parts or "throughput" in parts:
        print("== bound")
        results["bound"] = bound()
    if "throughput" in parts:
        print("== throughput (reference, one core)")
        rate = results["bound"]["rs256_sign_verify_per_s"]
        results["throughput"] = throughput(options.examples, rate)
    if "crowd" in parts:
        print("== crowd (CACHE-ISOLATION)")
        results["crowd"] = crowd()
    if "detection" in parts:
        print(f"== detection ({options.seeds} seeds, default profile, {options.workers} processes)")
        results["detection"] = detection(
            options.seeds, options.workers, options.entry or list(catalogue.ENTRIES)
        )
    if "seeds" in parts:
        print(f"== seeds ({options.seeds} random seeds, default profile, every row, "
              f"{options.workers} processes)")  # fmt: skip
        results["seeds"] = seeded_soundness(options.seeds, options.workers)
    if "http" in parts:
        print("== http (black-box mode: served peers, one core)")
        results["http"] = http()
    if "wall" in parts:
        print("== wall time and peak memory")
        results["wall"] = wall()
    if "ci" in parts:
        print("== .ci/run in a fresh clone")
        results["ci"] = ci()
    results["benchmark_seconds"] = round(time.perf_counter() - started, 1)
    if options.only and options.json.exists():  # one part re-measured: the others kept
        results = {**json.loads(options.json.read_text(encoding="utf-8")), **results}
    options.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {options.json} ({results['benchmark_seconds']}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
