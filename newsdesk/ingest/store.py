"""Storing wire entries: one transaction per item, idempotent, grouped into stories on the way.

Everything an item needs (the row, its earlier version, its story, its LSH bands) is written in
one transaction, so a worker killed half-way leaves either the whole item or nothing, and the
unique constraints make the next run finish the job without duplicates.
"""

from __future__ import annotations

import enum
import hashlib
import os
import signal
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from newsdesk.articles.models import Article
from newsdesk.core.html import sanitize_html

from . import dedup
from .models import ArticleSignature, LshBand, Source, Story, WireItem, WireItemVersion
from .parsers.entry import WireEntry, text_to_html

TITLE_MAX = WireItem._meta.get_field("title").max_length
AUTHOR_MAX = WireItem._meta.get_field("author").max_length
LANGUAGE_MAX = WireItem._meta.get_field("language").max_length
# Texts shorter than this many words are not grouped: a headline alone says too little.
MIN_WORDS_TO_GROUP = 8
# At most this many candidates per lookup are compared: a band shared by thousands of texts is
# boilerplate, and the newest candidates are the ones a story is about.
MAX_CANDIDATES = 300


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"  # seen before, nothing changed (or the address belongs to another source)
    FAILED = "failed"


def content_hash(entry: WireEntry) -> str:
    when = entry.published_at.isoformat() if entry.published_at else ""
    parts = (entry.title, entry.text, entry.html, entry.url or "", entry.author or "", when)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _crash_point(name: str) -> None:
    # Fault injection for the crash-safety test: the worker dies here, mid-transaction, as if
    # killed by the OOM killer or a deploy. Never set in production.
    if os.environ.get("NEWSDESK_INGEST_CRASH_AT") == name:
        counter = int(os.environ.get("NEWSDESK_INGEST_CRASH_AFTER", "0"))
        os.environ["NEWSDESK_INGEST_CRASH_AFTER"] = str(counter - 1)
        if counter <= 0:
            os.kill(os.getpid(), signal.SIGKILL)


