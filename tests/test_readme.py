"""The README's code blocks run as written: each Python example against stand-ins for "your"
code — the strategies example passing against a correct PyJWT verifier and failing against each
flawed stand-in — every ``clerk-harness`` and ``pytest --pyargs conformance --sut`` command it
prints parses as the command line it is, and the output it prints (the ``--json`` document, the
seed's three-step story) has the shape of the real one. Blocks are found by a marker they hold,
not by position, so the README can change around them."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
import types
import unittest
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from conformance import INVARIANTS
from conformance.catalogue import load
from conformance.cli import parser
from reference import CONTRACT_METHODS, Settings, Unauthorized, make
from strategies import (
    TRUSTED_ORG,
    ClerkIdentity,
    HistoryViolation,
    frozen_clock,
    login_history_machine,
    signing_keys,
)

README = Path(__file__).parent.parent / "README.md"
ROOT = README.parent
#: Fenced blocks, indented ones (inside a list item) too.
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\w*)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)


def blocks(language: str) -> list[str]:
    """The README's fenced blocks in ``language``, dedented."""
    text = README.read_text(encoding="utf-8")
    return [textwrap.dedent(m["body"]) for m in FENCE.finditer(text) if m["lang"] == language]


def example(marker: str, language: str = "python") -> str:
    """The README's one block in ``language`` that holds ``marker``."""
    (block,) = [block for block in blocks(language) if marker in block]
    return block


def run_block(code: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """``code`` executed as a module would be, in ``namespace`` (its stand-ins), returned; a
    traceback names the block by its first line (its line numbers are the block's own)."""
    first = code.strip().splitlines()[0] if code.strip() else ""
    exec(compile(code, f"<README.md block: {first}>", "exec"), namespace)
    return namespace


@pytest.fixture
def my_pkg(monkeypatch: pytest.MonkeyPatch) -> None:
    """``my_pkg.auth.make_authenticator``: the reference, standing in for a user's code."""
    package, auth = types.ModuleType("my_pkg"), types.ModuleType("my_pkg.auth")
    auth.make_authenticator = make  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "my_pkg", package)
    monkeypatch.setitem(sys.modules, "my_pkg.auth", auth)


def test_the_login_history_example_runs(my_pkg: None) -> None:
    code = example("# tests/test_auth_histories.py")
    assert len(code.strip().splitlines()) <= 12
    namespace = run_block(code, {})
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(namespace["TestLoginHistories"])
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    assert result.wasSuccessful() and result.testsRun == 1
    minute = Settings(org_id=TRUSTED_ORG, jwks=signing_keys().jwks, cache_ttl_s=60)
    namespace["test_histories_with_a_one_minute_cache"](minute)


def test_the_factory_template_names_what_the_harness_has() -> None:
    """The "Run the suite" template is a template (``YourAuthenticator`` is yours): it
    compiles, its import runs, and the methods its comments name are the contract's four."""
    code = example("# your_pkg/auth_harness.py")
    compile(code, str(README), "exec")
    imports = [line for line in code.splitlines() if line.startswith(("from ", "import "))]
    assert imports
    run_block("\n".join(imports), {})
    named = set(re.findall(r"\.(\w+)\(", "".join(re.findall(r"#.*", code))))
    assert named == set(CONTRACT_METHODS), named


# ------------------------------------------------------------------ the strategies example

STRATEGIES_EXAMPLE = "def test_my_verifier_refuses_every_forgery"
#: The example's tests, and what each needs from "your" code.
STRATEGY_TESTS = {
    "test_case_variants_are_different_users": "my_cache_key",
    "test_v2_claims_without_sid": "my_auth",
    "test_my_verifier_refuses_every_forgery": "my_verify",
}


class MyAuthError(Exception):
    """The refusal of "your" verifier."""


def correct_verify(token: str) -> dict[str, Any]:
    """A correct PyJWT verifier configured as the example says: ``signing_keys().jwks``, the
    key the header's ``kid`` names, that key's own algorithm."""
    keys = jwt.PyJWKSet.from_dict(signing_keys().jwks)
    try:
        key = keys[jwt.get_unverified_header(token)["kid"]]
        claims: dict[str, Any] = jwt.decode(token, key, algorithms=[key.algorithm_name])
    except (jwt.PyJWTError, KeyError) as exc:
        raise MyAuthError(str(exc)) from exc
    return claims


def alg_none_verify(token: str) -> dict[str, Any]:
    """Flawed: a token whose header says ``alg: none`` (in any case) is taken unsigned."""
    try:
        unsigned = str(jwt.get_unverified_header(token).get("alg")).lower() == "none"
        if unsigned:
            return dict(jwt.decode(token, options={"verify_signature": False}))
    except jwt.PyJWTError as exc:
        raise MyAuthError(str(exc)) from exc
    return correct_verify(token)


