from django.db import models


class UsedChallenge(models.Model):
    """A Security Key challenge that was answered (rightly or wrongly): it cannot be answered again.
    Rows are purged once the challenge has expired, since its token is refused by then anyway."""

    challenge_id = models.CharField(max_length=32, primary_key=True)
    expires = models.BigIntegerField(db_index=True, help_text="Unix time the challenge expires.")

    class Meta:
        verbose_name = "used challenge"

    def __str__(self) -> str:
        return self.challenge_id
