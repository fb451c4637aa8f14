"""A synthetic archive for benchmarks: plausible stories in bulk, never held in memory whole.

Everything is built from small vocabularies with a seeded random generator, so the same
arguments give the same archive. Rows go in with bulk_create in batches, one transaction per
batch, and the many-to-many rows straight into the through tables.
"""

from __future__ import annotations

import html
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from newsdesk.articles.models import Article, Author, Keyword, Section, make_slug
from newsdesk.comments.models import Comment
from newsdesk.comments.privacy import comment_email_fields

SECTION_NAMES = [
    "World",
    "Politics",
    "Business",
    "Economy",
    "Sport",
    "Culture",
    "Science",
    "Health",
    "Technology",
    "Environment",
    "Local",
    "Opinion",
]
PLACES = [
    "Arden",
    "Belmoor",
    "Calloway",
    "Dunmere",
    "Eastwick",
    "Farrow",
    "Glenhollow",
    "Harwick",
    "Ivybridge",
    "Juniper Bay",
    "Kestrel Point",
    "Lowmarsh",
    "Marlow Vale",
    "Northfield",
    "Oakhurst",
    "Pennock",
    "Quillan",
    "Redbank",
    "Stonehaven",
    "Thornbury",
    "Upton Fells",
    "Varden",
    "Westmere",
    "Yarrow",
    "Zennor Cross",
]
ACTORS = [
    "council",
    "ministers",
    "regulators",
    "unions",
    "doctors",
    "farmers",
    "teachers",
    "the central bank",
    "investors",
    "residents",
    "scientists",
    "engineers",
    "police",
    "the coast guard",
    "lawmakers",
    "the health board",
    "shipping firms",
    "local traders",
    "the water authority",
    "the rail operator",
]
VERBS = [
    "approve",
    "reject",
    "delay",
    "announce",
    "question",
    "back",
    "review",
    "expand",
    "cut",
    "defend",
    "unveil",
    "challenge",
    "postpone",
    "welcome",
    "scrap",
    "extend",
]
OBJECTS = [
    "budget plan",
    "new bridge",
    "school funding",
    "port upgrade",
    "housing scheme",
    "water rates",
    "flood defences",
    "rail timetable",
    "clinic hours",
    "wind farm",
    "bus routes",
    "tax relief",
    "fishing quotas",
    "market rules",
    "research grant",
    "hospital wing",
    "broadband rollout",
    "pension reform",
    "harbour dredging",
    "park closure",
]
TOPICS = [
    "elections",
    "inflation",
    "jobs",
    "housing",
    "transport",
    "energy",
    "climate",
    "floods",
    "drought",
    "wildlife",
    "schools",
    "universities",
    "hospitals",
    "vaccines",
    "football",
    "tennis",
    "athletics",
    "sailing",
    "music",
    "theatre",
    "film",
    "books",
    "festivals",
    "startups",
    "banking",
    "trade",
    "exports",
    "farming",
    "fisheries",
    "tourism",
    "courts",
    "policing",
    "privacy",
    "broadband",
    "artificial intelligence",
    "space",
    "oceans",
    "heritage",
    "architecture",
    "public health",
    "mental health",
    "rail",
    "aviation",
    "shipping",
    "taxes",
    "pensions",
    "wages",
    "rents",
    "water",
    "waste",
]
ORGS = [
    "Harbour Board",
    "Rail Authority",
    "Health Trust",
    "Chamber of Commerce",
    "Arts Council",
    "Water Company",
    "Farmers' Union",
    "Teachers' Union",
    "Sailing Club",
    "Rovers FC",
    "Science Institute",
    "Energy Cooperative",
    "Wildlife Trust",
    "Port Authority",
]
FIRST_NAMES = [
    "Ada",
    "Ben",
    "Cora",
    "Dev",
    "Elin",
    "Femi",
    "Gus",
    "Hana",
    "Ivo",
    "Jade",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tess",
]
LAST_NAMES = ["Ashby", "Brandt", "Castell", "Dorsey", "Ekwueme", "Fenwick", "Garland", "Hale"]
SENTENCE_TEMPLATES = [
    "Officials in {place} said the {object} would be decided before the end of the month.",
    "The {actor} of {place} met on {day} to discuss the {object}, according to people present.",
    "Critics said the {object} had been rushed, while supporters called it long overdue.",
    '"We have listened to what people told us," a spokesperson for the {actor} said.',
    "Figures published on {day} showed a rise of {n} per cent over the same period last year.",
    "About {n} people attended a public meeting in {place} on the question of {topic}.",
    "The {actor} said it expected to publish a full report on {topic} in the autumn.",
    "Residents of {place} have complained for years about {topic} and the {object}.",
    "Analysts expect the decision on the {object} to affect {topic} across the region.",
    "A review of {topic} found that {n} of the {place} projects were behind schedule.",
    "The {object} is the third such proposal in {place} since the start of the decade.",
    "Talks between the {actor} and the {org} are expected to continue next week.",
    "The {org} said it would study the plan before deciding whether to support it.",
    "Work on the {object} is due to begin in the spring if funding is confirmed.",
    "Opposition members asked why the cost of the {object} had grown by {n} per cent.",
    "Local businesses in {place} said they had not been consulted about {topic}.",
]
SUBHEADINGS = [
    "What happens next",
    "The cost",
    "Reaction in {place}",
    "A long dispute",
    "Background",
    "Questions remain",
    "What the {actor} said",
    "The numbers",
    "Looking ahead",
]
HEADLINES = [
    "{place} {actor} {verb} {object}",
    "{Actor} {verb} {object} in {place}",
    "{place} braces for {topic} decision",
    "{Org} warns over {topic} in {place}",
    "Why the {object} matters for {place}",
    "{place}: {actor} {verb} {object} after long debate",
    "{Topic} in {place}: {actor} {verb} {object}",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Sentences and headlines are drawn from pools made once: building text word by word for
# hundreds of thousands of stories would cost more than writing them to the database.
SENTENCE_POOL = 4000
COMMENT_NAMES = ["Reader", "Local resident", "A. Nonymous", "Commuter", "Long-time subscriber"]
COMMENT_TEXTS = [
    "Thanks for covering this.",
    "I was at the meeting and this is a fair summary.",
    "Who is paying for all of this?",
    "About time something was done.",
    "I disagree with the council on this one.",
]


@dataclass(frozen=True)
class GenerateReport:
    articles: int
    first_news_id: int
    last_news_id: int
    keywords: int
    comments: int


def archive_generate(
    *,
    articles: int,
    batch_size: int = 2000,
    years: int = 5,
    seed: int = 1,
    on_batch: Callable[[int, int], None] | None = None,
) -> GenerateReport:
    """Add `articles` published stories, News IDs above the highest, spread over `years` years.

    `on_batch(done, total)` is called after each committed batch (for progress display).
    """
    rng = random.Random(seed)
    sections = _sections()
    authors = _authors()
    keywords = _keywords()
    sentences = _sentence_pool(rng)
    # Keywords follow a long tail: a few are on many stories, most on a handful.
    keyword_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(keywords))))

    first_news_id = Article.objects.next_news_id()
    end = timezone.now() - timedelta(minutes=1)
    step = timedelta(days=365 * years) / max(articles, 1)
    start = end - step * articles
    through_keywords = Article.keywords.through
    through_authors = Article.authors.through
    comment_count = 0

    done = 0
    while done < articles:
        size = min(batch_size, articles - done)
        batch = []
        for i in range(done, done + size):
            headline = _headline(rng)
            batch.append(
                Article(
                    news_id=first_news_id + i,
                    headline=headline,
                    slug=make_slug(headline),
                    summary=rng.choice(sentences),
                    body=_body(rng, sentences),
                    status=Article.Status.PUBLISHED,
                    published_at=start + step * i + step * rng.random() * 0.9,
                    section_id=rng.choice(sections),
                    source_credits=rng.choice(("", "", "", "Reuters", "AFP", "AP", "Reuters, AFP")),
                    language="en",
                    is_top_story=(articles - i) <= 5,
                )
            )
        with transaction.atomic():
            Article.objects.bulk_create(batch)
            keyword_rows, author_rows, comments = [], [], []
            for article in batch:
                chosen = set(
                    rng.choices(keywords, cum_weights=keyword_weights, k=rng.randint(2, 5))
                )
                keyword_rows += [
                    through_keywords(article_id=article.pk, keyword_id=k) for k in chosen
                ]
                for author_id in set(rng.sample(authors, rng.choice((1, 1, 1, 2)))):
                    author_rows.append(through_authors(article_id=article.pk, author_id=author_id))
                if rng.random() < 0.05:
                    comments += [
                        Comment(
                            article_id=article.pk,
                            name=rng.choice(COMMENT_NAMES),
                            **comment_email_fields(f"reader{rng.randrange(10**6)}@example.org"),
                            body=rng.choice(COMMENT_TEXTS),
                            status=Comment.Status.APPROVED,
                        )
                        for _ in range(rng.randint(1, 4))
                    ]
            through_keywords.objects.bulk_create(keyword_rows)
            through_authors.objects.bulk_create(author_rows)
            Comment.objects.bulk_create(comments)
        comment_count += len(comments)
        done += size
        if on_batch:
            on_batch(done, articles)

    return GenerateReport(
        articles=articles,
        first_news_id=first_news_id,
        last_news_id=first_news_id + articles - 1,
        keywords=len(keywords),
        comments=comment_count,
    )