def sid_required_auth() -> Any:
    """Flawed: the reference, but a session without ``sid`` (a JWT template's) is refused."""
    auth = make(Settings(org_id="org_1", jwks=signing_keys().jwks))

    class SidRequired:
        def authenticate_claims(self, claims: dict[str, Any]) -> Any:
            if not claims.get("sid"):
                raise Unauthorized("missing_sid", "no sid")
            return auth.authenticate_claims(claims)

    return SidRequired()


def identity_key(identity: ClerkIdentity) -> tuple[str | None, str | None]:
    """A correct cache key: the identity itself."""
    return identity.org_id, identity.user_id


def casefold_key(identity: ClerkIdentity) -> str:
    """Flawed: a case-folded key, ``user_2Ab`` and ``USER_2aB`` one entry."""
    return f"{identity.org_id}:{identity.user_id}".casefold()


def correct_code() -> dict[str, Any]:
    """Stand-ins for the code the example tests: correct ones."""
    return {
        "my_cache_key": identity_key,
        "my_auth": make(Settings(org_id="org_1", jwks=signing_keys().jwks)),
        "my_verify": correct_verify,
        "MyAuthError": MyAuthError,
    }


#: Each flawed stand-in, and how the example's test of it fails.
FLAWS: dict[str, tuple[str, Callable[[], Any], type[BaseException]]] = {
    "casefold-cache-key": ("my_cache_key", lambda: casefold_key, AssertionError),
    "sid-required": ("my_auth", sid_required_auth, Unauthorized),
    "alg-none-accepted": ("my_verify", lambda: alg_none_verify, pytest.fail.Exception),
}


def strategy_tests(code: dict[str, Any]) -> Iterator[tuple[str, Callable[[], None]]]:
    """The example's tests, run against ``code``."""
    namespace = run_block(example(STRATEGIES_EXAMPLE), dict(code))
    for name in STRATEGY_TESTS:
        yield name, namespace[name]


def test_the_strategies_example_passes_against_correct_code() -> None:
    ran = []
    for name, test in strategy_tests(correct_code()):
        test()
        ran.append(name)
    assert ran == list(STRATEGY_TESTS)


@pytest.mark.parametrize("flaw", FLAWS)
def test_the_strategies_example_fails_against_flawed_code(flaw: str) -> None:
    """Each flawed stand-in fails the example's test of it, and only that one; the forgery
    test runs 1,000 examples, so that an ``alg: none`` token (one attack of 19) is drawn under
    any seed (missed with probability (18/19)^1000, about 1e-23)."""
    part, build, raised = FLAWS[flaw]
    for name, test in strategy_tests({**correct_code(), part: build()}):
        if STRATEGY_TESTS[name] != part:
            test()
            continue
        with pytest.raises(raised):
            settings(max_examples=1000)(test)()


# ----------------------------------------------------------------------- the commands


def commands(program: str) -> list[list[str]]:
    """Every ``program`` command the README's bash blocks and CI steps print, as argv after the
    program: continuations joined, comments and the shell around it (``eval "$(…)"``, ``&&``,
    ``|| [ $? -eq 1 ]``) cut off, the CI matrix's ``${{ matrix.shard }}`` set to 1."""
    lines = []
    for block in blocks("bash") + blocks("yaml"):
        text = block.replace("\\\n", " ").replace("${{ matrix.shard }}", "1")
        lines += [line.split("- run: ", 1)[-1] for line in text.splitlines()]
    found = []
    for line in lines:
        for rest in re.findall(rf"(?:^|[\s\"(/]){re.escape(program)} +([^\n]*)", line):
            found.append(shlex.split(re.split(r'\)"|\|\||&&|;', rest)[0], comments=True))
    return found


def test_every_clerk_harness_command_the_readme_prints_parses() -> None:
    """``audit``, ``report`` and ``env`` as printed: options and values the command takes."""
    found = commands("clerk-harness")
    assert {argv[0] for argv in found} == {"audit", "report", "env"}, found
    for argv in found:
        try:
            parser().parse_args(argv)
        except SystemExit as exc:
            raise AssertionError(f"clerk-harness {shlex.join(argv)}: exit {exc.code}") from exc


@pytest.fixture
def your_pkg(tmp_path: Path) -> dict[str, str]:
    """The environment in which the README's ``--sut`` names import: ``your_pkg.auth_harness``
    (the reference, standing in) and the outside project's ``outside_auth``."""
    package = tmp_path / "your_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "auth_harness.py").write_text("from reference import make as make\n")
    outside = ROOT / "tests" / "fixtures" / "outside_project"
    path = os.pathsep.join([str(tmp_path), str(outside), str(ROOT)])
    return {**os.environ, "PYTHONPATH": path}


