"""Adapters that put real, third-party Clerk integrations under the contract (issue 6).

Each module is a ``--sut`` factory ``make(settings)``; it needs the ``peers`` extra::

    clerk-harness audit --sut conformance.adapters.clerk_backend_api:make
    clerk-harness audit --sut conformance.adapters.fastapi_clerk_auth:make

An adapter translates types and adds the minimal application around a package (a user store,
the org pin); it never fixes or hides what the package does. ``docs/findings.md`` has the audit.
"""
