"""An editor at work for bench/breaking_news.py: publishes and edits through the real services.

Run with a server's settings and data folder (NEWSDESK_DATA_DIR, NEWSDESK_PURGE_URLS...), it
reads one JSON command a line on stdin and answers one JSON line on stdout:

    {"do": "publish", "marker": "Breaking 3 k2f9"}
        -> a new story (article_save, then article_publish) whose headline carries the marker
    {"do": "edit", "news_id": 300017, "marker": "Update 7 x81c"}
        -> an edit of that story (article_save) whose summary carries the marker

Each answer gives `committed`, the wall-clock time (time.time()) at which the change's
transaction committed: taken by the first on-commit callback, registered before the
service's own (whose purge tasks are enqueued right after), so it is the moment readers could
first be shown the change.
"""

from __future__ import annotations

import json
import random
import sys
import time


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from newsdesk.articles.models import Article, Author, Keyword, Section
    from newsdesk.articles.services import article_publish, article_save

    editor, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    sections = list(Section.objects.order_by("id"))
    authors = list(Author.objects.order_by("id")[:50])
    keywords = list(Keyword.objects.order_by("id")[:200])
    rng = random.Random(7)
    print(json.dumps({"ready": True}), flush=True)

    for line in sys.stdin:
        command = json.loads(line)
        stamp: dict = {}

        def committed(stamp=stamp):
            stamp["committed"] = time.time()

        started = time.time()
        if command["do"] == "publish":
            section = rng.choice(sections)
            article = Article(
                headline=f"{command['marker']}: {section.name} desk reports a developing story",
                summary="First reports; this story is being updated.",
                body="<p>First reports are coming in. This story is being updated.</p>",
                section=section,
            )
            article_save(article=article, by=editor)
            article.keywords.set(rng.sample(keywords, 3))
            article.authors.set([rng.choice(authors)])
            with transaction.atomic():
                transaction.on_commit(committed)
                article_publish(article=article, by=editor)
        elif command["do"] == "edit":
            article = Article.objects.get(news_id=command["news_id"])
            article.summary = f"{command['marker']}. {article.summary}"[:2000]
            article.body = f"<p>{command['marker']}: new details.</p>\n{article.body}"
            with transaction.atomic():
                transaction.on_commit(committed)
                article_save(article=article, by=editor)
        else:
            raise SystemExit(f"unknown command {command!r}")
        print(
            json.dumps(
                {
                    "news_id": article.news_id,
                    "path": article.get_absolute_url(),
                    "section": article.section.slug if article.section_id else None,
                    "started": started,
                    "committed": stamp["committed"],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
