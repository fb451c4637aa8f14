import hashlib

from django.db import models


class ImportedPageQuerySet(models.QuerySet):
    def identified_by(self, identity: str):
        return self.filter(key=ImportedPage.key_for(identity))


class ImportedPage(models.Model):
    """Which article an imported page became, for pages that carry no News ID of their own.

    Pages with a News ID are found by it (Article.news_id is unique). An HTML page without one is
    known by its canonical address, or failing that by its headline and publication time, so
    importing it again updates the same article.
    """

    # A digest of `identity`: addresses can be longer than any index allows.
    key = models.CharField(max_length=64, unique=True, editable=False)
    identity = models.TextField()
    article = models.OneToOneField("articles.Article", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImportedPageQuerySet.as_manager()

    def __str__(self) -> str:
        return self.identity

    def save(self, *args, **kwargs):
        self.key = self.key_for(self.identity)
        super().save(*args, **kwargs)

    @staticmethod
    def key_for(identity: str) -> str:
        return hashlib.sha256(identity.encode()).hexdigest()
