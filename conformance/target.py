"""The system under test (SUT), as the invariants reach it: a factory, settings and keys.

A SUT is named ``module:callable``; the callable takes ``Settings`` and returns an object with
any subset of the contract's four methods. Every example builds a fresh instance.
"""

from __future__ import annotations

import importlib
import unittest
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict

from reference import CONTRACT_METHODS, AuthError, Principal, Settings
from strategies import TRUSTED_ORG, SigningKey, SigningKeys, sign, signing_keys
from strategies.history import describe as describe
from strategies.keys import KeysFileError  # re-exported: one wording everywhere
from strategies.requests import plain_request

from .blackbox.service import ServedFactory, ServiceStartError, served_command, served_factory
from .capabilities import Capabilities, CapabilityError
from .findings import Crashed, SubCheck, called
from .findings import InvariantViolation as InvariantViolation  # re-exported: checks raise it
from .findings import control as control  # re-exported: checks record controls
from .findings import violated as violated
from .options import CROWD as CROWD  # re-exported: CACHE-ISOLATION's crowd by default
from .options import DEFAULT_SUT as DEFAULT_SUT  # re-exported
from .rows import CRASH

Factory = Callable[[Settings], Any]


class SutLoadError(Exception):
    """``--sut`` names nothing importable, or a factory that fails."""


