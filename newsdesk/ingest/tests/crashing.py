"""`python -m newsdesk.ingest.tests.crashing STEP N COMMAND...`: a newsdesk command that dies.

The crash-safety test's fault injection, kept out of production code: this runs the newsdesk
command in this process with `newsdesk.ingest.store.STEP` wrapped, so that the process kills
itself with SIGKILL (as the OOM killer or a deploy would) when STEP is called for the (N+1)th
time, before it runs: in the middle of that batch's transaction.
"""

from __future__ import annotations

import os
import signal
import sys


def main(argv: list[str]) -> None:
    step, after, *command = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.core.management import execute_from_command_line

    from newsdesk.ingest import store

    real = getattr(store, step)
    calls = 0

    def dying(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls > int(after):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)

    setattr(store, step, dying)
    execute_from_command_line(["newsdesk", *command])


if __name__ == "__main__":
    main(sys.argv[1:])
