"""Write ``RESULTS.md`` from the measurements: machine, targets, ratios, memory, start-up."""

from __future__ import annotations

import datetime
from typing import Any

from ._common import HOP, N_FFT, N_MELS, SR, fmt_ratio, mib, table

__all__ = ["targets", "render"]


def _find(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    return next((r for r in rows if all(r.get(k) == v for k, v in match.items())), None)


def targets(
    timing: list[dict[str, Any]], memory: list[dict[str, Any]], startup: list[dict[str, Any]]
) -> list[list[str]]:
    """The issue's targets table: case, target, measured, met."""
    out = []

    def add(case: str, target: str, value: float | None, limit: float, shown: str) -> None:
        met = "n/a" if value is None else ("**met**" if value <= limit else "**missed**")
        out.append([case, target, shown if value is not None else "not measured", met])

    for name, limit in (
        ("melspectrogram", 0.65),
        ("melspectrogram, fast mode", 0.40),
        ("stft", 0.90),
    ):
        row = _find(timing, length="10 min", case=name)
        add(
            f"`{name}` (10 min)",
            f"<= {limit:.2f} x librosa's time",
            row and row["ratio"],
            limit,
            row and fmt_ratio(row) + " x",
        )
    row = _find(memory, length="60 min", case="melspectrogram")
    value = row and row["ours"] / row["ref"]
    add(
        "60-min `melspectrogram` peak memory increase",
        "<= 0.5 x librosa's (well under it)",
        value,
        0.5,
        row
        and f"{mib(row['ours'])} = {value:.2f} x librosa's "
        f"({mib(row['ref'])}); {row['ours'] / row['out_bytes']:.1f} x the output",
    )
    row = _find(memory, length="60 min", case="melspectrogram, bounded mode")
    value = row and row["ours"] / row["out_bytes"]
    add(
        '60-min bounded mode (`precision="float64-bounded"`) peak memory increase',
        "<= 2 x the output array",
        value,
        2.0,
        row
        and f"{mib(row['ours'])} = {value:.2f} x the output ({mib(row['out_bytes'])}); "
        f"librosa {mib(row['ref'])} = {row['ref'] / row['out_bytes']:.1f} x",
    )
    dsp_row = _find(startup, name="dsp: import + melspectrogram of 1 s")
    add(
        "fresh process: `import dsp` + first `melspectrogram` of 1 s",
        "<= 1.5 x the wall time of `python -c 'import numpy'`",
        dsp_row and dsp_row["wall_ratio"],
        1.5,
        dsp_row and f"{dsp_row['wall_ratio']:.2f} x ({dsp_row['wall'] * 1e3:.0f} ms)",
    )
    add(
        "that process's peak resident memory",
        "<= 1.5 x numpy's alone",
        dsp_row and dsp_row["rss_ratio"],
        1.5,
        dsp_row and f"{dsp_row['rss_ratio']:.2f} x ({mib(dsp_row['rss'])})",
    )
    return out


def _timing_table(rows: list[dict[str, Any]]) -> str:
    body = []
    for r in rows:
        same = "identical" if r["identical"] else f"{r['max_abs']:.3g} ({r['max_rel']:.2g} of max)"
        body.append(
            [
                r["length"],
                r["case"],
                f"`{r['ours_label']}`",
                f"{r['ours'] * 1e3:.1f}",
                f"{r['ref'] * 1e3:.1f}",
                fmt_ratio(r),
                r["contract"],
                same,
            ]
        )
    return table(
        [
            "signal",
            "case",
            "timed",
            "ms",
            "librosa ms",
            "ratio [min, max]",
            "contract",
            "deviation from librosa: max abs (rel. to max)",
        ],
        body,
    )


def _memory_table(rows: list[dict[str, Any]]) -> str:
    body = [
        [
            r["length"],
            r["case"],
            mib(r["out_bytes"]),
            mib(r["ours"]),
            f"{r['ours'] / r['out_bytes']:.2f} x",
            mib(r["ref"]),
            f"{r['ref'] / max(r['ref_out_bytes'], 1):.2f} x",
        ]
        for r in rows
    ]
    return table(
        [
            "signal",
            "case",
            "output array",
            "peak increase",
            "/ output",
            "librosa peak increase",
            "/ its output",
        ],
        body,
    )


def _startup_table(rows: list[dict[str, Any]]) -> str:
    body = [
        [
            r["name"],
            f"{r['wall'] * 1e3:.0f} [{r['wall_lo'] * 1e3:.0f}, {r['wall_hi'] * 1e3:.0f}]",
            f"{r['wall_ratio']:.2f} x",
            mib(r["rss"]),
            f"{r['rss_ratio']:.2f} x",
        ]
        for r in rows
    ]
    return table(["process", "wall ms, median [min, max]", "/ numpy", "peak RSS", "/ numpy"], body)


def _design(design: dict[str, list[dict[str, Any]]]) -> list[str]:
    parts = []
    if design.get("variants"):
        parts += [
            "### Engine variants (10 min; ratio = variant time / automatic choice)",
            "",
            table(
                ["case", "variant", "ms", "automatic ms", "ratio [min, max]"],
                [
                    [
                        r["case"],
                        r["variant"],
                        f"{r['ours'] * 1e3:.1f}",
                        f"{r['ref'] * 1e3:.1f}",
                        fmt_ratio(r),
                    ]
                    for r in design["variants"]
                ],
            ),
            "",
        ]
    if design.get("spin"):
        r = design["spin"][0]
        parts += [
            "### OpenBLAS worker threads spin after a call",
            "",
            f"Two threads of FFTs take {r['after'] * 1e3:.1f} ms right after a "
            f"multi-threaded BLAS product and {r['idle'] * 1e3:.1f} ms after 0.5 s idle "
            f"(median ratio **{r['ratio']:.2f}**): OpenBLAS keeps its worker busy-waiting "
            "for about 0.1 s after each call, taking a core from the FFT threads. Hence the "
            "default float64 mode makes one projection call after all FFTs, the bounded "
            "mode as few batches as its memory budget allows (one for a 10-min signal; "
            "`EngineConfig.work_bytes`), and the fast mode keeps its banded products "
            "small enough to run on the calling thread.",
            "",
        ]
    if design.get("blas"):
        parts += [
            "### The dense projection: BLAS threads",
            "",
            "librosa's product (and so the float64 mode's) with the process's BLAS "
            "threads and with one thread: the two round differently (the threaded driver "
            "splits the sum over bins at other points), so the float64 mode must keep "
            "librosa's thread count; it cannot hold BLAS to one thread while its own "
            "threads run the FFTs. Multi-threaded calls also suffer when the other vCPU "
            "is descheduled (steal): in noisy moments a 431-frame product was seen to "
            "take about 30 ms instead of 1.",
            "",
            table(
                ["frames", "default threads ms", "1 thread ms", "same bits?"],
                [
                    [
                        r["frames"],
                        f"{r['default'] * 1e3:.2f}",
                        f"{r['one'] * 1e3:.2f}",
                        "yes" if r["identical"] else "no",
                    ]
                    for r in design["blas"]
                ],
            ),
            "",
        ]
    if design.get("chunks"):
        parts += [
            "### Dense projection chunks: when is a chunk's product librosa's?",
            "",
            "Widest chunk (frames, the last columns of a product of "
            f"{design['chunks'][0]['total']} frames) whose columns differ from the "
            "one-call product, with this process's BLAS kernel (other kernels differ: "
            "`results/blas_parity.md`). The bounded mode's chunks are at least 1024 "
            "frames, aligned to 256, and `n_mels = 1` (a matrix-vector product, split by "
            "thread differently at every size) is never chunked; the default mode makes "
            "librosa's one call.",
            "",
            table(
                ["dtype", "n_mels", "n_fft", "widest differing chunk"],
                [
                    [
                        r["dtype"],
                        r["n_mels"],
                        r["n_fft"],
                        "none" if r["widest_bad"] is None else r["widest_bad"],
                    ]
                    for r in design["chunks"]
                ],
            ),
            "",
        ]
    if design.get("floor"):
        parts += [
            "### The floor: the FFT alone (10 min, already-windowed frames) / librosa's "
            "whole melspectrogram",
            "",
            table(
                ["FFT", "ms", "librosa mel ms", "ratio [min, max]"],
                [
                    [r["variant"], f"{r['ours'] * 1e3:.1f}", f"{r['ref'] * 1e3:.1f}", fmt_ratio(r)]
                    for r in design["floor"]
                ],
            ),
            "",
        ]
    return parts


_NOTES = [
    "## Notes",
    "",
    "- The machine is a shared 2-vCPU virtual machine: other guests take CPU time (steal, in "
    "the machine table) and large fresh allocations fault in transparent huge pages, so single "
    "runs vary by 2x or more. Each ratio pairs two runs made back to back; the medians are "
    "stable between runs of the suite, the [min, max] ranges are wide.",
    "- The default mode is bit-identical to librosa for every case marked `identical`, on "
    "every BLAS kernel and thread count (`results/blas_parity.md`): it makes librosa's one "
    "BLAS call over the whole power spectrogram. The bounded mode is identical where the "
    "kernel sums a chunk as the whole product (this machine's SkylakeX kernel), within 2e-6 "
    'of the maximum elsewhere. The fast mode (`precision="float32"`) is within 1e-5 of '
    "the maximum (`power >= 1`), and its dB output within 1e-3 dB (the deviation column).",
    "- The float64 FFT computes `scipy.fft`'s bits, librosa's FFT library: with NumPy 2.0-2.4 "
    "and SciPy <= 1.17 by calling NumPy's FFT (the same pocketfft code; importing `scipy.fft` "
    "would cost 28 MiB and break the start-up targets), elsewhere by calling `scipy.fft` "
    "(`dsp/_fftlib.py`). In the fast mode `scipy.fft` is used on long signals, where its "
    "float32 FFT is faster than NumPy's (see the floor table).",
    "- Edge frames: like librosa 0.11, the engine pads a copy of each end of the signal "
    "(one-sided), not the whole signal; with `reflect`/`symmetric` padding and a hop of at "
    "least half a frame, librosa's last frame then differs from that of a whole-signal "
    "padding, and the engine reproduces librosa's.",
    "- Memory: the default mode holds the float32 power spectrogram, as librosa does (librosa "
    "also holds the complex STFT, twice its size, and a padded copy of the signal), and the "
    "output. The bounded mode uses at most the larger of 128 MiB and twice its output "
    "(`EngineConfig.work_bytes`), most of it for the power spectrum of a batch of frames: "
    "an hour's stays under 2x its output. The fast mode needs no batches.",
    "- Threads: two (the cores) from about 47 s of audio at n_fft 2048 "
    "(`EngineConfig.thread_min_samples`); shorter signals run on one.",
    "- Issue 8: the default mel before and after the change is in "
    "`results/mel_before_after.md` (`python -m benchmarks.before_after`), its parity on the "
    "Haswell, Sandybridge and default OpenBLAS kernels with 1, 2 and 4 threads in "
    "`results/blas_parity.md` (`python -m benchmarks.blas_parity`).",
    "- `power_to_db` is not part of the engine: it matches librosa's time and holds two "
    "arrays of its input's size, hence the chain to dB at 3x the output at 60 min.",
    "",
]


#: The other benchmarks: each writes its own file under ``results/`` (``python -m benchmarks.X``).
TOPICS = (
    ("mel_before_after", "before_after", "8", "the default mel before and after the parity fix"),
    ("blas_parity", "blas_parity", "8", "mel projection parity per BLAS kernel and thread count"),
    ("resampling", "resampling", "10", "dsp_hq against soxr HQ: time, passband, alias/image"),
    ("streaming", "streaming", "11", "streaming vs offline, dsp live, memory against length"),
    ("figures", "figures", "12", "figure sizes and drawing time against librosa + matplotlib"),
    ("toolbox", "toolbox", "13", "MFCC, deltas, istft, Griffin-Lim, mel inversion vs librosa"),
    ("conventions", "conventions", "14", "Whisper vs transformers, Kaldi vs kaldi-native-fbank"),
    ("batch", "batch", "15", "dataset throughput vs librosa in a pool; Dask overhead"),
)


def _topic_index() -> list[str]:
    """Links to the per-topic result files (each has its own machine, date and targets)."""
    rows = [
        [f"[results/{name}.md](results/{name}.md)", f"`python -m benchmarks.{module}`", issue, what]
        for name, module, issue, what in TOPICS
    ]
    return [
        "## Other benchmarks",
        "",
        "Each writes its own file, with its machine, date, load and targets:",
        "",
        table(["file", "command", "issue", "what"], rows),
        "",
    ]


def render(
    machine: dict[str, str],
    timing: list[dict[str, Any]],
    memory: list[dict[str, Any]],
    startup: list[dict[str, Any]],
    design: dict[str, list[dict[str, Any]]],
    command: str,
) -> str:
    """The whole report."""
    lines = [
        "# Benchmarks: dsp against librosa 0.11",
        "",
        f"Generated by `{command}` on {datetime.date.today().isoformat()}; do not edit by hand.",
        f"Seeded float32 white noise at {SR} Hz; n_fft {N_FFT}, hop {HOP}, {N_MELS} mels. "
        "Ratios are dsp (or the peer) over librosa, lower is faster: the median of paired runs "
        "alternated in one process after a warm-up, with the min and max ratio.",
        "",
        "## Machine",
        "",
        table(["", ""], [[k, v] for k, v in machine.items()]),
        "",
        "## Targets",
        "",
        table(["case", "target", "measured", "met?"], targets(timing, memory, startup)),
        "",
        "## Time and deviation from librosa",
        "",
        _timing_table(timing),
        "",
        "`identical`: `np.array_equal` with librosa's output and the same dtype. Peers return "
        "complex128 (scipy) and are compared after conversion.",
        "",
        "## Peak memory",
        "",
        "Each case in a fresh process: increase of the resident high-water mark over the "
        "process with its library imported, warmed up on 1 s of audio and its input loaded "
        "(the output array, kept, is included).",
        "",
        _memory_table(memory),
        "",
        *_topic_index(),
        "## Time to first result",
        "",
        "Fresh processes, alternated, medians; peak RSS from `wait4`. dsp's bytecode is compiled "
        "first, as an installed package's is.",
        "",
        _startup_table(startup),
        "",
        "## Why the engine is built as it is",
        "",
        *_design(design),
        *_NOTES,
    ]
    return "\n".join(lines).rstrip() + "\n"
