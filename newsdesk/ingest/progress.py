"""Progress bars for the ingest commands: tqdm on a terminal, quiet lines elsewhere."""

from __future__ import annotations

from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(*, total: int | None, desc: str, stream, enabled: bool = True):
    """A tqdm bar on `stream` (the command's stderr) when it is a terminal and verbosity > 0.

    Logs and pipes get no bar, only the summary line: a bar redrawn with carriage returns is
    noise in a file.
    """
    isatty = getattr(stream, "isatty", None)
    shown = enabled and callable(isatty) and isatty()
    bar = tqdm(
        total=total,
        desc=desc,
        file=stream,
        disable=not shown,
        unit="item",
        dynamic_ncols=True,
        leave=True,
        mininterval=0.2,
    )
    try:
        yield bar
    finally:
        bar.close()