def test_every_pytest_sut_command_the_readme_prints_collects_every_invariant(
    your_pkg: dict[str, str], tmp_path: Path
) -> None:
    """``pytest --pyargs conformance --sut …`` (from a project's directory) and ``--sut-serve
    …`` (from this repository's, where its service's path is) as printed load their SUT once
    and collect one test per invariant. What each then finds is shown where it
    takes minutes or a build: tests/test_catalogue.py (the catalogue's entries),
    tests/test_reuse.py (the outside project, from a wheel), tests/peers/test_peers.py
    (the Express service)."""
    found = [argv for argv in commands("pytest") if {"--sut", "--sut-serve"} & set(argv)]
    assert len(found) >= 3, found
    for argv in found:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", *argv, "--collect-only", "-q", "-p",
             "no:cacheprovider"],
            capture_output=True, text=True, env=your_pkg, timeout=120, check=False,
            cwd=ROOT if "--sut-serve" in argv else tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, f"pytest {shlex.join(argv)}: {done.stdout[-1500:]}"
        assert f"{len(INVARIANTS)} tests collected" in done.stdout, done.stdout[-1500:]


def differences(printed: Any, real: Any, path: str = "") -> Iterator[str]:
    """Where two JSON documents differ in shape: a key one has and the other lacks, in each
    object both have (a list: its first elements; an empty object printed: a map whose keys
    are data, such as the refused shapes)."""
    if isinstance(printed, dict) and isinstance(real, dict) and printed:
        yield from (f"{path}.{key} printed, not written" for key in printed.keys() - real.keys())
        yield from (f"{path}.{key} written, not printed" for key in real.keys() - printed.keys())
        for key in printed.keys() & real.keys():
            yield from differences(printed[key], real[key], f"{path}.{key}")
    elif isinstance(printed, list) and isinstance(real, list) and printed and real:
        yield from differences(printed[0], real[0], f"{path}[0]")


def story_pattern(line: str) -> str:
    """A line of a printed story as a pattern: a quoted value (no spaces) stands for any such
    value, ``…`` for anything."""
    parts = re.split(r"('[^' ]*'|…)", line)  # odd: what the pattern captured
    return "".join(
        re.escape(part) if i % 2 == 0 else ".*" if part == "…" else "'[^' ]*'"
        for i, part in enumerate(parts)
    )


def test_the_seed_story_the_readme_prints_is_the_one_the_machine_prints() -> None:
    """The login-history machine's isolation check against the seed before its fix, under the
    derandomized ``ci`` profile (as tests/test_history.py runs it): the README's three steps,
    line for line, but for the values it quotes and elides."""
    printed = example("CACHE-ISOLATION violated:", "").strip().splitlines()
    config = settings(settings.get_profile("ci"), report_multiple_bugs=False)
    make_seed = load("upstream_before_fix").make
    with frozen_clock() as clock, pytest.raises(HistoryViolation) as caught:
        machine = login_history_machine(make_seed, checks=("isolation",), clock=clock)
        run_state_machine_as_test(machine, settings=config)
    told = str(caught.value).splitlines()
    assert len(told) == len(printed), told
    for pattern, line in zip(map(story_pattern, printed), told, strict=True):
        assert re.fullmatch(pattern, line), (pattern, line)


@pytest.mark.slow
def test_the_first_command_teaches(tmp_path: Path) -> None:
    """The README's first command, as printed after its install step, finds the seed's bug: it
    exits 1, prints gated findings each with what to change, and writes the HTML report. Its
    ``--json`` (added) has the shape of the document the README prints: the same keys, no
    other."""
    first = blocks("bash")[0].split(".venv/bin/clerk-harness ", 1)[1].splitlines()[0]
    argv = shlex.split(first)
    assert argv[:2] == ["audit", "--sut"] and "--html" in argv, argv
    done = subprocess.run(
        [sys.executable, "-m", "conformance", *argv, "--json", "audit.json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    gated = [line for line in done.stdout.splitlines() if line.startswith("GATE ")]
    assert gated and done.stdout.count("    fix: ") >= len(gated), done.stdout[-2000:]
    assert "<html" in (tmp_path / argv[argv.index("--html") + 1]).read_text(encoding="utf-8")
    printed = json.loads(example('"exit_code"', "json"))
    real = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))
    assert real["results"][0]["findings"], "a finding, to compare its keys"
    assert not list(differences(printed, real))
