"""A mutation self-check of the suite (not part of the test suite: nothing here asserts).

    python benchmarks/mutants.py                         # every mutant, 2 xdist workers each
    python benchmarks/mutants.py --only claims.py --limit 3 -n 0 --json /tmp/mutants.json
    python benchmarks/mutants.py --list                  # the mutants' names, nothing run

Each mutant is the reference package with one change, made with ``ast``: an ``if``/``elif``
test or a conditional expression's condition negated, or a ``raise`` statement replaced by
``pass``. Its copy of ``reference`` is built in a temporary directory (the mutated module
``ast.unparse``-d, the others copied verbatim) which is the working directory and the first
``PYTHONPATH`` entry of its subprocesses — so ``import reference`` gets the mutant, never the
repository's (a guard plugin stops the suite if it did not) — followed by this file's checkout,
whose ``strategies`` and ``conformance`` are the harness measured. The real ``reference/`` is
only read. For each mutant:

* **probes** — in a subprocess, a plain valid v1 session, as claims, as a signed token, as an
  ``Authorization: Bearer`` request and as a relayed form POST to the login callback: which of
  the four the mutant refuses (raises on); a mutant that cannot be imported or constructed is
  **stillborn**;
* **verdict** — the conformance suite against it (``pytest --pyargs conformance --sut
  reference:make -x --hypothesis-profile=clerk-ci``): ``killed`` (exit 1, or 2 when xdist stops
  at ``-x``), ``survived`` (exit 0), ``error`` (any other exit) or ``timeout``.

Prints a table and a summary; ``--json PATH`` writes them. Exits 0 (a measurement), 2 on a
usage error.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reference"
PROBES = ("claims", "token", "request", "callback")
PROBE_HANG_S = 15  # per probe, in the probe process
PROBE_TIMEOUT_S = 180  # the whole probe process
GUARD = "_mutant_guard"
VERDICTS = ("killed", "survived", "error", "timeout")
#: How pytest-xdist ends a ``-x`` run at the first failure (exit code 2, not 1).
XDIST_STOPPED = "xdist.dsession.Interrupted: stopping after"

#: Run in the mutant's subprocess: import, construct, then the four probes, each on a fresh
#: instance and stopped by an alarm after ``argv[1]`` seconds (a hang); the report so far is
#: printed as one JSON line after every step.
PROBE_SCRIPT = """
import json, signal, sys, traceback
HANG_S = int(sys.argv[1])
out = {"reference": None, "stillborn": None, "probes": {}}
report = lambda: print(json.dumps(out), flush=True)
class Hang(BaseException):
    pass
def hang(signum, frame):
    raise Hang()
signal.signal(signal.SIGALRM, hang)
try:
    import reference
    out["reference"] = reference.__file__
    import strategies
    from strategies.tokens import with_times
    keys = strategies.signing_keys()
    settings = reference.Settings(org_id=strategies.TRUSTED_ORG, jwks=keys.jwks)
    signal.alarm(HANG_S)
    reference.make(settings)
    signal.alarm(0)
except BaseException as exc:
    out["stillborn"] = traceback.format_exc(limit=-3).strip().splitlines()[-4:]
    report()
    sys.exit(0)
report()
claims = with_times({
    "sub": "user_1", "org_id": strategies.TRUSTED_ORG, "sid": "sess_1", "org_role": "org:member",
    "iss": strategies.ISSUER, "azp": strategies.AUTHORIZED_PARTIES[0],
})
token = strategies.sign(claims, keys.trusted[0])
bearer = reference.Request("GET", "/", (("Authorization", "Bearer " + token),))
relayed = reference.Request(
    "POST", strategies.CALLBACK_PATH,
    (("Content-Type", "application/x-www-form-urlencoded"),),
    ("clerk_session_token=" + token).encode("ascii"),
)
calls = {
    "claims": lambda auth: auth.authenticate_claims(claims),
    "token": lambda auth: auth.authenticate_token(token),
    "request": lambda auth: auth.authenticate_request(bearer),
    "callback": lambda auth: auth.callback_subject(relayed),
}
for name, call in calls.items():
    try:
        auth = reference.make(settings)
        signal.alarm(HANG_S)
        call(auth)
        signal.alarm(0)
        out["probes"][name] = None
    except Hang:
        out["probes"][name] = f"hang: no answer in {HANG_S} s"
    except Exception as exc:
        signal.alarm(0)
        out["probes"][name] = f"{type(exc).__name__}: {exc}"[:160]
    report()
