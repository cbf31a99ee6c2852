"""Same behaviour, before and after a refactor: record the audit JSON of the self-check, of
``--full-matrix``, of both Python peers and of the served ``@clerk/express`` and Go SDK columns,
then compare two recordings with the timings left out.

    python benchmarks/compare_audits.py record /tmp/before   # each commit installed from its
    python benchmarks/compare_audits.py record /tmp/after    # wheel, its clerk-harness on PATH
    python benchmarks/compare_audits.py compare /tmp/before /tmp/after
    python benchmarks/compare_audits.py compare --verdicts /tmp/before /tmp/after

Every audit runs with the derandomized ``clerk-ci`` profile, whose examples depend on each
check's module and name (``conformance.invariants._common.stable_seed``), not on its source
text. Record each side with the harness installed from its wheel (``pip install DIR``), not
editable: Hypothesis also draws constants it mines from the source of *local* modules — a
checkout's, not site-packages' — so an editable install draws other examples when a refactor
adds a string anywhere. The audits run in an empty directory (``services/`` linked in), so
that nothing resolves to a checkout. Two recordings of the same behaviour are then equal field
for field but for what differs from run to run of the same code, which is left out: ``seconds``;
tokens and key material (the keys are made afresh each run, ES256 is randomized, and the rows
that sign with the real clock put it in ``iat``/``nbf``/``exp``); and CACHE-CONCURRENT's
messages and counts (real threads race as the scheduler lets them: its verdict is compared).
``--verdicts`` compares only what each cell decided — its status and its findings' IDs — for a
change that draws other examples on purpose."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: name -> the audit's arguments (beside --json), run from the checkout's root so that the served
#: columns' names are the same in every checkout; each audit's JSON is recorded as NAME.json.
AUDITS: dict[str, tuple[str, ...]] = {
    "self-check": (),
    "full-matrix": ("--full-matrix",),
    "peers": (
        "--sut", "conformance.adapters.fastapi_clerk_auth:make",
        "--sut", "conformance.adapters.clerk_backend_api:make",
        "--serve", "node services/clerk-express/server.js",
        "--serve", "services/clerk-sdk-go/bin/clerk-sdk-go",
    ),
}  # fmt: skip
#: What differs from run to run of the same code: wall-clock seconds; a token (a compact JWS,
#: whole or cut short), key material (a long base64 run), a signing time and its distance to
#: the real clock, a loopback port; a race's details.
TIMINGS = frozenset({"seconds"})
MASKS = (
    (re.compile(r"eyJ[\w-]*(?:\.[\w-]*){0,2}"), "<token>"),
    (re.compile(r"[A-Za-z0-9+/_=-]{60,}"), "<bytes>"),
    (re.compile(r'"(iat|nbf|exp)": \d+'), r'"\1": <time>'),
    (re.compile(r"now [+-] \d+ s"), "now ± <s>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
)
RACES = "CACHE-CONCURRENT"


def record(out: Path, only: list[str]) -> None:
    """Run each audit (exit 1 is expected: the catalogue is flawed) and keep its JSON."""
    out.mkdir(parents=True, exist_ok=True)
    for name, args in AUDITS.items():
        if only and name not in only:
            continue
        json_path = (out / f"{name}.json").resolve()
        command = ["clerk-harness", "audit", *args, "-n", "2", "--json", str(json_path)]
        print("$", " ".join(command), flush=True)
        with tempfile.TemporaryDirectory() as empty:
            (Path(empty) / "services").symlink_to(ROOT / "services")
            done = subprocess.run(command, cwd=empty, stdout=subprocess.DEVNULL, check=False)
        if done.returncode not in (0, 1):
            sys.exit(f"{name}: the audit exited {done.returncode}")


def untimed(value: Any) -> Any:
    """The JSON without what differs from run to run of the same code (``TIMINGS``, ``MASKS``,
    a race's details)."""
    if isinstance(value, dict) and value.get("invariant") == RACES and "status" in value:
        return verdicts({"results": [value]})  # a race: its verdict only
    if isinstance(value, dict):
        return {k: untimed(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [untimed(v) for v in value]
    if isinstance(value, str):
        for pattern, mask in MASKS:
            value = pattern.sub(mask, value)
    return value


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Each place where the two documents differ, as a JSON path and the two values."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted({*before, *after}, key=str):
            if key not in before or key not in after:
                out.append(f"{path}.{key}: only in {'after' if key in after else 'before'}")
            else:
                out += differences(before[key], after[key], f"{path}.{key}")
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        pairs = enumerate(zip(before, after, strict=True))
        return [d for i, (b, a) in pairs for d in differences(b, a, f"{path}[{i}]")]
    return [] if before == after else [f"{path}: {before!r:.200} != {after!r:.200}"]


def verdicts(document: Any) -> Any:
    """Each cell's status and finding IDs, by SUT and row."""
    return {
        f"{cell['sut']} {cell['invariant']}": [cell["status"], [f["id"] for f in cell["findings"]]]
        for cell in document["results"]
    }


def compare(before: Path, after: Path, only_verdicts: bool = False) -> int:
    """0 when every recorded audit is the same, timings aside (or, ``only_verdicts``, decides
    the same); else print what differs."""
    view = verdicts if only_verdicts else untimed
    status = 0
    for name in AUDITS:
        b, a = before / f"{name}.json", after / f"{name}.json"
        if not (b.is_file() and a.is_file()):
            print(f"{name}: not recorded in both")
            status = 1
            continue
        diff = differences(view(json.loads(b.read_text())), view(json.loads(a.read_text())))
        print(f"{name}: {'identical' if not diff else f'{len(diff)} differences'}")
        for line in diff[:40]:
            print("   ", line)
        status |= bool(diff)
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="run the audits, keep their JSON in DIR")
    rec.add_argument("dir", type=Path)
    rec.add_argument("--only", action="append", default=[], choices=sorted(AUDITS))
    cmp_ = sub.add_parser("compare", help="compare two recordings, timings aside")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    cmp_.add_argument("--verdicts", action="store_true", help="compare statuses and findings only")
    args = parser.parse_args()
    if args.command == "record":
        record(args.dir, args.only)
        return 0
    return compare(args.before, args.after, args.verdicts)


if __name__ == "__main__":
    sys.exit(main())
