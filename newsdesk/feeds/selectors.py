"""What feeds, sitemaps and page metadata read; all from from Article.objects.published()."""

import mimetypes
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from newsdesk.articles import keys
from newsdesk.articles.models import Article, Author, Keyword, Section
from newsdesk.core.surrogate import shown


def visible(queryset: QuerySet) -> QuerySet:
    """`queryset` (of Article) narrowed to what readers may see, by a correlated EXISTS on
    published(). For queries led by another index (a News ID range): with the published()
    conditions in the main WHERE clause, SQLite's planner (lacking ANALYZE statistics) walks the
    whole publication index instead."""
    return queryset.filter(Exists(Article.objects.published().order_by().filter(pk=OuterRef("pk"))))


def absolute(url: str) -> str:
    """Our canonical address for a path (NEWSDESK_SITE_URL), whatever host the request used."""
    if url.startswith(("http://", "https://")):
        return url
    return settings.NEWSDESK_SITE_URL + url


@dataclass(frozen=True)
class Scope:
    """The whole site, one section, one keyword, one author, or the stories in one language."""

    kind: str  # "site" | "section" | "keyword" | "author" | "language"
    obj: Section | Keyword | Author | None = None
    language: str | None = None

    @classmethod
    def resolve(cls, kind: str, slug: str | None) -> "Scope":
        if kind == "section":
            return cls("section", get_object_or_404(Section, slug=slug))
        if kind == "keyword":
            return cls("keyword", get_object_or_404(Keyword, slug=slug))
        if kind == "author":
            return cls("author", get_object_or_404(Author, slug=slug))
        if kind == "language":
            if slug not in dict(settings.LANGUAGES):
                codes = ", ".join(code for code, _ in settings.LANGUAGES)
                raise Http404(f"There is no feed for that language; there are: {codes}.")
            return cls("language", language=slug)
        return cls("site")

    @property
    def language_name(self) -> str:
        return dict(settings.LANGUAGES)[self.language] if self.language else ""

    @property
    def title(self) -> str:
        name = settings.NEWSDESK_SITE_NAME
        if self.language:
            return f"{name} ({self.language_name})"
        return f"{self.obj.name} · {name}" if self.obj is not None else name

    @property
    def page_url(self) -> str:
        return absolute(self.obj.get_absolute_url() if self.obj is not None else "/")

    @property
    def head_key(self) -> str:
        """The surrogate key of the list this feed is the head of (articles/keys.py); a language's
        stories enter at the home page's head, which every publication purges."""
        if self.obj is None:
            return keys.HOME
        return keys.list_key(self.kind, self.obj.pk)

    @property
    def description(self) -> str:
        name = settings.NEWSDESK_SITE_NAME
        if self.kind == "site":
            return f"The latest stories from {name}."
        if self.kind == "author":
            return f"The latest stories by {self.obj.name} from {name}."
        if self.kind == "language":
            return f"The latest stories in {self.language_name} from {name}."
        return f"The latest stories in {self.obj.name} from {name}."

    @property
    def slug(self) -> str | None:
        return self.obj.slug if self.obj is not None else self.language

    def articles(self) -> QuerySet:
        queryset = Article.objects.published()
        if self.kind in ("keyword", "author"):
            return queryset.listed_under(self.kind, self.obj.pk)
        if self.kind == "section":
            queryset = queryset.filter(section=self.obj)
        elif self.kind == "language":
            queryset = queryset.filter(language=self.language)
        return queryset.order_by("-published_at", "-id")


def feed_items(scope: Scope) -> list[Article]:
    return list(
        scope.articles()
        .select_related("section", *(["lead_image"] if _has_lead_image() else []))
        .prefetch_related("authors", "keywords")[: settings.NEWSDESK_FEED_ITEMS]
    )


def _has_lead_image() -> bool:
    # The lead image arrives with the newsroom workflow (issue 4); until then feeds have none.
    return any(f.name == "lead_image" for f in Article._meta.get_fields())


@dataclass(frozen=True)
class LeadImage:
    url: str
    width: int | None
    height: int | None
    alt: str
    mime_type: str
    length: int


def lead_image(article: Article) -> LeadImage | None:
    image = getattr(article, "lead_image", None) if _has_lead_image() else None
    if image is None:
        return None
    url = getattr(image, "fallback_url", None) or image.file.url
    try:
        length = image.file.size
    except (OSError, ValueError):
        length = 0
    return LeadImage(
        url=absolute(url),
        width=image.width,
        height=image.height,
        alt=image.alt or "",
        mime_type=mimetypes.guess_type(url)[0] or "image/jpeg",
        length=length,
    )


def site_logo_url() -> str:
    return settings.NEWSDESK_SITE_LOGO_URL or absolute(static("feeds/logo.png"))


def article_categories(article: Article) -> list[str]:
    """A story's section and keywords by name, as feeds list them (read prefetched). A feed that
    shows a name names its key, so that a rename in the admin purges the feed too."""
    names = []
    if article.section:
        shown(keys.section_key(article.section_id))
        names.append(article.section.name)
    for keyword in article.keywords.all():
        shown(keys.keyword_key(keyword.pk))
        names.append(keyword.name)
    return names


def article_author_names(article: Article) -> list[str]:
    """A story's authors by name (read prefetched); as with categories, their keys are named."""
    authors = list(article.authors.all())
    shown(*(keys.author_key(author.pk) for author in authors))
    return [author.name for author in authors]


def article_text(article: Article) -> str:
    """What a feed carries for a story: the full body, or the summary (NEWSDESK_FEED_FULL_TEXT).
    A story right to left, or in another language than the site's, says so around its text,
    so that a feed reader shows it in its own direction."""
    full = settings.NEWSDESK_FEED_FULL_TEXT and article.body
    text = article.body if full else article.summary
    if article.direction == "rtl" or article.language != settings.LANGUAGE_CODE:
        # The body was sanitized when stored (core/html.py); a summary is text.
        inner = mark_safe(text) if full else conditional_escape(text)  # noqa: S308
        return format_html(
            '<div lang="{}" dir="{}">{}</div>', article.language, article.direction, inner
        )
    return text


def article_summary(article: Article, *, words: int = 60) -> str:
    """The summary, or the start of the body's text when a story has none."""
    if article.summary:
        return article.summary
    from django.utils.html import strip_tags
    from django.utils.text import Truncator

    return Truncator(" ".join(strip_tags(article.body or "").split())).words(words)
