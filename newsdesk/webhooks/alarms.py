"""The admin alarm of a dead endpoint: a delivery to it gave up after every retry."""

from django.urls import reverse
from django.utils.translation import ngettext

from newsdesk.core.alarms import alarm

from .models import WebhookEndpoint


@alarm
def webhook_alarms(request) -> list[dict]:
    if not request.user.has_perm("webhooks.view_webhookendpoint"):
        return []
    failing = WebhookEndpoint.objects.filter(active=True, failing_since__isnull=False).count()
    if not failing:
        return []
    return [
        {
            "text": ngettext(
                "%(count)d webhook endpoint stopped taking deliveries: events gave up after "
                "every retry. Open it to see the delivery log.",
                "%(count)d webhook endpoints stopped taking deliveries: events gave up after "
                "every retry. Open them to see the delivery log.",
                failing,
            )
            % {"count": failing},
            "url": reverse("admin:webhooks_webhookendpoint_changelist") + "?failing=yes",
        }
    ]
