"""``clerk-harness audit``, run as a user runs it: a subprocess, its output, files and exit code.

Each case audits one or two invariants to stay quick; the whole matrix is the same code path.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance import INVARIANTS
from conformance.audit.run import Audit, Cell, Gate, _broken, document, keyword, settle
from conformance.audit.text import WIDTH, closing, matrix
from conformance.findings import HOLDS, INCONCLUSIVE, NOT_APPLICABLE, VIOLATED, Finding
from conformance.registry import BY_ID

AFTER_FIX = "conformance.catalogue.upstream_after_fix:make"


def audit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``clerk-harness audit`` in-process (``-n 0``) unless ``args`` choose workers: one or two
    invariants do not pay for starting xdist workers (the workers test does)."""
    workers = [] if {"-n", "--workers"} & set(args) else ["-n", "0"]
    return subprocess.run(
        [sys.executable, "-m", "conformance", "audit", *workers, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_a_violation_prints_the_matrix_the_counterexample_and_the_command(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    xml = tmp_path / "out.xml"
    done = audit(
        "--sut", AFTER_FIX, "--invariant", "TOKEN-TIME", "--invariant", "ID-REQUIRED",
        "--json", str(out), "--junit-xml", str(xml), "--fail-on", "all", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "[upstream_after_fix] TOKEN-TIME: VIOLATED" in done.stdout
    assert "[upstream_after_fix] ID-REQUIRED: holds" in done.stdout
    assert "TOKEN-TIME/missing-exp — high security, reach issuer" in done.stdout
    assert "the 'missing_exp' attack was accepted" in done.stdout
    assert "Traceback" not in done.stdout and "You can reproduce" not in done.stdout
    command = (
        f"pytest --pyargs conformance --sut {AFTER_FIX} -k 'test_invariant[TOKEN-TIME]' "
        "--hypothesis-profile=clerk-ci"
    )
    assert f"reproduce: {command}" in done.stdout
    document = json.loads(out.read_text())
    cells = {(r["sut"], r["invariant"]): r for r in document["results"]}
    time_cell = cells[(AFTER_FIX, "TOKEN-TIME")]
    assert time_cell["status"] == "VIOLATED" and time_cell["reproduce"] == command
    found = {f["id"] for f in time_cell["findings"]}
    assert {"TOKEN-TIME/missing-exp", "TOKEN-TIME/not-yet-valid"} <= found, found
    assert all(f["reproduce"] == command and f["blob"] for f in time_cell["findings"])
    assert time_cell["exercise"]["controls"] > 0 and not time_cell["exercise"]["controls_refused"]
    assert cells[(AFTER_FIX, "ID-REQUIRED")]["status"] == "holds"
    assert document["exit_code"] == 1 and len(document["invariants"]) == len(INVARIANTS)
    suite = ET.parse(xml).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("tests") == "2"


def test_the_reproduce_command_reproduces(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance",
         "--sut", AFTER_FIX, "-k", "test_invariant[TOKEN-TIME]", "--hypothesis-profile=clerk-ci",
         "-q"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "TOKEN-TIME violated" in done.stdout
    assert "TOKEN-TIME/missing-exp" in done.stdout


def test_several_suts_run_in_one_pytest_session(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance",
         "--sut", "reference:make", "--sut", AFTER_FIX, "-k", "SESSION-PENDING",
         "--hypothesis-profile=clerk-ci", "-q", "-rfE"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False,
    )  # fmt: skip
    assert "1 failed, 1 passed" in done.stdout, done.stdout[-2000:]
    assert f"FAILED test_conformance.py::test_invariant[{AFTER_FIX}-SESSION-PENDING]" in (
        done.stdout
    )


def test_fail_on_reaches_the_exit_code(tmp_path: Path) -> None:
    """upstream_after_fix's TOKEN-TIME findings need the instance's key (reach issuer): the
    default gate lets them pass; ``--fail-on issuer`` does not — and every report says which
    findings the gate caught, each with what to change: the terminal (``GATE``), the JSON
    (``gated``), and ``report`` judging a document again by its own ``--fail-on``."""
    args = ("--sut", AFTER_FIX, "--invariant", "TOKEN-TIME")
    passed = audit(*args, "--json", str(tmp_path / "passed.json"), cwd=tmp_path)
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr
    assert "[upstream_after_fix] TOKEN-TIME: VIOLATED" in passed.stdout
    assert "\nGATE " not in passed.stdout
    assert "    fix: require `exp` (PyJWT: options={'require': ['exp', 'iat']})" in passed.stdout
    closing_lines = passed.stdout.strip().splitlines()[-3:]
    found = len(json.loads((tmp_path / "passed.json").read_text())["results"][0]["findings"])
    assert closing_lines == [
        f"1 row: 1 decided (0 hold, 1 VIOLATED), 0 n/a, 0 inconclusive — {found} findings, 0 gated",
        "gate: security reachable by anyone/user, high+",
        "exit 0: nothing gated",
    ]
    failed = audit(*args, "--fail-on", "issuer", "--json", str(tmp_path / "failed.json"),
                   cwd=tmp_path)  # fmt: skip
    assert failed.returncode == 1
    assert "\nGATE TOKEN-TIME/missing-exp — high security, reach issuer" in failed.stdout
    assert f"exit 1: {found} gated findings" in failed.stdout
    for name, gated in (("passed.json", False), ("failed.json", True)):
        document = json.loads((tmp_path / name).read_text())
        findings = document["results"][0]["findings"]
        assert [f["gated"] for f in findings] == [gated] * found, name
        assert all(f["fix"] == BY_ID[f["row"]].subcheck(f["subcheck"]).fix for f in findings)
        listed = {s["id"]: s for i in document["invariants"] for s in i["subchecks"]}
        assert listed["TOKEN-TIME/missing-exp"]["gated"] is gated
        # reach user: gated by the default gate, not by ``--fail-on issuer`` (which replaces
        # the default reaches)
        assert listed["TOKEN-TIME/expired"]["gated"] is not gated
    regated = report(str(tmp_path / "passed.json"), "--fail-on", "issuer",
                     "--json", str(tmp_path / "regated.json"), cwd=tmp_path)  # fmt: skip
    assert regated.returncode == 1, regated.stdout[-2000:] + regated.stderr
    findings = json.loads((tmp_path / "regated.json").read_text())["results"][0]["findings"]
    assert [f["gated"] for f in findings] == [True] * found


def test_every_subcheck_says_what_to_change() -> None:
    """Every declared sub-check — attacks too — has a one-line fix hint of its own."""
    declared = [(f"{i.id}/{s.name}", s.fix) for i in INVARIANTS for s in i.subchecks]
    assert [ident for ident, fix in declared if not fix.strip() or "\n" in fix] == []
    assert len({fix for _, fix in declared}) > 0.8 * len(declared)  # each its own, mostly


def test_invariant_matches_ids_exactly(tmp_path: Path) -> None:
    """``--invariant SESSION-TOKENS-ONLY`` runs that row alone, not CB-SESSION-TOKENS-ONLY
    (``-k`` matches substrings), with one SUT and with two; a wrong ID is one usage line."""
    one = audit("--sut", "reference:make", "--invariant", "SESSION-TOKENS-ONLY", cwd=tmp_path)
    two = audit("--sut", "reference:make", "--sut", AFTER_FIX,
                "--invariant", "SESSION-TOKENS-ONLY", cwd=tmp_path)  # fmt: skip
    for done, count in ((one, 1), (two, 2)):
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr
        progress = [line for line in done.stdout.splitlines() if line.startswith("[")]
        assert len(progress) == count and all("] SESSION-TOKENS-ONLY: holds" in p
                                              for p in progress), progress  # fmt: skip
        assert "CB-SESSION-TOKENS-ONLY" not in done.stdout
    wrong = audit("--invariant", "SESSION-TOKEN-ONLY", cwd=tmp_path)
    assert wrong.returncode == 2 and len(wrong.stderr.strip().splitlines()) == 1, wrong.stderr
    assert "unknown invariant 'SESSION-TOKEN-ONLY'; did you mean SESSION-TOKENS-ONLY?" in (
        wrong.stderr
    )


def test_the_keyword_expression_is_anchored_on_the_test_name() -> None:
    assert keyword(["TOTAL"], ["pkg.total:make"]) == "(TOTAL])"
    assert keyword(["SESSION-TOKENS-ONLY"], ["a:make", "b:make"]) == (
        "(SESSION-TOKENS-ONLY] and not CB-SESSION-TOKENS-ONLY])"
    )
    # a spec ending like the longer ID's prefix: the exclusion would drop its own row
    assert keyword(["SESSION-TOKENS-ONLY"], ["a:make", "b:make_cb"]) == "(SESSION-TOKENS-ONLY])"


CLAIMS_ONLY = """
from reference import ReferenceAuthenticator


class ClaimsOnly:
    def __init__(self, settings):
        self.authenticate_claims = ReferenceAuthenticator(settings).authenticate_claims


def make(settings):
    return ClaimsOnly(settings)
"""


def test_an_na_row_is_counted_and_fails_the_run_on_request(tmp_path: Path) -> None:
    """A claims-only SUT has no callback: CB-NO-QUERY is n/a. The closing lines say so and
    that the exit code did not judge it; ``--fail-on-na`` makes it fail the run."""
    (tmp_path / "claims_only.py").write_text(CLAIMS_ONLY)
    args = ("--sut", "claims_only:make", "--invariant", "CB-NO-QUERY",
            "--invariant", "SESSION-PENDING")  # fmt: skip
    done = audit(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "2 rows: 1 decided (1 hold, 0 VIOLATED), 1 n/a, 0 inconclusive" in done.stdout
    assert "1 n/a row not judged: exit 0 says nothing about them" in done.stdout
    assert "\nCB-NO-QUERY — n/a: the SUT has no callback_subject" in done.stdout  # and why
    strict = audit(*args, "--fail-on-na", "--json", str(tmp_path / "out.json"), cwd=tmp_path)
    assert strict.returncode == 1, strict.stdout[-2000:] + strict.stderr
    assert "exit 1: 1 n/a row (--fail-on-na)" in strict.stdout
    assert json.loads((tmp_path / "out.json").read_text())["gate"]["fail_on_na"] is True
    cell = Cell(AFTER_FIX, "TOTAL", NOT_APPLICABLE, 0.0, reason="no entry point")
    na = Audit((AFTER_FIX,), {(AFTER_FIX, "TOTAL"): cell}, self_check=False)
    assert (na.exit_code(), na.exit_code(fail_on_na=True)) == (0, 1)


def _finding(row: str, kind: str, reach: str, severity: str, found_while: str = "") -> Finding:
    return Finding(row, "x", kind, reach, severity, "t", "m", None, (), "", "", found_while or row)


@pytest.mark.parametrize(
    ("gate", "finding", "fails"),
    [
        ("", ("security", "user", "high"), True),
        ("", ("security", "issuer", "critical"), False),
        ("", ("security", "anyone", "medium"), False),
        ("", ("completeness", "user", "high"), False),
        ("medium", ("security", "anyone", "medium"), True),
        ("robustness,anyone", ("robustness", "anyone", "high"), True),
        ("robustness,anyone", ("security", "anyone", "high"), False),
        ("all", ("completeness", "issuer", "low"), True),
    ],
)
def test_the_gate_fails_on_findings_of_its_kinds_reaches_and_severity(
    gate: str, finding: tuple[str, str, str], fails: bool
) -> None:
    cell = Cell(
        AFTER_FIX, "TOKEN-TIME", VIOLATED, 0.1, findings=(_finding("TOKEN-TIME", *finding),)
    )
    audit = Audit((AFTER_FIX,), {(AFTER_FIX, "TOKEN-TIME"): cell}, self_check=False)
    assert audit.exit_code(Gate.parse(gate) if gate else Gate()) == int(fails)


def test_an_unknown_gate_word_is_a_usage_error(tmp_path: Path) -> None:
    done = audit("--sut", AFTER_FIX, "--fail-on", "severe", cwd=tmp_path)
    assert done.returncode == 2 and "unknown severe" in done.stderr


def many(count: int) -> dict[str, object]:
    """The document of an audit of ``count`` SUTs on every row: the first violates TOKEN-TIME
    (one gated finding of two), the second is n/a on the callback rows, the rest hold."""
    specs = [f"pkg{n}.auth:make" for n in range(count)]
    cells = {}
    for n, spec in enumerate(specs):
        for inv in INVARIANTS:
            status = HOLDS
            found: tuple[Finding, ...] = ()
            if n == 0 and inv.id == "TOKEN-TIME":
                status = VIOLATED
                found = (_finding(inv.id, "security", "user", "high"),
                         _finding(inv.id, "security", "issuer", "high"))  # fmt: skip
            elif n == 1 and inv.id.startswith("CB-"):
                status = NOT_APPLICABLE
            cells[(spec, inv.id)] = Cell(spec, inv.id, status, 0.1, findings=found)
    return document(Audit(tuple(specs), cells, self_check=False), 1, Gate(), 0.0)


def test_the_matrix_grows_downward_with_many_suts() -> None:
    """Past four SUTs, a (wrapped) line per SUT names the rows that do not hold: no line
    wider than the terminal's 100 columns; with few SUTs, a column each."""
    wide = many(6)
    shown = matrix(wide)
    assert max(map(len, shown.splitlines())) <= WIDTH, shown
    lines = shown.splitlines()
    rows = len(INVARIANTS)
    assert lines[1].startswith(f"pkg0.auth:make  {rows - 1} hold; VIOLATED: TOKEN-TIME (2)")
    assert lines[2].startswith(
        f"pkg1.auth:make  {rows - 5} hold; n/a: CB-RELAYED-FIRST, CB-NO-QUERY,"
    )
    assert all(line.startswith(" ") for line in lines[3 : lines.index(next(
        line for line in lines if line.startswith("pkg2")))])  # fmt: skip
    assert [line.split()[0] for line in lines if line.startswith("pkg")] == [
        f"pkg{n}.auth:make" for n in range(6)
    ]
    few = matrix(many(2)).splitlines()
    assert few[0].split() == ["pkg0.auth:make", "pkg1.auth:make"]  # a column per SUT
    assert max(map(len, few)) <= WIDTH


def test_the_closing_lines_count_per_sut_what_was_decided() -> None:
    doc = many(2)
    said = closing(doc, Gate().describe()).splitlines()
    n = len(INVARIANTS)
    assert said == [
        f"pkg0.auth:make  {n} rows: {n} decided ({n - 1} hold, 1 VIOLATED), 0 n/a, "
        "0 inconclusive — 2 findings, 1 gated",
        f"pkg1.auth:make  {n} rows: {n - 5} decided ({n - 5} hold, 0 VIOLATED), 5 n/a, "
        "0 inconclusive — 0 findings, 0 gated",
        f"all             {2 * n} rows: {2 * n - 5} decided ({2 * n - 6} hold, 1 VIOLATED), "
        "5 n/a, 0 inconclusive — 2 findings, 1 gated",
        "gate: security reachable by anyone/user, high+",
        "exit 1: 1 gated finding",
        "5 n/a rows not judged: exit 1 says nothing about them (--fail-on-na fails the run on "
        "them)",
    ]


def test_an_inconclusive_row_fails_the_audit_unless_allowed() -> None:
    cell = Cell(AFTER_FIX, "TOKEN-TIME", INCONCLUSIVE, 0.1, reason="controls refused")
    audit = Audit((AFTER_FIX,), {(AFTER_FIX, "TOKEN-TIME"): cell}, self_check=False)
    assert audit.exit_code() == 1
    assert audit.exit_code(allow_inconclusive=True) == 0
    shown = matrix(document(audit, 1, Gate(), 0.0))
    assert "inconclusive" in shown


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("no_such_module:make", "cannot import 'no_such_module'"),
        ("json:loads", "the factory raised TypeError"),
        ("builtins:vars", "the object has none of"),
        ("reference", "expected 'module:callable'"),
    ],
)
def test_usage_and_import_errors_exit_two_with_one_line(
    tmp_path: Path, spec: str, says: str
) -> None:
    done = audit("--sut", spec, cwd=tmp_path)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_self_check_passes_when_every_entry_violates_what_it_declares(tmp_path: Path) -> None:
    done = audit("--invariant", "SESSION-PENDING", cwd=tmp_path)  # xdist: the next test
    assert done.returncode == 0, done.stdout[-3000:]
    assert "Self-check: ok" in done.stdout
    assert "[upstream_after_fix] SESSION-PENDING: VIOLATED" in done.stdout
    assert "[reference:make] SESSION-PENDING: holds" in done.stdout
    assert "[deny_all] SESSION-PENDING: inconclusive" in done.stdout
    # by default an entry runs only the rows it declares; a correct variant runs every row
    assert "[separator_key] SESSION-PENDING" not in done.stdout
    assert "[clerk_issuer_required] SESSION-PENDING: holds" in done.stdout


@pytest.mark.slow
def test_the_full_matrix_runs_every_entry_on_every_row(tmp_path: Path) -> None:
    done = audit("--invariant", "SESSION-PENDING", "--full-matrix", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "[separator_key] SESSION-PENDING: holds" in done.stdout
    assert "Self-check: ok" in done.stdout


def test_a_correct_sut_exits_zero_under_workers_and_the_harness_profiles(tmp_path: Path) -> None:
    done = audit(
        "--sut", "reference:make", "--invariant", "SESSION-PENDING", "-n", "2",
        "--hypothesis-profile", "dev", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "[reference:make] SESSION-PENDING: holds" in done.stdout


def test_a_crash_met_checking_another_row_is_totals_finding() -> None:
    spec = "conformance.catalogue.trusting_parser:make"
    crash = _finding("TOTAL", "robustness", "anyone", "medium", found_while="ID-FAITHFUL")
    cells = {
        (spec, "ID-FAITHFUL"): Cell(spec, "ID-FAITHFUL", HOLDS, 0.1, findings=(crash,)),
        (spec, "TOTAL"): Cell(spec, "TOTAL", HOLDS, 0.1),
    }
    settled = settle(cells)
    assert settled[(spec, "TOTAL")].status == VIOLATED
    assert settled[(spec, "TOTAL")].findings == (crash,)
    assert settled[(spec, "ID-FAITHFUL")].status == HOLDS
    audit = Audit((spec,), settled, self_check=False)
    assert audit.violated(spec) == {"TOTAL"}
    assert audit.exit_code(Gate.parse("robustness,anyone,medium")) == 1
    assert audit.exit_code() == 0


def test_a_crash_is_totals_finding_even_when_total_was_not_run() -> None:
    spec = "conformance.catalogue.trusting_parser:make"
    crash = _finding("TOTAL", "robustness", "anyone", "medium", found_while="ID-FAITHFUL")
    settled = settle(
        {(spec, "ID-FAITHFUL"): Cell(spec, "ID-FAITHFUL", HOLDS, 0.1, findings=(crash,))}
    )
    assert settled[(spec, "TOTAL")].status == VIOLATED
    assert settled[(spec, "TOTAL")].findings == (crash,)


#: A SUT crashing on a pending session, which every SESSION-PENDING example presents: TOTAL's
#: crash is found while checking that row whatever the examples drawn (a crash some drawn
#: claims meet is found by one row or another as the draws fall, and they move with any
#: string constant added to the code: Hypothesis mines them).
PENDING_CRASH = """from reference import ReferenceAuthenticator


class PendingCrash(ReferenceAuthenticator):
    def authenticate_claims(self, claims):
        if claims.get("sts") == "pending":
            raise RuntimeError("a pending session")
        return super().authenticate_claims(claims)


def make(settings):
    return PendingCrash(settings)
"""
SHARDED = (
    "--sut", "pending_crash:make", "--sut", "reference:make", "--invariant", "TOTAL",
    "--invariant", "SESSION-PENDING", "--invariant", "ID-REQUIRED",
)  # fmt: skip


def report(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``clerk-harness report``, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "conformance", "report", *args],
        capture_output=True, text=True, cwd=cwd, timeout=60, check=False,
    )  # fmt: skip


def comparable(path: Path) -> list[dict[str, object]]:
    """A document's cells without their timings."""
    results = json.loads(path.read_text())["results"]
    return [{k: v for k, v in cell.items() if k != "seconds"} for cell in results]


@pytest.mark.slow
def test_n_shards_merged_equal_one_unsharded_run(tmp_path: Path) -> None:
    """Three shards, merged by ``report``, make exactly the unsharded audit — with TOTAL's
    crash, found while checking SESSION-PENDING in one shard, in TOTAL's cell of another."""
    (tmp_path / "pending_crash.py").write_text(PENDING_CRASH)
    whole = audit(*SHARDED, "--json", str(tmp_path / "whole.json"), cwd=tmp_path)
    parts = [tmp_path / f"part{k}.json" for k in (1, 2, 3)]
    for k, part in enumerate(parts, 1):
        done = audit(*SHARDED, "--shard", f"{k}/3", "--json", str(part), cwd=tmp_path)
        assert done.returncode in (0, 1), done.stderr
    cells = [json.loads(part.read_text())["results"] for part in parts]
    made = [c for cs in cells for c in cs if c["reason"] == "found while checking other rows"]
    sizes = [sum(c["reason"] != "found while checking other rows" for c in cs) for cs in cells]
    assert sizes == [2, 2, 2], sizes  # each of the six cells in one shard
    assert [c["invariant"] for c in made] == ["TOTAL"], made  # and TOTAL's crash in another
    merged = report(*map(str, parts), "--json", str(tmp_path / "merged.json"), cwd=tmp_path)
    assert merged.returncode == whole.returncode == 0, merged.stderr
    assert comparable(tmp_path / "merged.json") == comparable(tmp_path / "whole.json")
    total = [line for line in merged.stdout.splitlines() if line.startswith("TOTAL ")]
    assert len(total) == 1 and "VIOLATED" in total[0] and "TOTAL/crash" in merged.stdout
    missing = report(str(parts[0]), str(parts[2]), cwd=tmp_path)
    assert missing.returncode == 2 and "missing [2]" in missing.stderr, missing.stderr
    twice = report(str(parts[0]), *map(str, parts), cwd=tmp_path)
    assert twice.returncode == 2 and "twice [1]" in twice.stderr, twice.stderr
    mixed = report(str(tmp_path / "whole.json"), str(parts[0]), cwd=tmp_path)
    assert mixed.returncode == 2 and "not a shard" in mixed.stderr, mixed.stderr


def test_report_refuses_what_is_not_an_audit_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "junk.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"version": 1}')
    for name, says in (("junk.json", "junk.json: Expecting"), ("other.json", "not a clerk"),
                       ("absent.json", "absent.json: [Errno 2]")):  # fmt: skip
        done = report(name, cwd=tmp_path)
        assert done.returncode == 2 and says in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_bad_shard_is_a_usage_error(tmp_path: Path) -> None:
    for bad in ("0/3", "4/3", "2", "a/b"):
        done = audit("--sut", "reference:make", "--shard", bad, cwd=tmp_path)
        assert done.returncode == 2 and "--shard" in done.stderr, (bad, done.stderr)


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (("--principal", "user_id"), "expected NAME=VALUE"),
        (("--principal", "org_id=orgId"), "user_id=PATH is required"),
        (("--principal", "user_id=id", "--role", "org:admin=root"), "guest, viewer or admin"),
        (("--whoami", "me"), "expected a path"),
        (("--declare", "{"), "--declare: not JSON"),
        (("--declare", '{"fixed": {"leeway": 5}}'), "is not a setting that can be fixed"),
    ],
)
def test_a_service_profile_that_cannot_be_used_is_one_usage_line(
    tmp_path: Path, options: tuple[str, ...], says: str
) -> None:
    done = audit("--serve", "true", *options, cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert says in done.stderr, done.stderr


def test_a_check_that_failed_to_run_says_what_failed() -> None:
    """An exception group escaping a check (Hypothesis's several distinct failures, a flaky
    one) is named by its message, not by the frame line that ends its traceback."""
    with pytest.raises(ExceptionGroup) as raised:
        raise ExceptionGroup("Hypothesis found 2 distinct failures.", [ValueError(1), KeyError(2)])
    longrepr = raised.getrepr()
    report = pytest.TestReport("t.py::t", ("t.py", 0, "t"), {}, "failed", longrepr, "call")
    reason = _broken("reference:make", "TOTAL", report).reason
    assert reason.startswith("the check failed to run: ExceptionGroup: Hypothesis found 2"), reason


def test_a_service_start_imports_the_shim_alone() -> None:
    """``clerk-harness serve`` starts every process of a served Python factory: it imports the
    shim and the factory, nothing of the audit (which took 0.4 s of each start)."""
    probe = (
        "import sys; from conformance import cli, blackbox; import conformance.blackbox.serve; "
        "sys.argv = ['clerk-harness', 'serve', '--help']\n"
        "try: cli.main()\n"
        "except SystemExit: pass\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith(('conformance.', 'strategies', "
        "'hypothesis', 'pytest'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert "MODULE:FACTORY" in done.stdout and "--fetch-keys" in done.stdout  # the help
    words = set(done.stdout.split())
    loaded = {w for w in words if w.startswith(("conformance.", "strategies", "hypothesis"))}
    shim = {"conformance.cli", "conformance.blackbox", "conformance.blackbox.serve"}
    assert loaded <= shim and "pytest" not in words, loaded