def _sections() -> list[int]:
    ids = []
    for position, name in enumerate(SECTION_NAMES):
        section, _ = Section.objects.get_or_create(
            slug=make_slug(name), defaults={"name": name, "position": position}
        )
        ids.append(section.pk)
    return ids


def _authors() -> list[int]:
    ids = []
    for first, last in itertools.product(FIRST_NAMES, LAST_NAMES):
        name = f"{first} {last}"
        author, _ = Author.objects.get_or_create(slug=make_slug(name), defaults={"name": name})
        ids.append(author.pk)
    return ids


def _keyword_names() -> Iterator[str]:
    yield from TOPICS
    yield from PLACES
    yield from ORGS
    for place, topic in itertools.product(PLACES, TOPICS[:20]):
        yield f"{topic} in {place}"


def _keywords() -> list[int]:
    """The vocabulary's keywords, created where missing (one query per 500 names, not per name)."""
    names = list(dict.fromkeys(_keyword_names()))
    existing = {k.name.casefold(): k.pk for k in Keyword.objects.only("name")}
    taken_slugs = set(Keyword.objects.values_list("slug", flat=True))
    missing = []
    for name in names:
        if name.casefold() in existing:
            continue
        slug, n = make_slug(name, max_length=110), 2
        while slug in taken_slugs:
            slug, n = f"{make_slug(name, max_length=110)}-{n}", n + 1
        taken_slugs.add(slug)
        missing.append(Keyword(name=name, slug=slug))
    Keyword.objects.bulk_create(missing, batch_size=500)
    existing = {k.name.casefold(): k.pk for k in Keyword.objects.only("name")}
    return [existing[name.casefold()] for name in names]


