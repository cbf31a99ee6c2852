"""``python -m conformance`` is ``clerk-harness``."""

import sys

from .cli import main

sys.exit(main())
