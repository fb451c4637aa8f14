"""What the cluster test (test_cluster.py) needs in its fresh database, run with the cluster's
settings: `python -m newsdesk.site.tests.cluster_seed SCHEDULED_IN_SECONDS`, on a migrated
database. Collects the static files, makes an
editor who may do everything, a draft story and a story scheduled that many seconds ahead, and
prints their identifiers as JSON."""

import json
import os
import sys
from datetime import timedelta


def main(scheduled_in: float) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    call_command("collectstatic", interactive=False, verbosity=0)
    from newsdesk.articles.services import article_publish
    from newsdesk.articles.tests.factories import ArticleFactory

    get_user_model().objects.create_superuser("chief", "chief@example.org", "cluster-pass")
    draft = ArticleFactory(draft=True, headline="Cluster draft story for the test")
    later = ArticleFactory(draft=True, headline="Cluster scheduled story for the test")
    article_publish(article=later, by=None, at=timezone.now() + timedelta(seconds=scheduled_in))
    json.dump(
        {
            "draft": {"pk": draft.pk, "news_id": draft.news_id},
            "scheduled": {"pk": later.pk, "news_id": later.news_id},
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(float(sys.argv[1]))
