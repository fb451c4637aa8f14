"""/metrics reports the comments waiting for a moderator (registered in CommentsConfig.ready)."""

import pytest

from newsdesk.comments.models import Comment

from .factories import CommentFactory

pytestmark = pytest.mark.django_db


def gauge(client, name: str) -> float:
    for line in client.get("/metrics").content.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} is not reported")


def test_metrics_count_comments_pending_not_approved_ones(client):
    CommentFactory.create_batch(3, status=Comment.Status.PENDING)
    CommentFactory(status=Comment.Status.APPROVED)
    assert gauge(client, "newsdesk_comments_pending") == 3
