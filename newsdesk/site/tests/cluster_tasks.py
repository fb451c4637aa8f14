"""A task for the cluster test, run by the cluster's workers (they import it by its path, as
every django-tasks task): slow enough to kill its worker mid-run, with an idempotent effect."""

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def cluster_slow(*, folder: str, token: str, seconds: float) -> None:
    """Note each start (this process's id), wait, then note `token` as done unless it is."""
    folder = Path(folder)
    with open(folder / "starts", "a") as starts:
        starts.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    done = folder / "done"
    if token not in (done.read_text().split() if done.exists() else []):
        with open(done, "a") as log:
            log.write(f"{token}\n")
