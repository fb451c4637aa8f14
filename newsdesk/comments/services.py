from newsdesk.articles.models import Article

from .models import Comment


def comment_submit(*, article: Article, name: str, email: str, body: str, ip_address: str | None) -> Comment:
    """Store a reader's comment; it waits for a moderator before anyone sees it."""
    return Comment.objects.create(
        article=article, name=name, email=email, body=body, ip_address=ip_address, status=Comment.Status.PENDING
    )
