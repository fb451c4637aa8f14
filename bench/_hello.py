"""A bare WSGI hello-world under `newsdesk serve`'s gunicorn settings (bench/serve_throughput.py).

    .venv/bin/python bench/_hello.py --port 8001 --workers 2 --bodies '{"/a": 9000}'
    .venv/bin/python bench/_hello.py --port 8001 --workers 2 --bodies '{"/a": 9000}' \
        --headers '{"/a": [["Content-Type", "text/html"], ["Content-Length", "9000"]]}'

Runs the `serve` command itself (same bind, worker class, workers, threads, access log,
timeouts), with `--no-worker`, but with the application it loads (config.wsgi.application)
replaced by this one: it answers each path in --bodies with that many bytes, and nothing else.
With --headers, a path answers exactly those headers (a copy of what another server sent).
"""

from __future__ import annotations

import argparse
import json
import sys
import types


def hello(bodies: dict[str, bytes], headers: dict[str, list] | None = None):
    answers = {
        path: (
            [tuple(h) for h in headers[path]]
            if headers and path in headers
            else [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
            body,
        )
        for path, body in bodies.items()
    }
    default = next(iter(answers.values()))

    def application(environ, start_response):
        response_headers, body = answers.get(environ["PATH_INFO"], default)
        start_response("200 OK", response_headers)
        return [body]

    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--bodies", required=True, help="JSON: path -> body size in bytes")
    parser.add_argument("--headers", help="JSON: path -> [[name, value], ...] to answer")
    args = parser.parse_args()
    bodies = {path: b"x" * size for path, size in json.loads(args.bodies).items()}

    import django

    django.setup()
    from django.core.management import call_command

    # serve's gunicorn application imports config.wsgi in each web worker: give it ours.
    module = types.ModuleType("config.wsgi")
    module.application = hello(bodies, json.loads(args.headers) if args.headers else None)
    sys.modules["config.wsgi"] = module
    call_command("serve", port=args.port, workers=args.workers, no_worker=True)


if __name__ == "__main__":
    main()