"""

#: Loaded by the suite with ``-p``: a usage error unless the right packages were imported.
GUARD_SOURCE = '''"""Stop unless ``reference`` is the mutant and ``conformance`` the harness."""
import os

import pytest

import conformance
import reference


def pytest_configure(config):
    for module, env in ((reference, "CLERK_MUTANT_ROOT"), (conformance, "CLERK_HARNESS_ROOT")):
        root = os.path.join(os.environ[env], "")
        if not os.path.abspath(module.__file__).startswith(root):
            raise pytest.UsageError(f"{module.__name__} came from {module.__file__}, not {root}")
'''


# ----------------------------------------------------------------------------- mutants


@dataclass(frozen=True)
class Site:
    """One mutation: which module, which node (type and position), and its stable name."""

    module: str
    kind: str  # if-negated, elif-negated, ifexp-negated, raise-deleted
    line: int
    col: int
    name: str


def _kind(node: ast.AST, lines: list[str]) -> str | None:
    """The mutation ``node`` admits, or ``None``."""
    if isinstance(node, ast.If):
        opening = lines[node.lineno - 1][node.col_offset :]
        return "elif-negated" if opening.startswith("elif") else "if-negated"
    if isinstance(node, ast.IfExp):
        return "ifexp-negated"
    if isinstance(node, ast.Raise):
        return "raise-deleted"
    return None


def module_sites(path: Path) -> list[Site]:
    """Every mutation of one module, in source order, named ``file:line:kind`` (``-2``… when a
    line has several of a kind)."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = sorted(
        (node.lineno, node.col_offset, kind)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.stmt | ast.expr) and (kind := _kind(node, lines)) is not None
    )
    seen: Counter[tuple[int, str]] = Counter()
    sites = []
    for line, col, kind in found:
        seen[line, kind] += 1
        suffix = f"-{seen[line, kind]}" if seen[line, kind] > 1 else ""
        sites.append(Site(path.name, kind, line, col, f"{path.name}:{line}:{kind}{suffix}"))
    return sites


def all_sites(package: Path = PACKAGE) -> list[Site]:
    """The mutations of every module of the package (modules without any contribute none)."""
    return [site for path in sorted(package.glob("*.py")) for site in module_sites(path)]


NODE_TYPES: dict[str, type[ast.AST]] = {
    "if-negated": ast.If,
    "elif-negated": ast.If,
    "ifexp-negated": ast.IfExp,
    "raise-deleted": ast.Raise,
}


def _is_site(node: ast.AST, site: Site) -> bool:
    """Whether ``node`` is the node ``site`` names."""
    if not isinstance(node, NODE_TYPES[site.kind]):
        return False
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0)) == (site.line, site.col)


