"""Comments brought over from another system (a WordPress export): plain records in, comments
out, idempotent on the record's key. The caller (the site's importer) reads the export; this
module knows nothing of its format."""

from __future__ import annotations

import enum
import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from newsdesk.articles.models import Article

from .models import Comment
from .privacy import comment_email_fields, email_decrypt
from .services import comments_shown_changed


class ImportOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class CommentRecord:
    """One comment as another system kept it. `body` is plain text (shown escaped)."""

    identity: str  # unique in the source, e.g. "wordpress:https://example.org#comment-12"
    parent_identity: str | None
    name: str
    email: str
    body: str
    status: Comment.Status
    created_at: datetime
    ip_address: str | None = None


def import_key(identity: str) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()


NAME_MAX = Comment._meta.get_field("name").max_length


def comments_import(
    *, article: Article, records: list[CommentRecord]
) -> list[tuple[CommentRecord, ImportOutcome]]:
    """Create or update the comments of `article` from `records`, never a second copy.

    Emails are kept as the privacy design says (a keyed digest and a ciphertext, never in
    clear). A reply keeps its thread: one level, so a reply to a reply joins the first comment
    (as replies posted here do). Approved, pending and spam stay what they were. The pages
    showing changed approved comments are purged on commit.
    """
    keys = {import_key(r.identity): r for r in records}
    with transaction.atomic():
        known = {c.import_key: c for c in Comment.objects.filter(import_key__in=list(keys))}
        parents = {
            c.import_key: c
            for c in Comment.objects.filter(
                import_key__in=[import_key(r.parent_identity) for r in records if r.parent_identity]
            )
        }
        results = []
        shown_changed = False
        # Parents before replies: by time, as they were written.
        for record in sorted(records, key=lambda r: (r.parent_identity is not None, r.created_at)):
            key = import_key(record.identity)
            parent = (
                parents.get(import_key(record.parent_identity or ""))
                if record.parent_identity
                else None
            )
            if parent is not None and parent.parent_id is not None:
                parent = parent.parent  # one level of replies
            comment = known.get(key)
            fields = {
                "article": article,
                "parent": parent
                if parent is not None and parent.article_id == article.pk
                else None,
                "name": record.name[:NAME_MAX] or "Anonymous",
                "body": record.body,
                "status": record.status,
                "created_at": record.created_at,
                "ip_address": _ip(record.ip_address),
            }
            if comment is None:
                comment = Comment(import_key=key, **fields, **_email(record.email))
                comment.save()
                outcome = ImportOutcome.CREATED
            elif _same(comment, fields, record.email):
                outcome = ImportOutcome.SKIPPED
            else:
                was_shown = comment.status == Comment.Status.APPROVED
                for name, value in fields.items():
                    setattr(comment, name, value)
                if email_decrypt(comment.email_encrypted) != record.email.strip():
                    for name, value in _email(record.email).items():
                        setattr(comment, name, value)
                comment.save()
                shown_changed |= was_shown
                outcome = ImportOutcome.UPDATED
            if outcome != ImportOutcome.SKIPPED and comment.status == Comment.Status.APPROVED:
                shown_changed = True
            known[key] = parents[key] = comment
            results.append((record, outcome))
        if shown_changed:
            comments_shown_changed(article_ids={article.pk})
    return results


def _email(email: str) -> dict[str, str]:
    if not email.strip():
        return {"email_digest": "", "email_encrypted": ""}
    return comment_email_fields(email)


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _same(comment: Comment, fields: dict, email: str) -> bool:
    parent = fields["parent"]
    return (
        comment.article_id == fields["article"].pk
        and comment.parent_id == (parent.pk if parent else None)
        and comment.name == fields["name"]
        and comment.body == fields["body"]
        and comment.status == fields["status"]
        and comment.created_at == fields["created_at"]
        and email_decrypt(comment.email_encrypted) == email.strip()
    )