def load_factory(spec: str) -> Factory:
    """Import ``module:callable`` (``serve=CMD``: the service ``CMD`` starts, reached over HTTP);
    ``SutLoadError`` with an actionable message otherwise."""
    command = served_command(spec)
    if command is not None:
        if not command.strip():
            raise SutLoadError("--serve: expected a command that starts the service")
        try:
            return served_factory(command)
        except (ValueError, OSError) as exc:  # a --url that is not one; its JWKS port taken
            raise SutLoadError(str(exc)) from exc
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise SutLoadError(f"--sut {spec!r}: expected 'module:callable', e.g. 'my_pkg.auth:make'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SutLoadError(f"--sut {spec!r}: cannot import {module_name!r}: {exc}") from exc
    except Exception as exc:  # the module itself fails: a syntax error, a raise at import
        why = f"{type(exc).__name__}: {exc}"
        raise SutLoadError(f"--sut {spec!r}: importing {module_name!r} raised {why}") from exc
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise SutLoadError(f"--sut {spec!r}: {module_name} has no callable {attr!r}")
    return factory  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Target:
    """A SUT factory with the settings and keys the harness configures it with."""

    name: str
    factory: Factory
    keys: SigningKeys
    settings: Settings
    methods: frozenset[str]
    #: Rows this SUT cannot be judged on, each with the reason (a served one's, see ``service``).
    limits: Mapping[str, str] = field(default_factory=dict)
    #: The settings it declares it cannot be configured with (``capabilities``).
    capabilities: Capabilities = field(default_factory=Capabilities)
    #: How many identities CACHE-ISOLATION's crowd logs in (``--crowd``).
    crowd: int = CROWD

    @classmethod
    def load(cls, spec: str = DEFAULT_SUT, *, crowd: int = CROWD) -> Target:
        """Load ``spec`` and probe one instance for the contract methods it has, and read
        what it declares (``capabilities``)."""
        try:
            keys = signing_keys()
        except KeysFileError as exc:
            raise SutLoadError(str(exc)) from exc
        settings = Settings(org_id=TRUSTED_ORG, jwks=keys.jwks)
        factory = load_factory(spec)
        try:
            declared = Capabilities.of_factory(factory, f"--sut {spec!r}")
        except CapabilityError as exc:
            raise SutLoadError(str(exc)) from exc
        try:
            probe = factory(declared.applied(settings))
        except ServiceStartError as exc:
            raise SutLoadError(str(exc)) from exc
        except Exception as exc:
            raise SutLoadError(f"--sut {spec!r}: the factory raised {exc!r}") from exc
        methods = frozenset(m for m in CONTRACT_METHODS if callable(getattr(probe, m, None)))
        if not methods:
            what = "routes /whoami and /callback" if served_command(spec) else CONTRACT_METHODS
            raise SutLoadError(f"--sut {spec!r}: the object has none of {what}")
        limits: Mapping[str, str] = {}
        if isinstance(factory, ServedFactory):
            from .registry import BY_ID  # the rows, declared by checks that import this module

            limits = factory.limits(tuple(BY_ID))
            try:
                declared = factory.capabilities()
            except CapabilityError as exc:
                raise SutLoadError(str(exc)) from exc
        settings = declared.applied(settings)
        return cls(spec, factory, keys, settings, methods, limits, declared, crowd)

    @property
    def served(self) -> bool:
        """Whether the SUT runs in a process of its own (``--serve``, ``--url``), not in this
        interpreter."""
        return isinstance(self.factory, ServedFactory)

    def configured(self, **overrides: Any) -> Settings:
        """The settings an instance is built with: the target's, ``overrides`` replaced, but for
        the settings the SUT declares fixed (it cannot be configured otherwise), holding its
        key in the form it declares (``Settings.jwt_key``)."""
        settings = replace(self.settings, **overrides) if overrides else self.settings
        return self.capabilities.applied(settings)

    def fresh(self, **overrides: Any) -> Any:
        """A new SUT instance, ``configured`` with the target's settings and ``overrides``."""
        return self.factory(self.configured(**overrides))

    def not_applicable(self, row: str) -> dict[str, str]:
        """The sub-checks of ``row`` (by name) this SUT's declarations leave unjudged, with why."""
        return self.capabilities.not_applicable(row)

    def fresh_token_entry(self, **overrides: Any) -> Any:
        """A new instance reached through ``authenticate_token`` — its own, else a
        ``TokenEntry`` sending each token to its request entry point."""
        return self.token_entry(self.fresh(**overrides))

    def has(self, method: str) -> bool:
        """Whether the SUT implements ``method``."""
        return method in self.methods

    @property
    def claims_capable(self) -> bool:
        """Claims can be presented: directly, or signed and sent to the strongest entry point
        the SUT has (every SUT has one)."""
        return bool(self.methods)

    def token_factory(self) -> Factory:
        """The factory, its instances reached through ``authenticate_token`` — their own, or a
        ``TokenEntry`` when they have only request entry points."""
        if self.has("authenticate_token") or self.has("authenticate_claims"):
            return self.factory
        return lambda settings: self.token_entry(self.factory(settings))

    def token_entry(self, sut: Any) -> Any:
        """``sut`` reached through ``authenticate_token``: its own, else a ``TokenEntry``
        sending each token to its request entry point (Bearer, else relayed)."""
        if self.has("authenticate_token"):
            return sut
        method = "authenticate_request" if self.has("authenticate_request") else "callback_subject"
        return TokenEntry(sut, method)


class TokenEntry:
    """A SUT with only request entry points (an HTTP service, say), reached as if it verified
    tokens: each token is a Bearer API request, or a relayed login callback."""

    def __init__(self, sut: Any, method: str) -> None:
        self.sut, self.method = sut, method

    def authenticate_token(self, token: str) -> Any:
        place = "bearer" if self.method == "authenticate_request" else "body"
        return getattr(self.sut, self.method)(plain_request(self.method, token, place))


class Deployment(TypedDict):
    """Where a deployment's tokens come from and go to, as ``sign`` takes them."""

    issuer: str | None
    party: str | None


def deployment(target: Target) -> Deployment:
    """The target's: its pinned ``iss`` (None: Clerk's form) and its first listed party (None:
    Clerk's default ``azp``)."""
    parties = target.settings.authorized_parties
    return {"issuer": target.settings.issuer, "party": parties[0] if parties else None}


def mint(target: Target, claims: Mapping[str, Any], key: SigningKey | None = None) -> str:
    """``claims`` as the token Clerk would mint for the target's deployment: signed by a trusted
    key (or ``key``), with fresh times, its pinned ``iss`` (else Clerk's form) and a listed
    ``azp`` (each unless the claims carry their own — but an ``azp`` a deployment listing its
    parties does not list: Clerk mints for the app's own origin)."""
    parties = target.settings.authorized_parties
    if parties and claims.get("azp") not in parties:
        claims = {**claims, "azp": parties[0]}
    return sign(claims, key or target.keys.trusted[0], **deployment(target))


def present_claims(target: Target, sut: Any, claims: Mapping[str, Any]) -> Principal:
    """Authenticate ``claims`` through the strongest entry point the SUT has: directly, else
    as the token Clerk would mint (``mint``) — verified, sent as Bearer, or relayed."""
    if target.has("authenticate_claims"):
        return sut.authenticate_claims(claims)  # type: ignore[no-any-return]
    return present_token(target, sut, mint(target, claims))


def present_token(target: Target, sut: Any, token: str) -> Principal:
    """``token`` through the strongest token entry point the SUT has (``TokenEntry``)."""
    return target.token_entry(sut).authenticate_token(token)  # type: ignore[no-any-return]


Outcome = Principal | AuthError


def attempt(
    invariant_id: str,
    call: Callable[[], Any],
    what: str,
    *,
    crash: SubCheck = CRASH,
    cause: Callable[[], SubCheck] | None = None,
    table: tuple[tuple[str, str], ...] = (),
) -> Outcome:
    """Run one SUT call: its principal, or the ``AuthError`` it raised.

    Anything else — another exception, or a return value that is not a ``Principal`` — is a
    violation of ``crash``: TOTAL's ``crash`` sub-check, unless a row that itself demands a
    typed error names its own ``error-class``; ``cause``, asked only after an exception, may name
    another sub-check (what the crash is due to). Once that finding is made, later runs of the
    row count such a call as refused (``Crashed``) and go on. ``table``: the counterexample a
    crash's finding shows, where the call is no drawn example (a probe's)."""
    sub = crash
    try:
        result = call()
    except AuthError as exc:
        called(exc)
        # A refusal is an outcome, not an error to trace: without its traceback it holds no
        # frame (none of the SUT instance that raised it), so the instance is freed as soon
        # as it is dropped — a served one's process given back without the cycle collector.
        return exc.with_traceback(None)
    except unittest.SkipTest:  # the check cannot run on this SUT at all (``NotApplicable``)
        raise
    except Exception as exc:
        message = f"{what} raised {type(exc).__name__}: {exc} — not an AuthError"
        outcome: Outcome = Crashed("crash", f"{type(exc).__name__}: {exc}")
        called(outcome)
        sub = cause() if cause is not None else sub
        violated(sub, f"{message} (found while checking {invariant_id})", error=exc, table=table)
        return outcome
    if not isinstance(result, Principal):
        outcome = Crashed("not_a_principal", repr(result)[:200])
        called(outcome)
        violated(
            sub,
            f"{what} returned {result!r:.200}, not a Principal (found while checking "
            f"{invariant_id})",
            table=table,
        )
        return outcome
    called(result)
    return result


def try_claims(
    invariant_id: str,
    target: Target,
    sut: Any,
    claims: Mapping[str, Any],
    *,
    crash: SubCheck = CRASH,
) -> Outcome:
    """``attempt`` a login with ``claims`` (see ``present_claims``)."""
    call = lambda: present_claims(target, sut, claims)  # noqa: E731
    return attempt(invariant_id, call, f"login {claims!r}", crash=crash)


def control_login(
    invariant_id: str, target: Target, sut: Any, claims: Mapping[str, Any], what: str = ""
) -> Outcome:
    """A control: a valid session's login, which every correct implementation accepts through
    the entry point under test; recorded (``findings.control``) and returned."""
    outcome = try_claims(invariant_id, target, sut, claims)
    control(outcome, what or f"a valid session {dict(claims)!r:.300}", claims=claims)
    return outcome
