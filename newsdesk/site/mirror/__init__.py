"""A static mirror of the whole public site: for a blocked domain, or the last line of caching.

`newsdesk mirror DIR` writes every page a reader can reach (stories, lists at every depth, feeds,
sitemaps, robots.txt, the 404 page, static files and pictures) as files any static host can
serve; `--watch`, or the task workers when NEWSDESK_MIRROR_DIR is set, keep it current by
rewriting exactly the files whose surrogate keys a purge names.

    build.py    the export and the updates (Mirror): which files a purge touches
    run.py      running the jobs, here or in worker processes, and recording what they made
    produce.py  one file: rendered, its links pointed where they belong, written atomically
    render.py   pages rendered through Django's handler as an anonymous reader
    rewrite.py  what points where on the mirror (base URL, origin, pager, comment form)
    lists.py    lists at every depth, anchored so that a publish rewrites a page or two
    index.py    what the mirror holds and which keys each file shows (inside the mirror)
    watch.py    --watch: following the purge log
    tasks.py    the task the purge listener enqueues

docs/operations.md, "Static mirror", is the operator's side.
"""

from .build import Mirror, MirrorError
from .run import Report

__all__ = ["Mirror", "MirrorError", "Report"]
