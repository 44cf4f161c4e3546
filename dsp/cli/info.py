"""``dsp info``: a sound file's encoding, rate, channels, frames and duration."""

from __future__ import annotations

import argparse
from typing import Any

from ..io.audio import info

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``info`` to the ``dsp`` sub-command parsers."""
    describe = commands.add_parser(
        "info", help="describe a WAV file", description="Print a WAV file's encoding, sample "
        "rate, channels, frames and duration (reads the header only).")
    describe.add_argument("input", metavar="IN.wav", help="the WAV file")
    describe.set_defaults(run=run)



def run(args: argparse.Namespace) -> None:
    print(f"file      {args.input}\n{info(args.input)}")
