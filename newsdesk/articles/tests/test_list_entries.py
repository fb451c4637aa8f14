"""Keyword and author lists read through their own index (ListEntry): the database's triggers
keep each story's entries in step with its links and its publication time, whatever writes
them, and a page of a list at any depth is one walk of that index."""

from datetime import timedelta

from django.db import connection
from django.test import TestCase
from django.utils import timezone

from newsdesk.articles.models import Article, ListEntry
from newsdesk.articles.tests.factories import ArticleFactory, AuthorFactory, KeywordFactory
from newsdesk.articles.tests.test_next_visible import query_plan
from newsdesk.core.pagination import encode_cursor, keyset_page


def entries(article) -> set[tuple[str, int, object]]:
    rows = ListEntry.objects.filter(article=article)
    return set(rows.values_list("kind", "scope_id", "published_at"))


class TheTriggersKeepTheEntriesTests(TestCase):
    def setUp(self):
        self.keyword, self.author = KeywordFactory(), AuthorFactory()
        self.article = ArticleFactory()

    def test_a_link_made_by_the_orm_is_entered_with_the_storys_time(self):
        self.article.keywords.set([self.keyword])
        self.article.authors.add(self.author)
        when = self.article.published_at
        self.assertEqual(
            entries(self.article),
            {("keyword", self.keyword.pk, when), ("author", self.author.pk, when)},
        )

    def test_a_link_written_in_bulk_is_entered_too(self):
        through = Article.keywords.through
        through.objects.bulk_create([through(article=self.article, keyword=self.keyword)])
        self.assertEqual(
            entries(self.article), {("keyword", self.keyword.pk, self.article.published_at)}
        )

    def test_a_removed_link_leaves_its_list(self):
        self.article.keywords.set([self.keyword])
        self.article.authors.set([self.author])
        self.article.keywords.remove(self.keyword)
        self.assertEqual(
            entries(self.article), {("author", self.author.pk, self.article.published_at)}
        )
        self.article.authors.clear()
        self.assertEqual(entries(self.article), set())

    def test_the_entries_follow_the_storys_time_saved_or_updated(self):
        self.article.keywords.set([self.keyword])
        self.article.authors.set([self.author])
        later = timezone.now() + timedelta(days=1)
        self.article.published_at = later
        self.article.save()
        self.assertEqual({row[2] for row in entries(self.article)}, {later})
        earlier = later - timedelta(days=3)
        Article.objects.filter(pk=self.article.pk).update(published_at=earlier)
        self.assertEqual({row[2] for row in entries(self.article)}, {earlier})
        Article.objects.filter(pk=self.article.pk).update(published_at=None)
        self.assertEqual({row[2] for row in entries(self.article)}, {None})

    def test_a_deleted_story_or_keyword_leaves_no_entry(self):
        other = ArticleFactory()
        for article in (self.article, other):
            article.keywords.set([self.keyword])
            article.authors.set([self.author])
        self.article.delete()
        self.assertFalse(ListEntry.objects.filter(article_id=self.article.pk).exists())
        self.keyword.delete()
        self.assertEqual(entries(other), {("author", self.author.pk, other.published_at)})


class AListsPagesTests(TestCase):
    def setUp(self):
        self.author = AuthorFactory()
        now = timezone.now()
        same_minute = now - timedelta(hours=5)
        self.stories = [
            ArticleFactory(published_at=now - timedelta(hours=hours))
            for hours in (1, 2, 3, 4, 6, 7)
        ] + [ArticleFactory(published_at=same_minute) for _ in range(3)]
        hidden = [
            ArticleFactory(draft=True),
            ArticleFactory(published_at=now + timedelta(hours=1)),
            ArticleFactory(embargo_until=now + timedelta(hours=1)),
        ]
        elsewhere = ArticleFactory()
        for article in [*self.stories, *hidden]:
            article.authors.set([self.author])
        elsewhere.authors.set([AuthorFactory()])

    def pages(self, size: int) -> list[list[int]]:
        stories = Article.objects.for_listing().listed_under("author", self.author.pk)
        pages, cursor = [], None
        while True:
            page = keyset_page(stories, cursor=cursor, size=size)
            pages.append([article.pk for article in page.items])
            if page.next_cursor is None:
                return pages
            cursor = page.next_cursor

    def test_every_visible_story_once_newest_first_across_pages(self):
        expected = [
            article.pk
            for article in sorted(self.stories, key=lambda a: (a.published_at, a.pk), reverse=True)
        ]
        for size in (1, 2, 4, 20):
            with self.subTest(size=size):
                self.assertEqual(sum(self.pages(size), []), expected)

    def test_a_page_at_any_depth_is_one_walk_of_the_lists_index(self):
        oldest = min(self.stories, key=lambda a: (a.published_at, a.pk))
        stories = Article.objects.for_listing().listed_under("author", self.author.pk)
        for cursor in (None, encode_cursor(oldest.published_at, oldest.pk)):
            with self.subTest(deep=cursor is not None):
                plan = query_plan(
                    lambda cursor=cursor: keyset_page(stories, cursor=cursor, size=20)
                )
                self.assertIn("listentry_pub_idx", plan)
                if connection.vendor == "sqlite":
                    # Not the publication index, whose walk reads every story between two of
                    # the list's; and no sort of the whole list.
                    self.assertNotIn("article_pub_idx", plan)
                    self.assertNotIn("TEMP B-TREE", plan)
