"""Webhook endpoints registered by administrators, and every delivery made to them."""

import base64
import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    STORY_PUBLISHED = "story.published", _("Story published (readers can see it)")
    STORY_UPDATED = "story.updated", _("Published story edited")
    STORY_CORRECTED = "story.corrected", _("Correction or update added to a published story")
    STORY_UNPUBLISHED = "story.unpublished", _("Story unpublished")
    COMMENT_POSTED = "comment.posted", _("Comment posted (not spam)")
    COMMENT_APPROVED = "comment.approved", _("Comment approved")


def secret_generate() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id_generate() -> str:
    return f"msg_{uuid.uuid4().hex}"


class WebhookEndpointQuerySet(models.QuerySet):
    def listening(self, event_type: str, at):
        """Active endpoints that asked for `event_type` and existed when it happened."""
        return [
            endpoint
            for endpoint in self.filter(active=True, created_at__lte=at)
            if event_type in endpoint.events
        ]


class WebhookEndpoint(models.Model):
    url = models.URLField(
        _("URL"), max_length=500, help_text=_("Where events are POSTed, as JSON (http or https).")
    )
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    events = models.JSONField(
        default=list, help_text=_("The events this endpoint receives."), verbose_name=_("events")
    )
    secret = models.CharField(
        max_length=100,
        default=secret_generate,
        editable=False,
        help_text=_(
            "Signs every delivery (Standard Webhooks, HMAC-SHA256): give it to the receiver."
        ),
        verbose_name=_("secret"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    allow_private_network = models.BooleanField(
        default=False,
        help_text=_(
            "Only an administrator may allow deliveries to private, loopback or "
            "link-local addresses (a receiver inside your own network)."
        ),
        verbose_name=_("allow private network"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )
    failing_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("A delivery gave up after every retry; cleared by the next one that succeeds."),
        verbose_name=_("failing since"),
    )

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("webhook endpoints")
        ordering = ["url", "id"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDeliveryQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(status=WebhookDelivery.Status.FAILED)


class WebhookDelivery(models.Model):
    """One event for one endpoint: tried until it is taken or the retries are spent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed (gave up)")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event_id = models.CharField(
        max_length=120, help_text=_("What happened, once per endpoint."), verbose_name=_("event ID")
    )
    message_id = models.CharField(
        max_length=40, default=message_id_generate, unique=True, verbose_name=_("message ID")
    )
    event_type = models.CharField(
        max_length=40, choices=Event.choices, verbose_name=_("event type")
    )
    payload = models.JSONField(verbose_name=_("payload"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_status_code = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("last status code")
    )
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    last_response = models.TextField(
        blank=True,
        help_text=_("The first 4 KB of the last answer."),
        verbose_name=_("last response"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    last_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last attempt at"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_event_once")
        ]
        indexes = [models.Index(fields=["status", "endpoint"], name="webhookdelivery_status_idx")]

    def __str__(self) -> str:
        return gettext("%(event)s to %(endpoint)s") % {
            "event": self.event_type,
            "endpoint": self.endpoint,
        }
