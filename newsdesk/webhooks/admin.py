"""Webhook endpoints (administrators) and the delivery log."""

import ipaddress
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from newsdesk.ingest.fetch import refusal_reason

from .models import Event, WebhookDelivery, WebhookEndpoint
from .services import webhook_redeliver


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "active", "allow_private_network"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise forms.ValidationError(_("Give an http or https address."))
        if parts.username or parts.password:
            raise forms.ValidationError(
                _(
                    "Leave the user name and password out of the address: deliveries are signed "
                    "with the endpoint's secret instead."
                )
            )
        return url

    def clean(self):
        cleaned = super().clean()
        host = urlsplit(cleaned.get("url") or "").hostname or ""
        try:
            reason = refusal_reason(str(ipaddress.ip_address(host)))
        except ValueError:
            reason = None  # a name: its addresses are checked at every delivery
        if reason and not cleaned.get("allow_private_network"):
            self.add_error(
                "url",
                gettext(
                    "That address %(reason)s. Only an administrator may allow deliveries to a "
                    "private network (tick the box below)."
                )
                % {"reason": reason},
            )
        return cleaned


class FailingFilter(admin.SimpleListFilter):
    title = _("failing")
    parameter_name = "failing"

    def lookups(self, request, model_admin):
        return [("yes", _("Failing")), ("no", _("Taking deliveries"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(failing_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(failing_since__isnull=True)
        return queryset


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["created_at", "event_type", "status", "attempts", "last_status_code", "last_error"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        # The newest 20 here; the whole log is under Webhook deliveries.
        ids = super().get_queryset(request).order_by("-created_at", "-id").values("pk")[:20]
        return super().get_queryset(request).filter(pk__in=list(ids))


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "active", "failing_since", "created_at"]
    list_filter = ["active", FailingFilter]
    readonly_fields = ["secret", "created_at", "failing_since"]
    inlines = [DeliveryInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("allow_private_network")
        if obj is None:
            fields.remove("secret")  # made when saved, shown on the endpoint's page
        return fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type", "endpoint"]
    list_select_related = ["endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["deliver_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Deliver again"), permissions=["change"])
    def deliver_again(self, request, queryset):
        with transaction.atomic():
            for delivery in queryset:
                webhook_redeliver(delivery=delivery)
        count = queryset.count()
        messages.success(
            request,
            ngettext(
                "%(count)d delivery will be sent again.",
                "%(count)d deliveries will be sent again.",
                count,
            )
            % {"count": count},
        )
