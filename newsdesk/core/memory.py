"""What a server process may hold in memory: the machine's cores, and glibc's malloc arenas.

docs/operations.md, "Memory", says what each setting bounds and what was measured.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # <malloc.h>


def cores() -> int:
    """The CPUs this process may run on (a cgroup's or taskset's set, not the whole machine)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def malloc_arenas_limit(arenas: int) -> bool:
    """At most `arenas` glibc malloc arenas in this process and the processes it forks (0:
    glibc's own bound, 8 per core). Each thread that allocates while another holds the main
    arena gets an arena of its own, and freed memory stays in the arena it came from: with
    gunicorn's threads a web worker's heap grows by arenas of freed page bodies that no other
    thread reuses. MALLOC_ARENA_MAX does the same but is read only when a process starts, so it
    cannot reach gunicorn's forked workers; mallopt() applies from now on. True if applied."""
    if arenas <= 0 or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        return libc.mallopt(M_ARENA_MAX, arenas) == 1
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        logger.info("malloc arenas not limited: this C library has no mallopt().")
        return False
