"""Webhook endpoints registered by administrators, and every delivery made to them."""

import base64
import secrets
import uuid

from django.db import models
from django.utils import timezone


class Event(models.TextChoices):
    STORY_PUBLISHED = "story.published", "Story published (readers can see it)"
    STORY_UPDATED = "story.updated", "Published story edited"
    STORY_CORRECTED = "story.corrected", "Correction or update added to a published story"
    STORY_UNPUBLISHED = "story.unpublished", "Story unpublished"
    COMMENT_POSTED = "comment.posted", "Comment posted (not spam)"
    COMMENT_APPROVED = "comment.approved", "Comment approved"


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
        "URL", max_length=500, help_text="Where events are POSTed, as JSON (http or https)."
    )
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The events this endpoint receives.")
    secret = models.CharField(
        max_length=100,
        default=secret_generate,
        editable=False,
        help_text="Signs every delivery (Standard Webhooks, HMAC-SHA256): give it to the receiver.",
    )
    active = models.BooleanField(default=True)
    allow_private_network = models.BooleanField(
        default=False,
        help_text="Only an administrator may allow deliveries to private, loopback or "
        "link-local addresses (a receiver inside your own network).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    failing_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="A delivery gave up after every retry; cleared by the next one that succeeds.",
    )

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["url", "id"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDeliveryQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(status=WebhookDelivery.Status.FAILED)


class WebhookDelivery(models.Model):
    """One event for one endpoint: tried until it is taken or the retries are spent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=120, help_text="What happened, once per endpoint.")
    message_id = models.CharField(max_length=40, default=message_id_generate, unique=True)
    event_type = models.CharField(max_length=40, choices=Event.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_response = models.TextField(blank=True, help_text="The first 4 KB of the last answer.")
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_event_once")
        ]
        indexes = [models.Index(fields=["status", "endpoint"], name="webhookdelivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint}"
