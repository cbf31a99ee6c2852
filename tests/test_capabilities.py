"""Declared capabilities and crowds sized to the SUT: what a SUT declares it cannot be configured
with is validated in one line, applied to every instance, turns the sub-checks needing it into
``n/a`` (never a finding) and is listed beside the verdicts; ``--crowd N`` sizes
CACHE-ISOLATION's crowd, the README's birthday-bound table says what each size detects, and the
text report names the slowest rows."""

from __future__ import annotations

import functools
import re
import shlex
import subprocess
import sys
import types
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from conformance import BY_ID, Target, catalogue
from conformance.audit.html import render_html
from conformance.audit.run import Audit, Cell, Gate, MergeError, Options, document, from_documents
from conformance.audit.sarif import render_sarif
from conformance.audit.text import findings_report, slowest
from conformance.capabilities import Capabilities, CapabilityError
from conformance.findings import HOLDS, VIOLATED, run_row
from conformance.invariants.cache import CROWD
from conformance.invariants.crowds import birthday, birthday_table, check_crowd
from conformance.options import parse_crowd
from conformance.registry import lookup
from conformance.target import SutLoadError
from reference import ReferenceAuthenticator, Settings
from tests.impls.front_end import FRONT_END

README = Path(__file__).parent.parent / "README.md"


@pytest.fixture(autouse=True)
def _ci() -> Iterator[None]:
    previous = settings.get_current_profile_name()
    settings.load_profile("clerk-ci")
    yield
    settings.load_profile(previous)


def test_a_declaration_is_validated_with_one_line() -> None:
    ok = Capabilities.parse({"leeway_s": 5, "algorithms": ["RS256"]}, ["issuer"], "here")
    assert ok.value("leeway_s") == 5 and ok.value("algorithms") == ("RS256",)
    assert ok.not_applicable("TOKEN-AUDIENCE") == {
        "iss-mismatch": "the SUT declares no issuer pin (issuer unsupported): nothing to judge"
    }
    assert not Capabilities.parse(None, None, "here")
    bad: list[tuple[Any, Any]] = [
        ({"leeway_s": -1}, ()),
        ({"leeway_s": 2.5}, ()),
        ({"leeway_s": True}, ()),
        ({"algorithms": []}, ()),
        ({"cache_ttl_s": 5}, ()),
        ([("leeway_s", 5)], ()),
        ({}, "issuer"),
        ({}, ("leeway_s",)),
        ({}, ("audience",)),
    ]
    for fixed, unsupported in bad:
        with pytest.raises(CapabilityError) as caught:
            Capabilities.parse(fixed, unsupported, "--sut 'x:make'")
        message = str(caught.value)
        assert message.startswith("--sut 'x:make': ") and "\n" not in message, message


def _module(name: str, **declared: Any) -> str:
    """A module holding a reference factory with ``declared`` as its attributes."""

    def make(settings: Settings) -> ReferenceAuthenticator:
        return ReferenceAuthenticator(settings)

    for attr, value in declared.items():
        setattr(make, attr, value)
    module = types.ModuleType(name)
    module.make = make  # type: ignore[attr-defined]
    sys.modules[name] = module
    return f"{name}:make"


def test_a_bad_declaration_stops_the_load_with_one_line() -> None:
    spec = _module("caps_bad_leeway", fixed={"leeway_s": "5 s"})
    with pytest.raises(SutLoadError, match=r"^--sut 'caps_bad_leeway:make': fixed 'leeway_s'"):
        Target.load(spec)


def test_a_fixed_setting_replaces_what_a_check_configures() -> None:
    target = Target.load(_module("caps_fixed", fixed={"leeway_s": 5, "algorithms": ["RS256"]}))
    assert target.settings.leeway_s == 5
    sut = target.fresh(leeway_s=300, algorithms=("RS256", "ES256"))
    assert sut.settings.leeway_s == 5 and sut.settings.algorithms == ("RS256",)
    plain = Target.load(_module("caps_none"))
    assert not plain.capabilities and plain.fresh(leeway_s=30).settings.leeway_s == 30


def test_correct_but_strict_entries_hold_and_their_twin_is_caught() -> None:
    """The acceptance: a fixed 5 s leeway, declared, holds TOKEN-TIME; the same code without
    the declaration is caught; no pins, declared, holds TOKEN-AUDIENCE with its four n/a."""
    row = BY_ID["TOKEN-TIME"]
    strict = Target.load(catalogue.sut_spec("fixed_leeway"))
    held = run_row(row.id, lambda: row.check(strict), lookup)
    assert held.status == HOLDS and not held.findings, held
    twin = Target.load(catalogue.sut_spec("undeclared_leeway"))
    caught = run_row(row.id, lambda: row.check(twin), lookup)
    assert caught.status == VIOLATED
    assert {"TOKEN-TIME/expired", "TOKEN-TIME/within-leeway"} <= {f.id for f in caught.findings}
    audience = BY_ID["TOKEN-AUDIENCE"]
    pins = Target.load(catalogue.sut_spec("no_audience_pins"))
    skipped = pins.not_applicable(audience.id)
    result = run_row(audience.id, lambda: audience.check(pins), lookup, skipped)
    assert result.status == HOLDS and not result.findings, result
    assert set(result.not_applicable) == {
        "azp-missing", "azp-unlisted", "azp-not-a-string", "iss-mismatch"
    }  # fmt: skip


