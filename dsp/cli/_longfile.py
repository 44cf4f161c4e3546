"""``dsp mel`` / ``dsp stft`` to ``.npy``, PNG or SVG in constant memory, with a progress bar
(private).

The file is read, resampled and transformed block by block (:class:`dsp.filestream.FileFrames`);
the frames go, column after column, to a temporary ``.npy``-shaped file in Fortran order (each
frame's values contiguous, so appending a block of frames is one sequential write). The dB
conversion needs the global maximum twice (``ref=np.max`` and ``top_db``), so two more passes
run over that file in blocks of columns, and the last one streams the result into
:func:`dsp.io._atomic.atomic_write`. Memory: a block of samples and of frames, whatever the
length. The array equals the offline command's (``np.load`` of either gives the same values).
A figure is drawn from that array read back in blocks of columns, its frames max-pooled onto the
plot's pixel columns as they come (:func:`pooled_db`): the same picture as the offline one.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from typing import IO, Any

import numpy as np

from ..db import _power_to_db, _ref_power
from ..errors import ParameterError
from ..filestream import FileFrames
from ..io._atomic import atomic_write, scratch_file
from ..transforms import MelSpectrogram, Spectrogram
from ..viz._raster import ColumnPool
from ._common import mel_arguments, stft_arguments

__all__ = ["add_progress", "can_stream", "write_npy", "pooled_db", "Progress"]

#: Frames converted to dB per read/write in the second and third passes.
_DB_BLOCK_BYTES = 8 << 20


def add_progress(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: when stderr is a terminal)",
    )


def can_stream(args: argparse.Namespace) -> bool:
    """Whether the block path gives the offline result: a resampler with a block form."""
    return args.sr is None or args.res_type in ("auto", "dsp_hq") or args.res_type[:4] == "soxr"


class Progress:
    """``\\r 42% [#####.....] 0:12 elapsed, 0:17 left, 35.2x real time`` on a stream."""

    def __init__(self, total: int, sr: float, out: IO[str], enabled: bool) -> None:
        self.total, self.sr, self.out, self.enabled = max(total, 1), sr, out, enabled
        self.start = self.last = time.monotonic()

    @staticmethod
    def clock(seconds: float) -> str:
        s = int(seconds)
        return (
            f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
            if s >= 3600
            else f"{s // 60}:{s % 60:02d}"
        )

    def line(self, done: int, now: float) -> str:
        elapsed, frac = now - self.start, min(1.0, done / self.total)
        left = elapsed * (1 - frac) / frac if frac > 0 else math.inf
        speed = done / self.sr / elapsed if elapsed > 0 else 0.0
        bar = "#" * int(frac * 30) + "." * (30 - int(frac * 30))
        eta = self.clock(left) if math.isfinite(left) else "?"
        return (
            f"\r{frac * 100:3.0f}% [{bar}] {self.clock(elapsed)} elapsed, {eta} left, "
            f"{speed:.1f}x real time"
        )

    def update(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if self.enabled and (final or now - self.last >= 0.2):
            self.last = now
            self.out.write(self.line(done, now) + ("\n" if final else ""))
            self.out.flush()


def _transform(args: argparse.Namespace, sr: float) -> Any:
    if args.kind == "stft":
        return Spectrogram(power=1.0, **stft_arguments(args))
    return MelSpectrogram(sr=sr, **mel_arguments(args))


def _write(f: Any, columns: np.ndarray, dtype: np.dtype) -> None:
    """Append ``columns`` to ``f`` as ``dtype`` in Fortran order (each frame contiguous)."""
    f.write(np.asfortranarray(columns, dtype=dtype).tobytes(order="F"))


def _header(f: Any, shape: tuple[int, int], dtype: np.dtype) -> int:
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": True, "shape": shape}
    np.lib.format.write_array_header_1_0(f, header)
    return f.tell()


def write_npy(args: argparse.Namespace) -> tuple[tuple[int, int], np.dtype, int] | None:
    """Write the dB array of ``args.input`` to ``args.output`` (.npy) block by block.

    Returns ``(shape, dtype, sample rate)``, or None when the file is empty (the caller's
    offline path then reports it as it always has).
    """
    try:
        source = FileFrames(  # a placeholder transform: the real one needs the rate, set below
            args.input, Spectrogram(), sr=args.sr, mono=args.channel is None,
            channel=args.channel, offset=args.offset, duration=args.duration,
            res_type=args.res_type,
        )  # fmt: skip
    except ParameterError as err:  # name the option as the user typed it, as load_channel does
        prefix = f"channel={args.channel}: "
        if args.channel is None or not str(err).startswith(prefix):
            raise
        raise ParameterError(f"--channel {args.channel}: {str(err)[len(prefix) :]}") from None
    n_in = source.frames_in
    n = n_in if source.resampler is None else math.ceil(n_in * source.sr / source.sr_native)
    if n == 0:
        source.reader.close()
        return None
    try:
        transform = source.transform = _transform(args, source.sr)
        _check_db_options(args)
    except BaseException:
        source.reader.close()
        raise
    rows = transform.mel_basis.shape[0] if args.kind == "mel" else 1 + transform.n_fft // 2
    count = transform.geometry.n_frames(n)
    dtype = np.dtype(np.float32)
    enabled = sys.stderr.isatty() if args.progress is None else args.progress
    progress = Progress(n_in, source.sr_native, sys.stderr, enabled)
    with scratch_file(args.output) as tmp:  # a full disk names args.output (issue 9)
        offset = _header(tmp, (rows, count), dtype)
        done, peak = 0, dtype.type(0)
        for block in _blocks(source, progress):
            peak = max(peak, block.max())
            _write(tmp, block, dtype)
            done += block.shape[-1]
        if done != count:  # the arithmetic above and the stream disagree: never write it
            raise AssertionError(f"{done} frames computed, {count} expected")
        progress.update(n_in, final=True)
        _to_db(tmp, offset, rows, count, dtype, peak, args)
    return (rows, count), dtype, int(source.sr)


def pooled_db(args: argparse.Namespace) -> tuple[Any, tuple[int, int], int] | None:
    """The dB spectrogram of ``args.input`` for a figure ``args.width`` pixels wide, made in
    blocks: ``(data, shape, sample rate)``, or None for an empty file.

    The dB array is written block by block to a temporary ``.npy`` (:func:`write_npy`), then
    read back in blocks of columns whose frames are max-pooled onto the pixel columns
    (:class:`dsp.viz._raster.ColumnPool`): ``data`` is those :class:`PooledColumns`, which
    :func:`dsp.specshow` draws as the same picture as the whole array, or the array itself
    when it has no more frames than the figure has columns. Memory: blocks and the pooled
    ``(rows, width)`` columns, whatever the length; disk: the dB array, for the time it takes.
    """
    with tempfile.TemporaryDirectory(prefix="dsp-figure-") as folder:
        npy = os.path.join(folder, "db.npy")
        written = write_npy(argparse.Namespace(**{**vars(args), "output": npy}))
        if written is None:
            return None
        (rows, count), dtype, sr = written
        with open(npy, "rb") as f:
            np.lib.format.read_magic(f)
            np.lib.format.read_array_header_1_0(f)
            offset = f.tell()
            if count <= args.width:
                return _read(f, offset, rows, 0, count, dtype), (rows, count), sr
            columns = ColumnPool(rows, count, args.width, dtype)
            for a, b in _columns(count, rows, dtype.itemsize):
                columns.add(_read(f, offset, rows, a, b, dtype))
        return columns.result(), (rows, count), sr


def _check_db_options(args: argparse.Namespace) -> None:
    """``--amin`` and ``--top-db`` as ``power_to_db`` checks them, before any work."""
    from .._validation import check_real_number
    from ..db import _check_amin

    if args.amin is not None:
        _check_amin(args.amin, np.dtype(np.float32))
    if args.top_db is not None:
        check_real_number("top_db", args.top_db, nonnegative=True)
    if args.ref is not np.max:
        check_real_number("ref", args.ref, positive=True)


def _blocks(source: FileFrames, progress: Progress) -> Any:
    for block in source:
        progress.update(source.frames_read)
        yield block


def _columns(count: int, rows: int, itemsize: int) -> list[tuple[int, int]]:
    step = max(1, _DB_BLOCK_BYTES // (rows * itemsize))
    return [(a, min(a + step, count)) for a in range(0, count, step)]


def _to_db(
    tmp: Any, offset: int, rows: int, count: int, dtype: np.dtype, peak: Any, args: Any
) -> None:
    """Eq. D1/D2 over the file in blocks: the values of ``power_to_db`` / ``amplitude_to_db``
    on the whole array (``ref=np.max`` is the running maximum ``peak``; ``max(S_db)`` for
    ``top_db`` is gathered in the second pass)."""
    amplitude = args.kind == "stft" or args.power == 1.0
    amin = args.amin if args.amin is not None else (1e-5 if amplitude else 1e-10)
    ref_value = peak if args.ref is np.max else float(args.ref)
    if amplitude:
        # As amplitude_to_db: the reference squared as librosa's ``ref ** 2`` (float64 for a
        # float32 peak on NumPy 1.x), the peak as the spectrogram's own ``np.square(S)``.
        ref_power = _ref_power(ref_value)
        with np.errstate(over="ignore"):
            peak_power = np.square(peak)
        if not (np.isfinite(peak_power) and np.isfinite(ref_power) and dtype.type(amin * amin) > 0):
            raise ParameterError("values too large for the block-wise dB conversion")

    def db(S: np.ndarray) -> np.ndarray:
        if amplitude:
            return _power_to_db(np.square(S), ref=1.0, ref_value=ref_power, amin=amin * amin,
                                top_db=None)  # fmt: skip
        return _power_to_db(S, ref=1.0, ref_value=ref_value, amin=amin, top_db=None)

    pieces = _columns(count, rows, dtype.itemsize)
    top = None
    for a, b in pieces:  # pass 2: dB in place, and its maximum
        S = _read(tmp, offset, rows, a, b, dtype)
        S_db = db(S)
        top = S_db.max() if top is None else max(top, S_db.max())
        tmp.seek(offset + a * rows * dtype.itemsize)
        _write(tmp, S_db, dtype)
    with atomic_write(args.output) as out:  # pass 3: the floor, into the output
        _header(out, (rows, count), dtype)
        for a, b in pieces:
            S_db = _read(tmp, offset, rows, a, b, dtype)
            if args.top_db is not None:
                with np.errstate(over="ignore"):
                    S_db = np.maximum(S_db, top - args.top_db)
            _write(out, S_db, dtype)


def _read(tmp: Any, offset: int, rows: int, a: int, b: int, dtype: np.dtype) -> np.ndarray:
    tmp.seek(offset + a * rows * dtype.itemsize)
    data = np.frombuffer(tmp.read((b - a) * rows * dtype.itemsize), dtype=dtype)
    return data.reshape((rows, b - a), order="F")
