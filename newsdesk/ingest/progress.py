"""Progress bars for the ingest commands: tqdm on a terminal, quiet lines elsewhere."""

from __future__ import annotations

from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(*, total: int | None, desc: str, stream, enabled: bool = True):
    """A tqdm bar on `stream` (the command's stderr), off when not wanted (verbosity 0)."""
    bar = tqdm(total=total, desc=desc, file=stream, disable=not enabled, unit="item",
               dynamic_ncols=True, leave=True, mininterval=0.2)
    try:
        yield bar
    finally:
        bar.close()
