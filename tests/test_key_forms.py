"""A correct implementation holding its key in any form a deployment keeps one in — a PEM
however stored, PKCS#1, a certificate, OpenSSH, a JWK — holds every row: the HMAC forgeries
keyed with the bytes it holds are refused like every other, and no form costs a control. Each
row runs a dozen derandomized examples: what varies here is the key's form, not the draw."""

from __future__ import annotations

import pytest

from conformance import INVARIANTS, Target
from conformance.findings import HOLDS, run_row
from conformance.registry import lookup
from strategies.keys import KEY_FORMS
from tests.impls.key_holders import factory_name
from tests.test_database_replay import profile


@pytest.mark.parametrize("form", KEY_FORMS)
def test_the_reference_holding_its_key_in_each_form_holds_every_row(form: str) -> None:
    target = Target.load(f"tests.impls.key_holders:{factory_name(form)}", crowd=64)
    assert target.configured().jwt_key is not None
    held = []
    with profile("key-forms", max_examples=12, derandomize=True, database=None):
        for invariant in INVARIANTS:
            result = run_row(invariant.id, lambda i=invariant: i.check(target), lookup)  # type: ignore[misc]
            assert result.status == HOLDS, (
                form,
                invariant.id,
                result.findings,
                result.inconclusive_reason,
            )
            held.append(invariant.id)
    assert len(held) == len(INVARIANTS)


def test_a_key_in_no_known_form_is_a_typed_error() -> None:
    from reference import ReferenceAuthenticator, Settings
    from reference.keys import KeyFormError
    from strategies import TRUSTED_ORG, signing_keys

    keys = signing_keys()
    for text in ("", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                 keys.attacker.public_pem().decode()):  # fmt: skip
        with pytest.raises(KeyFormError):
            ReferenceAuthenticator(Settings(org_id=TRUSTED_ORG, jwks=keys.jwks, jwt_key=text))
