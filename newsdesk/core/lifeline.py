"""A child process that must not outlive the process that started it (issue 12, finding 3).

`newsdesk serve` starts its task worker with `--parent PID`. If the server is killed outright
(kill -9, the OOM killer), nothing runs to stop the worker: re-parented to pid 1, it would go on
scheduling periodic jobs beside the worker of the next server. So the worker asks the kernel to
send it SIGTERM when its parent dies (PR_SET_PDEATHSIG, Linux), and on every system also checks
once a second that its parent is still the one it was started by.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _parent_death_signal(signum: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(
    parent_pid: int, *, signum: int = signal.SIGTERM, interval: float = 1.0
) -> threading.Thread | None:
    """Have `signum` sent to this process when `parent_pid`, its parent, is gone. Returns the
    watching thread, or None when the parent was already gone (the signal is then sent now)."""
    if not _parent_death_signal(signum):
        logger.info("No parent-death signal here; watching the parent once a second instead.")
    # Asked only now: the parent may have died before, and this process been re-parented.
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signum)
        return None

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(interval)
        logger.warning("The process that started this one (%s) is gone: stopping.", parent_pid)
        os.kill(os.getpid(), signum)

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread
