from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    if sender is not [c for c in apps.get_app_configs() if c.models_module is not None][-1]:
        return  # once per migrate, after every app has created its permissions

    from .roles import roles_sync

    roles_sync(Group=Group, Permission=Permission)


class ArticlesConfig(AppConfig):
    name = "newsdesk.articles"
    label = "articles"
    verbose_name = _("Newsroom")

    def ready(self):
        from . import (
            alarms,  # noqa: F401 - registers the articles' admin alarm
            dashboard,  # noqa: F401 - and its panels on the admin home
        )

        # Permissions other apps define after our roles migration (comments moderation) reach the
        # roles here, once every app's permissions exist.
        post_migrate.connect(_sync_roles, dispatch_uid="articles.roles_sync")
