from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from js_asset import Media

from newsdesk.core.purge import keys_purge

from . import admin_views, keys
from .forms import ArticleAdminForm, ImageAdminForm
from .images import renditions_generate
from .models import Article, ArticleEvent, Author, Correction, Image, Keyword, Section
from .services import (
    ArticleConflict,
    article_publish,
    article_save,
    article_unpublish,
    keywords_get_or_create,
    revision_create,
)


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("review", _("In review")),
            ("scheduled", _("Scheduled or embargoed")),
            ("live", _("Published (live)")),
            ("unpublished", _("Unpublished")),
            ("late", _("Side effects overdue")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value in ("draft", "review", "unpublished"):
            return queryset.filter(status=value)
        if value == "scheduled":
            return queryset.filter(pk__in=Article.objects.scheduled().values("pk"))
        if value == "live":
            return queryset.filter(pk__in=Article.objects.published().values("pk"))
        if value == "late":
            # The alarm's link (alarms.py): the same rule, with its grace.
            return queryset.filter(pk__in=Article.objects.effects_late().values("pk"))
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = [
        "news_id",
        "headline",
        "state_column",
        "published_at",
        "section",
        "created_by",
        "updated_at",
    ]
    list_display_links = ["news_id", "headline"]
    list_filter = [
        StateFilter,
        "section",
        "is_top_story",
        "language",
        ("published_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["section", "created_by"]
    search_fields = ["headline", "summary", "=news_id"]
    date_hierarchy = "published_at"
    readonly_fields = [
        "news_id",
        "state_column",
        "published_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    autocomplete_fields = ["keywords", "authors", "lead_image", "translation_of"]
    prepopulated_fields = {"slug": ["headline"]}
    show_full_result_count = False
    actions = ["publish_now", "unpublish"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "news_id",
                    "state_column",
                    "headline",
                    "slug",
                    "summary",
                    "body",
                    "expected_version",
                ]
            },
        ),
        (_("Picture"), {"fields": ["lead_image"]}),
        (
            _("Keywords and credits"),
            {"fields": ["keywords", "accept_keywords", "section", "authors", "source_credits"]},
        ),
        (
            _("Publishing"),
            {
                "fields": [
                    "published_at",
                    "embargo_until",
                    "is_top_story",
                    "language",
                    "translation_of",
                ],
                "description": _(
                    "Use the buttons at the top of the page to submit, "
                    "schedule, publish or unpublish. Times are newsroom time."
                ),
            },
        ),
        (
            _("History"),
            {"fields": ["created_by", "created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]

    class Media:
        css = {"all": ["articles/admin.css"]}
        js = ["articles/headline_counter.js"]

    @admin.display(description=_("State"))
    def state_column(self, obj):
        if obj.pk is None:
            return gettext("New draft")
        label = obj.state_label
        if obj.state == "scheduled":
            local = timezone.localtime(obj.visible_from)
            return gettext("%(state)s for %(time)s (%(zone)s)") % {
                "state": label,
                "time": f"{local:%Y-%m-%d %H:%M}",
                "zone": timezone.get_current_timezone_name(),
            }
        return label

    # Who may do what ----------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.has_perm("articles.publish_article"):
            return queryset
        return queryset.filter(created_by=request.user)  # reporters work on their own articles

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.has_perm("articles.publish_article"):
            return True
        # Reporters edit only their own drafts; once submitted, the editors have it.
        return obj.created_by_id == request.user.pk and obj.status == Article.Status.DRAFT

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    # Saving -------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        expected = None if form.data.get("overwrite") else form.cleaned_data.get("expected_version")
        article_save(article=obj, by=request.user, expected_version=expected if change else None)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        accepted = form.cleaned_data.get("accept_keywords") or []
        if accepted:
            article.keywords.add(*keywords_get_or_create(names=accepted))
        revision_create(article=article, by=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ArticleConflict as conflict:
            # Two saves raced past the form's check: the later one is refused, never applied.
            messages.error(
                request,
                gettext("%(conflict)s Nothing was saved; reload and apply your changes again.")
                % {"conflict": conflict},
            )
            return HttpResponseRedirect(request.path)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if getattr(form, "conflict", None) is not None:
            context["conflict_diff"] = admin_views.conflict_diff(form)
            context["conflict_current"] = form.conflict
        if obj is not None and obj.pk:
            context["workflow_actions"] = admin_views.available_actions(request, obj)
        # The editor's import map is an inline script: it carries this response's CSP nonce.
        context["media"] = Media.from_media(context["media"], nonce=str(request.csp_nonce))
        context["headline_target"] = admin_views.headline_target()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/workflow/<str:action>/",
                view(self.workflow_view),
                name="articles_article_workflow",
            ),
            path(
                "<path:object_id>/correct/",
                view(self.correction_view),
                name="articles_article_correct",
            ),
            path(
                "<path:object_id>/revisions/",
                view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<path:object_id>/revisions/<int:number>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            path("<path:object_id>/log/", view(self.log_view), name="articles_article_log"),
            path("<path:object_id>/share/", view(self.share_view), name="articles_article_share"),
            *super().get_urls(),
        ]

    def workflow_view(self, request, object_id, action):
        return admin_views.workflow(self, request, object_id, action)

    def correction_view(self, request, object_id):
        return admin_views.correction(self, request, object_id)

    def revisions_view(self, request, object_id):
        return admin_views.revisions(self, request, object_id)

    def restore_view(self, request, object_id, number):
        return admin_views.restore(self, request, object_id, number)

    def log_view(self, request, object_id):
        return admin_views.log(self, request, object_id)

    def share_view(self, request, object_id):
        return admin_views.share(self, request, object_id)

    # List actions -------------------------------------------------------------------------

    @admin.action(description=_("Publish selected articles now"), permissions=["publish"])
    def publish_now(self, request, queryset):
        for article in queryset:
            article_publish(article=article, by=request.user)
        done = len(queryset)
        self.message_user(
            request,
            ngettext("Published %(count)d article.", "Published %(count)d articles.", done)
            % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish selected articles"), permissions=["publish"])
    def unpublish(self, request, queryset):
        done = 0
        for article in queryset.filter(status=Article.Status.PUBLISHED):
            article_unpublish(article=article, by=request.user)
            done += 1
        self.message_user(
            request,
            ngettext("Unpublished %(count)d article.", "Unpublished %(count)d articles.", done)
            % {"count": done},
            messages.SUCCESS,
        )


class ShownInStoriesAdmin(admin.ModelAdmin):
    """For what pages show besides an article's own row (section, keyword and author names,
    pictures, corrections): a change purges, once committed, exactly the pages that show the
    object (its surrogate key, articles/keys.py)."""

    def _keys(self, obj) -> set[str]:
        if isinstance(obj, Section):
            return {keys.section_key(obj.pk), keys.SECTIONS}  # every page's navigation too
        if isinstance(obj, Keyword):
            return {keys.keyword_key(obj.pk), keys.KEYWORDS}
        if isinstance(obj, Author):
            return {keys.author_key(obj.pk), keys.AUTHORS}
        if isinstance(obj, Image):
            return {keys.image_key(obj.pk)}
        if isinstance(obj, Correction):
            return {keys.article_key(obj.article.news_id)}
        return set()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        keys_purge(self._keys(obj) if change else self._collection_keys(obj))

    def _collection_keys(self, obj) -> set[str]:
        """A new one appears only in the collections that list every one of its kind."""
        if isinstance(obj, Section):
            return {keys.SECTIONS}
        if isinstance(obj, Keyword):
            return {keys.KEYWORDS}
        if isinstance(obj, Author):
            return {keys.AUTHORS}
        return self._keys(obj)  # a correction shows on its story at once

    def delete_model(self, request, obj):
        found = self._keys(obj)
        super().delete_model(request, obj)
        keys_purge(found)

    def delete_queryset(self, request, queryset):
        found = {key for obj in queryset for key in self._keys(obj)}
        super().delete_queryset(request, queryset)
        keys_purge(found)


@admin.register(Image)
class ImageAdmin(ShownInStoriesAdmin):
    form = ImageAdminForm
    list_display = ["thumbnail", "alt", "credit", "width", "height", "created_at"]
    search_fields = ["alt", "caption", "credit"]
    readonly_fields = [
        "thumbnail",
        "width",
        "height",
        "renditions_list",
        "uploaded_by",
        "created_at",
    ]

    @admin.display(description=_("Picture"))
    def thumbnail(self, obj):
        if not obj.pk or not obj.file:
            return ""
        return format_html('<img src="{}" alt="" width="120" class="thumbnail">', obj.fallback_url)

    @admin.display(description=_("Renditions"))
    def renditions_list(self, obj):
        return ", ".join(f"{r['format']} {r['width']}w" for r in obj.renditions) or gettext(
            "None yet"
        )

    def get_fields(self, request, obj=None):
        fields = ["file", "alt", "caption", "credit"]
        return fields + (["thumbnail", "width", "height", "renditions_list"] if obj else [])

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        if "file" in form.changed_data:
            obj.renditions = []
        super().save_model(request, obj, form, change)
        renditions_generate(obj)


@admin.register(ArticleEvent)
class ArticleEventAdmin(admin.ModelAdmin):
    """The workflow's audit log: read-only, for editors."""

    list_display = ["at", "article", "action", "actor", "from_status", "to_status", "note"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    list_select_related = ["article", "actor"]
    search_fields = ["article__headline", "=article__news_id", "actor__username", "note"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Correction)
class CorrectionAdmin(ShownInStoriesAdmin):
    list_display = ["article", "kind", "published_at", "text"]
    list_select_related = ["article"]
    search_fields = ["article__headline", "text"]

    def has_add_permission(self, request):
        return False  # added from the article's page, so the article's modified time changes too


@admin.register(Section)
class SectionAdmin(ShownInStoriesAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            self._changed([])  # a new section joins the nav


@admin.register(Keyword)
class KeywordAdmin(ShownInStoriesAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(ShownInStoriesAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    autocomplete_fields = ["picture"]


def _article_change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])
