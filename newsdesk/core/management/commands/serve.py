"""Serve the site with gunicorn: the production-grade server, static files through whitenoise."""

import multiprocessing

from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from config.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve Newsdesk with gunicorn on 127.0.0.1 (PORT with --port)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=min(4, multiprocessing.cpu_count() * 2))
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, host: str, port: int, workers: int, threads: int, **options):
        self.stdout.write(f"Newsdesk at http://{host}:{port}/ (admin: http://{host}:{port}/admin/)")
        _Gunicorn({
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "accesslog": "-",
            # No client addresses in the access log: they are personal data (see docs/privacy).
            "access_log_format": '%(t)s "%(r)s" %(s)s %(b)s %(M)sms',
            "timeout": 60,
            "graceful_timeout": 10,
        }).run()
