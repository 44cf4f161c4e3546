"""Benchmarks of dsp against librosa 0.11 (and scipy, torch): ``python -m benchmarks``.

Modules: :mod:`cases` (what is timed), :mod:`timing` (paired runs in one process),
:mod:`memory` (peak memory in fresh processes), :mod:`startup` (time to first result),
:mod:`design` (measurements behind the engine's choices), :mod:`report` (``RESULTS.md``).
"""
