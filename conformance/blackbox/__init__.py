"""Black-box mode: a service under test reached over HTTP, in any language. ``wire`` is the
contract (requests, answers, settings as JSON); ``jwks`` hosts the trusted keys on loopback;
``service`` starts services from a command, pools and resets them, and makes each look like an
in-process SUT; ``serve`` is the shim serving a Python factory (``clerk-harness serve``)."""
