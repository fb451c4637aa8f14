"""Newsdesk's tables as a plain app would map them (unmanaged: the bench only reads)."""

from django.db import models


class Named(models.Model):
    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(getattr(self, "name", None) or getattr(self, "headline", self.pk))


class Section(Named):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    position = models.PositiveSmallIntegerField()

    class Meta:
        managed = False
        db_table = "articles_section"
        ordering = ["position", "name"]


class Keyword(Named):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120)

    class Meta:
        managed = False
        db_table = "articles_keyword"
        ordering = ["name"]


class Author(Named):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140)

    class Meta:
        managed = False
        db_table = "articles_author"
        ordering = ["name"]


class ArticleQuerySet(models.QuerySet):
    def published(self):
        from django.db.models import Q
        from django.utils import timezone

        now = timezone.now()
        return self.filter(status="published", published_at__lte=now).filter(
            Q(embargo_until__isnull=True) | Q(embargo_until__lte=now)
        )


class Article(Named):
    news_id = models.PositiveIntegerField(unique=True)
    headline = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200)
    summary = models.TextField()
    body = models.TextField()
    status = models.CharField(max_length=20)
    published_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField()
    embargo_until = models.DateTimeField(null=True)
    language = models.CharField(max_length=10)
    source_credits = models.CharField(max_length=200)
    section = models.ForeignKey(Section, null=True, on_delete=models.DO_NOTHING)
    translation_of = models.ForeignKey("self", null=True, on_delete=models.DO_NOTHING)
    keywords = models.ManyToManyField(Keyword, db_table="articles_article_keywords")
    authors = models.ManyToManyField(Author, db_table="articles_article_authors")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "articles_article"

    @property
    def is_published(self) -> bool:
        from django.utils import timezone

        now = timezone.now()
        return (
            self.status == "published"
            and self.published_at is not None
            and self.published_at <= now
            and (self.embargo_until is None or self.embargo_until <= now)
        )

    @property
    def credits(self) -> list[str]:
        return [c.strip() for c in self.source_credits.split(",") if c.strip()]


class Comment(Named):
    article = models.ForeignKey(Article, on_delete=models.DO_NOTHING)
    parent = models.ForeignKey("self", null=True, on_delete=models.DO_NOTHING)
    name = models.CharField(max_length=80)
    body = models.TextField()
    status = models.CharField(max_length=20)
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "comments_comment"
        ordering = ["created_at", "id"]


class RelatedStory(Named):
    article = models.ForeignKey(Article, on_delete=models.DO_NOTHING, related_name="+")
    related = models.ForeignKey(Article, on_delete=models.DO_NOTHING, related_name="listed_in")
    rank = models.PositiveSmallIntegerField()

    class Meta:
        managed = False
        db_table = "search_relatedstory"


class CommentSettings(Named):
    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.DO_NOTHING, related_name="comment_settings"
    )
    mode = models.CharField(max_length=10)
    close_after_days = models.PositiveIntegerField(null=True)

    class Meta:
        managed = False
        db_table = "comments_commentsettings"


def comments_open(article: Article) -> bool:
    """Closed by an editor, or past the article's number of days (the site sets none)."""
    from datetime import timedelta

    from django.utils import timezone

    try:
        row = article.comment_settings
    except CommentSettings.DoesNotExist:
        return True
    if row.mode == "closed":
        return False
    if row.mode == "auto" and row.close_after_days:
        return timezone.now() < article.published_at + timedelta(days=row.close_after_days)
    return True
