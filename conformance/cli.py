"""The ``clerk-harness`` command (also ``python -m conformance``).

    clerk-harness audit --sut my_pkg.auth:make          # audit your implementation
    clerk-harness audit                                 # self-check: the reference + catalogue
    clerk-harness audit --full-matrix                   # ... every entry on every row
    clerk-harness audit --shard 2/4 --json part2.json   # the 2nd of 4 parts of the cells
    clerk-harness report part*.json --html audit.html   # merge the parts: one report, one exit
    clerk-harness env --keys k.json --port 8080         # the environment to start a service in
    clerk-harness audit --url http://127.0.0.1:8080 --keys k.json   # ... and audit it, running

Exit codes: 0 nothing the gate (``--fail-on``) catches was found and every applicable row was
decided (self-check: the reference holds everything and every catalogue entry violates exactly
what it declares, among the rows run); 1 a gated finding, an ``inconclusive`` row unless
``--allow-inconclusive``, or an ``n/a`` row with ``--fail-on-na``; 2 a usage or import error,
with a one-line message.

Each command imports what it uses when it runs: ``serve`` starts every process of a served
Python factory, and loads the shim alone.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shlex
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from .audit.run import Audit, Cell, Gate
    from .blackbox.app import AppProfile


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line: what is wrong, and where to read more."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    """The command line."""
    from . import profiles

    top = Parser(
        prog="clerk-harness", description="Property-based audit of Clerk session authentication."
    )
    commands = top.add_subparsers(dest="command", required=True)
    audit = commands.add_parser(
        "audit", help="run every invariant against each SUT and print the matrix"
    )
    audit.add_argument(
        "--sut",
        action="append",
        default=[],
        metavar="MODULE:CALLABLE",
        help="a factory taking Settings (repeatable); none: the reference and the catalogue",
    )
    audit.add_argument(
        "--serve",
        action="append",
        default=[],
        metavar="CMD",
        help="a command that starts a service under test, audited over HTTP (repeatable; see "
        "the README's wire contract); mixes with --sut",
    )
    audit.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="URL",
        help="a service under test already running at http://127.0.0.1:PORT, started with "
        "`clerk-harness env`'s environment (repeatable; rows needing other settings are n/a; "
        "the audit then runs in one process)",
    )
    app = audit.add_argument_group(
        "a service as it ships (--serve, --url)",
        "its own current-user route instead of /whoami, its JSON mapped to the principal, and "
        "the settings it cannot take, instead of /__harness/capabilities",
    )
    app.add_argument("--whoami", metavar="PATH", help="the route answering who is signed in")
    app.add_argument(
        "--principal",
        action="append",
        default=[],
        metavar="FIELD=PATH",
        help="where the route's JSON names user_id (required), external_id, org_id, role and "
        "session_id: a dotted path, userId or auth.userId (repeatable)",
    )
    app.add_argument(
        "--role",
        action="append",
        default=[],
        metavar="VALUE=ROLE",
        help="an app's role value as the principal's guest, viewer or admin: org:admin=admin "
        "(repeatable)",
    )
    app.add_argument(
        "--fresh-processes",
        action="store_true",
        help="without a /__harness/reset route, start a new process for every SUT instance, so "
        "the cache rows and IDENTITY-NOT-LINKED are decided (else n/a): a process start each",
    )
    app.add_argument(
        "--declare",
        metavar="JSON",
        help='what the service cannot be configured with: {"fixed": {"leeway_s": 5}, '
        '"unsupported": ["issuer"]}',
    )
    audit.add_argument(
        "--keys",
        type=Path,
        metavar="FILE",
        help="the keys file `clerk-harness env` wrote: what a --url service trusts",
    )
    audit.add_argument(
        "--hypothesis-profile",
        choices=(*profiles.PROFILES, *profiles.ALIASES),
        default="clerk-ci",
        help="the harness's profile (dev, ci and deep name clerk-dev, clerk-ci and clerk-deep "
        "here); default: clerk-ci",
    )
    audit.add_argument(
        "-n",
        "--workers",
        metavar="N",
        default="auto",
        help="pytest-xdist workers: a number, or 'auto' (default: one per core); 0: in-process",
    )
    audit.add_argument("--hypothesis-seed", metavar="SEED", help="seed for random profiles")
    audit.add_argument(
        "--invariant",
        action="append",
        default=[],
        type=_invariant,
        metavar="ID",
        help="only this invariant, its ID exactly (repeatable)",
    )
    audit.add_argument(
        "--full-matrix",
        action="store_true",
        help="self-check: run every catalogue entry on every row, proving each violates exactly "
        "what it declares (default: each entry on the rows it declares, the reference on all)",
    )
    audit.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="run only the K-th of N deterministic parts of the cells (SUT x invariant); "
        "merge the parts' --json with `clerk-harness report`",
    )
    audit.add_argument(
        "--crowd",
        type=_crowd,
        metavar="N",
        help="identities CACHE-ISOLATION's crowd logs in, each twice (default 4096; the "
        "README's birthday-bound table says what each size detects): smaller for a slow SUT",
    )
    env = commands.add_parser(
        "env",
        help="print the environment to start a service with before `audit --url`: the "
        "wire contract's variables, for the keys in --keys (written first if absent)",
    )
    env.add_argument("--keys", type=Path, required=True, metavar="FILE")
    env.add_argument("--port", type=int, metavar="PORT", help="CLERK_HARNESS_PORT too")
    env.add_argument(
        "--jwks-port",
        type=int,
        default=0,
        metavar="PORT",
        help="where `audit --url` serves the JWKS (default: a free port, chosen now)",
    )
    env.add_argument(
        "--preload-clock",
        action="store_true",
        help="also preload the wall-clock shim (or libfaketime), for a service without POST "
        "/__harness/clock: its clock "
        "reads KEYS.clock, which `audit --url` drives (the real time otherwise)",
    )
    _serve_arguments(
        commands.add_parser(
            "serve",
            help="serve a Python factory over the wire contract, started by `audit --serve` (or "
            "in `env`'s environment for `audit --url`): `clerk-harness serve module:factory`",
        )
    )
    report = commands.add_parser(
        "report", help="merge the JSON of an audit's shards (or of several audits) into one"
    )
    report.add_argument("documents", nargs="+", type=Path, metavar="JSON")
    for command in (audit, report):
        _outputs(command)
    return top


def _serve_arguments(serve: argparse.ArgumentParser) -> None:
    """``serve``'s arguments (parsed alone when the command is ``serve``: a service start
    imports the shim and the factory, nothing of the audit)."""
    serve.add_argument("factory", metavar="MODULE:FACTORY")
    serve.add_argument(
        "--without",
        action="append",
        default=[],
        choices=("clock", "reset", "capabilities"),
        help="leave out that /__harness route, as a service shipped without it (repeatable): "
        "without the clock route, the instance reads the process's clock",
    )
    serve.add_argument(
        "--fetch-keys",
        action="store_true",
        help="read the keys from CLERK_API_URL's /v1/jwks, as Clerk's SDKs do (at each "
        "instance, and again once jwks_ttl_s has passed), not from CLERK_HARNESS_JWKS",
    )


def _outputs(command: argparse.ArgumentParser) -> None:
    """The report files and the gate, common to ``audit`` and ``report``."""
    from .audit.run import Gate

    command.add_argument("--json", type=Path, metavar="PATH", help="write the results as JSON")
    command.add_argument("--junit-xml", type=Path, metavar="PATH", help="write JUnit XML")
    command.add_argument("--html", type=Path, metavar="PATH", help="write one self-contained page")
    command.add_argument("--sarif", type=Path, metavar="PATH", help="write SARIF 2.1.0")
    command.add_argument(
        "--fail-on",
        type=_gate,
        default=Gate(),
        metavar="WORDS",
        help="which findings exit 1: comma-separated kinds (security, robustness, "
        "completeness), reaches (anyone, user, issuer) and a severity floor, or 'all' "
        "(default: security,anyone,user,high)",
    )
    command.add_argument(
        "--allow-inconclusive",
        action="store_true",
        help="do not exit 1 for rows that could not be decided (their controls were refused)",
    )
    command.add_argument(
        "--fail-on-na",
        action="store_true",
        help="exit 1 when any row is n/a (not applicable, so not judged): every row of every "
        "SUT must be decided",
    )


def _shard(text: str) -> tuple[int, int]:
    from .options import parse_shard

    try:
        shard = parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    assert shard is not None
    return shard


def _crowd(text: str) -> int:
    from .options import parse_crowd

    try:
        return parse_crowd(text)
    except ValueError as exc:  # argparse names the option already
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--crowd ")) from exc


def _invariant(text: str) -> str:
    """An invariant ID, exactly as the table spells it."""
    from .registry import BY_ID

    if text in BY_ID:
        return text
    close = difflib.get_close_matches(text.upper(), BY_ID, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}? " if close else ""
    raise argparse.ArgumentTypeError(
        f"unknown invariant {text!r}; {hint}IDs: {', '.join(sorted(BY_ID))}"
    )


def _gate(text: str) -> Gate:
    from .audit.run import Gate

    try:
        return Gate.parse(text)
    except ValueError as exc:  # argparse names the option already
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--fail-on: ")) from exc


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:  # a service start: the shim alone, its arguments alone
        serve_parser = Parser(prog="clerk-harness serve")
        _serve_arguments(serve_parser)
        served = serve_parser.parse_args(argv[1:])
        from .blackbox.serve import serve

        serve(served.factory, frozenset(served.without), served.fetch_keys)
        return 0
    args = parser().parse_args(argv)
    if args.command == "report":
        return _report(args)
    if args.command == "env":
        return _env(args)
    from strategies.keys import KEYS_ENV

    from . import profiles
    from .audit.run import Options, run_audit
    from .audit.text import progress_line
    from .blackbox.app import APP_ENV, AppProfileError
    from .blackbox.service import serve_spec, url_spec
    from .target import SutLoadError

    try:
        profile = _app_profile(args)
    except (AppProfileError, ValueError) as exc:
        print(f"clerk-harness: {exc}", file=sys.stderr)
        return 2
    if profile is not None:
        os.environ[APP_ENV] = profile.to_env()  # for xdist workers too
    if args.keys:
        os.environ[KEYS_ENV] = str(args.keys.resolve())  # for xdist workers and services too
    here = os.getcwd()  # --sut names modules of the project it is run in, for workers too
    if here not in sys.path:
        sys.path.insert(0, here)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
    colour = sys.stdout.isatty()
    options = Options(
        profile=profiles.canonical(args.hypothesis_profile),  # by a name no one else uses
        workers="0" if args.url else args.workers,  # one running service: one process
        seed=args.hypothesis_seed,
        only=tuple(args.invariant),
        declared_rows=not (args.sut or args.serve or args.url or args.full_matrix),
        shard=args.shard,
        crowd=args.crowd,
    )

    def announce(cell: Cell) -> None:
        print(progress_line(cell, colour), flush=True)

    started = time.perf_counter()
    try:
        specs = [*args.sut, *map(serve_spec, args.serve), *map(url_spec, args.url)]
        audit = run_audit(specs, options, announce)
    except SutLoadError as exc:
        print(f"clerk-harness: {exc}", file=sys.stderr)
        return 2
    print()
    return _conclude(args, audit, time.perf_counter() - started, colour)


def _app_profile(args: argparse.Namespace) -> AppProfile | None:
    """The service's own route and JSON (``--whoami``, ``--principal``, ``--role``,
    ``--declare``), or None when none is given."""
    from .blackbox.app import AppProfile, AppProfileError, parse_pairs
    from .capabilities import Capabilities

    if not (args.whoami or args.principal or args.role or args.declare or args.fresh_processes):
        return None
    declared = None
    if args.declare:
        try:
            declared = json.loads(args.declare)
        except ValueError as exc:
            raise AppProfileError(f"--declare: not JSON ({exc})") from exc
        Capabilities.from_json(declared, "--declare")  # a CapabilityError: its one line
    return AppProfile(
        args.whoami or "/whoami",
        parse_pairs(args.principal, "--principal"),
        parse_pairs(args.role, "--role"),
        declared,
        args.fresh_processes,
    ).check()


def _env(args: argparse.Namespace) -> int:
    """``env``: the keys file (written if absent), and the service's environment for it."""
    from reference import Settings
    from strategies import TRUSTED_ORG, signing_keys
    from strategies.keys import KEYS_ENV, KeysFileError, keys_file_extra, write_keys

    from .blackbox.clock import (
        FAKETIME_ENV,
        NO_CLOCK_LIBRARY,
        PreloadedClock,
        clock_file,
        clock_library,
    )
    from .blackbox.jwks import JWKS_PATH, free_port
    from .blackbox.service import service_environment

    keys: Path = args.keys.resolve()
    os.environ[KEYS_ENV] = str(keys)
    if not keys.exists():
        os.environ.pop(KEYS_ENV)  # generate them, then write them
        write_keys(keys, jwks_port=args.jwks_port or free_port())
        os.environ[KEYS_ENV] = str(keys)
    try:
        jwks = signing_keys().jwks
        port = keys_file_extra("jwks_port")
    except KeysFileError as exc:
        print(f"clerk-harness env: {exc}", file=sys.stderr)
        return 2
    settings = Settings(org_id=TRUSTED_ORG, jwks=jwks)
    origin = f"http://127.0.0.1:{port}"  # its JWKS at JWKS_PATH, and at SDK_PATHS below it
    variables = service_environment(settings, origin + JWKS_PATH, origin, args.port)
    if args.preload_clock:
        library = clock_library()
        if library is None:
            print(f"clerk-harness env: --preload-clock: {NO_CLOCK_LIBRARY}, or {FAKETIME_ENV}=PATH",
                  file=sys.stderr)  # fmt: skip
            return 2
        clock = PreloadedClock(library, None, str(clock_file(keys)))
        clock.set(None)  # the real time, until an audit drives it
        variables.update(clock.environment())
    for name, value in variables.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def _report(args: argparse.Namespace) -> int:
    """``report``: the documents merged into one audit, concluded as ``audit`` concludes."""
    from .audit.run import MergeError, from_documents

    documents = []
    try:
        for path in args.documents:
            try:
                documents.append((str(path), json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise MergeError(f"{path}: {exc}") from exc
        audit = from_documents(documents)
    except MergeError as exc:
        print(f"clerk-harness report: {exc}", file=sys.stderr)
        return 2
    seconds = sum(float(doc.get("figures", {}).get("seconds", 0.0)) for _, doc in documents)
    return _conclude(args, audit, seconds, sys.stdout.isatty())


def _conclude(args: argparse.Namespace, audit: Audit, seconds: float, colour: bool) -> int:
    """Print the matrix, the findings and the verdict; write the reports; the exit code."""
    from .audit.run import document
    from .audit.text import WIDTH, closing, findings_report, matrix, slowest

    policy = {"allow_inconclusive": args.allow_inconclusive, "fail_on_na": args.fail_on_na}
    code = audit.exit_code(args.fail_on, **policy)
    doc = document(audit, code, args.fail_on, seconds, **policy)
    print(matrix(doc, colour))
    cost = slowest(doc)
    if cost:
        print("\n" + "\n".join(textwrap.wrap(cost, WIDTH)))
    report = findings_report(doc, colour)
    if report and not audit.self_check:
        print("\nFindings:\n")
        print(report)
    if audit.self_check:
        problems = audit.mismatches()
        verdict = "every catalogue entry violates exactly what it declares"
        print("\nSelf-check: " + ("; ".join(problems) if problems else f"ok — {verdict}"))
    else:
        print("\n" + closing(doc, args.fail_on.describe()))
    _write(args, doc)
    return code


def _write(args: argparse.Namespace, doc: dict[str, object]) -> None:
    """The report files asked for."""
    from .audit.html import render_html
    from .audit.sarif import render_sarif
    from .audit.text import write_junit

    if args.json:
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if args.junit_xml:
        write_junit(doc, args.junit_xml)
    if args.html:
        args.html.write_text(render_html(doc), encoding="utf-8")
    if args.sarif:
        args.sarif.write_text(json.dumps(render_sarif(doc), indent=2) + "\n", encoding="utf-8")
