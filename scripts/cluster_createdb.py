"""`make cluster`: create the cluster's PostgreSQL database if it does not exist yet.

python scripts/cluster_createdb.py postgres://user@host:5432/newsdesk_cluster
"""

import sys
from urllib.parse import urlsplit

import psycopg

url = urlsplit(sys.argv[1])
name = url.path.lstrip("/")
with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as db:
    if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        db.execute(f'CREATE DATABASE "{name}"')
        print(f"Created the database {name}.")