def mutate(source: str, site: Site) -> str:
    """``source`` with the one change ``site`` names, unparsed."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.If | ast.IfExp) and _is_site(node, site):
            node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
        for _, body in ast.iter_fields(node):  # a raise is a statement: in some list of them
            if site.kind == "raise-deleted" and isinstance(body, list):
                body[:] = [
                    ast.copy_location(ast.Pass(), child) if _is_site(child, site) else child
                    for child in body
                ]
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def build_mutant(site: Site, root: Path) -> None:
    """Write the mutant package to ``root/reference`` and the guard plugin beside it."""
    target = root / "reference"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    module = target / site.module
    module.write_text(mutate(module.read_text(encoding="utf-8"), site), encoding="utf-8")
    (root / f"{GUARD}.py").write_text(GUARD_SOURCE, encoding="utf-8")


# ----------------------------------------------------------------------------- subprocesses


def mutant_env(root: Path) -> dict[str, str]:
    """The environment of the mutant's subprocesses: its directory first on ``PYTHONPATH``."""
    env = dict(os.environ)
    path = (str(root), str(ROOT), env.get("PYTHONPATH"))  # then the harness beside this file
    env["PYTHONPATH"] = os.pathsep.join(p for p in path if p)
    env["CLERK_MUTANT_ROOT"], env["CLERK_HARNESS_ROOT"] = str(root), str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run(command: list[str], root: Path, timeout: float) -> tuple[int | None, str, float]:
    """Run ``command`` in ``root`` (its own process group, killed whole on timeout): the exit
    code (``None`` on timeout), the combined output and the seconds taken."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=root,
        env=mutant_env(root),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = child.communicate(timeout=timeout)
        code: int | None = child.returncode
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        output, _ = child.communicate()
        code = None
    except BaseException:  # Ctrl-C: the group has its own session, so SIGINT missed it
        os.killpg(child.pid, signal.SIGKILL)
        raise
    return code, output.decode(errors="replace"), time.perf_counter() - start


def probe(root: Path) -> dict[str, Any]:
    """The probe script's report on the mutant in ``root``: its last line, with the probes it
    never reached marked; no report at all is stillborn."""
    command = [sys.executable, "-c", PROBE_SCRIPT, str(PROBE_HANG_S)]
    code, output, _ = run(command, root, PROBE_TIMEOUT_S)
    lines = output.strip().splitlines()
    try:
        report: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, ValueError):
        failure = "the probe timed out" if code is None else f"the probe exited {code}"
        return {"reference": None, "stillborn": [failure, *lines[-3:]], "probes": {}}
    if not report["stillborn"]:
        unreached = "the probe process timed out" if code is None else f"the probe exited {code}"
        report["probes"] = {name: report["probes"].get(name, unreached) for name in PROBES}
    return report


def suite_command(workers: int) -> list[str]:
    """The conformance suite against ``reference:make`` (the mutant, in its directory)."""
    return [
        sys.executable, "-m", "pytest", "--pyargs", "conformance", "--sut", "reference:make",
        "-p", "no:cacheprovider", "-q", "-x", "--hypothesis-profile=clerk-ci", "-o", "addopts=",
        "-n", str(workers),
        "--noconftest",  # the repository's conftest.py would load the ``dev`` profile
        "-p", GUARD,
    ]  # fmt: skip


def suite(root: Path, workers: int, timeout: float) -> dict[str, Any]:
    """The verdict of the suite on the mutant in ``root``, with what caught it or the tail."""
    code, output, seconds = run(suite_command(workers), root, timeout)
    caught = sorted(set(re.findall(r"test_invariant\[([^\]]+)\]", _failed_lines(output))))
    verdict = {0: "survived", 1: "killed", None: "timeout"}.get(code, "error")
    if code == 2 and caught and XDIST_STOPPED in output:  # -x under xdist: "interrupted"
        verdict = "killed"
    tail = output.strip().splitlines()[-6:] if verdict in ("error", "timeout") else []
    return {
        "verdict": verdict,
        "exit_code": code,
        "caught_by": caught,
        "suite_seconds": round(seconds, 1),
        "tail": tail,
    }


def _failed_lines(output: str) -> str:
    """The ``FAILED …`` lines of a pytest summary."""
    return "\n".join(line for line in output.splitlines() if line.startswith("FAILED"))


# ----------------------------------------------------------------------------- one mutant


def check(site: Site, workers: int, timeout: float) -> dict[str, Any]:
    """Build, probe and run the suite against one mutant, in a temporary directory."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        root = Path(tmp).resolve()
        build_mutant(site, root)
        report = probe(root)
        wrong = report["reference"] and not report["reference"].startswith(str(root))
        if wrong:
            tail = [f"the probe imported {report['reference']}"]
            result = {"verdict": "error", "exit_code": None, "caught_by": [], "tail": tail}
        else:
            result = suite(root, workers, timeout)
    probes = report["probes"]
    return {
        "name": site.name,
        "module": site.module,
        "line": site.line,
        "kind": site.kind,
        "stillborn": report["stillborn"],
        "probes": probes,
        "refuses": [name for name in PROBES if probes.get(name) is not None],
        **result,
        "seconds": round(time.perf_counter() - start, 1),
    }


