import ipaddress
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from newsdesk.articles.models import Article

from .models import Ban, BlockedTerm, Comment, CommentSettings
from .privacy import email_digest
from .services import comments_moderate, comments_shown_changed
from .views.moderation import ACTIONS, moderation_queue


class SearchByEmailMixin:
    def get_search_results(self, request, queryset, search_term):
        # An address is never stored in clear: look it up by its digest.
        term = search_term.strip()
        try:
            validate_email(term)
        except ValidationError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(email_digest=email_digest(term)), False


class ModerationMixin:
    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("comments.moderate_comment")


@admin.register(Comment)
class CommentAdmin(SearchByEmailMixin, ModerationMixin, admin.ModelAdmin):
    list_display = [
        "excerpt",
        "name",
        "article_link",
        "status",
        "spam_score",
        "reasons",
        "created_at",
    ]
    list_display_links = ["excerpt"]
    list_filter = ["status", ("article", admin.RelatedOnlyFieldListFilter), "created_at"]
    list_select_related = ["article"]
    search_fields = ["name", "body", "=article__news_id"]
    raw_id_fields = ["article", "parent"]
    show_full_result_count = False
    actions = ["approve", "reject", "mark_spam", "back_to_pending", "ban_commenters"]
    readonly_fields = [
        "commenter_email",
        "ip_address",
        "created_at",
        "spam_score",
        "reasons",
        "learned_as",
        "moderated_at",
        "moderated_by",
    ]
    fieldsets = [
        (None, {"fields": ["article", "parent", "name", "commenter_email", "body", "status"]}),
        (_("Spam filter"), {"fields": ["spam_score", "reasons", "learned_as"]}),
        (_("History"), {"fields": ["created_at", "moderated_at", "moderated_by", "ip_address"]}),
    ]

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "queue/",
                self.admin_site.admin_view(self.queue_view),
                name=f"{info[0]}_{info[1]}_queue",
            ),
            *super().get_urls(),
        ]

    def queue_view(self, request):
        return moderation_queue(request, model_admin=self)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "queue_url": reverse("admin:comments_comment_queue"),
        }
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request) -> bool:
        return False  # comments come from readers

    @admin.display(description=_("Comment"))
    def excerpt(self, obj: Comment) -> str:
        return Truncator(obj.body).chars(80)

    @admin.display(description=_("Article"), ordering="article__news_id")
    def article_link(self, obj: Comment):
        return format_html(
            '<a href="{}">{}</a>',
            obj.article.get_absolute_url(),
            Truncator(obj.article.headline).chars(60),
        )

    @admin.display(description=_("Spam reasons"))
    def reasons(self, obj: Comment):
        if not obj.spam_reasons:
            return "-"
        return format_html(
            '<ul class="spam-reasons">{}</ul>',
            format_html_join("", "<li>{}</li>", ((r,) for r in obj.spam_reasons)),
        )

    @admin.display(description=_("Email"))
    def commenter_email(self, obj: Comment) -> str:
        return obj.email or gettext("(not available)")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_moderate_permission(request):
            fields.append("status")  # only moderators decide
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.has_perm("comments.view_commenter_email"):
            return fieldsets
        return [
            (
                name,
                {
                    **opts,
                    "fields": [
                        f for f in opts["fields"] if f not in ("commenter_email", "ip_address")
                    ],
                },
            )
            for name, opts in fieldsets
        ]

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            new_status = obj.status
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            comments_moderate(
                comments=Comment.objects.filter(pk=obj.pk), status=new_status, by=request.user
            )
        else:
            super().save_model(request, obj, form, change)
            if obj.status == Comment.Status.APPROVED:
                comments_shown_changed(article_ids={obj.article_id})  # a moderator's edit

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        if obj.status == Comment.Status.APPROVED:
            comments_shown_changed(article_ids={obj.article_id})

    def delete_queryset(self, request, queryset):
        shown_on = set(
            queryset.filter(status=Comment.Status.APPROVED).values_list("article_id", flat=True)
        )
        super().delete_queryset(request, queryset)
        comments_shown_changed(article_ids=shown_on)

    def _moderate(self, request, queryset, status: str):
        changed = comments_moderate(comments=queryset, status=status, by=request.user)
        done = next(action.done for action in ACTIONS.values() if action.status == status)
        self.message_user(request, done % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Approve selected comments"), permissions=["moderate"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.APPROVED)

    @admin.action(description=_("Reject selected comments"), permissions=["moderate"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.REJECTED)

    @admin.action(description=_("Mark selected comments as spam"), permissions=["moderate"])
    def mark_spam(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.SPAM)

    @admin.action(
        description=_("Put selected comments back in the queue (pending)"),
        permissions=["moderate"],
    )
    def back_to_pending(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.PENDING)

    @admin.action(
        description=_("Ban the email addresses of the selected comments' writers for 30 days"),
        permissions=["ban"],
    )
    def ban_commenters(self, request, queryset):
        # By the keyed digest: the moderator needs no sight of the address to ban it.
        until = timezone.now() + timedelta(days=30)
        digests = sorted(set(queryset.values_list("email_digest", flat=True)))
        Ban.objects.bulk_create(
            [
                Ban(
                    email_digest=digest,
                    reason=f"Banned from the comments list by {request.user.get_username()}",
                    expires_at=until,
                    created_by=request.user,
                )
                for digest in digests
            ]
        )
        self.message_user(
            request,
            ngettext(
                "Banned %(count)d email address until %(day)s.",
                "Banned %(count)d email addresses until %(day)s.",
                len(digests),
            )
            % {"count": len(digests), "day": f"{until:%Y-%m-%d}"},
            messages.SUCCESS,
        )

    def has_ban_permission(self, request) -> bool:
        return request.user.has_perm("comments.add_ban")


class CommentSettingsForm(forms.ModelForm):
    # Moderators know a story by its News ID (the queue shows it); they cannot search articles.
    article = forms.ModelChoiceField(
        queryset=Article.objects.all(),
        to_field_name="news_id",
        widget=forms.NumberInput,
        label=_("Article (News ID)"),
        error_messages={"invalid_choice": _("No article has this News ID.")},
    )

    class Meta:
        model = CommentSettings
        fields = ["article", "mode", "close_after_days", "moderation", "trust"]


@admin.register(CommentSettings)
class CommentSettingsAdmin(admin.ModelAdmin):
    form = CommentSettingsForm
    list_display = ["article", "mode", "close_after_days", "moderation", "trust"]
    list_filter = ["mode", "moderation", "trust"]
    list_select_related = ["article"]
    search_fields = ["article__headline", "=article__news_id"]

    def get_readonly_fields(self, request, obj=None):
        return ["article"] if obj is not None else []  # the row is the article's (its key)

    # Whether an article's page shows the form is part of the page: purge it on any change.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        comments_shown_changed(article_ids={obj.article_id})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        comments_shown_changed(article_ids={obj.article_id})


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ["term", "kind", "note", "created_at"]
    list_filter = ["kind"]
    search_fields = ["term", "note"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from django.core.cache import cache

        from .spam import BLOCKLIST_CACHE_KEY

        cache.delete(BLOCKLIST_CACHE_KEY)


class BanForm(forms.ModelForm):
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Kept only as its keyed digest: the address itself is not stored."),
    )

    class Meta:
        model = Ban
        fields = ["email", "network", "reason", "expires_at"]

    def clean_network(self):
        network = self.cleaned_data.get("network", "").strip()
        if network:
            try:
                return str(ipaddress.ip_network(network, strict=False))
            except ValueError:
                raise ValidationError(
                    _(
                        "This is not an address or a range: write e.g. 203.0.113.7, "
                        "203.0.113.0/24 or 2001:db8::/32."
                    )
                ) from None
        return network

    def clean(self):
        data = super().clean()
        has_email = bool(data.get("email")) or bool(self.instance.email_digest)
        if has_email == bool(data.get("network")):
            raise ValidationError(_("Give either an email address or an address range, not both."))
        return data

    def save(self, commit=True):
        if self.cleaned_data.get("email"):
            self.instance.email_digest = email_digest(self.cleaned_data["email"])
        return super().save(commit)


@admin.register(Ban)
class BanAdmin(SearchByEmailMixin, admin.ModelAdmin):
    form = BanForm
    list_display = ["who", "reason", "expires_at", "in_force", "created_by", "created_at"]
    list_filter = ["expires_at"]
    search_fields = ["network", "reason"]

    @admin.display(description=_("Banned"))
    def who(self, obj: Ban) -> str:
        return obj.network or gettext("an email address (digest %(digest)s…)") % {
            "digest": obj.email_digest[:10]
        }

    @admin.display(description=_("In force"), boolean=True)
    def in_force(self, obj: Ban) -> bool:
        return obj.expires_at is None or obj.expires_at > timezone.now()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
