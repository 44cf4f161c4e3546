"""``dsp live``: raw PCM on standard input to a scrolling mel spectrogram in the terminal.

``arecord -f S16_LE -r 16000 | dsp live --sr 16000``. Time flows down the screen, one text row
per frame; frequency runs left to right, one character cell per mel band, low frequencies on
the left, coloured with the 256-colour palette (``ESC[48;5;Nm``) through the cubehelix map.
Each row is drawn as soon as its frame is complete (:class:`dsp.streaming.MelStream` with
``exact=False``: the look-ahead of half a frame, nothing more) until end of input or Ctrl-C.
Level: ``power_to_db(M, ref=1)``; the colours span ``--range`` dB below a full-scale sine's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from typing import IO, Any

import numpy as np

from ..db import power_to_db
from ..errors import ParameterError
from ..transforms import MelSpectrogram
from ..viz.colormap import colorize

__all__ = ["register", "LivePipeline", "palette_index"]

_FORMATS: dict[str, np.dtype] = {"s16le": np.dtype("<i2"), "f32le": np.dtype("<f4")}
_RESET = "\x1b[0m"


def register(commands: Any) -> None:
    """Add ``live`` to the ``dsp`` sub-command parsers."""
    live = commands.add_parser(
        "live",
        help="scrolling spectrogram of raw audio on standard input, in the terminal",
        description="Read raw PCM from standard input (e.g. arecord -f S16_LE -r 16000 | "
        "dsp live --sr 16000) and draw a mel spectrogram that scrolls down the terminal: "
        "one text row per frame, one column per mel band (low frequencies left), until the "
        "input ends or Ctrl-C.",
    )
    live.add_argument(
        "--sr",
        type=int,
        default=16000,
        metavar="HZ",
        help="sample rate of the input (default 16000)",
    )
    live.add_argument(
        "--channels",
        type=int,
        default=1,
        metavar="N",
        help="interleaved channels in the input, averaged into one (default 1)",
    )
    live.add_argument(
        "--format",
        choices=tuple(_FORMATS),
        default="s16le",
        help="sample encoding: s16le (16-bit little-endian, the default) or f32le",
    )
    live.add_argument(
        "--n-fft", type=int, default=1024, metavar="N", help="samples per frame (default 1024)"
    )
    live.add_argument(
        "--hop-length",
        type=int,
        metavar="N",
        help="samples between rows (default: sr / 25, 40 ms per row)",
    )
    live.add_argument(
        "--n-mels",
        type=int,
        metavar="N",
        help="mel bands, one per column (default: the terminal's width, at most 128)",
    )
    live.add_argument("--range", type=float, default=80.0, metavar="DB",
                      help="dB shown from black to white (default 80)")  # fmt: skip
    live.set_defaults(run=run)


def palette_index(rgb: np.ndarray) -> np.ndarray:
    """The nearest xterm 256-colour palette entry (16-231 cube, 232-255 greys) of each RGB."""
    steps = np.array([0, 95, 135, 175, 215, 255])
    cube = np.stack(np.meshgrid(steps, steps, steps, indexing="ij"), -1).reshape(-1, 3)
    greys = np.repeat((8 + 10 * np.arange(24))[:, None], 3, axis=1)
    palette = np.concatenate([cube, greys]).astype(np.int64)
    distance = ((rgb[..., None, :].astype(np.int64) - palette) ** 2).sum(-1)
    return 16 + distance.argmin(-1)


class LivePipeline:
    """Bytes of raw PCM in, rows of colour indices out: the whole ``dsp live`` computation.

    ``feed(data)`` takes any number of bytes (a partial sample is kept for the next call) and
    returns ``(k, n_mels)`` palette indices, one row per completed frame; ``db`` holds the
    last rows' dB values; ``end()`` returns the rows of the frames the end of input completes.
    """

    def __init__(self, *, sr: int, channels: int, fmt: str, n_fft: int, hop_length: int,
                 n_mels: int, db_range: float) -> None:  # fmt: skip
        if channels < 1:
            raise ParameterError(f"--channels {channels} must be a positive integer")
        if not db_range > 0:
            raise ParameterError(f"--range {db_range} must be a positive number of dB")
        self.dtype, self.channels = _FORMATS[fmt], channels
        self.transform = MelSpectrogram(
            sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, precision="float32"
        )
        self.stream = self.transform.stream(exact=False)
        # A full-scale sine: |X| = sum(window) / 2, power (sum(window) / 2) ** 2 in one bin.
        top = 10 * np.log10((self.transform.window.sum() / 2) ** 2)
        self.vmin, self.db_range = top - db_range, db_range
        levels = colorize(np.arange(256, dtype=np.uint8))
        self.lut = palette_index(levels)
        self._rest = b""
        self.db = np.zeros((n_mels, 0), np.float32)

    def _rows(self, M: np.ndarray) -> np.ndarray:
        self.db = power_to_db(M, ref=1.0, top_db=None) if M.shape[-1] else M
        level = np.clip((self.db - self.vmin) / self.db_range * 255, 0, 255).astype(np.uint8)
        return self.lut[level.T]

    def feed(self, data: bytes) -> np.ndarray:
        data = self._rest + data
        frame = self.dtype.itemsize * self.channels
        whole = len(data) // frame * frame
        self._rest = data[whole:]
        x = np.frombuffer(data[:whole], dtype=self.dtype).reshape(-1, self.channels)
        y = x.astype(np.float32) / 32768 if self.dtype.kind == "i" else x.astype(np.float32)
        if self.channels > 1:
            y = y.mean(axis=1, dtype=np.float32)[:, None]
        return self._rows(self.stream.push(np.ascontiguousarray(y[:, 0])))

    def end(self) -> np.ndarray:
        if self.stream.power._buffer.n == 0:
            return self.lut[np.zeros((0, self.transform.mel_basis.shape[0]), np.uint8)]
        return self._rows(self.stream.flush())


def draw(rows: np.ndarray, out: IO[str]) -> None:
    """Write rows of palette indices as coloured spaces, one text row each."""
    if not rows.shape[0]:
        return
    cells = np.char.add(np.char.add("\x1b[48;5;", rows.astype(str)), "m ")
    lines = ["".join(row) + _RESET + "\n" for row in cells.tolist()]
    out.write("".join(lines))
    out.flush()


def run(args: argparse.Namespace) -> int:
    if args.sr < 1:
        raise ParameterError(f"--sr {args.sr} must be a positive number of Hz")
    source = sys.stdin.buffer
    if os.isatty(source.fileno()):
        raise ParameterError(
            "dsp live reads raw PCM from standard input: pipe audio into it, e.g. "
            "arecord -f S16_LE -r 16000 | dsp live --sr 16000"
        )
    width = shutil.get_terminal_size((81, 24)).columns
    n_mels = args.n_mels or max(8, min(128, width - 1))
    hop = args.hop_length or max(1, args.sr // 25)
    pipeline = LivePipeline(
        sr=args.sr, channels=args.channels, fmt=args.format, n_fft=args.n_fft, hop_length=hop,
        n_mels=n_mels, db_range=args.range,
    )  # fmt: skip
    print(
        f"dsp live: {args.sr} Hz, {args.channels} channel(s), {args.format}, n_fft "
        f"{args.n_fft}, one row per {hop / args.sr * 1000:.0f} ms, {n_mels} mel bands from 0 "
        f"(left) to {args.sr / 2:g} Hz (right), {args.range:g} dB range; Ctrl-C stops",
        file=sys.stderr,
    )
    out = sys.stdout
    read = hop * args.channels * _FORMATS[args.format].itemsize
    try:
        while True:
            data = os.read(source.fileno(), read)
            if not data:
                break
            draw(pipeline.feed(data), out)
        draw(pipeline.end(), out)
    except KeyboardInterrupt:
        out.write(_RESET + "\n")
        out.flush()
    return 0
