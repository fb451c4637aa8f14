"""Writes of a WordPress import: posts become articles (with sections, keywords, authors, their
old addresses) and attachments become pictures. The export is read by parsers/wxr.py; the
comments and the whole run are composed by newsdesk/site/wordpress.py (see docs/decisions.md).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from newsdesk.articles.images import image_check, renditions_generate
from newsdesk.articles.models import Article, Image, Section, make_slug
from newsdesk.articles.services import article_save, keywords_get_or_create
from newsdesk.core.html import sanitize_html

from .fetch import FetchError, fetch
from .models import ImportedImage, ImportedPage, LegacyUrl, legacy_key
from .parsers.entry import html_to_text
from .parsers.wpcontent import permalinks, wordpress_html
from .parsers.wxr import WxrItem
from .services import HEADLINE_MAX, ImportOutcome, PageRejected, _author

# What WordPress's post states become; the others (trash, auto-draft, inherit) are not imported.
STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,  # scheduled: readers see it from its date
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.REVIEW,
    "private": Article.Status.UNPUBLISHED,
}
IMPORTED_TYPES = ("post",)
SLUG_MAX = Article._meta.get_field("slug").max_length
SECTION_MAX = Section._meta.get_field("name").max_length
ALT_MAX = Image._meta.get_field("alt").max_length
CAPTION_MAX = Image._meta.get_field("caption").max_length


def post_identity(*, blog_url: str, post_id: int) -> str:
    return f"wordpress:{blog_url.rstrip('/')}#{post_id}"


def skip_reason(post: WxrItem) -> str | None:
    """Why a post is not imported (a page, a revision, a trashed post), or None."""
    if post.post_type not in IMPORTED_TYPES:
        return f"a {post.post_type}, not a post"
    if post.status not in STATUSES:
        return f"its status is {post.status!r}"
    return None


@transaction.atomic
def wordpress_post_import(
    *,
    post: WxrItem,
    blog_url: str,
    author_name: str | None,
    images: dict[str, Image],
    lead_image: Image | None = None,
    now: datetime | None = None,
) -> tuple[Article, ImportOutcome]:
    """Create or update the article for a post; importing it again finds the same article.

    The post's HTML is untrusted: shortcodes and block comments are converted, then it passes
    the site's allow-list (nh3). `images` maps the export's picture addresses to the pictures
    they became, so the body shows our copies. Every old address of the post answers 301 to
    the article (LegacyUrl), unless another article already holds that address.
    """
    now = now or timezone.now()
    reason = skip_reason(post)
    if reason:
        raise PageRejected(f"Post {post.post_id} is {reason}.")
    body = sanitize_html(_local_images(wordpress_html(post.content), images))
    text = html_to_text(body)
    headline = post.title or text.split("\n\n", 1)[0][:120]
    if not headline:
        raise PageRejected(f"Post {post.post_id} has neither a title nor any text.")
    if len(headline) > HEADLINE_MAX:
        raise PageRejected(
            f"Post {post.post_id}: its title is {len(headline)} characters long; "
            f"at most {HEADLINE_MAX} fit."
        )
    status = STATUSES[post.status]
    published_at = post.date_gmt
    if status == Article.Status.PUBLISHED and published_at is None:
        # No GMT time (some exporters): the blog's own clock, read in the newsroom's zone.
        published_at = timezone.make_aware(post.date_local) if post.date_local else now
    section = _section(post)
    keywords = [t.name for t in post.terms if t.kind == "post_tag"]
    identity = post_identity(blog_url=blog_url, post_id=post.post_id)
    mapping = ImportedPage.objects.identified_by(identity).select_related("article").first()
    article = mapping.article if mapping else None
    wanted = {
        "headline": headline,
        "slug": make_slug(post.slug or headline, max_length=SLUG_MAX),
        "summary": html_to_text(wordpress_html(post.excerpt)),
        "body": body,
        "status": status,
        "published_at": published_at,
        "is_top_story": post.sticky,
        "section_id": section.pk if section else None,
        "lead_image_id": lead_image.pk if lead_image else None,
    }
    if article is not None and _unchanged(article, wanted, keywords, author_name):
        _legacy_urls(post, blog_url, article)
        return article, ImportOutcome.SKIPPED
    outcome = ImportOutcome.UPDATED
    if article is None:
        article, outcome = Article(), ImportOutcome.CREATED
    for name, value in wanted.items():
        setattr(article, name, value)
    article_save(article=article, by=None)
    article.keywords.set(keywords_get_or_create(names=keywords))
    article.authors.set([_author(author_name)] if author_name else [])
    if mapping is None:
        ImportedPage.objects.create(identity=identity, article=article)
    _legacy_urls(post, blog_url, article)
    return article, outcome


def _unchanged(article: Article, wanted: dict, keywords: list[str], author: str | None) -> bool:
    if any(getattr(article, name) != value for name, value in wanted.items()):
        return False
    stored = sorted(n.casefold() for n in article.keywords.values_list("name", flat=True))
    authors = list(article.authors.values_list("name", flat=True))
    return stored == sorted({k.casefold() for k in keywords}) and authors == (
        [author] if author else []
    )


def _section(post: WxrItem) -> Section | None:
    """The post's first category as its section (an article has one section)."""
    category = next((t for t in post.terms if t.kind == "category"), None)
    if category is None or category.slug == "uncategorized":
        return None
    name = category.name[:SECTION_MAX]
    section = Section.objects.filter(name__iexact=name).first()
    if section is None:
        base = make_slug(category.slug or name, max_length=90)
        slug, n = base, 2
        while Section.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        section = Section.objects.create(name=name, slug=slug)
    return section


