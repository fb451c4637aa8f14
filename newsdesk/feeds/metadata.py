"""What an article page tells search engines and social sites: canonical address, NewsArticle and
BreadcrumbList JSON-LD, Open Graph and Twitter card tags."""

from dataclasses import dataclass
from datetime import UTC

from django.conf import settings

from newsdesk.articles.models import Article

from .selectors import LeadImage, absolute, article_summary, lead_image, site_logo_url


def _iso(value) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


@dataclass(frozen=True)
class PageMeta:
    canonical: str
    title: str
    description: str
    image: LeadImage | None
    image_url: str
    published: str | None
    modified: str | None
    section: str | None
    tags: list[str]
    news_article: dict
    breadcrumbs: dict


def article_meta(article: Article) -> PageMeta:
    """From the article as the page already loaded it (section, authors, keywords prefetched):
    no further queries."""
    canonical = absolute(article.get_absolute_url())
    site = absolute("/")
    image = lead_image(article)
    image_url = image.url if image else site_logo_url()
    authors = [author.name for author in article.authors.all()]
    tags = [keyword.name for keyword in article.keywords.all()]
    description = article_summary(article, words=40)
    publisher = {
        "@type": "NewsMediaOrganization",
        "name": settings.NEWSDESK_SITE_NAME,
        "url": site,
        "logo": {"@type": "ImageObject", "url": site_logo_url()},
    }
    news_article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": description,
        "datePublished": _iso(article.published_at),
        "dateModified": _iso(article.updated_at or article.published_at),
        "author": (
            [{"@type": "Person", "name": name} for name in authors]
            or [{"@type": "Organization", "name": settings.NEWSDESK_SITE_NAME, "url": site}]
        ),
        "publisher": publisher,
        "image": [image_url],
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "inLanguage": article.language,
        "identifier": str(article.news_id),
    }
    if article.section:
        news_article["articleSection"] = article.section.name
    if tags:
        news_article["keywords"] = tags
    crumbs = [("Home", site)]
    if article.section:
        crumbs.append((article.section.name, absolute(article.section.get_absolute_url())))
    crumbs.append((article.headline, canonical))
    breadcrumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": url}
            for n, (name, url) in enumerate(crumbs, start=1)
        ],
    }
    return PageMeta(
        canonical=canonical,
        title=article.headline,
        description=description,
        image=image,
        image_url=image_url,
        published=news_article["datePublished"],
        modified=news_article["dateModified"],
        section=article.section.name if article.section else None,
        tags=tags,
        news_article=news_article,
        breadcrumbs=breadcrumbs,
    )
