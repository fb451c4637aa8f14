"""A whole WordPress import: posts (ingest), their pictures (ingest) and comments (comments).

Posts and comments belong to two apps of one layer, which stay independent (docs/architecture.md),
so the run that needs both is composed here, in the top layer, like the demo content
(docs/decisions.md, "WordPress import composed in the site layer").

The export is read twice, streaming both times: first to check the whole file is readable XML
(so a broken file writes nothing) and to learn its authors and attachments, which are small;
then to import post by post, each post with its comments in one transaction. Memory holds one
post at a time, whatever the size of the export.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone

from newsdesk.articles.models import Image
from newsdesk.comments.imports import CommentRecord, comments_import
from newsdesk.comments.models import Comment
from newsdesk.ingest.parsers.capture import ParseError
from newsdesk.ingest.parsers.wxr import (
    WxrAuthor,
    WxrComment,
    WxrItem,
    WxrProblem,
    WxrSite,
    read_wxr,
)
from newsdesk.ingest.services import PageRejected
from newsdesk.ingest.wordpress import (
    ImageRefused,
    post_identity,
    skip_reason,
    upload_urls,
    wordpress_image_import,
    wordpress_post_import,
)

COMMENT_STATUSES = {
    "1": Comment.Status.APPROVED,
    "approve": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REJECTED,
    "post-trashed": Comment.Status.REJECTED,
}
# Problems listed one by one in the report; beyond this many, only counted.
MAX_PROBLEMS = 1000


@dataclass
class WordpressReport:
    posts: Counter = field(default_factory=Counter)
    comments: Counter = field(default_factory=Counter)
    pictures: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    problems_not_listed: int = 0
    error: str = ""  # the file could not be read: nothing was imported

    def problem(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        else:
            self.problems_not_listed += 1


@dataclass
class _Survey:
    site: WxrSite = field(default_factory=WxrSite)
    authors: dict[str, str] = field(default_factory=dict)  # login -> display name
    attachments: dict[int, WxrItem] = field(default_factory=dict)
    attachment_by_url: dict[str, int] = field(default_factory=dict)
    posts: int = 0


def _survey(path: Path) -> _Survey:
    survey = _Survey()
    with path.open("rb") as stream:
        for record in read_wxr(stream):
            if isinstance(record, WxrSite):
                survey.site = record
            elif isinstance(record, WxrAuthor):
                survey.authors[record.login] = record.display_name
            elif isinstance(record, WxrItem):
                if record.post_type == "attachment":
                    # Only what a picture needs: no body, no comments.
                    survey.attachments[record.post_id] = dataclasses.replace(
                        record, content="", comments=[]
                    )
                    if record.attachment_url:
                        survey.attachment_by_url[record.attachment_url] = record.post_id
                else:
                    survey.posts += 1
            elif isinstance(record, WxrProblem):
                survey.posts += 1
    return survey


def wordpress_import(
    *,
    path: Path,
    uploads: Path | None = None,
    allow_fetch: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> WordpressReport:
    """Import a WordPress export (WXR): posts, sections, keywords, authors, pictures, comments
    and old addresses. Idempotent: an unchanged export imported again is all "skipped"."""
    report = WordpressReport()
    try:
        survey = _survey(path)
    except (ParseError, OSError) as exc:
        report.error = str(exc) if isinstance(exc, ParseError) else f"cannot be read: {exc}"
        return report
    blog = survey.site.base_blog_url or survey.site.link
    images: dict[int, Image | None] = {}
    done = 0
    with path.open("rb") as stream:
        for record in read_wxr(stream):
            if isinstance(record, WxrProblem):
                report.posts["failed"] += 1
                report.problem(f"line {record.line}: {record.message}")
            elif isinstance(record, WxrItem) and record.post_type != "attachment":
                _post(record, survey, blog, images, report, uploads, allow_fetch)
            else:
                continue
            done += 1
            if progress:
                progress(done, survey.posts)
    return report


def _post(post, survey, blog, images, report, uploads, allow_fetch) -> None:
    reason = skip_reason(post)
    if reason:
        report.posts["skipped"] += 1
        return
    wanted = [post.thumbnail_id] if post.thumbnail_id else []
    wanted += [
        survey.attachment_by_url[url]
        for url in upload_urls(post.content)
        if url in survey.attachment_by_url
    ]
    for attachment_id in dict.fromkeys(wanted):
        if attachment_id in images or attachment_id not in survey.attachments:
            continue
        try:
            image, outcome = wordpress_image_import(
                attachment=survey.attachments[attachment_id],
                blog_url=blog,
                uploads=uploads,
                allow_fetch=allow_fetch,
            )
        except (ImageRefused, OSError, DatabaseError) as exc:
            images[attachment_id] = None
            report.pictures["failed"] += 1
            report.problem(f"post {post.post_id}: its picture was not imported: {exc}")
            continue
        images[attachment_id] = image
        report.pictures[str(outcome)] += 1
    by_url = {
        survey.attachments[i].attachment_url: image
        for i, image in images.items()
        if image is not None and i in survey.attachments
    }
    lead = images.get(post.thumbnail_id) if post.thumbnail_id else None
    try:
        with transaction.atomic():
            article, outcome = wordpress_post_import(
                post=post,
                blog_url=blog,
                author_name=survey.authors.get(post.creator) or post.creator or None,
                images=by_url,
                lead_image=lead,
            )
            results = comments_import(
                article=article, records=list(_comment_records(post, blog, report))
            )
    except PageRejected as exc:
        report.posts["failed"] += 1
        report.problem(f"line {post.line}: {exc}")
        return
    except (DatabaseError, ValueError) as exc:
        report.posts["failed"] += 1
        report.problem(f"line {post.line}: post {post.post_id} could not be saved ({exc}).")
        return
    report.posts[str(outcome)] += 1
    report.comments.update(str(o) for _r, o in results)


def _comment_records(post: WxrItem, blog: str, report: WordpressReport):
    base = post_identity(blog_url=blog, post_id=post.post_id)
    for comment in post.comments:
        if comment.kind not in ("", "comment"):
            report.comments["skipped"] += 1  # pingbacks and trackbacks are not comments
            continue
        status = COMMENT_STATUSES.get(comment.approved)
        if status is None or not comment.text:
            report.comments["failed"] += 1
            report.problem(
                f"post {post.post_id}: comment {comment.comment_id} was skipped: "
                + ("it has no text." if status else f"unknown state {comment.approved!r}.")
            )
            continue
        yield _record(comment, base, post)


def _record(comment: WxrComment, base: str, post: WxrItem) -> CommentRecord:
    return CommentRecord(
        identity=f"{base}/comment-{comment.comment_id}",
        parent_identity=f"{base}/comment-{comment.parent_id}" if comment.parent_id else None,
        name=comment.author,
        email=comment.email,
        body=comment.text,
        status=COMMENT_STATUSES[comment.approved],
        created_at=comment.date or post.date_gmt or timezone.now(),
        ip_address=comment.ip or None,
    )
