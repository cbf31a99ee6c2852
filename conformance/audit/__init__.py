"""The audit: every row against every SUT in one run (``run``), and its reports — for a
terminal and JUnit (``text``), one HTML page (``html``), SARIF 2.1.0 (``sarif``). The
``clerk-harness`` command (``conformance.cli``) sits on top."""
