"""Repository-wide Hypothesis profiles (``conformance.profiles``), selected with
``--hypothesis-profile`` (default ``dev``)."""

from hypothesis import settings

from conformance import profiles

profiles.register()
settings.load_profile("dev")
