"""System checks: what the Security Key needs from the machine, said at `newsdesk setup`/`check`."""

from django.core.checks import Warning, register

from .audio import audio_available


@register()
def espeak_installed(app_configs, **kwargs):
    if audio_available():
        return []
    return [
        Warning(
            "espeak-ng is not installed: the spoken Security Key is unavailable, and the comment "
            "form tells readers so instead of linking to it.",
            hint="apt-get install espeak-ng (Debian/Ubuntu), then restart the site.",
            id="captcha.W001",
        )
    ]
