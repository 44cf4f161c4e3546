"""Streaming transforms: frames as audio arrives, identical to the offline transform.

``stream = transform.stream()`` returns an object whose ``push(chunk)`` returns the frames that
chunk completes, ``(..., n_bins or n_mels, k)`` with ``k >= 0``, and whose ``flush()`` returns
the rest once the signal has ended (the frames that need right padding: with ``center=True``
the padding of ``"reflect"`` and the other modes is known only then). The concatenation along
the last axis equals ``transform(y)`` bit for bit, whatever the chunking (see the page
``docs/streaming.md`` for where the mel projection's identity holds).

Latency (eq. F2 of ``docs/conventions.md``): frame ``t`` covers samples
``[t*hop - pad, t*hop - pad + n_fft)``, so it is returned by the push that brings the signal to
``t*hop + lookahead`` samples, ``lookahead = n_fft - pad`` (:attr:`FrameGeometry.lookahead`;
``n_fft // 2`` rounded up when centred). ``"reflect"`` padding also needs ``pad + 1`` samples
before the first frame. The mel stream adds its projection chunks (:class:`MelStream`).
"""

from .mel import MelStream
from .spectral import SpectrogramStream, StftStream

__all__ = ["StftStream", "SpectrogramStream", "MelStream"]