def test_undeclared_no_pins_is_still_a_finding() -> None:
    """``no_audience_pins``'s code declaring nothing: TOKEN-AUDIENCE finds it."""

    def make(settings: Settings) -> ReferenceAuthenticator:
        return ReferenceAuthenticator(replace(settings, authorized_parties=(), issuer=None))

    module = types.ModuleType("caps_no_pins")
    module.make = make  # type: ignore[attr-defined]
    sys.modules["caps_no_pins"] = module
    audience = BY_ID["TOKEN-AUDIENCE"]
    target = Target.load("caps_no_pins:make")
    result = run_row(audience.id, lambda: audience.check(target), lookup)
    found = {f.id for f in result.findings}
    assert {"TOKEN-AUDIENCE/azp-missing", "TOKEN-AUDIENCE/iss-mismatch"} <= found, found


def _audit() -> Audit:
    spec = catalogue.sut_spec("no_audience_pins")
    na = {"TOKEN-AUDIENCE/iss-mismatch": "the SUT declares no issuer pin"}
    cells = {
        (spec, "TOKEN-AUDIENCE"): Cell(spec, "TOKEN-AUDIENCE", HOLDS, 1.5, not_applicable=na),
        (spec, "CACHE-ISOLATION"): Cell(spec, "CACHE-ISOLATION", HOLDS, 40.0),
        (spec, "TOKEN-TIME"): Cell(spec, "TOKEN-TIME", HOLDS, 3.0),
        (spec, "TOTAL"): Cell(spec, "TOTAL", HOLDS, 0.5),
    }
    declared = {spec: {"fixed": {"leeway_s": 5}, "unsupported": ["issuer"]}}
    return Audit((spec,), cells, False, "clerk-ci", None, declared, 512)


def test_every_report_lists_the_declarations_beside_the_verdicts() -> None:
    doc = document(_audit(), 0, Gate(), 45.0)
    assert doc["crowd"] == 512
    assert doc["declarations"][0]["unsupported"] == ["issuer"]
    text = findings_report(doc)
    assert "declares: leeway fixed at 5 s; no issuer pin" in text
    assert "TOKEN-AUDIENCE/iss-mismatch — n/a: the SUT declares no issuer pin" in text
    page = render_html(doc)
    assert "Declared capabilities" in page and "leeway fixed at 5 s; no issuer pin" in page
    sarif = render_sarif(doc)["runs"][0]["properties"]
    assert sarif["declarations"] == doc["declarations"] and sarif["crowd"] == 512
    merged = from_documents([("a.json", doc)])
    assert merged.declarations == _audit().declarations and merged.crowd == 512
    cell = merged.cells[(merged.suts[0], "TOKEN-AUDIENCE")]
    assert cell.not_applicable == {"TOKEN-AUDIENCE/iss-mismatch": "the SUT declares no issuer pin"}


def test_the_text_report_names_the_slowest_rows() -> None:
    said = slowest(document(_audit(), 0, Gate(), 45.0))
    assert said.startswith("slowest rows: CACHE-ISOLATION 40.0 s, TOKEN-TIME 3.0 s, ")
    assert "TOKEN-AUDIENCE 1.5 s, of 45.0 s over all rows" in said
    assert "crowd (512 identities) shrinks with --crowd N" in said


def test_shards_of_different_crowds_do_not_merge() -> None:
    one = {**document(_audit(), 0, Gate(), 1.0), "shard": "1/2"}
    two = {**document(_audit(), 0, Gate(), 1.0), "shard": "2/2", "crowd": 4096}
    with pytest.raises(MergeError, match="crowd"):
        from_documents([("1.json", one), ("2.json", two)])


def test_the_crowd_option_reaches_pytest_and_the_reproduce_line() -> None:
    assert parse_crowd(None) == 4096 and parse_crowd("512") == 512
    for bad in ("1", "0", "-5", "many"):
        with pytest.raises(ValueError, match="--crowd"):
            parse_crowd(bad)
    options = Options(crowd=512)
    assert "--crowd=512" in options.pytest_args(["reference:make"])
    assert options.reproduce("reference:make", "CACHE-ISOLATION").endswith("--crowd=512")
    assert "--crowd" not in options.reproduce("reference:make", "TOKEN-TIME")