def _fill(template: str, rng: random.Random) -> str:
    actor = rng.choice(ACTORS)
    topic = rng.choice(TOPICS)
    org = rng.choice(ORGS)
    return template.format(
        place=rng.choice(PLACES),
        actor=actor,
        Actor=actor[0].upper() + actor[1:],
        verb=rng.choice(VERBS),
        object=rng.choice(OBJECTS),
        topic=topic,
        Topic=topic[0].upper() + topic[1:],
        org=f"the {org}",
        Org=org,
        day=rng.choice(DAYS),
        n=rng.randint(2, 90),
    )


def _sentence_pool(rng: random.Random) -> list[str]:
    return [html.escape(_fill(rng.choice(SENTENCE_TEMPLATES), rng)) for _ in range(SENTENCE_POOL)]


def _headline(rng: random.Random) -> str:
    text = _fill(rng.choice(HEADLINES), rng)
    return text[0].upper() + text[1:]


def _body(rng: random.Random, sentences: list[str]) -> str:
    parts = []
    paragraphs = rng.randint(4, 8)
    heading_at = rng.randint(2, paragraphs - 1) if rng.random() < 0.6 else -1
    for p in range(paragraphs):
        if p == heading_at:
            parts.append(f"<h2>{html.escape(_fill(rng.choice(SUBHEADINGS), rng))}</h2>")
        parts.append("<p>" + " ".join(rng.choices(sentences, k=rng.randint(2, 4))) + "</p>")
    return "\n".join(parts)
