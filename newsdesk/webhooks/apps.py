from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "newsdesk.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from newsdesk.articles.effects import effects_follow_up
        from newsdesk.core.events import event_listen

        from . import alarms  # noqa: F401 - the failing-endpoint alarm

        # After each article's side effects (a publish, an edit, a correction, an unpublish,
        # a scheduled time reached): which of its changes to announce is read from its events.
        effects_follow_up(_article_changed)
        event_listen(_event)


def _article_changed(article_id: int) -> None:
    from .tasks import webhooks_article_changed

    webhooks_article_changed.enqueue(article_id=article_id)


def _event(type: str, data: dict) -> None:
    from .tasks import webhooks_event

    webhooks_event.enqueue(type=type, data=data)
