"""Factories for the wire desk (factory_boy)."""

from datetime import UTC, datetime

import factory

from newsdesk.ingest.models import Source
from newsdesk.ingest.parsers.entry import WireEntry


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Wire {n}")
    kind = Source.Kind.FEED
    url = factory.Sequence(lambda n: f"https://wire-{n}.example/feed.xml")


DANUBE = (
    "Rising water along the Danube forced thousands of people from their homes on Tuesday, as "
    "three days of heavy rain swelled rivers across central Europe. Emergency services in the "
    "river towns evacuated hospitals and care homes, and soldiers filled sandbags along the "
    "embankments through the night. Officials said two reservoirs upstream were close to "
    "capacity and that controlled releases could raise the river by another half metre."
)
DANUBE_REWRITE = (
    "Rising water along the Danube forced thousands of people from their homes on Tuesday, "
    "after three days of heavy rain swelled rivers across central Europe, officials told "
    "reporters. Emergency services in the river towns evacuated hospitals and care homes, while "
    "soldiers filled sandbags along the embankments through the night. Officials said two "
    "reservoirs upstream were near capacity and that controlled releases could raise the river "
    "by another half metre."
)
RATES = (
    "The central bank left its main interest rate unchanged on Tuesday and said it would wait for "
    "clearer signs that inflation is slowing before it moves. Most economists polled beforehand "
    "had expected the decision, and markets barely moved after the announcement in the capital."
)


def entry(guid: str = "g1", *, title: str = "Danube floods", text: str = DANUBE, **kwargs):
    kwargs.setdefault("published_at", datetime(2021, 4, 13, 22, 10, tzinfo=UTC))
    return WireEntry(guid=guid, title=title, text=text, **kwargs)
