"""Storing wire entries: one transaction per item, idempotent, grouped into stories on the way.

Everything an item needs (the row, its earlier version, its story, its LSH bands) is written in
one transaction, so a worker killed half-way leaves either the whole item or nothing, and the
unique constraints make the next run finish the job without duplicates.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from newsdesk.articles.models import Article, Keyword
from newsdesk.core.html import sanitize_external_html

from . import dedup
from .models import ArticleSignature, LshBand, Source, Story, WireItem, WireItemVersion
from .parsers.entry import WireEntry, html_to_text, text_to_html

TITLE_MAX = WireItem._meta.get_field("title").max_length
AUTHOR_MAX = WireItem._meta.get_field("author").max_length
LANGUAGE_MAX = WireItem._meta.get_field("language").max_length
LOCATED_MAX = WireItem._meta.get_field("located").max_length
KEYWORD_MAX = Keyword._meta.get_field("name").max_length
# Texts shorter than this many words are not grouped: a headline alone says too little.
MIN_WORDS_TO_GROUP = 8
# At most this many candidates per lookup are compared: a band shared by thousands of texts is
# boilerplate, and the newest candidates are the ones a story is about.
MAX_CANDIDATES = 300
MAX_OWNERS_PER_BAND = 50
# Items stored per transaction: a crash loses at most one batch, which the next run redoes.
BATCH_SIZE = 250


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"  # seen before, nothing changed (or the address belongs to another source)
    FAILED = "failed"


def content_hash(entry: WireEntry) -> str:
    when = entry.published_at.isoformat() if entry.published_at else ""
    parts = (entry.title, entry.text, entry.html, entry.url or "", entry.author or "", when)
    if entry.keywords or entry.located or entry.withdrawn or entry.embargo_until:
        # Only formats that carry these add them: the digests of earlier items stay the same.
        embargo = entry.embargo_until.isoformat() if entry.embargo_until else ""
        parts += ("\x1e".join(entry.keywords), entry.located or "", str(entry.withdrawn), embargo)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def wire_item_store(
    *, source: Source, entry: WireEntry, now: datetime | None = None
) -> tuple[WireItem, Outcome]:
    """Create or update the wire item for one entry (see wire_items_store)."""
    return wire_items_store(source=source, entries=[entry], now=now)[0]


def wire_items_store(
    *,
    source: Source,
    entries: list[WireEntry],
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[WireItem, Outcome]]:
    """Create or update the wire items for `entries`; never a second copy of the same story.

    An item is found by (source, guid), else by address. An address already delivered by
    another source is the same item and is skipped: the first source to send an address keeps
    it. A changed item keeps what it said before as a WireItemVersion. Entries are stored in
    batches, each batch in one transaction (all of its items, stories and bands, or nothing).
    """
    now = now or timezone.now()
    results: list[tuple[WireItem, Outcome]] = []
    for start in range(0, len(entries), batch_size):
        batch = entries[start : start + batch_size]
        try:
            with transaction.atomic():
                results.extend(_store_batch(source, batch, now))
        except IntegrityError:
            # Another worker stored some of these between our lookup and our insert: go one
            # by one, so each finds what the other stored.
            for entry in batch:
                try:
                    with transaction.atomic():
                        results.extend(_store_batch(source, [entry], now))
                except IntegrityError:
                    with transaction.atomic():
                        results.extend(_store_batch(source, [entry], now))
        if progress:
            progress(len(batch))
    return results


def _older(entry: WireEntry, item: WireItem) -> bool:
    return (
        entry.version is not None
        and item.source_version is not None
        and entry.version < item.source_version
    )


def _fields(entry: WireEntry, digest: str) -> dict:
    return {
        "title": entry.title[:TITLE_MAX],
        "text": entry.text,
        # Feeds send HTML from anywhere: only the site's allow-list survives, and no address
        # relative to (or on) our own site.
        "body_html": sanitize_external_html(
            entry.html or text_to_html(entry.text), base_url=entry.url
        ),
        "url": entry.url or "",
        "published_at": entry.published_at,
        "author": (entry.author or "")[:AUTHOR_MAX],
        "language": (entry.language or "")[:LANGUAGE_MAX],
        "keywords": [k[:KEYWORD_MAX] for k in entry.keywords],
        "located": (entry.located or "")[:LOCATED_MAX],
        "source_version": entry.version,
        "withdrawn": entry.withdrawn,
        "embargo_until": entry.embargo_until,
        "content_hash": digest,
    }


def _store_batch(
    source: Source, entries: list[WireEntry], now: datetime
) -> list[tuple[WireItem, Outcome]]:
    url_keys = {WireItem.key_for_url(e.url) for e in entries} - {None}
    by_guid = {
        i.guid: i
        for i in WireItem.objects.filter(source=source, guid__in={e.guid for e in entries})
    }
    by_url = (
        {i.url_key: i for i in WireItem.objects.filter(url_key__in=url_keys)} if url_keys else {}
    )

    results: list[tuple[WireItem, Outcome] | None] = []
    new: list[tuple[int, WireItem, object, bool]] = []  # (result index, item, sig, groupable)
    claimed: dict[str, WireItem] = {}  # guids and addresses taken by new items of this batch
    updates = _Updates()
    for entry in entries:
        url_key = WireItem.key_for_url(entry.url)
        item = by_guid.get(entry.guid) or claimed.get("g:" + entry.guid)
        if item is None and url_key:
            item = by_url.get(url_key) or claimed.get("u:" + url_key)
            if item is not None and item.source_id != source.pk:
                results.append((item, Outcome.SKIPPED))
                continue
        if item is not None and _older(entry, item):
            results.append((item, Outcome.SKIPPED))  # a late copy of an earlier version
            continue
        if item is not None and entry.withdrawn and not entry.text:
            # A cancellation says only that: the item keeps what it said, marked withdrawn.
            entry = replace(entry, title=item.title, text=item.text, html=item.body_html)
        digest = content_hash(entry)
        if item is not None and (item.content_hash == digest or item.pk is None):
            results.append((item, Outcome.SKIPPED))  # unchanged, or sent twice in one batch
            continue
        fields = _fields(entry, digest)
        sig = dedup.signature(f"{fields['title']}\n{fields['text']}")
        if item is not None:
            results.append((updates.add(item, fields, sig, url_key, now), Outcome.UPDATED))
            continue
        item = WireItem(
            source=source,
            guid=entry.guid,
            url_key=url_key,
            first_seen_at=now,
            signature=dedup.to_bytes(sig),
            **fields,
        )
        claimed["g:" + entry.guid] = item
        if url_key:
            claimed["u:" + url_key] = item
        groupable = len(dedup.words(fields["text"])) >= MIN_WORDS_TO_GROUP
        new.append((len(results), item, sig, groupable))
        results.append(None)

    updates.save()
    if new:
        _create(source, new, now)
        for index, item, _sig, _g in new:
            results[index] = (item, Outcome.CREATED)
    return results  # type: ignore[return-value]


def _create(source: Source, new: list[tuple[int, WireItem, object, bool]], now: datetime) -> None:
    """Group the new items of a batch into stories and save items, stories and bands."""
    keys_of = {
        id(item): dedup.band_keys(sig) if groupable else [] for _i, item, sig, groupable in new
    }
    all_keys = {key for keys in keys_of.values() for key in keys}
    owners_of_key: dict[int, list[tuple[int | None, int | None]]] = {}
    for key, item_id, article_id in _select_bands(list(all_keys)):
        owners_of_key.setdefault(key, []).append((item_id, article_id))
    for owners in owners_of_key.values():
        if len(owners) > MAX_OWNERS_PER_BAND:
            # A band shared by that many texts is boilerplate (a standard disclaimer, a
            # sign-off): its newest owners are enough to find the story.
            owners.sort(key=lambda o: (o[0] or 0, o[1] or 0), reverse=True)
            del owners[MAX_OWNERS_PER_BAND:]
    item_ids = {i for owners in owners_of_key.values() for i, _a in owners if i}
    article_ids = {a for owners in owners_of_key.values() for _i, a in owners if a}
    known_items = (
        {
            pk: (story_id, sig)
            for pk, story_id, sig in WireItem.objects.filter(
                pk__in=item_ids, story__isnull=False
            ).values_list("pk", "story_id", "signature")
        }
        if item_ids
        else {}
    )
    known_articles = (
        dict(
            ArticleSignature.objects.filter(article_id__in=article_ids).values_list(
                "article_id", "signature"
            )
        )
        if article_ids
        else {}
    )

    # Stories of earlier items that this batch may join, in one query.
    stories: dict[int, Story] = Story.objects.in_bulk(
        {story_id for story_id, _sig in known_items.values()}
    )
    joined: set[int] = set()
    new_stories: list[Story] = []
    batch_bands: dict[int, list[tuple[Story, object]]] = {}  # key -> earlier new items' stories
    for _i, item, sig, _groupable in new:
        keys = keys_of[id(item)]
        candidates: dict[int, tuple[int, bytes]] = {}
        articles: dict[int, bytes] = {}
        for key in keys:
            for item_id, article_id in owners_of_key.get(key, ()):
                if item_id in known_items:
                    candidates[item_id] = known_items[item_id]
                elif article_id in known_articles:
                    articles[article_id] = known_articles[article_id]
        # The newest candidates are the ones a story is about; the rest is boilerplate.
        newest = sorted(candidates, reverse=True)[:MAX_CANDIDATES]
        scored = [
            (dedup.similarity(sig, dedup.from_bytes(candidates[pk][1])), "db", candidates[pk][0])
            for pk in newest
        ]
        seen_local = set()
        for key in keys:
            for story, other_sig in batch_bands.get(key, ()):
                if id(other_sig) not in seen_local:
                    seen_local.add(id(other_sig))
                    scored.append((dedup.similarity(sig, other_sig), "batch", story))
        scored = [s for s in scored if s[0] >= dedup.THRESHOLD]
        archive_best = dedup.best_matches(sig, articles.items())
        archive_id = archive_best[0][1] if archive_best else None
        when = item.published_at or now
        if scored:
            _score, where, ref = max(scored, key=lambda s: s[0])
            story = stories[ref] if where == "db" else ref
            if story.pk is not None:
                # A stored story (found in the database, or through an item of this batch that
                # joined it): grown by one UPDATE at the end of the batch.
                joined.add(story.pk)
                story._added = getattr(story, "_added", 0) + 1
                story._latest = max(getattr(story, "_latest", when), when)
            else:
                story.item_count += 1
                story.latest_at = max(story.latest_at, when)
            if archive_id and story.archive_article_id is None:
                story.archive_article_id = archive_id
                story._archive_changed = True
        else:
            story = Story(
                title=item.title,
                first_seen_at=now,
                latest_at=when,
                item_count=1,
                archive_article_id=archive_id,
            )
            new_stories.append(story)
        item.story = story
        for key in keys:
            batch_bands.setdefault(key, []).append((story, sig))

    Story.objects.bulk_create(new_stories)
    # Every story the batch joined, in one UPDATE: relative to the row, so that another
    # worker's items joining the same story at the same time are counted too.
    _grow_stories([stories[pk] for pk in joined])
    items = [item for _i, item, _s, _g in new]
    for item in items:
        item.story = item.story  # the story's pk is known now: refresh story_id
    WireItem.objects.bulk_create(items)
    _insert_bands([(key, item.pk) for item in items for key in keys_of[id(item)]])
    Source.objects.filter(pk=source.pk).update(items_seen=F("items_seen") + len(items))


def _grow_stories(stories: list[Story]) -> None:
    """Every story a batch joined, in one statement: its new items counted, its newest time and
    its archive article (if it had none) set, relative to the row, so that another worker's
    items joining the same story at the same time are counted too."""
    if not stories:
        return
    latest = Story._meta.get_field("latest_at")
    rows = [
        (
            story._added,
            latest.get_db_prep_value(story._latest, connection),
            latest.get_db_prep_value(story._latest, connection),
            story.archive_article_id if getattr(story, "_archive_changed", False) else None,
            story.pk,
        )
        for story in stories
    ]
    table = connection.ops.quote_name(Story._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET item_count = item_count + %s, "  # noqa: S608
            "latest_at = CASE WHEN latest_at < %s THEN %s ELSE latest_at END, "
            "archive_article_id = COALESCE(archive_article_id, %s) WHERE id = %s",
            rows,
        )


def _select_bands(keys: list[int], chunk: int = 5000) -> list[tuple[int, int | None, int | None]]:
    """(key, item id, article id) of every stored band among `keys`: one indexed lookup per
    5,000 keys, through the cursor (the ORM's IN-list handling costs more than the query)."""
    table = connection.ops.quote_name(LshBand._meta.db_table)
    rows: list = []
    with connection.cursor() as cursor:
        for start in range(0, len(keys), chunk):
            part = keys[start : start + chunk]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT key, item_id, article_id FROM {table} WHERE key IN ({marks})",  # noqa: S608
                part,
            )
            rows.extend(cursor.fetchall())
    return rows


