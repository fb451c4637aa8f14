"""keys_purge (core/purge.py): on commit, the page cache and every edge, and never lost."""

from django.test import TestCase, override_settings
from django_tasks import default_task_backend

from newsdesk.core import pagecache
from newsdesk.core.models import TaskFailure
from newsdesk.core.purge import (
    PURGE_PRIORITY,
    PURGE_TASKS,
    edge_purge_run,
    keys_purge,
    purge_run,
    purges_retry,
)

from .varnish import run_wsgi


class Edge:
    """A WSGI edge that refuses purges while `down`, recording what reached it."""

    def __init__(self):
        self.down = True

    def __call__(self, environ, start_response):
        status = "503 Service Unavailable" if self.down else "200 OK"
        start_response(status, [("Content-Type", "text/plain")])
        return [b"purged"]


class KeysPurgeTests(TestCase):
    def test_nothing_is_purged_before_the_change_commits(self):
        mark = pagecache.marks().mark()
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            keys_purge(["article-1"])
            self.assertFalse(pagecache.marks().purged_since(["article-1"], mark))
        self.assertEqual(len(callbacks), 1)

    def test_on_commit_exactly_the_keys_are_purged_from_the_page_cache(self):
        mark = pagecache.marks().mark()
        with self.captureOnCommitCallbacks(execute=True):
            keys_purge(["article-1", "list-home", "article-1"])
        marks = pagecache.marks()
        self.assertTrue(marks.purged_since(["article-1"], mark))
        self.assertTrue(marks.purged_since(["list-home"], mark))
        self.assertFalse(marks.purged_since(["article-2"], mark))

    @override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
    def test_the_page_cache_forgets_at_the_commit_and_the_edges_get_a_task_ahead_of_others(self):
        # The dummy backend only records what is enqueued: nothing here runs a task.
        mark = pagecache.marks().mark()
        with self.captureOnCommitCallbacks(execute=True):
            keys_purge(["article-1"])
        self.assertTrue(pagecache.marks().purged_since(["article-1"], mark))
        [queued] = default_task_backend.results
        self.assertEqual(queued.task.module_path, purge_run.module_path)
        self.assertEqual(queued.kwargs, {"keys": ["article-1"], "origin_purged": True})
        self.assertEqual(queued.task.priority, PURGE_PRIORITY)
        self.assertGreater(PURGE_PRIORITY, 0)  # ahead of every task left at the default

    @override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
    def test_the_edges_are_purged_at_the_commit_whatever_the_task_workers_are_doing(self):
        # Nothing runs a task here: the purge reaches the edge from the committing process.
        edge = Edge()
        edge.down = False
        with run_wsgi(edge) as server, override_settings(NEWSDESK_PURGE_URLS=[server.url]):
            with self.captureOnCommitCallbacks(execute=True):
                keys_purge(["article-9"])
            [request] = server.received
            self.assertEqual(request["HTTP_XKEY_PURGE"], "article-9")
        [queued] = default_task_backend.results  # the listeners' task, told the edge is done
        self.assertEqual(queued.task.module_path, purge_run.module_path)
        self.assertEqual(queued.kwargs["edges_done"], [server.url])

    @override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
    def test_an_edge_refusing_at_the_commit_gets_a_task_and_is_left_to_tasks_for_a_while(self):
        edge = Edge()  # down
        with run_wsgi(edge) as server, override_settings(NEWSDESK_PURGE_URLS=[server.url]):
            with self.captureOnCommitCallbacks(execute=True):
                keys_purge(["article-9"])
            with self.captureOnCommitCallbacks(execute=True):
                keys_purge(["article-10"])
        self.assertEqual(len(server.received), 1)  # the second commit did not wait for it
        queued = [(r.task.module_path, r.kwargs) for r in default_task_backend.results]
        self.assertEqual(
            queued,
            [
                (edge_purge_run.module_path, {"base_url": server.url, "keys": ["article-9"]}),
                (
                    purge_run.module_path,
                    {"keys": ["article-9"], "origin_purged": True, "edges_done": [server.url]},
                ),
                (purge_run.module_path, {"keys": ["article-10"], "origin_purged": True}),
            ],
        )

    def test_each_edge_is_purged_with_the_keys(self):
        edge = Edge()
        edge.down = False
        with (
            run_wsgi(edge) as server,
            override_settings(NEWSDESK_PURGE_URLS=[server.url]),
            self.captureOnCommitCallbacks(execute=True),
        ):
            keys_purge(["article-9", "list-home"])
        [request] = server.received
        self.assertEqual(request["REQUEST_METHOD"], "PURGE")
        self.assertEqual(request["HTTP_XKEY_PURGE"], "article-9 list-home")

    def test_an_edge_is_purged_once_unless_a_repeat_is_asked_for(self):
        from huey.contrib.djhuey import HUEY

        edge = Edge()
        edge.down = False
        with run_wsgi(edge) as server, override_settings(NEWSDESK_PURGE_URLS=[server.url]):
            purge_run.call(keys=["article-9"])
            self.assertEqual(HUEY.scheduled(), [])
            with override_settings(NEWSDESK_PURGE_REPEAT_SECONDS=2):
                purge_run.call(keys=["article-9"])
        [again] = HUEY.scheduled()  # the django-tasks shim's (task path, args, kwargs)
        task_path, _, kwargs = again.args
        self.assertEqual(task_path, "newsdesk.core.purge.edge_purge_run")
        self.assertEqual(kwargs, {"base_url": server.url, "keys": ["article-9"]})
        self.assertEqual(len(server.received), 2)  # the first purge of each, sent at once

    def test_a_purge_an_edge_refused_is_kept_as_an_alarm_and_run_again_until_it_works(self):
        edge = Edge()
        with run_wsgi(edge) as server, override_settings(NEWSDESK_PURGE_URLS=[server.url]):
            with self.captureOnCommitCallbacks(execute=True):
                keys_purge(["article-9"])
            failure = TaskFailure.objects.unresolved().get(task_path__in=PURGE_TASKS)
            self.assertEqual(failure.kwargs, {"base_url": server.url, "keys": ["article-9"]})

            purges_retry.call()  # still down: a new alarm replaces the old one
            self.assertEqual(TaskFailure.objects.unresolved().count(), 1)

            edge.down = False
            purges_retry.call()
            self.assertFalse(TaskFailure.objects.unresolved().exists())
            self.assertEqual(server.received[-1]["HTTP_XKEY_PURGE"], "article-9")
        # purge_run's attempt, its own task's, the retry while down, the retry that worked.
        self.assertEqual(len(server.received), 4)
