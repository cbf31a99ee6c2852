"""``render_html``: one self-contained page, checked as text and as a real browser parses it.

The browser test renders a document full of attacker-chosen strings, opens it in headless
Chromium (Debian's ``chromium``; ``.ci/run`` installs it) and reads the DOM it built: the
matrix's cells and their status classes, the findings in order, no injected element and no
remote resource. Without a Chromium binary it is skipped — except under CI, where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from typing import Any

import pytest

from conformance.audit.html import (
    TEXT_LIMIT,
    VALUE_LIMIT,
    anchor_of,
    finding_order,
    render_html,
    short_name,
)

DENY_ALL = "conformance.catalogue.deny_all:make"
EVIL_SUT = 'evil"onmouseover="alert(1)".x:make'
INJECTED = "</details><script>document.body.setAttribute('data-pwned','1')</script>"
IMG = '<img src="https://evil.example/x.png" onerror="alert(2)">'
STYLE = "</style><link rel=stylesheet href=http://evil.example/a.css><style>"
HUGE = "B" * 50_000
SUTS = ["reference:make", DENY_ALL, EVIL_SUT]
ROWS = ["TOKEN-TIME", "ID-FAITHFUL"]
#: A numbered story longer than a title may be, its decisive step last (as a replay after
#: expiry is): the page must keep every line, and that one.
DECISIVE = "9. replay 6 s after exp: accepted as user_0 — the decisive step"
STORY_LINES = [
    "the token was accepted after it expired",
    *(f"{n}. step {n}: " + "x" * 400 for n in range(1, 9)),
    DECISIVE,
]
STORY = "\n".join(STORY_LINES)


def finding(name: str, kind: str, severity: str, message: str, **extra: Any) -> dict[str, Any]:
    """A finding of ``TOKEN-TIME/name``, as the audit writes it."""
    return {
        "id": f"TOKEN-TIME/{name}",
        "row": "TOKEN-TIME",
        "subcheck": name,
        "kind": kind,
        "reach": "issuer",
        "severity": severity,
        "title": f"{name} is refused",
        "message": message,
        "error": None,
        "counterexample": [
            ["header", '{"alg": "RS256", "kid": "ins_1"}'],
            ["payload", '{"sub": "user_0"}'],
            [INJECTED, IMG],
        ],
        "reproduce": f"pytest --pyargs conformance --sut {DENY_ALL} -k TOKEN-TIME",
        "blob": "@reproduce_failure('6.170.17', b'AXicY2BgAAAABAAB')",
        "found_while": "TOKEN-TIME",
        "fix": f"refuse the {name} token",
        "gated": False,
        **extra,
    }


def cell(sut: str, row: str, status: str, *found: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One (SUT, invariant) result."""
    exercise = {"calls": 812, "accepted": 130, "controls": 100, "controls_refused": 0}
    return {
        "sut": sut,
        "invariant": row,
        "status": status,
        "seconds": 0.41,
        "reason": "",
        "exercise": {**exercise, "refused_control": None},
        "findings": list(found),
        **extra,
    }


def sample() -> dict[str, Any]:
    """Three SUTs (one with a hostile spec) by two rows: every status, and hostile findings."""
    refused = {
        "what": "a valid session token",
        "error": {"class": "Unauthorized", "reason": "missing_iss", "message": INJECTED},
    }
    starved = {"calls": 3, "accepted": 0, "controls": 3, "controls_refused": 3}
    violated = cell(
        DENY_ALL,
        "TOKEN-TIME",
        "VIOLATED",
        finding("huge", "robustness", "low", "a 1 MiB token crashed it: " + HUGE),
        finding("exp-missing", "completeness", "high", "completeness, high"),
        finding(
            "alg-none",
            "security",
            "critical",
            f"the 'alg_none' attack was accepted as user 'user_0' {INJECTED} \"'\x00",
            error={"class": "KeyError", "reason": "kid", "message": IMG},
            gated=True,
            fix="pin the algorithm list to RS256 " + IMG,
        ),
        finding("nbf-future", "security", "high", STORY),
    )
    return {
        "version": 2,
        "suts": SUTS,
        "invariants": [
            {"id": "TOKEN-TIME", "severity": "high", "title": "exp required; " + STYLE},
            {"id": "ID-FAITHFUL", "severity": "critical", "title": "principal names " + IMG},
        ],
        "results": [
            cell("reference:make", "TOKEN-TIME", "holds"),
            cell("reference:make", "ID-FAITHFUL", "n/a", reason="no authenticate_claims"),
            violated,
            cell(
                DENY_ALL,
                "ID-FAITHFUL",
                "inconclusive",
                reason="every control was refused " + INJECTED,
                exercise={**starved, "refused_control": refused},
            ),
            cell(EVIL_SUT, "TOKEN-TIME", "holds"),
            cell(EVIL_SUT, "ID-FAITHFUL", "VIOLATED", finding("x", "security", "medium", IMG)),
        ],
        "figures": {
            "seconds": 81.2,
            "suts": 3,
            "cells": 6,
            "findings": 5,
            "by_status": {"holds": 2, "VIOLATED": 2, "inconclusive": 1, "n/a": 1},
            "by_kind": {"security": 3, "robustness": 1, "completeness": 1},
        },
        "self_check": False,
        "mismatches": [],
        "gate": {"kinds": ["security"], "reaches": ["anyone", "user"], "severity": "high"},
        "exit_code": 1,
    }


