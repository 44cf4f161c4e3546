"""``python -m dsp``: the same as the ``dsp`` command (see :mod:`dsp.cli`)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
