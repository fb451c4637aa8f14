"""Run a task worker: huey's consumer for the django-tasks queue, after catching up."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from newsdesk.core.lifeline import die_with_parent
from newsdesk.core.memory import malloc_arenas_limit
from newsdesk.core.tasks import HUEY, worker_consumer, worker_start


class Command(BaseCommand):
    help = (
        "Run background tasks (scheduled publishing side effects, notifications, feed polling). "
        "`newsdesk serve` runs one itself; run more with this command to scale out."
    )

    def add_arguments(self, parser):
        consumer = settings.HUEY.get("consumer", {})
        parser.add_argument(
            "--workers",
            type=int,
            default=consumer.get("workers", 2),
            help="Tasks run at the same time, as threads (default %(default)s).",
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help=(
                "Do not enqueue periodic jobs. Not needed for correctness: however many workers "
                "run, each periodic job is enqueued once a minute."
            ),
        )
        parser.add_argument(
            "--parent",
            type=int,
            metavar="PID",
            help="Stop when this process, the one that started the worker, is gone.",
        )

    def handle(
        self,
        *args,
        workers: int,
        no_periodic: bool,
        parent: int | None = None,
        verbosity: int = 1,
        **options,
    ):
        # Before any thread (die_with_parent's watch too) takes an arena of its own.
        malloc_arenas_limit(settings.NEWSDESK_MALLOC_ARENA_MAX)
        if parent:
            die_with_parent(parent)  # first thing after: an orphan must not start consuming
        if HUEY.immediate:
            self.stderr.write(
                "Tasks run immediately in these settings (HUEY immediate): no worker needed."
            )
            return
        if verbosity:
            logging.getLogger("huey").setLevel(logging.INFO)
        else:
            # `newsdesk serve` runs its worker so: warnings and failures only, not every task.
            logging.getLogger().setLevel(logging.WARNING)
            logging.getLogger("huey").setLevel(logging.WARNING)
        caught_up = worker_start()
        if verbosity:
            self.stdout.write(
                f"Task worker: {workers} thread(s), queue {HUEY.storage.__class__.__name__}, "
                f"{caught_up} catch-up job(s) enqueued."
            )
        consumer = worker_consumer(
            workers=workers,
            worker_type="thread",
            periodic=not no_periodic,
            # An idle worker looks for work at least 4 times a second: a purge reaches the
            # edges well within a second of its commit (huey's default backs off to 10 s).
            max_delay=settings.HUEY.get("consumer", {}).get("max_delay", 0.25),
        )
        consumer.run()