def _insert_bands(rows: list[tuple[int, int]]) -> None:
    """(key, item id) rows, straight through the cursor: 64 rows per item are the bulk of an
    ingest's writes, and model instances would cost more than the inserts themselves."""
    if not rows:
        return
    table = connection.ops.quote_name(LshBand._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} (key, item_id) VALUES (%s, %s)", rows)  # noqa: S608


class _Updates:
    """The changed items of a batch, written together: a few queries, not five per item."""

    FIELDS = [
        "title",
        "text",
        "body_html",
        "url",
        "published_at",
        "author",
        "language",
        "keywords",
        "located",
        "source_version",
        "withdrawn",
        "embargo_until",
        "content_hash",
        "url_key",
        "version",
        "signature",
        "updated_at",
    ]

    def __init__(self):
        self.versions: list[WireItemVersion] = []
        self.items: dict[int, WireItem] = {}
        self.bands: dict[int, list[int]] = {}  # item pk -> its new band keys (text changed)

    def add(self, item: WireItem, fields: dict, sig, url_key: str | None, now: datetime):
        self.versions.append(
            WireItemVersion(
                item=item,
                version=item.version,
                title=item.title,
                text=item.text,
                body_html=item.body_html,
                url=item.url,
                published_at=item.published_at,
                author=item.author,
                content_hash=item.content_hash,
                superseded_at=now,
            )
        )
        text_changed = (item.title, item.text) != (fields["title"], fields["text"])
        for name, value in fields.items():
            setattr(item, name, value)
        if url_key != item.url_key and not WireItem.objects.filter(url_key=url_key).exists():
            item.url_key = url_key
        item.version += 1
        item.signature = dedup.to_bytes(sig)
        item.updated_at = timezone.now()
        self.items[item.pk] = item
        if text_changed:
            # The text moved, and its bands with it; the story stays the one editors saw.
            groupable = len(dedup.words(fields["text"])) >= MIN_WORDS_TO_GROUP
            self.bands[item.pk] = dedup.band_keys(sig) if groupable else []
        return item

    def save(self) -> None:
        if not self.items:
            return
        WireItemVersion.objects.bulk_create(self.versions)
        # One statement for all, through the cursor: bulk_update's CASE per field and row
        # costs more Python than the whole store of an item.
        fields = [WireItem._meta.get_field(name) for name in self.FIELDS]
        table, qn = WireItem._meta.db_table, connection.ops.quote_name
        sets = ", ".join(f"{qn(field.column)} = %s" for field in fields)
        rows = [
            [field.get_db_prep_value(getattr(item, field.attname), connection) for field in fields]
            + [item.pk]
            for item in self.items.values()
        ]
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {qn(table)} SET {sets} WHERE id = %s", rows)  # noqa: S608
        if self.bands:
            LshBand.objects.filter(item_id__in=list(self.bands)).delete()
            _insert_bands([(key, pk) for pk, keys in self.bands.items() for key in keys])


