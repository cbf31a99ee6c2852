"""The ``clerk-harness`` command (also ``python -m conformance``).

    clerk-harness audit --sut my_pkg.auth:make          # audit your implementation
    clerk-harness audit                                 # self-check: the reference + catalogue

Exit codes: 0 every invariant holds (self-check: the reference holds everything and every
catalogue entry violates exactly what it declares); 1 a violation (at or above ``--fail-on``);
2 a usage or import error, with a one-line message.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import profiles
from .audit import (
    Cell,
    Options,
    matrix,
    progress_line,
    run_audit,
    violations_report,
    write_json,
    write_junit,
)
from .plugin import PROFILES_ENV
from .registry import BY_ID, SEVERITIES
from .target import SutLoadError


def parser() -> argparse.ArgumentParser:
    """The command line."""
    top = argparse.ArgumentParser(
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
        "--hypothesis-profile", choices=profiles.PROFILES, default="ci", help="default: ci"
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
        choices=sorted(BY_ID),
        metavar="ID",
        help="only this invariant (repeatable)",
    )
    audit.add_argument("--json", type=Path, metavar="PATH", help="write the results as JSON")
    audit.add_argument("--junit-xml", type=Path, metavar="PATH", help="write JUnit XML")
    audit.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        help="exit 1 only for violations of this severity or above",
    )
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code."""
    args = parser().parse_args(argv)
    profiles.register()
    os.environ[PROFILES_ENV] = "1"  # the harness's profiles, in xdist workers too
    here = os.getcwd()  # --sut names modules of the project it is run in, for workers too
    if here not in sys.path:
        sys.path.insert(0, here)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
    colour = sys.stdout.isatty()
    options = Options(
        profile=args.hypothesis_profile,
        workers=args.workers,
        seed=args.hypothesis_seed,
        only=tuple(args.invariant),
    )

    def announce(cell: Cell) -> None:
        print(progress_line(cell, colour), flush=True)

    try:
        audit = run_audit(args.sut, options, announce)
    except SutLoadError as exc:
        print(f"clerk-harness: {exc}", file=sys.stderr)
        return 2
    code = audit.exit_code(args.fail_on)
    print()
    print(matrix(audit, colour))
    report = violations_report(audit)
    if report and not audit.self_check:
        print("\nViolations:\n")
        print(report)
    if audit.self_check:
        problems = audit.mismatches()
        verdict = "every catalogue entry violates exactly what it declares"
        print("\nSelf-check: " + ("; ".join(problems) if problems else f"ok — {verdict}"))
    if args.json:
        write_json(audit, args.json, code)
    if args.junit_xml:
        write_junit(audit, args.junit_xml)
    return code