class Dom(HTMLParser):
    """The elements (tag, attributes) and the text of a parsed page, in document order."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.css: list[str] = []
        self.in_style = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self.in_style = self.in_style and tag != "style"

    def handle_data(self, data: str) -> None:
        (self.css if self.in_style else self.text).append(data)

    def having(self, css: str) -> list[dict[str, str]]:
        """The attributes of every element with class ``css``."""
        return [a for _, a in self.elements if css in a.get("class", "").split()]

    def styles(self) -> str:
        """Every piece of CSS on the page: ``<style>`` text and ``style`` attributes."""
        return " ".join([*self.css, *(a.get("style", "") for _, a in self.elements)])


def remote_references(dom: Dom) -> list[str]:
    """Every ``http(s)://`` resource the page refers to: src, href, srcset, action, data,
    poster, any ``<link>``, and CSS ``@import``/``url()``."""
    found = []
    for tag, attrs in dom.elements:
        for name in ("src", "href", "srcset", "action", "data", "poster", "xlink:href"):
            if attrs.get(name, "").strip().lower().startswith(("http:", "https:", "//")):
                found.append(f"<{tag} {name}={attrs[name]}>")
        if tag == "link":
            found.append(f"<link {attrs}>")
    css = dom.styles().lower()
    found += [f"css {word}" for word in ("@import", "url(") if word in css]
    return found


def chromium() -> str | None:
    """Debian's Chromium binary, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser_dom(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Dom]:
    """The sample page as headless Chromium built it (``--dump-dom``), raw and parsed."""
    binary = chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI: no chromium binary on PATH (.ci/run installs Debian's chromium)")
        pytest.skip("no chromium binary (apt-get install chromium); under CI this test fails")
    folder = tmp_path_factory.mktemp("report")
    page = folder / "report.html"
    page.write_text(render_html(sample()), encoding="utf-8")
    story = anchor_of(DENY_ALL, sample()["results"][2]["findings"][3])
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves, should the page ask
        "--proxy-server=127.0.0.1:9",  # and no request leaves the machine
        f"--user-data-dir={folder / 'profile'}",
        "--dump-dom",
        f"{page.as_uri()}#{story}",  # the long story's link: the browser opens it
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "</html>" in done.stdout, done.stderr[-2000:]
    return done.stdout, Dom(done.stdout)


@pytest.mark.slow
def test_chromium_builds_the_matrix_with_status_classes(browser_dom: tuple[str, Dom]) -> None:
    _, dom = browser_dom
    cells = dom.having("cell")
    assert len(cells) == len(SUTS) * len(ROWS)  # no cell was swallowed by an injected tag
    statuses = [(c["data-status"], c["class"]) for c in cells]
    assert statuses == [  # row by row, SUTs as named
        ("holds", "cell status-holds"),
        ("VIOLATED", "cell status-violated"),
        ("holds", "cell status-holds"),
        ("n/a", "cell status-na"),
        ("inconclusive", "cell status-inconclusive"),
        ("VIOLATED", "cell status-violated"),
    ]
    headings = [a.get("title") for tag, a in dom.elements if "sut" in a.get("class", "").split()]
    assert headings == SUTS
    cell_details = [a for tag, a in dom.elements if tag == "details" and not a.get("class")]
    assert len(cell_details) == len(cells)


@pytest.mark.slow
def test_chromium_shows_the_findings_in_order(browser_dom: tuple[str, Dom]) -> None:
    _, dom = browser_dom
    text = "".join(dom.text)
    assert "the 'alg_none' attack was accepted as user 'user_0' " + INJECTED in text
    assert "KeyError" in text and "reproduce_failure('6.170.17'" in text
    assert f"pytest --pyargs conformance --sut {DENY_ALL} -k TOKEN-TIME" in text
    assert "a valid session token" in text and "every control was refused" in text
    findings = [a["class"] for a in dom.having("finding")]
    assert findings[:4] == [
        "finding sev-critical kind-security gated",
        "finding sev-high kind-security",
        "finding sev-high kind-completeness",
        "finding sev-low kind-robustness",
    ]
    assert "more characters not shown" in text and HUGE not in text


@pytest.mark.slow
def test_chromium_ran_no_injected_markup(browser_dom: tuple[str, Dom]) -> None:
    _, dom = browser_dom
    tags = {tag for tag, _ in dom.elements}
    assert not tags & {"script", "img", "link", "iframe", "object", "embed"}
    assert not [a for _, a in dom.elements if "data-pwned" in a]  # the script never ran
    assert not [name for _, a in dom.elements for name in a if name.startswith("on")]
    assert sum(tag == "style" for tag, _ in dom.elements) == 1
    assert INJECTED in "".join(dom.text)  # shown as text, not run


@pytest.mark.slow
def test_chromium_finds_no_remote_resource(browser_dom: tuple[str, Dom]) -> None:
    _, dom = browser_dom
    assert remote_references(dom) == []


def test_the_page_escapes_everything_and_loads_nothing() -> None:
    page = render_html(sample())
    assert page.startswith("<!DOCTYPE html>")
    for hostile in (INJECTED, IMG, STYLE, EVIL_SUT):
        assert hostile not in page
    assert "&lt;/details&gt;&lt;script&gt;" in page
    assert "\x00" not in page and "\\u0000" in page  # a NUL is shown, not sent
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert remote_references(Dom(page)) == []
    assert page.encode("utf-8")


@pytest.mark.slow
def test_chromium_opens_the_whole_story_at_its_link(browser_dom: tuple[str, Dom]) -> None:
    """The story's link opens its ``<details>`` (and its cell's); every line is there, line
    breaks kept, the decisive last step too — nothing joined, nothing cut."""
    raw, dom = browser_dom
    stories = [a for tag, a in dom.elements if tag == "details" and a.get("class") == "story"]
    assert [a.get("open") for a in stories].count("") == 1  # opened by the browser
    assert sum(tag == "details" and "open" in a for tag, a in dom.elements) == 2
    start = raw.index(f'<pre id="{anchor_of(DENY_ALL, sample()["results"][2]["findings"][3])}">')
    shown = raw[raw.index(">", start) + 1 : raw.index("</pre>", start)]
    assert shown.splitlines() == STORY_LINES
    assert len(STORY) > TEXT_LIMIT and DECISIVE in "".join(dom.text)


@pytest.mark.slow
def test_chromium_marks_gated_findings_and_shows_each_fix(browser_dom: tuple[str, Dom]) -> None:
    _, dom = browser_dom
    gated = dom.having("gated")
    marked = ["finding sev-critical kind-security gated", "badge gated"]
    assert [a["class"] for a in gated] == marked
    text = "".join(dom.text)
    assert "VIOLATED · 4 · 1 gated" in text and "gated: fails the run" in text
    assert text.count("not gated") == 4  # the other findings say so too
    assert "pin the algorithm list to RS256 " + IMG in text and "refuse the huge token" in text


def test_long_values_are_cut_with_a_note() -> None:
    page = render_html(sample())
    assert "B" * VALUE_LIMIT not in page
    assert f"{50_000 + len('a 1 MiB token crashed it: ') - VALUE_LIMIT:,} more characters" in page


def test_a_story_keeps_its_lines_and_the_gate_says_what_decided_the_exit() -> None:
    page = render_html(sample())
    assert "\n".join(STORY_LINES[1:]) in page  # one line per step, not one paragraph
    assert "clipped" not in page.partition(DECISIVE)[0].rpartition("<pre")[2]
    document = sample()
    document["gate"] = {**document["gate"], "fail_on_na": True}
    assert "an n/a row fails the run" in render_html(document)
    assert "an n/a row fails the run" not in page


def test_findings_sort_by_severity_then_kind() -> None:
    kinds = ("completeness", "robustness", "security")
    pairs = [(s, k) for s in ("low", "medium", "high", "critical") for k in kinds]
    ranked = sorted(({"severity": s, "kind": k} for s, k in pairs), key=finding_order)
    assert [(f["severity"], f["kind"]) for f in ranked[:4]] == [
        ("critical", "security"),
        ("critical", "robustness"),
        ("critical", "completeness"),
        ("high", "security"),
    ]


def test_a_sparse_or_odd_document_still_renders() -> None:
    assert '<table class="matrix">' in render_html({})
    odd = {"results": [{"sut": "a:b", "invariant": "X", "status": "weird", "findings": [{}]}]}
    page = render_html(odd)
    assert 'class="cell status-other"' in page and "X" in page
    assert "\ud800" not in render_html({"suts": ["x\ud800:make"]})  # a lone surrogate, escaped
    assert short_name(DENY_ALL) == "deny_all" and short_name("pkg:make") == "pkg:make"
