"""Per-article comment settings in the admin, as moderators use them (docs/moderation.md)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from newsdesk.articles import roles
from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.comments.models import CommentSettings


@pytest.mark.django_db
def test_a_moderator_sets_an_articles_comments_by_its_news_id(client):
    article = ArticleFactory()
    moderator = get_user_model().objects.create_user("mo", password="pw", is_staff=True)
    moderator.groups.add(Group.objects.get(name=roles.MODERATOR))
    client.force_login(moderator)
    url = reverse("admin:comments_commentsettings_add")
    refused = client.post(url, {"article": article.news_id + 1000, "mode": "closed"})
    assert "No article has this News ID." in refused.content.decode()
    assert not CommentSettings.objects.exists()
    response = client.post(url, {"article": article.news_id, "mode": "closed"})
    assert response.status_code == 302
    assert CommentSettings.objects.get().article == article