def wire_item_store(*, source: Source, entry: WireEntry, now: datetime | None = None
                    ) -> tuple[WireItem, Outcome]:
    """Create or update the wire item for `entry`; never a second copy of the same story.

    Found by (source, guid), else by address. An address already delivered by another source
    is the same item and is skipped: the first source to send an address keeps it. A changed
    item keeps what it said before as a WireItemVersion.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _store(source=source, entry=entry, now=now)
    except IntegrityError:
        # Another worker stored the same item between our lookup and our insert: read theirs.
        with transaction.atomic():
            return _store(source=source, entry=entry, now=now)


def _store(*, source: Source, entry: WireEntry, now: datetime) -> tuple[WireItem, Outcome]:
    url_key = WireItem.key_for_url(entry.url)
    item = WireItem.objects.filter(source=source, guid=entry.guid).first()
    if item is None and url_key:
        item = WireItem.objects.filter(url_key=url_key).first()
        if item is not None and item.source_id != source.pk:
            return item, Outcome.SKIPPED
    digest = content_hash(entry)
    if item is not None and item.content_hash == digest:
        return item, Outcome.SKIPPED

    fields = {
        "title": entry.title[:TITLE_MAX],
        "text": entry.text,
        # Feeds send HTML from anywhere: only the site's allow-list survives.
        "body_html": sanitize_html(entry.html or text_to_html(entry.text)),
        "url": entry.url or "",
        "published_at": entry.published_at,
        "author": (entry.author or "")[:AUTHOR_MAX],
        "language": (entry.language or "")[:LANGUAGE_MAX],
        "content_hash": digest,
    }
    sig = dedup.signature(f"{fields['title']}\n{fields['text']}")
    if item is None:
        item = WireItem(source=source, guid=entry.guid, url_key=url_key, first_seen_at=now,
                        signature=dedup.to_bytes(sig), **fields)
        item.save(force_insert=True)
        _crash_point("item-saved")
        _group(item, sig, text=fields["text"], now=now)
        Source.objects.filter(pk=source.pk).update(items_seen=F("items_seen") + 1)
        return item, Outcome.CREATED

    WireItemVersion.objects.create(
        item=item, version=item.version, title=item.title, text=item.text,
        body_html=item.body_html, url=item.url, published_at=item.published_at,
        author=item.author, content_hash=item.content_hash, superseded_at=now,
    )
    text_changed = (item.title, item.text) != (fields["title"], fields["text"])
    for name, value in fields.items():
        setattr(item, name, value)
    if url_key != item.url_key and not WireItem.objects.filter(url_key=url_key).exists():
        item.url_key = url_key
    item.version += 1
    item.signature = dedup.to_bytes(sig)
    item.save()
    if text_changed:
        # The text moved: its bands move with it; the story stays what editors saw.
        LshBand.objects.filter(item=item).delete()
        _group(item, sig, text=fields["text"], now=now, keep_story=item.story_id is not None)
    return item, Outcome.UPDATED


def _group(item: WireItem, sig, *, text: str, now: datetime, keep_story: bool = False) -> None:
    groupable = len(dedup.words(text)) >= MIN_WORDS_TO_GROUP
    keys = dedup.band_keys(sig) if groupable else []
    if not keep_story:
        story, archive = _match(item, sig, keys) if keys else (None, None)
        when = item.published_at or now
        if story is None:
            story = Story.objects.create(title=item.title, first_seen_at=now, latest_at=when,
                                         item_count=1, archive_article=archive)
        else:
            Story.objects.filter(pk=story.pk).update(item_count=F("item_count") + 1)
            Story.objects.filter(pk=story.pk, latest_at__lt=when).update(latest_at=when)
            if archive is not None:
                Story.objects.filter(pk=story.pk, archive_article__isnull=True).update(
                    archive_article=archive)
        item.story = story
        WireItem.objects.filter(pk=item.pk).update(story=story)
    if keys:
        LshBand.objects.bulk_create([LshBand(key=key, item=item) for key in keys])


def _match(item: WireItem, sig, keys: list[int]) -> tuple[Story | None, Article | None]:
    """The story of the most similar earlier item, and the most similar archive article."""
    owners = (
        LshBand.objects.filter(key__in=keys)
        .values_list("item_id", "article_id")
        .distinct()
        .order_by("-item_id", "-article_id")[:MAX_CANDIDATES]
    )
    item_ids, article_ids = set(), set()
    for item_id, article_id in owners:
        if item_id and item_id != item.pk:
            item_ids.add(item_id)
        elif article_id:
            article_ids.add(article_id)
    story = archive = None
    if item_ids:
        rows = WireItem.objects.filter(pk__in=item_ids, story__isnull=False).values_list(
            "story_id", "signature")
        best = dedup.best_matches(sig, rows)
        if best:
            story = Story.objects.get(pk=best[0][1])
    if article_ids:
        rows = ArticleSignature.objects.filter(article_id__in=article_ids).values_list(
            "article_id", "signature")
        best = dedup.best_matches(sig, rows)
        if best:
            archive = Article.objects.filter(pk=best[0][1]).first()
    return story, archive


def archive_index(*, limit: int = 1000) -> int:
    """Sign published articles not yet signed (or changed since), so items match the archive.

    Returns how many were signed; run it until it returns 0 (the periodic task does).
    """
    signed = 0
    articles = (
        Article.objects.published()
        .exclude(pk__in=ArticleSignature.objects.filter(indexed_at__gte=F("article__updated_at"))
                 .values("article_id"))
        .order_by("pk")
        .only("pk", "headline", "body")[:limit]
    )
    from .parsers.entry import html_to_text

    for article in articles:
        text = html_to_text(article.body)
        digest = hashlib.sha256(f"{article.headline}\n{text}".encode()).hexdigest()
        sig = dedup.signature(f"{article.headline}\n{text}")
        with transaction.atomic():
            LshBand.objects.filter(article=article).delete()
            ArticleSignature.objects.update_or_create(
                article=article,
                defaults={"signature": dedup.to_bytes(sig), "content_hash": digest,
                          "indexed_at": timezone.now()},
            )
            if len(dedup.words(text)) >= MIN_WORDS_TO_GROUP:
                LshBand.objects.bulk_create(
                    [LshBand(key=key, article=article) for key in dedup.band_keys(sig)])
        signed += 1
    return signed