def test_a_crowd_detects_what_its_size_reaches() -> None:
    """ring_cache's 1,024 slots: a crowd of 1,024 passes it, 1,025 meets it; the reference
    holds at any size."""
    ring = catalogue.sut_spec("ring_cache")
    for size, status in ((1024, HOLDS), (1025, VIOLATED)):
        target = Target.load(ring, crowd=size)
        crowd = functools.partial(check_crowd, target, CROWD)
        assert run_row("CACHE-ISOLATION", crowd, lookup).status == status
    reference = Target.load("reference:make", crowd=300)
    assert run_row("CACHE-ISOLATION", lambda: check_crowd(reference, CROWD), lookup).status == HOLDS


def test_the_readme_birthday_table_is_the_one_computed() -> None:
    assert birthday(4096, 20) > 0.999
    assert birthday_table() in README.read_text(encoding="utf-8")
    assert re.search(r"--crowd N", README.read_text(encoding="utf-8"))


def test_a_served_service_declares_at_its_capabilities_route() -> None:
    """``GET /__harness/capabilities``: ``tests/impls/served.py`` answers with its factory's
    attributes; a service without the route declares nothing."""
    script = shlex.quote(str(Path(__file__).parent / "impls" / "served.py"))
    served = f"serve={shlex.quote(sys.executable)} {script}"
    pins = Target.load(f"{served} conformance.catalogue.no_audience_pins:make")
    assert pins.capabilities.unsupported == {"authorized_parties", "issuer"}
    assert "iss-mismatch" in pins.not_applicable("TOKEN-AUDIENCE")
    leeway = Target.load(f"{served} conformance.catalogue.fixed_leeway:make")
    assert leeway.capabilities.value("leeway_s") == 5 and leeway.settings.leeway_s == 5
    assert not Target.load(f"{served} reference:make").capabilities


def test_the_plugin_sizes_the_crowd() -> None:
    """``pytest --pyargs conformance --crowd N``: ring_cache's 1,024 slots hold against a crowd
    of 1,024 and fall to 1,025; a crowd of 1 is a usage error (exit 4)."""
    base = [sys.executable, "-m", "pytest", "--pyargs", "conformance", "-p", "no:cacheprovider",
            "--sut", catalogue.sut_spec("ring_cache"), "-k", "CACHE-ISOLATION",
            "--hypothesis-profile=clerk-ci", "-q"]  # fmt: skip
    codes = {}
    for crowd in ("1024", "1025", "1"):
        done = subprocess.run(
            [*base, "--crowd", crowd], capture_output=True, text=True, timeout=300, check=False
        )
        codes[crowd] = done.returncode
        if crowd == "1025":
            assert "CACHE-ISOLATION/crowd" in done.stdout, done.stdout[-2000:]
    assert codes == {"1024": 0, "1025": 1, "1": 4}, codes


def _pinning(name: str, parties: tuple[str, ...], **declared: Any) -> str:
    """A module holding the reference listing ``parties`` whatever it is configured with."""
    spec = _module(name, **declared)
    module = sys.modules[name]
    made = module.make

    def make(settings: Settings) -> ReferenceAuthenticator:
        return made(replace(settings, authorized_parties=parties))  # type: ignore[no-any-return]

    for attr, value in declared.items():
        setattr(make, attr, value)
    module.make = make  # type: ignore[attr-defined]
    return spec


@pytest.mark.parametrize("row", sorted(BY_ID))
def test_an_app_listing_its_own_front_end_holds_every_row_when_declared(row: str) -> None:
    """An app pinning its authorized parties in its code, declared fixed: every row mints its
    tokens for that party (the request rows' placed tokens too) and holds, every control
    accepted."""
    declared = Target.load("tests.impls.front_end:make")
    assert declared.settings.authorized_parties == FRONT_END
    held = run_row(row, functools.partial(BY_ID[row].check, declared), lookup)
    assert held.status == HOLDS and not held.findings, held
    assert not held.exercise.controls_refused, held.exercise


def test_an_app_listing_its_own_front_end_undeclared_or_blind() -> None:
    """The same app undeclared: its one finding is the parties it was configured with refused
    (completeness, never a security finding); pinning them and reading no ``azp`` is caught."""
    audience = BY_ID["TOKEN-AUDIENCE"]
    undeclared = Target.load(_pinning("caps_front_end_undeclared", FRONT_END))
    refused = run_row(audience.id, lambda: audience.check(undeclared), lookup)
    assert {f.id for f in refused.findings} == {"TOKEN-AUDIENCE/listed-party"}, refused  # only
    blind = Target.load(
        _pinning("caps_front_end_blind", (), fixed={"authorized_parties": list(FRONT_END)})
    )
    caught = run_row(audience.id, lambda: audience.check(blind), lookup)
    assert caught.status == VIOLATED
    assert "TOKEN-AUDIENCE/azp-unlisted" in {f.id for f in caught.findings}
