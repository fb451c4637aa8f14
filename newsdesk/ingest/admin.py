"""The wire desk in the admin: sources and their health, stories grouped newest first, drafts."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from newsdesk.core.html import sanitize_external_html

from .desk import DraftRefused, story_draft, story_draft_create
from .models import Source, Story, WireItem, WireItemVersion
from .tasks import ingest_poll_source

# What polling records about a source: shown, never edited.
HEALTH_FIELDS = [
    "health",
    "last_polled_at",
    "last_success_at",
    "last_error_at",
    "last_error",
    "consecutive_failures",
    "items_seen",
    "next_poll_at",
    "etag",
    "last_modified",
]


class SourceForm(forms.ModelForm):
    """The source form; what only administrators (superusers) may decide is checked here."""

    administrator = False  # set for each request by SourceAdmin.get_form

    class Meta:
        model = Source
        fields = [
            "name",
            "kind",
            "url",
            "path",
            "credit",
            "enabled",
            "poll_interval",
            "allow_private_network",
            "allow_any_folder",
        ]

    def clean(self):
        data = super().clean()
        source = self.instance
        if self.administrator or source.pk is None:
            return data
        # What an administrator allowed was allowed for this folder and this address only.
        if source.allow_any_folder and "path" in self.changed_data:
            self.add_error(
                "path",
                _(
                    "Only an administrator may change the folder of this source: it may read a "
                    "folder outside the drop-folder roots."
                ),
            )
        if source.allow_private_network and "url" in self.changed_data:
            self.add_error(
                "url",
                _(
                    "Only an administrator may change the address of this source: it may fetch "
                    "from private networks."
                ),
            )
        return data


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = [
        "name",
        "kind",
        "enabled",
        "health",
        "last_success_at",
        "items_seen",
        "next_poll_at",
    ]
    list_filter = ["kind", "enabled", "allow_private_network", "allow_any_folder"]
    search_fields = ["name", "url", "path"]
    actions = ["poll_now"]
    readonly_fields = HEALTH_FIELDS
    fieldsets = [
        (None, {"fields": ["name", "kind", "url", "path", "credit", "enabled", "poll_interval"]}),
        (
            _("Reach"),
            {
                "fields": ["allow_private_network", "allow_any_folder"],
                "description": _(
                    "Only an administrator may change these. Leave them off for every source "
                    "on the internet and every folder inside the drop-folder roots."
                ),
            },
        ),
        (
            _("Health"),
            {"fields": HEALTH_FIELDS},
        ),
    ]

    @admin.display(description=_("health"))
    def health(self, source: Source) -> str:
        if source.last_polled_at is None:
            return gettext("not polled yet")
        error = (
            source.last_error if len(source.last_error) <= 90 else (source.last_error[:90] + "…")
        )
        if source.consecutive_failures:
            return format_html(
                '<strong style="color:#b00">{}</strong>: {}',
                gettext("failing (%(count)s×)") % {"count": source.consecutive_failures},
                error,
            )
        if source.last_error:
            return format_html("{} {}", gettext("ok, with problems:"), error)
        return gettext("ok")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Only administrators may let a source reach private networks or other folders.
        if not request.user.is_superuser:
            fields += ["allow_private_network", "allow_any_folder"]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.administrator = request.user.is_superuser  # a new class for each request
        return form

    @admin.action(description=_("Poll the selected sources now"), permissions=["change"])
    def poll_now(self, request, queryset):
        for source in queryset:
            ingest_poll_source.enqueue(source_id=source.pk)
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "Polling %(count)d source; see its health for the result.",
                "Polling %(count)d sources; see their health for the result.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


class SourceFilter(admin.SimpleListFilter):
    title = _("source")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return list(Source.objects.values_list("pk", "name"))

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(items__source_id=int(self.value())).distinct()
        return queryset


class WireItemInline(admin.TabularInline):
    model = WireItem
    fields = ["item_link", "source", "published_at", "first_seen_at", "version", "article"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ["-published_at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("item"))
    def item_link(self, item: WireItem) -> str:
        url = reverse("admin:ingest_wireitem_change", args=[item.pk])
        return format_html('<a href="{}">{}</a>', url, item.title)


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    """The wire desk: stories, newest first, each with the items that tell it."""

    list_display = ["story", "latest_at", "item_count", "archive", "draft"]
    list_display_links = None  # the story column links to the story and to each item
    list_filter = [SourceFilter, ("latest_at", admin.DateFieldListFilter)]
    search_fields = ["title", "items__title"]
    ordering = ["-latest_at", "-id"]
    show_full_result_count = False
    list_per_page = 50
    actions = ["create_draft"]
    inlines = [WireItemInline]
    readonly_fields = ["title", "first_seen_at", "latest_at", "item_count", "archive_article"]
    change_form_template = "admin/ingest/story/change_form.html"

    def get_queryset(self, request):
        items = WireItem.objects.select_related("source").only(
            "pk",
            "title",
            "story_id",
            "published_at",
            "first_seen_at",
            "article_id",
            "source__name",
            "source__credit",
        )
        return (
            super()
            .get_queryset(request)
            .select_related("archive_article")
            .prefetch_related(Prefetch("items", queryset=items.order_by("-published_at", "-id")))
        )

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("story — its items (source: headline)"), ordering="title")
    def story(self, story: Story) -> str:
        rows = [
            (reverse("admin:ingest_wireitem_change", args=[i.pk]), i.source.name, i.title)
            for i in story.items.all()[:8]
        ]
        return format_html(
            '<a href="{}"><strong>{}</strong></a>'
            "<ul style='margin:.3em 0 0;padding-left:1.2em'>{}</ul>",
            reverse("admin:ingest_story_change", args=[story.pk]),
            story.title,
            format_html_join("", '<li><a href="{}">{}: {}</a></li>', rows),
        )

    @admin.display(description=_("already published"))
    def archive(self, story: Story) -> str:
        article = story.archive_article
        if article is None:
            return "—"
        url = reverse("admin:articles_article_change", args=[article.pk])
        return format_html(
            '<a href="{}">{}</a>', url, gettext("News ID %(id)s") % {"id": article.news_id}
        )

    @admin.display(description=_("draft"))
    def draft(self, story: Story) -> str:
        ids = {i.article_id for i in story.items.all() if i.article_id}
        if ids:
            url = reverse("admin:articles_article_change", args=[max(ids)])
            return format_html('<a href="{}">{}</a>', url, gettext("open draft"))
        url = reverse("admin:ingest_story_draft", args=[story.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("create a draft"))

    def get_urls(self):
        return [
            path(
                "<int:story_id>/draft/",
                self.admin_site.admin_view(self.draft_view),
                name="ingest_story_draft",
            ),
            *super().get_urls(),
        ]

    def draft_view(self, request, story_id: int):
        """GET shows the story page (with its button); POST makes the draft."""
        story = get_object_or_404(Story, pk=story_id)
        if not request.user.has_perm("articles.add_article"):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:ingest_story_change", args=[story.pk]))
        article = story_draft(story)
        if article is None:
            try:
                article = story_draft_create(story=story, by=request.user)
            except DraftRefused as error:
                self.message_user(request, str(error), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:ingest_story_changelist"))
            self.message_user(
                request,
                gettext("Draft created: %(headline)s") % {"headline": article.headline},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, gettext("This story already has a draft; here it is."), messages.INFO
            )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        story = self.get_object(request, object_id)
        if story is not None:
            extra_context["draft"] = story_draft(story)
            extra_context["draft_url"] = reverse("admin:ingest_story_draft", args=[story.pk])
            extra_context["can_draft"] = request.user.has_perm("articles.add_article")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Create a draft from each selected story"))
    def create_draft(self, request, queryset):
        if not request.user.has_perm("articles.add_article"):
            raise PermissionDenied
        made = 0
        for story in queryset:
            if story_draft(story) is None:
                story_draft_create(story=story, by=request.user)
                made += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d draft created; find it under Articles (status draft).",
                "%(count)d drafts created; find them under Articles (status draft).",
                made,
            )
            % {"count": made},
            messages.SUCCESS,
        )


class WireItemVersionInline(admin.TabularInline):
    model = WireItemVersion
    fields = ["version", "title", "published_at", "superseded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WireItem)
class WireItemAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "source",
        "story",
        "published_at",
        "first_seen_at",
        "version",
        "article",
    ]
    list_filter = ["source", "language", "withdrawn"]
    list_select_related = ["source", "story", "article"]
    search_fields = ["title", "=guid", "url"]
    ordering = ["-first_seen_at", "-id"]
    show_full_result_count = False
    actions = ["create_draft"]
    inlines = [WireItemVersionInline]
    readonly_fields = [
        "source",
        "guid",
        "url",
        "title",
        "published_at",
        "author",
        "language",
        "located",
        "keywords",
        "embargo_until",
        "withdrawn",
        "source_version",
        "story",
        "article",
        "version",
        "first_seen_at",
        "updated_at",
        "body",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("text"))
    def body(self, item: WireItem) -> str:
        # Sanitized when it was stored; again here for items stored before relative addresses
        # were dropped, so that opening an item never makes the browser fetch our own pages.
        return mark_safe(sanitize_external_html(item.body_html, base_url=item.url))  # noqa: S308

    @admin.action(description=_("Create one draft from the selected items"))
    def create_draft(self, request, queryset):
        if not request.user.has_perm("articles.add_article"):
            raise PermissionDenied
        items = list(queryset.select_related("source", "story"))
        story = items[0].story if items and items[0].story else None
        if story is None:
            story = Story.objects.create(title=items[0].title, latest_at=timezone.now())
        article = story_draft_create(story=story, by=request.user, items=items)
        url = reverse("admin:articles_article_change", args=[article.pk])
        self.message_user(
            request,
            format_html('{} <a href="{}">{}</a>', gettext("Draft created:"), url, article.headline),
            messages.SUCCESS,
        )
