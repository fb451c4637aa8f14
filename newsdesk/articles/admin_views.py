"""The article admin's own pages: workflow moves, corrections, revisions, audit log, share links."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .diff import revisions_diff
from .forms import CorrectionForm, NoteForm, PublishForm, ScheduleForm
from .models import Article, Revision
from .preview import preview_link_make
from .services import (
    REVISION_TEXT_FIELDS,
    WorkflowError,
    _snapshot,
    article_correct,
    article_publish,
    article_return,
    article_schedule,
    article_submit,
    article_unpublish,
    revision_restore,
)

# action: (service, form, title, who may, from which states, button style)
ACTIONS = {
    "submit": (
        article_submit,
        NoteForm,
        _("Submit for review"),
        "articles.submit_article",
        {"draft"},
    ),
    "return": (
        article_return,
        NoteForm,
        _("Return to draft"),
        "articles.publish_article",
        {"review"},
    ),
    "schedule": (
        article_schedule,
        ScheduleForm,
        _("Schedule"),
        "articles.publish_article",
        {"draft", "review", "unpublished", "scheduled"},
    ),
    "publish": (
        article_publish,
        PublishForm,
        _("Publish now"),
        "articles.publish_article",
        {"draft", "review", "unpublished"},
    ),
    "unpublish": (
        article_unpublish,
        NoteForm,
        _("Unpublish"),
        "articles.publish_article",
        {"published", "scheduled"},
    ),
}
REFUSALS = {
    "articles.publish_article": _(
        "Only editors can schedule, publish, unpublish or return articles. "
        "Submit your draft for review and an editor will publish it."
    ),
    "articles.submit_article": _("You cannot submit articles for review."),
}


def headline_target() -> int:
    return settings.NEWSDESK_HEADLINE_TARGET


def available_actions(request, article) -> list[dict]:
    found = []
    for name, (_service, _form, title, perm, states) in ACTIONS.items():
        if article.state in states and request.user.has_perm(perm):
            if (
                name == "submit"
                and not Article.objects.editable_by(request.user).filter(pk=article.pk).exists()
            ):
                continue
            found.append(
                {
                    "name": name,
                    "title": title,
                    "url": reverse("admin:articles_article_workflow", args=[article.pk, name]),
                }
            )
    return found


def conflict_diff(form):
    current = form.conflict
    mine = _snapshot(current)
    data = form.cleaned_data
    for field in REVISION_TEXT_FIELDS:
        if field in data:
            mine[field] = data[field]
    if "keywords" in data:
        mine["keywords"] = sorted(k.name for k in data["keywords"]) + sorted(
            data.get("accept_keywords", [])
        )
    if "authors" in data:
        mine["authors"] = sorted(a.name for a in data["authors"])
    if "section" in data:
        mine["section"] = data["section"].name if data["section"] else ""
    return revisions_diff(
        _snapshot(current),
        mine,
        old_label=gettext("Saved (version %(version)s)") % {"version": current.version},
        new_label=gettext("Yours (not saved)"),
    )


def _article(model_admin, request, object_id) -> Article:
    # Reporters reach only their own articles: others' answer 404, as in the list.
    return get_object_or_404(model_admin.get_queryset(request), pk=object_id)


def _context(model_admin, request, article, title, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Article._meta,
        "original": article,
        "article": article,
        "title": title,
        "change_url": reverse("admin:articles_article_change", args=[article.pk]),
        **extra,
    }


def _refused(model_admin, request, article, message: str):
    context = _context(model_admin, request, article, gettext("Not allowed"), message=message)
    return TemplateResponse(request, "admin/articles/article/refused.html", context, status=403)


def workflow(model_admin, request, object_id, action):
    if action not in ACTIONS:
        raise Http404(gettext("No such workflow action."))
    article = _article(model_admin, request, object_id)
    service, form_class, title, perm, states = ACTIONS[action]
    if not request.user.has_perm(perm):
        return _refused(model_admin, request, article, REFUSALS[perm])
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            service(article=article, by=request.user, **form.cleaned_data)
        except PermissionDenied as refusal:
            return _refused(model_admin, request, article, str(refusal) or REFUSALS[perm])
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                gettext("%(action)s: done. The article is now %(state)s.")
                % {"action": title, "state": str(article.state_label).lower()},
            )
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
    context = _context(
        model_admin,
        request,
        article,
        gettext("%(action)s: %(headline)s") % {"action": title, "headline": article.headline},
        form=form,
        action=action,
        action_title=title,
        media=model_admin.media + form.media,
    )
    return TemplateResponse(request, "admin/articles/article/workflow.html", context)


def correction(model_admin, request, object_id):
    article = _article(model_admin, request, object_id)
    if not request.user.has_perm("articles.add_correction"):
        return _refused(
            model_admin, request, article, gettext("Only editors can add corrections and updates.")
        )
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            article_correct(article=article, by=request.user, **form.cleaned_data)
        except WorkflowError as error:
            form.add_error("text", str(error))
        else:
            messages.success(
                request, gettext("Added. Readers see it on the article page with its time.")
            )
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
    context = _context(
        model_admin,
        request,
        article,
        gettext("Correction or update: %(headline)s") % {"headline": article.headline},
        form=form,
        corrections=article.corrections.all(),
    )
    return TemplateResponse(request, "admin/articles/article/correction.html", context)


def revisions(model_admin, request, object_id):
    article = _article(model_admin, request, object_id)
    if not request.user.has_perm("articles.view_revision"):
        return _refused(model_admin, request, article, gettext("You cannot see revisions."))
    revisions_list = list(article.revisions.select_related("author"))
    diffs, old, new, error = None, None, None, ""
    if "a" in request.GET and "b" in request.GET:
        by_number = {str(r.number): r for r in revisions_list}
        old, new = by_number.get(request.GET["a"]), by_number.get(request.GET["b"])
        if old is None or new is None:
            error = gettext("Pick two revisions from the list to compare.")
        else:
            if old.number > new.number:
                old, new = new, old
            diffs = revisions_diff(
                old.data,
                new.data,
                old_label=gettext("Revision %(number)s") % {"number": old.number},
                new_label=gettext("Revision %(number)s") % {"number": new.number},
            )
    context = _context(
        model_admin,
        request,
        article,
        gettext("Revisions: %(headline)s") % {"headline": article.headline},
        revisions=revisions_list,
        diffs=diffs,
        old=old,
        new=new,
        error=error,
        can_restore=model_admin.has_change_permission(request, article),
    )
    return TemplateResponse(request, "admin/articles/article/revisions.html", context)


def restore(model_admin, request, object_id, number):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    article = _article(model_admin, request, object_id)
    if not model_admin.has_change_permission(request, article):
        return _refused(
            model_admin, request, article, gettext("You cannot change this article any more.")
        )
    revision = get_object_or_404(Revision, article=article, number=number)
    new = revision_restore(revision=revision, by=request.user)
    messages.success(
        request,
        gettext("Restored revision %(old)s as revision %(new)s.")
        % {"old": number, "new": new.number},
    )
    return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))


def log(model_admin, request, object_id):
    article = _article(model_admin, request, object_id)
    if not request.user.has_perm("articles.view_articleevent"):
        return _refused(
            model_admin, request, article, gettext("Only editors can read the workflow log.")
        )
    events = article.events.select_related("actor")
    return TemplateResponse(
        request,
        "admin/articles/article/log.html",
        _context(
            model_admin,
            request,
            article,
            gettext("Workflow log: %(headline)s") % {"headline": article.headline},
            events=events,
        ),
    )


def share(model_admin, request, object_id):
    article = _article(model_admin, request, object_id)
    link = expires = None
    if request.method == "POST":
        path, expires = preview_link_make(article=article)
        link = request.build_absolute_uri(path)
    context = _context(
        model_admin,
        request,
        article,
        gettext("Share a preview: %(headline)s") % {"headline": article.headline},
        link=link,
        expires=expires,
        preview_url=reverse("site:preview", args=[article.news_id]),
    )
    return TemplateResponse(request, "admin/articles/article/share.html", context)
