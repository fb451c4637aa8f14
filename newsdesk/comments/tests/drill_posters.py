"""Comment posters for the backup drill (test_backup_drill.py), run as a process of their own:

    python -m newsdesk.comments.tests.drill_posters ACKS STOP THREADS SECONDS

Each of THREADS threads posts comments through `comment_submit`, the service the comment form
calls, and appends the id of each one to ACKS once the service has returned: a line in ACKS is
a comment acknowledged to its writer. They stop when the file STOP appears, or after SECONDS.
"""

import os
import sys
import threading
import time
from pathlib import Path


def main(acks: Path, stop: Path, threads: int, seconds: float) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.db import close_old_connections

    from newsdesk.articles.tests.factories import ArticleFactory
    from newsdesk.captcha.challenges import challenge_issue
    from newsdesk.comments.services import CommentRefused, Submission, comment_submit

    article = ArticleFactory()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    failures: list[str] = []

    with open(acks, "a", buffering=1) as out:

        def poster(n: int) -> None:
            i = 0
            try:
                while not stop.exists() and time.monotonic() < deadline:
                    i += 1
                    comment = comment_submit(
                        article=article,
                        submission=Submission(
                            name=f"Poster {n}",
                            email=f"poster{n}.{i}@example.org",
                            body=f"Drill comment {i} from poster {n}.",
                        ),
                        challenge=challenge_issue(),
                        ip_address=f"192.0.2.{n % 250 + 1}",
                    )
                    with lock:
                        out.write(f"{comment.pk}\n")
            except CommentRefused as refused:
                failures.append(f"poster {n}: {refused}")
            finally:
                close_old_connections()

        workers = [threading.Thread(target=poster, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    if failures:
        sys.exit("\n".join(failures[:5]))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