def row_text(row: dict[str, Any]) -> str:
    """One line of the table."""
    refuses = "STILLBORN" if row["stillborn"] else ",".join(row["refuses"]) or "-"
    caught = " ".join(row["caught_by"][:2])
    return (
        f"{row['name']:34} {refuses:28} {row['verdict']:8} {row['seconds']:6.1f}s  {caught}"
    ).rstrip()


# ----------------------------------------------------------------------------- summary


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals by verdict; stillborn mutants; those refusing a plain valid session."""
    refusing = [r for r in rows if r["refuses"] and not r["stillborn"]]
    return {
        "mutants": len(rows),
        "by_verdict": {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS},
        "stillborn": [r["name"] for r in rows if r["stillborn"]],
        "refusing_valid": len(refusing),
        "refusing_valid_killed": sum(r["verdict"] == "killed" for r in refusing),
        "refusing_valid_survivors": [r["name"] for r in refusing if r["verdict"] == "survived"],
        "survivors": [r["name"] for r in rows if r["verdict"] == "survived"],
        "errors": [r["name"] for r in rows if r["verdict"] in ("error", "timeout")],
    }


def print_summary(summary: dict[str, Any], rows: list[dict[str, Any]], seconds: float) -> None:
    """The summary after the table."""
    by_name = {r["name"]: r for r in rows}
    totals = ", ".join(f"{v} {n}" for v, n in summary["by_verdict"].items())
    print(f"\n{summary['mutants']} mutants in {seconds:.0f}s: {totals}")
    print(f"stillborn (crash at import or construction): {len(summary['stillborn'])}")
    for name in summary["stillborn"]:
        print(f"  {name}: {(by_name[name]['stillborn'] or [''])[-1]}")
    print(
        f"mutants that refuse a plain valid session: {summary['refusing_valid']}, "
        f"killed: {summary['refusing_valid_killed']}, "
        f"survivors: {summary['refusing_valid_survivors']}"
    )
    for name in summary["refusing_valid_survivors"]:
        for probe_name, outcome in by_name[name]["probes"].items():
            print(f"  {name} {probe_name:8} {outcome or 'accepted'}")
    other = [n for n in summary["survivors"] if n not in summary["refusing_valid_survivors"]]
    print(f"other survivors (accept the plain session): {other}")
    for name in summary["errors"]:
        print(f"  {by_name[name]['verdict']}: {name}: {' | '.join(by_name[name]['tail'][-3:])}")


def main() -> int:
    """Parse the options, check each selected mutant in turn, print and write the results."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("-n", "--workers", type=int, default=2, help="pytest-xdist workers (0: none)")
    args.add_argument("--only", action="append", help="mutants whose name contains this")
    args.add_argument("--limit", type=int, help="at most this many mutants")
    args.add_argument("--timeout", type=float, default=300.0, help="seconds per suite run")
    args.add_argument("--json", type=Path, help="write the table and summary here")
    args.add_argument("--list", action="store_true", help="print the selected names; run none")
    options = args.parse_args()
    if options.workers < 0 or (options.limit is not None and options.limit < 1):
        args.error("--workers must be >= 0 and --limit >= 1")
    sites = [s for s in all_sites() if not options.only or any(o in s.name for o in options.only)]
    sites = sites[: options.limit]
    if not sites:
        args.error(f"no mutant matches {options.only}")
    if options.list:
        print("\n".join(site.name for site in sites))
        return 0
    print(f"{len(sites)} mutants, {options.workers} xdist workers, timeout {options.timeout}s")
    print(f"{'mutant':34} {'refuses a valid session':28} {'verdict':8} {'time':>7}  caught by")
    started, rows = time.perf_counter(), []
    for site in sites:
        rows.append(check(site, options.workers, options.timeout))
        print(row_text(rows[-1]), flush=True)
    seconds = time.perf_counter() - started
    summary = summarize(rows)
    print_summary(summary, rows, seconds)
    if options.json:
        results = {
            "python": sys.version.split()[0],
            "workers": options.workers,
            "timeout_s": options.timeout,
            "suite_command": " ".join(suite_command(options.workers)[1:]),
            "seconds": round(seconds, 1),
            "summary": summary,
            "mutants": rows,
        }
        options.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {options.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
