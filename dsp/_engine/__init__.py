"""The fast engine: a private backend that computes the stages in cache-sized blocks.

Every result it gives is tested bit for bit against the readable reference
(:func:`dsp.spectrum.stft_reference`, and librosa's mel contraction of its power) with
hypothesis, and against librosa. Modules: :mod:`.blocked` (the fused block loop and the three
precisions), :mod:`.frames` (frames of the padded signal without padding the whole signal,
on :class:`dsp.FrameGeometry`; the FFT back end), :mod:`.schedule` (blocks, chunks, threads),
:mod:`.banded` (the fast mode's banded mel product), :mod:`.config` (every size and threshold,
in one :class:`~.config.EngineConfig`, changed with ``engine_config(...)``).
"""
