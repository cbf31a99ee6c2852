"""Implementations the harness's own tests audit: a second correct implementation
(``alternative_impl``), request-only and misbehaving SUTs (``request_only``,
``misbehaving_service``), and the served wrapper (``served``)."""
