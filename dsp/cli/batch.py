"""``dsp batch``: features of many clips at once, on this machine's cores or a Dask cluster.

A front end to :func:`dsp.batch.extract`: one ``.npy`` per clip mirroring the input tree (or
tar shards), ``manifest.csv`` as it goes, resumable, bad files recorded and skipped. Exit status
0 if every clip has its features, 1 if some failed (named in the manifest), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import os
import sys
from collections.abc import Iterator
from typing import Any

from ..batch._features import FEATURES
from ..errors import ParameterError
from ._common import add_db, add_mel, add_stft

__all__ = ["register"]

EXIT_SOME_FAILED = 1
_UNSET: Any = type("Unset", (), {"__repr__": lambda self: "<unset>"})()
#: Option (dest) -> parameter name, where a feature's function names it differently.
_RENAMED = {
    "kaldi_fbank": {"n_mels": "num_mel_bins", "fmin": "low_freq", "fmax": "high_freq"},
    "mfcc": {"norm": "mel_norm"},
}
_FEATURE_OPTIONS = (
    "n_fft",
    "hop_length",
    "win_length",
    "window",
    "center",
    "pad_mode",
    "n_mels",
    "fmin",
    "fmax",
    "htk",
    "norm",
    "power",
    "ref",
    "amin",
    "top_db",
    "n_mfcc",
    "precision",
)
_SHOWN_FAILURES = 10


def _sr(text: str) -> Any:
    if text.lower() in ("auto", "native"):
        return "auto" if text.lower() == "auto" else None
    return float(text)


def register(commands: Any) -> None:
    """Add ``batch`` to the ``dsp`` sub-command parsers."""
    p = commands.add_parser(
        "batch",
        help="features of many files: one .npy per clip (or tar shards) and a manifest",
        description="Compute a feature (default: the mel dB spectrogram of 'dsp mel') for every "
        "audio file under the inputs, in parallel, into OUTDIR: one .npy per clip "
        "mirroring the input tree (or tar shards, webdataset layout) and "
        "manifest.csv. Rerunning skips finished clips; bad files are recorded in "
        "the manifest and the run goes on (exit status 1 if any failed).",
    )
    p.add_argument(
        "input",
        nargs="+",
        metavar="INPUT",
        help="audio files, folders (searched recursively) or lists of paths "
        "(.txt one a line, .csv with a 'path' column)",
    )
    run = p.add_argument_group("run")
    run.add_argument(
        "-o", "--output", required=True, metavar="OUTDIR", help="output folder (created if missing)"
    )
    run.add_argument(
        "--feature",
        default="mel",
        metavar="NAME",
        help=f"what to compute: {', '.join(FEATURES)} or a preset name (default mel)",
    )
    run.add_argument(
        "--sr",
        type=_sr,
        default="auto",
        metavar="HZ|native|auto",
        help="load every clip at this rate (resampled); native keeps each file's "
        "rate; auto (default): the feature's rate (16000 for whisper and "
        "kaldi_fbank), else 22050",
    )
    run.add_argument("--res-type", metavar="NAME", help="resampler (default: dsp.load's)")
    run.add_argument(
        "--format",
        choices=("npy", "shards"),
        default="npy",
        help="npy: one file per clip (default); shards: tar files of "
        "--shard-size clips, key.npy members",
    )
    run.add_argument(
        "--shard-size", type=int, default=1000, metavar="N", help="clips per shard (default 1000)"
    )
    run.add_argument(
        "--jobs", type=int, metavar="N", help="worker processes (default: the cores available)"
    )
    run.add_argument(
        "--dask",
        metavar="ADDRESS|local",
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or "
        "'local' for a LocalCluster of --jobs workers (needs dsp[dask])",
    )
    run.add_argument(
        "--chunksize",
        type=int,
        metavar="N",
        help="clips per task (default: about 160 s of audio a task, at most 16 clips, each "
        "worker still getting 8 tasks or more)",
    )
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    add_stft(p, hop_default="512")
    bands = p.add_argument_group("mel bands (mel, mfcc; also whisper, kaldi_fbank)")
    add_mel(
        bands,
        {
            "--n-mels": "number of mel bands (128)",
            "--fmin": "lowest frequency (0)",
            "--fmax": "highest frequency (sr / 2)",
            "--htk": "HTK mel scale (default: Slaney's)",
            "--norm": "filter scaling (default slaney)",
            "--power": "2: power (default), 1: magnitude",
        },
        defaults=False,  # unset: the feature's own defaults (set_defaults below)
    )
    bands.add_argument("--n-mfcc", type=int, metavar="N", help="MFCCs per frame (mfcc: 20)")
    bands.add_argument(
        "--precision",
        choices=("float64", "float32"),
        help="float64 (default): identical to librosa; float32: fast mode",
    )
    add_db(p, amin_default="1e-10 for power, 1e-5 for magnitude")
    p.set_defaults(run=run_batch, **dict.fromkeys(_FEATURE_OPTIONS, _UNSET))


def _params(args: argparse.Namespace) -> dict[str, Any]:
    given = {k: getattr(args, k) for k in _FEATURE_OPTIONS if getattr(args, k) is not _UNSET}
    renamed = _RENAMED.get(args.feature, {})
    params = {renamed.get(k, k): v for k, v in given.items()}
    if args.feature in FEATURES and args.feature not in ("mel", "stft"):
        import dsp

        function = getattr(dsp, FEATURES[args.feature].needs[0], None)
        if function is not None:
            accepted = inspect.signature(function).parameters
            open_ended = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
            for option, name in zip(given, params, strict=True):
                if name not in accepted and not open_ended:
                    flag = "--" + option.replace("_", "-")
                    raise ParameterError(f"{flag} does not apply to --feature {args.feature}")
    return params


@contextlib.contextmanager
def _dask_client(address: str | None, jobs: int | None) -> Iterator[Any]:
    if address is None:
        yield None
        return
    try:
        import distributed
    except ImportError as err:
        raise ParameterError(
            "--dask needs Dask distributed: pip install 'dsp[dask]' (or "
            "pip install 'dask[distributed]')"
        ) from err
    if address == "local":
        cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        workers = jobs or (len(cores) if cores else os.cpu_count() or 1)
        # distributed's nanny sets OMP/OPENBLAS/MKL_NUM_THREADS=1 in this process's environment
        # and leaves it set: put the caller's environment back once the cluster is gone
        environ = dict(os.environ)
        try:
            with (
                distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                yield client
        finally:
            os.environ.clear()
            os.environ.update(environ)
    else:
        with distributed.Client(address) as client:
            yield client


def run_batch(args: argparse.Namespace) -> int:
    from .. import batch as _batch  # on first use: it imports multiprocessing, tarfile, csv

    transform = _batch.feature(args.feature, **_params(args))
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    with _dask_client(args.dask, args.jobs) as client:
        report = _batch.extract(
            args.input,
            args.output,
            transform=transform,
            sr=args.sr,
            res_type=args.res_type,
            format=args.format,
            shard_size=args.shard_size,
            jobs=args.jobs,
            executor=client,
            chunksize=args.chunksize,
            progress=progress,
        )
    for row in report.failed[:_SHOWN_FAILURES]:
        print(f"dsp: failed: {row['path']}: {row['error']}", file=sys.stderr)
    if len(report.failed) > _SHOWN_FAILURES:
        print(f"dsp: ... and {len(report.failed) - _SHOWN_FAILURES} more", file=sys.stderr)
    good = report.total - len(report.failed)
    print(
        f"dsp batch: {report.total} clip{'s' if report.total != 1 else ''}: {good} with "
        f"features ({report.skipped} of them "
        f"already done before this run), {len(report.failed)} failed; manifest "
        f"{report.manifest}"
    )
    return EXIT_SOME_FAILED if report.failed else 0
