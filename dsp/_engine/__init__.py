"""The fast engine: a private backend that computes the stages in cache-sized blocks.

Every result it gives is tested bit for bit against the readable stage modules
(:mod:`dsp.spectrum`, :mod:`dsp.pipeline`). Modules: :mod:`.blocked` (the fused block loop),
:mod:`.frames` (frames of the padded signal without padding the whole signal),
:mod:`.schedule` (blocks, chunks, threads), :mod:`.banded` (the fast mode's banded mel product).
"""
