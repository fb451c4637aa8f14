from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from newsdesk.core.html import sanitize_html


def make_slug(text: str, *, max_length: int = 200) -> str:
    return slugify(text, allow_unicode=True)[:max_length].strip("-") or "story"


class Section(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the site's navigation.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:section", kwargs={"slug": self.slug})


class KeywordQuerySet(models.QuerySet):
    def named(self, name: str):
        return self.filter(name__iexact=name.strip())


class Keyword(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)

    objects = KeywordQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="keyword_name_unique_ci")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:keyword", kwargs={"slug": self.slug})


class Author(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True, allow_unicode=True)
    bio = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self):
        return self.published().select_related("section").only(
            "news_id", "slug", "headline", "summary", "published_at", "section__name", "section__slug"
        )

    def top_stories(self):
        return self.for_listing().filter(is_top_story=True)

    def for_page(self):
        return self.published().select_related("section").prefetch_related("keywords", "authors")

    def next_news_id(self) -> int:
        highest = self.aggregate(models.Max("news_id"))["news_id__max"]
        return (highest or 0) + 1


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    news_id = models.PositiveIntegerField(
        "News ID", unique=True, editable=False, help_text="Public number; imported articles keep theirs."
    )
    headline = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, allow_unicode=True, blank=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True, help_text="Paragraphs, sub-headings, lists, quotes and links.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, help_text="Readers see the story from this time.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles")
    keywords = models.ManyToManyField(Keyword, blank=True, related_name="articles")
    authors = models.ManyToManyField(Author, blank=True, related_name="articles")
    source_credits = models.CharField(
        max_length=200, blank=True, help_text="Agencies credited, comma-separated: Reuters, AFP."
    )
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    is_top_story = models.BooleanField("top story", default=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="article_pub_idx"),
            models.Index(fields=["section", "status", "-published_at"], name="article_section_idx"),
        ]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args, **kwargs):
        if self.news_id is None:
            self.news_id = Article.objects.next_news_id()
        if not self.slug:
            self.slug = make_slug(self.headline)
        self.body = sanitize_html(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"news_id": self.news_id, "slug": self.slug})

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def credits(self) -> list[str]:
        return [c.strip() for c in self.source_credits.split(",") if c.strip()]
