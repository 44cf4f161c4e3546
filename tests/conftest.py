"""Test configuration: the hypothesis profiles.

Profiles
--------
``ci`` (selected when the environment has ``CI`` set, as ``.ci/run`` runs): derandomised, so
every CI run draws the same examples, with ``max_examples=300`` per property: every stage's
librosa comparison sees 300 parameter sets (the whole suite takes a few minutes). ``dev`` (the
default elsewhere): random draws, fewer examples, for quick local runs;
``HYPOTHESIS_PROFILE=thorough`` explores longer.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("ci", max_examples=300, derandomize=True, **_COMMON)
settings.register_profile("dev", max_examples=25, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
