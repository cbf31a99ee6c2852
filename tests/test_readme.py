"""The README's login-history example runs as written, against a stand-in for "your" package."""

from __future__ import annotations

import io
import re
import sys
import types
import unittest
from pathlib import Path
from typing import Any

import pytest

from reference import Settings, make
from strategies import TRUSTED_ORG, signing_keys

README = Path(__file__).parent.parent / "README.md"


def example(marker: str) -> str:
    """The README's Python block that starts with ``marker``."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    (block,) = [block for block in blocks if block.startswith(marker)]
    return block


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
    namespace: dict[str, Any] = {}
    exec(compile(code, str(README), "exec"), namespace)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(namespace["TestLoginHistories"])
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    assert result.wasSuccessful() and result.testsRun == 1
    minute = Settings(org_id=TRUSTED_ORG, jwks=signing_keys().jwks, cache_ttl_s=60)
    namespace["test_histories_with_a_one_minute_cache"](minute)
