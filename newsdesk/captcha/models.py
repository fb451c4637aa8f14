from django.db import models
from django.utils.translation import gettext_lazy as _


class UsedChallenge(models.Model):
    """A Security Key challenge that was answered (rightly or wrongly): it cannot be answered again.
    Rows are purged once the challenge has expired, since its token is refused by then anyway."""

    challenge_id = models.CharField(max_length=32, primary_key=True, verbose_name=_("challenge ID"))
    expires = models.BigIntegerField(
        db_index=True, help_text=_("Unix time the challenge expires."), verbose_name=_("expires")
    )

    class Meta:
        verbose_name_plural = _("used challenges")
        verbose_name = _("used challenge")

    def __str__(self) -> str:
        return self.challenge_id
