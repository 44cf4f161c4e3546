"""``dsp mel`` and ``dsp stft``: a WAV file to a dB spectrogram figure (PNG, SVG) or array (.npy).

A figure has a time axis, a frequency axis in Hz, a title and a dB colour bar
(:func:`dsp.specshow`); its plot is ``--width`` x ``--height`` pixels however long the sound
(frames are max-pooled per pixel column). ``--bare`` writes the raw raster instead: one pixel
per frame and frequency row, low frequencies at the bottom, no axes.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from ..db import amplitude_to_db, power_to_db
from ..errors import ParameterError
from ..pipeline import melspectrogram
from ..spectrum import stft
from ..viz._raster import PooledColumns
from ..viz.figure import MAX_SIDE, specshow
from ..viz.image import spectrogram_image, write_png
from ._common import (
    add_db,
    add_input,
    add_mel,
    add_output,
    add_stft,
    load_channel,
    mel_arguments,
    output_extension,
    save_npy,
    stft_arguments,
)
from ._longfile import add_progress, can_stream, pooled_db, write_npy

__all__ = ["register"]

#: The help of ``dsp mel``'s band options.
_MEL_HELP = {
    "--n-mels": "number of mel bands, the rows of the result (default 128)",
    "--fmin": "lowest frequency covered (default 0)",
    "--fmax": "highest frequency covered (default: half the sample rate)",
    "--htk": "use the HTK mel scale 2595 log10(1 + f/700); default: Slaney's "
    "(linear below 1 kHz, logarithmic above)",
    "--norm": "filter scaling: slaney (each band has equal area, the default), "
    "none (peak 1), or a number P to give each filter unit P-norm",
    "--power": "2 (the default): power spectrogram, 10 log10 to dB; 1: magnitude, 20 log10 to dB",
}


def register(commands: Any) -> None:
    """Add ``mel`` and ``stft`` to the ``dsp`` sub-command parsers."""
    _add_command(
        commands,
        "mel",
        summary="mel spectrogram in dB (the input of most audio classifiers)",
        description="Mel spectrogram in dB: power_to_db(melspectrogram(y, sr), ref=np.max). "
        "Frequencies are grouped into bands spaced as the ear hears them.",
        hop_default="512",
        amin_default="1e-10 for power, 1e-5 for magnitude",
    )
    _add_command(
        commands,
        "stft",
        summary="linear-frequency spectrogram in dB",
        description="Linear-frequency spectrogram in dB: amplitude_to_db(|stft(y)|, "
        "ref=np.max); n_fft // 2 + 1 rows from 0 Hz to half the sample rate.",
        hop_default="win-length // 4",
        amin_default="1e-5",
        y_axes=("linear", "log"),
    )


def _add_command(
    commands: Any,
    kind: str,
    *,
    summary: str,
    description: str,
    hop_default: str,
    amin_default: str,
    y_axes: tuple[str, ...] = (),
) -> None:
    """One of the two commands: the same option groups, and the mel bands for ``mel``."""
    parser = commands.add_parser(kind, help=summary, description=description)
    add_input(parser)
    add_output(parser)
    add_stft(parser, hop_default=hop_default)
    if kind == "mel":
        add_mel(parser.add_argument_group("mel bands"), _MEL_HELP)
    add_db(parser, amin_default=amin_default)
    add_progress(parser)
    _add_figure(parser, y_axes=y_axes)
    parser.set_defaults(run=run, kind=kind)


def _pixels(text: str) -> int:
    value = int(text)
    if not 16 <= value <= MAX_SIDE:
        raise argparse.ArgumentTypeError(f"{value} px must be between 16 and {MAX_SIDE}")
    return value


def _add_figure(parser: argparse.ArgumentParser, y_axes: tuple[str, ...] = ()) -> None:
    p = parser.add_argument_group("figure (.png and .svg output)")
    p.add_argument(
        "--width",
        type=_pixels,
        default=1200,
        metavar="PX",
        help="width of the plot in pixels (default 1200); a longer sound has several "
        "frames per pixel column, the loudest shown",
    )
    p.add_argument(
        "--height",
        type=_pixels,
        default=480,
        metavar="PX",
        help="height of the plot in pixels (default 480)",
    )
    p.add_argument(
        "--title",
        metavar="TEXT",
        help="title above the plot (default: the file name and the analysis)",
    )
    if y_axes:
        p.add_argument(
            "--y-axis",
            choices=y_axes,
            default=y_axes[0],
            help="frequency axis: linear (the default) or log (octaves equally spaced)",
        )
    p.add_argument(
        "--bare",
        action="store_true",
        help="write only the raw raster (PNG): one pixel per frame and frequency "
        "row, low frequencies at the bottom, no axes or labels",
    )


def _to_db(args: argparse.Namespace, y: np.ndarray, sr: int) -> np.ndarray:
    db = {"ref": args.ref, "top_db": args.top_db}
    if args.amin is not None:
        db["amin"] = args.amin
    if args.kind == "stft":
        return amplitude_to_db(np.abs(stft(y, **stft_arguments(args))), **db)
    S = melspectrogram(y=y, sr=sr, **mel_arguments(args))
    return (power_to_db if args.power == 2.0 else amplitude_to_db)(S, **db)


def _what(args: argparse.Namespace, shape: tuple[int, ...]) -> str:
    rows = "mel bands" if args.kind == "mel" else "frequency bins"
    return f"{args.kind} dB spectrogram, {shape[0]} {rows} x {shape[1]} frames"


def _figure(args: argparse.Namespace, S_db: np.ndarray, sr: int) -> Any:
    name = os.path.basename(args.input)
    ref = "max" if args.ref is np.max else f"{args.ref:g}"
    if args.kind == "mel":
        hop = args.hop_length or 512
        title = (
            f"{name}: mel spectrogram, {S_db.shape[0]} bands, n_fft={args.n_fft}, "
            f"hop={hop}, {sr} Hz"
        )
        axes = {"y_axis": "mel", "fmin": args.fmin, "fmax": args.fmax, "htk": args.htk}
    else:
        hop = args.hop_length or (args.win_length or args.n_fft) // 4
        title = f"{name}: spectrogram, n_fft={args.n_fft}, hop={hop}, {sr} Hz"
        axes = {"y_axis": args.y_axis, "n_fft": args.n_fft}
    top_db = 80.0 if args.top_db is None else args.top_db
    values = S_db.values if isinstance(S_db, PooledColumns) else S_db  # pooled: the same max
    vmax = float(np.max(values[np.isfinite(values)])) if np.isfinite(values).any() else 0.0
    return specshow(
        S_db,
        sr=sr,
        hop_length=hop,
        x_axis="time",
        cmap=args.colormap,
        vmin=vmax - top_db,
        vmax=vmax,
        title=args.title or title,
        colorbar_label=f"dB (re {ref})",
        width=args.width,
        height=args.height,
        **axes,
    )


def run(args: argparse.Namespace) -> None:
    extension = output_extension(args, (".png", ".svg", ".npy"))
    if args.bare and extension != ".png":
        raise ParameterError(
            f"--bare writes a PNG raster: --output {args.output!r} must end in .png"
        )
    if can_stream(args) and not args.bare:  # block by block: constant memory
        if extension == ".npy":
            written = write_npy(args)
            if written is not None:
                shape, dtype, _ = written
                print(f"wrote {args.output}: {_what(args, shape)}, {dtype}, shape {shape}")
                return
        else:
            made = pooled_db(args)
            if made is not None:
                _save_figure(args, *made)
                return
    y, sr = load_channel(args)
    S_db = _to_db(args, y, sr)
    what = _what(args, S_db.shape)
    if extension == ".npy":
        save_npy(args.output, S_db)
        print(f"wrote {args.output}: {what}, {S_db.dtype}, shape {S_db.shape}")
    elif args.bare:
        top_db = 80.0 if args.top_db is None else args.top_db
        picture = spectrogram_image(
            S_db, top_db=top_db, colormap=args.colormap, min_width=1, min_height=1
        )
        write_png(args.output, picture)
        print(f"wrote {args.output}: {what}, raw raster {picture.shape[1]} x {picture.shape[0]} px")
    else:
        _save_figure(args, S_db, S_db.shape, sr)


def _save_figure(args: argparse.Namespace, data: Any, shape: tuple[int, int], sr: int) -> None:
    figure = _figure(args, data, sr)
    figure.save(args.output)
    pooled = (
        f", {figure.frames_per_column:.1f} frames per pixel column"
        if figure.frames_per_column > 1
        else ""
    )
    print(
        f"wrote {args.output}: {_what(args, shape)}, figure {figure.width} x {figure.height} px "
        f"(plot {figure.plot[2]} x {figure.plot[3]}{pooled})"
    )