def _legacy_urls(post: WxrItem, blog_url: str, article: Article) -> None:
    """Every old address of the post leads to the article; one that another article already
    holds (two posts of the same name in different months) stays with the first."""
    paths = permalinks(post, blog_url=blog_url)
    keys = {legacy_key(path): path for path in paths}
    held = set(LegacyUrl.objects.filter(key__in=list(keys)).values_list("key", flat=True))
    new = [LegacyUrl(key=key, path=path, article=article) for key, path in keys.items()]
    new = [row for row in new if row.key not in held]
    try:
        with transaction.atomic():
            LegacyUrl.objects.bulk_create(new)
    except IntegrityError:  # another import took one of them meanwhile: one by one
        for row in new:
            LegacyUrl.objects.get_or_create(
                key=row.key, defaults={"path": row.path, "article": article}
            )


# --- pictures ---------------------------------------------------------------------------------

_UPLOAD_URL = re.compile(r"""https?://[^\s"'<>()]+?/wp-content/uploads/[^\s"'<>()]+""", re.I)
_SIZED = re.compile(r"-\d+x\d+(?=\.\w+$)")


def upload_urls(html: str) -> list[str]:
    """The export's picture addresses a body shows (sized copies as their original)."""
    return list(dict.fromkeys(_SIZED.sub("", m.group(0)) for m in _UPLOAD_URL.finditer(html)))


def _local_images(html: str, images: dict[str, Image]) -> str:
    if not images:
        return html

    def local(match: re.Match) -> str:
        image = images.get(_SIZED.sub("", match.group(0)))
        return image.fallback_url if image else match.group(0)

    return _UPLOAD_URL.sub(local, html)


class ImageRefused(ValueError):
    """The picture could not be brought over; the message says why, for the report."""


def wordpress_image_import(
    *,
    attachment: WxrItem,
    blog_url: str,
    uploads: Path | None = None,
    allow_fetch: bool = True,
    limits=None,
) -> tuple[Image, ImportOutcome]:
    """The picture an attachment became: read from the uploads folder when one is given (its
    path under wp-content/uploads/), else fetched with the ingest fetcher, which refuses
    private addresses. Imported once; the same attachment again is the same picture."""
    identity = post_identity(blog_url=blog_url, post_id=attachment.post_id)
    known = ImportedImage.objects.filter(key=ImportedPage.key_for(identity)).first()
    if known is not None:
        return known.image, ImportOutcome.SKIPPED
    url = attachment.attachment_url
    if not url:
        raise ImageRefused(f"Attachment {attachment.post_id} has no file address.")
    data = _read_upload(url, uploads) if uploads else None
    if data is None:
        if not allow_fetch:
            what = f"The file of attachment {attachment.post_id} ({url})"
            raise ImageRefused(
                f"{what} is not in {uploads}."
                if uploads
                else f"{what} was not downloaded: downloads are off and no uploads folder given."
            )
        try:
            data = fetch(url, allow_private=False, limits=limits).content
        except FetchError as exc:
            raise ImageRefused(f"Attachment {attachment.post_id} ({url}): {exc}") from None
    name = PurePosixPath(unquote(urlsplit(url).path)).name or f"attachment-{attachment.post_id}"
    upload = ContentFile(data, name=name)
    try:
        image_check(upload)
    except ValidationError as exc:
        raise ImageRefused(f"Attachment {attachment.post_id} ({name}): {exc.messages[0]}") from None
    alt = attachment.meta.get("_wp_attachment_image_alt", "") or attachment.title or name
    with transaction.atomic():
        image = Image.objects.create(
            file=upload,
            alt=alt[:ALT_MAX],
            caption=html_to_text(attachment.excerpt)[:CAPTION_MAX],
        )
        ImportedImage.objects.create(identity=identity, image=image)
    renditions_generate(image)
    return image, ImportOutcome.CREATED


def _read_upload(url: str, uploads: Path) -> bytes | None:
    """The file under the uploads folder for an export address, or None; never outside it."""
    path = unquote(urlsplit(url).path)
    _, marker, rest = path.partition("/wp-content/uploads/")
    if not marker or not rest:
        return None
    root = uploads.resolve()
    candidate = (root / rest).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate.read_bytes()