def archive_index(*, limit: int = 1000, now: datetime | None = None) -> int:
    """Sign recent published articles not yet signed (or changed since), so items match them.

    Only the last NEWSDESK_INGEST_ARCHIVE_DAYS days are kept signed: wire copy repeats recent
    stories, and the band table stays the size of a month, not of the whole archive. Returns
    how many were signed; run it until it returns 0 (the periodic task does).
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.NEWSDESK_INGEST_ARCHIVE_DAYS)
    old = ArticleSignature.objects.filter(article__published_at__lt=cutoff).values("article_id")
    LshBand.objects.filter(article_id__in=old).delete()
    ArticleSignature.objects.filter(article__published_at__lt=cutoff).delete()
    signed_up_to_date = ArticleSignature.objects.filter(
        indexed_at__gte=F("article__updated_at")
    ).values("article_id")
    articles = (
        Article.objects.published()
        .filter(published_at__gte=cutoff)
        .exclude(pk__in=signed_up_to_date)
        .order_by("pk")
        .only("pk", "headline", "body")[:limit]
    )
    signed = 0
    for article in articles:
        text = html_to_text(article.body)
        digest = hashlib.sha256(f"{article.headline}\n{text}".encode()).hexdigest()
        sig = dedup.signature(f"{article.headline}\n{text}")
        with transaction.atomic():
            LshBand.objects.filter(article=article).delete()
            ArticleSignature.objects.update_or_create(
                article=article,
                defaults={
                    "signature": dedup.to_bytes(sig),
                    "content_hash": digest,
                    "indexed_at": timezone.now(),
                },
            )
            if len(dedup.words(text)) >= MIN_WORDS_TO_GROUP:
                LshBand.objects.bulk_create(
                    [LshBand(key=key, article=article) for key in dedup.band_keys(sig)]
                )
        signed += 1
    return signed
