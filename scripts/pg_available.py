"""Exit 0 when the PostgreSQL server at the given URL accepts a connection, 1 otherwise."""

import sys

import psycopg

try:
    url = sys.argv[1]
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3):
        pass
except Exception as error:  # noqa: BLE001 - any failure means "not available"
    print(f"PostgreSQL not available: {error}", file=sys.stderr)
    sys.exit(1)
