"""The moderation queue: an admin page built for speed, by keyboard with or without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from ..models import Comment
from ..services import comments_moderate

PAGE_SIZE = 50


@dataclass(frozen=True)
class Action:
    status: str
    button: str  # what pressing it does, in the imperative: "Approve", not "Approved"
    done: str  # what the message after it says was done, by the number of comments it changed
    key: str  # the queue's keyboard shortcut (comments/moderation.js)


ACTIONS = {
    "approve": Action(
        Comment.Status.APPROVED,
        _("Approve"),
        ngettext_lazy("Approved %(count)d comment.", "Approved %(count)d comments.", "count"),
        "a",
    ),
    "reject": Action(
        Comment.Status.REJECTED,
        _("Reject"),
        ngettext_lazy("Rejected %(count)d comment.", "Rejected %(count)d comments.", "count"),
        "r",
    ),
    "spam": Action(
        Comment.Status.SPAM,
        _("Mark as spam"),
        ngettext_lazy(
            "Marked %(count)d comment as spam.", "Marked %(count)d comments as spam.", "count"
        ),
        "s",
    ),
    "pending": Action(
        Comment.Status.PENDING,
        _("Back to the queue"),
        ngettext_lazy(
            "Returned %(count)d comment to the queue.",
            "Returned %(count)d comments to the queue.",
            "count",
        ),
        "p",
    ),
}
STATUSES = [
    Comment.Status.PENDING,
    Comment.Status.SPAM,
    Comment.Status.APPROVED,
    Comment.Status.REJECTED,
]


def _filters(request) -> dict:
    status = request.GET.get("status", Comment.Status.PENDING)
    if status not in Comment.Status.values:
        status = Comment.Status.PENDING
    news_id = request.GET.get("article", "").strip()
    return {"status": status, "article": news_id if news_id.isdigit() else ""}


def moderation_queue(request, *, model_admin):
    if not model_admin.has_moderate_permission(request):
        raise PermissionDenied
    filters = _filters(request)
    query = urlencode({k: v for k, v in filters.items() if v})
    if request.method == "POST":
        _apply(request, filters)
        after = request.POST.get("after", "")
        return HttpResponseRedirect(f"?{query}" + (f"&after={after}" if after else ""))

    queryset = Comment.objects.select_related("article", "parent").filter(status=filters["status"])
    if filters["article"]:
        queryset = queryset.filter(article__news_id=int(filters["article"]))
    # Waiting comments oldest first (fair to readers); decided ones newest first.
    newest_first = filters["status"] in (Comment.Status.APPROVED, Comment.Status.REJECTED)
    order = ("-created_at", "-id") if newest_first else ("created_at", "id")
    queryset = queryset.order_by(*order)
    after = request.GET.get("after", "")
    if after and "|" in after:
        stamp, _, pk = after.partition("|")
        when = parse_datetime(stamp)
        if when and pk.isdigit():
            op = "lt" if newest_first else "gt"
            queryset = queryset.filter(
                Q(**{f"created_at__{op}": when}) | Q(created_at=when, **{f"id__{op}": int(pk)})
            )
    rows = list(queryset[: PAGE_SIZE + 1])
    comments, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    next_after = f"{comments[-1].created_at.isoformat()}|{comments[-1].pk}" if more else ""

    counts = dict.fromkeys(Comment.Status.values, 0)
    for row in Comment.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Moderation queue"),
        "subtitle": None,
        "comments": comments,
        "filters": filters,
        "query": query,
        "after": after,
        "next_query": urlencode({**{k: v for k, v in filters.items() if v}, "after": next_after})
        if more
        else "",
        "status_choices": [(s.value, s.label, counts[s.value]) for s in STATUSES],
        "counts": counts,
        "actions": [
            (name, action) for name, action in ACTIONS.items() if action.status != filters["status"]
        ],
    }
    return TemplateResponse(request, "admin/comments/queue.html", context)


def _apply(request, filters) -> None:
    # One comment's own button ("approve:12"), or a bulk button with the ticked boxes.
    single = request.POST.get("do", "")
    if single:
        action, _, pk = single.partition(":")
        ids = [int(pk)] if pk.isdigit() else []
    else:
        action = request.POST.get("bulk", "")
        ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    if action not in ACTIONS:
        messages.error(
            request, gettext("Choose what to do: approve, reject, spam or back to pending.")
        )
        return
    if not ids:
        messages.warning(
            request, gettext("No comment was selected: tick the boxes of the comments first.")
        )
        return
    chosen = ACTIONS[action]
    changed = comments_moderate(
        comments=Comment.objects.filter(pk__in=ids), status=chosen.status, by=request.user
    )
    messages.success(request, chosen.done % {"count": changed})
