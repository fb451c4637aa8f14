"""System checks for the static mirror's settings (`newsdesk check`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register

from .build import Mirror, MirrorError, base_url_checked
from .rewrite import COMMENT_MODES

HINT = "docs/operations.md, 'Static mirror'."


@register()
def mirror_settings_check(app_configs=None, **kwargs) -> list:
    problems = []
    if settings.NEWSDESK_MIRROR_COMMENTS not in COMMENT_MODES:
        problems.append(
            Error(
                f"NEWSDESK_MIRROR_COMMENTS is {settings.NEWSDESK_MIRROR_COMMENTS!r}: it is 'link' "
                "(a link to the story on the origin) or 'origin' (the origin's comment form).",
                hint=HINT,
                id="site.E001",
            )
        )
    if settings.NEWSDESK_MIRROR_BASE_URL:
        try:
            base_url_checked(settings.NEWSDESK_MIRROR_BASE_URL)
        except MirrorError as error:
            problems.append(Error(f"NEWSDESK_MIRROR_BASE_URL: {error}", hint=HINT, id="site.E002"))
    folder = settings.NEWSDESK_MIRROR_DIR
    if folder and not Mirror(folder).exported:
        problems.append(
            Warning(
                f"NEWSDESK_MIRROR_DIR is {folder}, but no mirror has been exported there: the "
                f"task workers keep a mirror current once it exists. Run `newsdesk mirror "
                f"{folder}` once.",
                hint=HINT,
                id="site.W001",
            )
        )
    return problems
