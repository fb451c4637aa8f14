"""Announcing events to endpoints, and delivering them (Standard Webhooks conventions).

Each delivery is a POST of a JSON body with three headers:

    webhook-id: msg_...            the same on every retry of one delivery (receivers dedupe on it)
    webhook-timestamp: 1700000000  seconds, when this attempt was signed
    webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed by the secret>

A 2xx answer takes it. Anything else (an error, a timeout, a redirect, an address refused) is
tried again after BACKOFF[n] seconds; after the last, the delivery is failed, its endpoint
marked failing (an admin alarm) until a later delivery to it succeeds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from newsdesk.ingest.fetch import FetchError, Limits, post

from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# Seconds before each retry (Standard Webhooks' suggestion): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
# 10 h: eight attempts over about a day and a half.
BACKOFF = (5, 300, 1800, 7200, 18000, 36000, 36000)
LIMITS = Limits(connect_timeout=5, read_timeout=10, deadline=15)


def webhook_signature(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def webhook_announce(*, event_type: str, event_id: str, data: dict, at: datetime) -> int:
    """A delivery of the event to each endpoint listening for it (once per endpoint and
    event_id, however often announced); each is sent on commit. Returns how many are new."""
    payload = {"type": event_type, "timestamp": at.isoformat(), "data": data}
    created = 0
    with transaction.atomic():
        for endpoint in WebhookEndpoint.objects.listening(event_type, at):
            delivery, new = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint,
                event_id=event_id,
                defaults={"event_type": event_type, "payload": payload},
            )
            if new:
                created += 1
                _send_on_commit(delivery)
    return created


def _send_on_commit(delivery: WebhookDelivery, at: datetime | None = None) -> None:
    from .tasks import webhook_deliver

    delivery_id = delivery.pk

    def enqueue():
        task = webhook_deliver.using(run_after=at) if at else webhook_deliver
        task.enqueue(delivery_id=delivery_id)

    transaction.on_commit(enqueue)


def webhook_deliver_attempt(*, delivery: WebhookDelivery, now: datetime | None = None) -> bool:
    """Try `delivery` once; schedule the next try or give up. True when it was taken."""
    if delivery.status != WebhookDelivery.Status.PENDING:
        return delivery.status == WebhookDelivery.Status.DELIVERED
    endpoint = delivery.endpoint
    now = now or timezone.now()
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhook_signature(
            secret=endpoint.secret, message_id=delivery.message_id, timestamp=timestamp, body=body
        ),
    }
    status, answer, error = None, b"", ""
    if not endpoint.active:
        error = "The endpoint was switched off."
    else:
        try:
            status, answer = post(
                endpoint.url,
                body=body,
                headers=headers,
                allow_private=endpoint.allow_private_network,
                limits=LIMITS,
            )
        except FetchError as failure:
            error = str(failure)
        if status is not None and not 200 <= status < 300:
            error = f"The endpoint answered {status}; a 2xx answer is needed."
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status
    delivery.last_error = error
    delivery.last_response = answer.decode("utf-8", "replace")
    with transaction.atomic():
        if not error:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        elif delivery.attempts <= len(BACKOFF) and endpoint.active:
            delivery.next_attempt_at = now + timedelta(seconds=BACKOFF[delivery.attempts - 1])
            _send_on_commit(delivery, at=delivery.next_attempt_at)
        else:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
                failing_since=now
            )
            logger.warning(
                "Webhook delivery %s to %s gave up after %d attempts: %s",
                delivery.message_id,
                endpoint.pk,
                delivery.attempts,
                error,
            )
        delivery.save()
    return not error


def webhook_redeliver(*, delivery: WebhookDelivery) -> None:
    """An administrator's "Deliver again": a failed (or stuck) delivery starts its tries anew."""
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    _send_on_commit(delivery)


def site_url(path: str) -> str:
    return settings.NEWSDESK_SITE_URL + path
