"""Security regressions: a test for every finding of a red-team pass, kept as Django keeps one for
every CVE. Each class names its finding (issue 12); each test failed before its fix. A finding
whose test lives with higher-layer code (core imports only core, docs/architecture.md) is listed
in REFERENCED, and `test_referenced_tests_exist` keeps those pointers true.

docs/security.md has the threat model, what is tested where and how to rerun the red-team classes.
"""

import ast
import contextlib
import io
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from newsdesk.core.models import SecurityEvent, TaskFailure
from newsdesk.core.prepared import PreparedQuery

ROOT = Path(__file__).resolve().parents[3]

# Findings whose regression tests live in a higher layer's tests, by module and test name.
REFERENCED = {
    "1: SSRF filter misses IPv6 forms that embed IPv4": [
        "newsdesk.ingest.tests.test_security.test_ipv6_forms_of_private_addresses_are_refused",
        "newsdesk.ingest.tests.test_security."
        "test_a_redirect_to_an_ipv6_form_of_a_private_address_is_refused_at_that_hop",
    ],
    "11: API answers differ from the OpenAPI description": [
        "newsdesk.api.tests.test_openapi_conformance.test_every_answer_matches_the_openapi_description",
    ],
    "13: one source read by two polls at once; a fault hook in production code": [
        "newsdesk.ingest.tests.test_security.SourceClaimTests",
        "newsdesk.ingest.tests.test_security.test_production_code_holds_no_fault_injection_hook",
    ],
    # The red team's classes that found nothing, kept as tests anyone can rerun.
    "XSS through every comment field, rendered in Chromium": [
        "newsdesk.comments.tests.test_xss_browser.test_payloads_posted_through_the_form_are_stored_as_text",
        "newsdesk.comments.tests.test_xss_browser.test_article_page_runs_no_commenter_script",
    ],
    "CSRF: forged posts": [
        "newsdesk.comments.tests.test_posting.CsrfTests."
        "test_missing_or_wrong_csrf_token_is_403_keeping_text_with_a_working_token",
    ],
}


def _module_file(parts: list[str]) -> Path:
    return ROOT.joinpath(*parts).with_suffix(".py")


def test_referenced_tests_exist():
    # Read, not imported: importing a test module may do what only its tests may (a request).
    for finding, paths in REFERENCED.items():
        for path in paths:
            parts = path.split(".")
            # module.function, or module.Class.method
            split = next(i for i in range(len(parts), 0, -1) if _module_file(parts[:i]).exists())
            source, names = _module_file(parts[:split]), parts[split:]
            defined = {
                node.name
                for node in ast.walk(ast.parse(source.read_text()))
                if isinstance(node, ast.FunctionDef | ast.ClassDef)
            }
            assert set(names) <= defined, (finding, path)


def run_newsdesk(*args: str, env: dict[str, str], data_dir: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", *args],
        cwd=ROOT,
        env={**base, "NEWSDESK_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


class LoginThrottleTests(TestCase):
    """4. No throttling on admin login: 24 wrong passwords were all answered."""

    URL = "/admin/login/?next=/admin/"

    @classmethod
    def setUpTestData(cls):
        get_user_model().objects.create_superuser("owner", "owner@example.org", "the-right-one")

    def attempt(self, password: str, *, username: str = "owner", address: str = "203.0.113.7"):
        return Client().post(
            self.URL, {"username": username, "password": password}, REMOTE_ADDR=address
        )

    def test_wrong_passwords_for_an_account_are_refused_with_a_wait_and_a_clear_message(self):
        with time_machine.travel("2026-06-01 10:00:10 +0000", tick=False):
            for _ in range(5):
                self.assertEqual(self.attempt("guess").status_code, 200)
            refused = self.attempt("guess")
            self.assertEqual(refused.status_code, 429)
            self.assertEqual(refused["Retry-After"], "290")  # the 5-minute window ends at 10:05
            self.assertContains(refused, "Too many sign-in attempts", status_code=429)
            self.assertContains(refused, "wait 5 minutes, then try again", status_code=429)
            # The right password is not even checked while the account is throttled...
            self.assertEqual(self.attempt("the-right-one").status_code, 429)
            # ...from another address either: the account is what is being guessed.
            self.assertEqual(self.attempt("the-right-one", address="198.51.100.2").status_code, 429)

    def test_the_owner_is_not_locked_out_for_good(self):
        with time_machine.travel("2026-06-01 10:00:00 +0000", tick=False) as clock:
            for _ in range(6):
                self.attempt("guess")
            clock.shift(timedelta(minutes=5))
            self.assertEqual(self.attempt("the-right-one").status_code, 302)

    def test_a_sustained_attack_backs_off_to_the_hour(self):
        with time_machine.travel("2026-06-01 10:00:00 +0000", tick=False) as clock:
            waits = []
            for _ in range(5):  # 5 windows of 5 minutes, 6 guesses in each
                answers = [self.attempt("guess") for _ in range(6)]
                waits.append(int(answers[-1]["Retry-After"]))
                clock.shift(timedelta(minutes=5))
            self.assertEqual(waits[:3], [300, 300, 300])
            self.assertEqual(waits[3], 3600 - 15 * 60)  # over 20 an hour: until 11:00
            self.assertContains(answers[-1], "wait 40 minutes", status_code=429)
            clock.move_to("2026-06-01 11:00:00 +0000")
            self.assertEqual(self.attempt("the-right-one").status_code, 302)

    def test_many_accounts_from_one_address_are_throttled_by_address(self):
        with time_machine.travel("2026-06-01 10:00:00 +0000", tick=False):
            answers = [self.attempt("guess", username=f"user{n}") for n in range(21)]
            self.assertEqual({a.status_code for a in answers[:20]}, {200})
            self.assertEqual(answers[20].status_code, 429)
            # Another address still signs in.
            self.assertEqual(self.attempt("the-right-one", address="198.51.100.2").status_code, 302)

    def test_one_audit_event_per_throttled_window_without_secrets(self):
        with time_machine.travel("2026-06-01 10:00:00 +0000", tick=False):
            for _ in range(12):
                self.attempt("guess-password-1")
            for _ in range(6):
                self.attempt("guess", username="hunter2-typed-as-a-name", address="192.0.2.9")
        events = list(SecurityEvent.objects.order_by("id"))
        self.assertEqual(len(events), 2)
        owner, unknown = events
        self.assertEqual(owner.kind, SecurityEvent.Kind.LOGIN_THROTTLED)
        self.assertEqual((owner.username, owner.address), ("owner", "203.0.113.7"))
        self.assertIn("login-account over 5/300", owner.detail)
        # A name that is no account may be a password typed in the wrong field: not kept.
        self.assertEqual((unknown.username, unknown.address), ("", "192.0.2.9"))
        self.assertIn("no such account", unknown.detail)
        for event in events:
            self.assertNotIn("guess", f"{event.username} {event.detail}")

    def test_a_refused_attempt_costs_one_counter_statement_and_no_password_check(self):
        with time_machine.travel("2026-06-01 10:00:00 +0000", tick=False):
            for _ in range(6):
                self.attempt("guess")
            client = Client()
            with self.assertNumQueries(1):
                response = client.post(
                    self.URL, {"username": "owner", "password": "x"}, REMOTE_ADDR="203.0.113.7"
                )
        self.assertEqual(response.status_code, 429)

    def test_old_audit_events_are_purged(self):
        from newsdesk.core.tasks import security_events_purge

        SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN_THROTTLED)
        old = SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN_THROTTLED)
        SecurityEvent.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=31))
        security_events_purge.call()
        self.assertEqual(SecurityEvent.objects.count(), 1)
        self.assertFalse(SecurityEvent.objects.filter(pk=old.pk).exists())


class SetupOnRestoredSiteTests(TransactionTestCase):
    """7. A restore publishes the demo stories: `setup` decided "new site" from a marker file.
    (`setup` migrates, which PostgreSQL cannot do inside a test's transaction.)"""

    def setup(self) -> str:
        out = io.StringIO()
        call_command("setup", stdout=out)
        return out.getvalue()

    def test_a_database_with_stories_and_users_gets_no_demo_and_no_admin(self):
        Article = apps.get_model("articles", "Article")
        Article.objects.create(headline="A live story", body="<p>Real news.</p>")
        get_user_model().objects.create_user("editor", password="x")
        (settings.DATA_DIR / ".initialised").unlink(missing_ok=True)  # not in the backup
        self.setup()
        self.assertEqual(Article.objects.count(), 1)
        self.assertEqual(
            list(get_user_model().objects.values_list("username", flat=True)), ["editor"]
        )

    def test_users_alone_or_stories_alone_are_not_a_new_site(self):
        Article = apps.get_model("articles", "Article")
        get_user_model().objects.create_user("editor", password="x")
        self.setup()
        self.assertFalse(Article.objects.exists())
        get_user_model().objects.all().delete()
        Article.objects.create(headline="A live story", body="<p>Real news.</p>")
        self.setup()
        self.assertEqual(Article.objects.count(), 1)
        self.assertFalse(get_user_model().objects.exists())

    def test_an_empty_database_gets_the_demo_and_one_admin_shown_once(self):
        output = self.setup()
        self.assertGreater(apps.get_model("articles", "Article").objects.count(), 0)
        self.assertEqual(
            list(get_user_model().objects.values_list("username", flat=True)), ["admin"]
        )
        admin = get_user_model().objects.get(username="admin")
        shown = [w for w in re.findall(r"[\w-]{16,}", output) if admin.check_password(w)]
        self.assertEqual(len(shown), 1)
        password = shown[0]
        self.assertNotIn(password, self.setup())  # shown once
        self.assertEqual(get_user_model().objects.count(), 1)


class OutOfRangeIdTests(TestCase):
    """8. 500 on a 20-digit News ID: an out-of-range id reached a prepared query."""

    IDS = ["99999999999999999999", "9223372036854775808", "4294967296", "0"]

    def test_out_of_range_ids_answer_404_everywhere(self):
        client = Client(raise_request_exception=False)
        for news_id in self.IDS:
            for url in (
                f"/news/{news_id}/x/",
                f"/news/{news_id}/",
                f"/comments/{news_id}/form/",
                f"/comments/{news_id}/write/",
                f"/api/articles/{news_id}",
            ):
                with self.subTest(url=url):
                    self.assertEqual(client.get(url).status_code, 404)

    def test_the_api_404_has_its_documented_message(self):
        body = self.client.get("/api/articles/99999999999999999999").json()
        self.assertIn("Nothing published has this id", body["message"])
        self.assertEqual(body["errors"], [])

    def test_a_prepared_query_given_an_id_past_any_column_matches_nothing(self):
        by_id = PreparedQuery(lambda pk: TaskFailure.objects.filter(pk=pk).values_list("id"))
        self.assertEqual(by_id.rows(10**20), [])
        self.assertEqual(by_id.rows(-(10**20)), [])
        failure = TaskFailure.objects.create(task_path="x")
        self.assertEqual(by_id.rows(failure.pk), [(failure.pk,)])


class UnreadableFormTests(TestCase):
    """9. 500 on every POST with a non-UTF-8 form charset: the error pages read the form again."""

    URLS = ["/comments/1001/", "/admin/login/", "/search/", "/admin/comments/comment/queue/"]
    TOKEN = "a" * 32

    def post(self, url: str, body: str, content_type: str, *, cookie: bool = True):
        client = Client(raise_request_exception=False, enforce_csrf_checks=True)
        if cookie:
            client.cookies["csrftoken"] = self.TOKEN
        return client.generic("POST", url, body, content_type=content_type)

    def assert_reader_400(self, response):
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Bad request", status_code=400)
        self.assertContains(response, 'href="/"', status_code=400)  # the site's chrome

    def test_a_form_in_another_charset_is_a_400_page_for_readers(self):
        body = f"csrfmiddlewaretoken={self.TOKEN}&name=%FF%FE"
        for url in self.URLS:
            for charset in ("utf-16", "latin-1", "shift_jis"):
                with self.subTest(url=url, charset=charset):
                    response = self.post(
                        url, body, f"application/x-www-form-urlencoded; charset={charset}"
                    )
                    self.assert_reader_400(response)

    def test_a_comment_post_without_a_cookie_in_another_charset_is_a_400_too(self):
        Article = apps.get_model("articles", "Article")
        Article.objects.create(
            news_id=1001,
            headline="Open for comments",
            body="<p>Text.</p>",
            status=Article.Status.PUBLISHED,
            published_at=timezone.now() - timedelta(hours=1),
        )
        response = self.post(
            "/comments/1001/",
            "body=hello",
            "application/x-www-form-urlencoded; charset=utf-16",
            cookie=False,
        )
        self.assert_reader_400(response)

    @override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=10, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
    def test_a_form_too_large_or_with_too_many_fields_is_a_400_too(self):
        many = "&".join(f"f{n}=1" for n in range(20)) + f"&csrfmiddlewaretoken={self.TOKEN}"
        large = f"csrfmiddlewaretoken={self.TOKEN}&body=" + "x" * 2000
        for body in (many, large):
            for url in self.URLS:
                with self.subTest(url=url, size=len(body)):
                    response = self.post(url, body, "application/x-www-form-urlencoded")
                    self.assert_reader_400(response)


class WeakSecretKeyTests(TestCase):
    """10. Weak secret keys were accepted in production: `check --deploy` only warned."""

    def run_check(self, key: str, data_dir: Path) -> subprocess.CompletedProcess:
        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "NEWSDESK_SECRET_KEY": key,
            "NEWSDESK_ALLOWED_HOSTS": "news.example",
        }
        return run_newsdesk("check", env=env, data_dir=data_dir)

    def test_production_refuses_short_repetitive_or_generated_keys_at_start(self):
        weak = [
            "x",
            "x" * 60,
            "abcde" * 12,  # 5 different characters pass Django's own check
            secrets.token_urlsafe(36),  # 48 characters
            "django-insecure-" + secrets.token_urlsafe(50),
        ]
        with tempfile.TemporaryDirectory() as data_dir:
            for key in weak:
                with self.subTest(length=len(key)):
                    result = self.run_check(key, Path(data_dir))
                    self.assertNotEqual(result.returncode, 0)
                    self.assertIn("NEWSDESK_SECRET_KEY is too weak", result.stderr)
                    self.assertIn("secrets.token_urlsafe(50)", result.stderr)
                    if len(key) > 20:
                        self.assertNotIn(key, result.stdout + result.stderr)
            for key in (secrets.token_urlsafe(50), secrets.token_hex(32)):
                result = self.run_check(key, Path(data_dir))
                self.assertEqual(result.returncode, 0, result.stderr)


@pytest.mark.parametrize("name", ["NEWSDESK_LOGIN_RATE_ACCOUNT", "NEWSDESK_LOGIN_RATE_ADDRESS"])
def test_login_rates_are_tiers_short_window_first(name):
    windows = [int(re.fullmatch(r"\d+/(\d+)", rate).group(1)) for rate in getattr(settings, name)]
    assert windows == sorted(windows) and max(windows) <= 3600  # never longer than an hour


def _children(pid: int) -> list[tuple[int, bytes]]:
    """(pid, command line) of the live children of `pid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rpartition(")")[2].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append((int(entry.name), cmdline))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _kill_quietly(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _wait_for(condition, timeout: float, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
class TaskWorkerSupervisionTests(TestCase):
    """2. The supervisor hung in its first Popen, racing gunicorn's forks: a killed worker was
    never restarted. 3. After kill -9 of the master and web workers, the task worker lived on."""

    STARTS = 4  # the red team saw the hang in 2 of 6 starts; this test met it at its first

    def serve(self, data_dir: Path, log: Path) -> subprocess.Popen:
        from .varnish import _server_env, free_port

        port = free_port()
        with log.open("ab") as out:
            return subprocess.Popen(
                # Many web workers: many forks while the task worker starts.
                [sys.executable, "-m", "newsdesk", "serve", "--port", str(port)]
                + ["--workers", "6", "--threads", "1", "--worker-restart-delay", "0.2"],
                env=_server_env(data_dir, port, None),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @staticmethod
    def task_worker(master: int) -> int | None:
        workers = [pid for pid, cmd in _children(master) if b"newsdesk\x00worker" in cmd]
        return workers[0] if len(workers) == 1 else None

    def test_a_killed_worker_is_restarted_on_every_start_and_dies_with_its_server(self):
        from .varnish import _prepared_data_dir, _tail, _template_lock

        with _template_lock:
            template = _prepared_data_dir()
        folder = Path(tempfile.mkdtemp(prefix="newsdesk-supervision-"))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        data_dir, log = folder / "var", folder / "serve.log"
        shutil.copytree(template, data_dir)
        for start in range(self.STARTS):
            server = self.serve(data_dir, log)
            try:
                first = _wait_for(lambda s=server: self.task_worker(s.pid), 60)
                self.assertIsNotNone(first, f"start {start}: no task worker\n{_tail(log)}")
                os.kill(first, signal.SIGKILL)
                second = _wait_for(
                    lambda s=server, f=first: (w := self.task_worker(s.pid)) != f and w, 30
                )
                self.assertTrue(second, f"start {start}: the killed worker was not restarted")
                if start == self.STARTS - 1:
                    # The crash of finding 3: master and web workers killed, nothing else.
                    web = [pid for pid, _ in _children(server.pid) if pid != second]
                    for pid in [server.pid, *web]:
                        os.kill(pid, signal.SIGKILL)
                    self.assertTrue(
                        _wait_for(lambda w=second: not _alive(w), 10),
                        "the task worker outlived its server",
                    )
            finally:
                # Not the graceful stop (web workers take their 10 s): the whole group, at once.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.pid, signal.SIGKILL)
                server.wait(15)


class ParentDeathTests(TestCase):
    """3. The worker must die with its parent: by the kernel's parent-death signal, and where
    there is none by watching its parent."""

    # A parent that starts a child calling die_with_parent() and then waits; we kill the parent.
    PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(__import__("os").getpid())])
print(child.pid, flush=True)
time.sleep(120)
"""
    CHILD = """
import os, sys, time
from newsdesk.core import lifeline
if {no_prctl}:
    lifeline._parent_death_signal = lambda signum: False
lifeline.die_with_parent(int(sys.argv[1]), interval=0.2)
time.sleep(120)
"""

    def orphan_lives(self, *, no_prctl: bool) -> bool:
        parent = subprocess.Popen(
            [sys.executable, "-c", self.PARENT, self.CHILD.format(no_prctl=no_prctl)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        child = int(parent.stdout.readline())
        self.addCleanup(_kill_quietly, child)
        time.sleep(1.0)  # the child is past its start-up
        self.assertTrue(_alive(child))
        parent.kill()
        parent.wait()
        return not _wait_for(lambda: not _alive(child), 10)

    def test_a_child_dies_with_its_parent_by_the_kernels_signal(self):
        self.assertFalse(self.orphan_lives(no_prctl=False))

    def test_a_child_dies_with_its_parent_by_watching_it_where_the_kernel_cannot(self):
        self.assertFalse(self.orphan_lives(no_prctl=True))


class PeriodicOnceTests(TestCase):
    """3. Two workers side by side both scheduled the periodic jobs: each minute's jobs must be
    enqueued once across all workers."""

    def test_two_workers_enqueue_each_minute_s_periodic_jobs_once(self):
        from unittest import mock

        from newsdesk.core.tasks import HUEY, periodic_jobs, worker_consumer

        periodic_jobs()
        # Two workers' schedulers, made as `newsdesk worker` makes them.
        first, second = (worker_consumer(workers=1)._create_scheduler() for _ in range(2))
        ten = timezone.datetime(2026, 6, 1, 10, 0, 5)
        due = len(HUEY.read_periodic(ten))
        self.assertGreater(due, 0)
        # The test's transaction holds the connection a scheduler would otherwise recycle.
        with (
            mock.patch.object(HUEY, "enqueue") as enqueue,
            mock.patch("newsdesk.core.tasks.close_old_connections"),
        ):
            first.enqueue_periodic_tasks(ten)
            second.enqueue_periodic_tasks(ten + timedelta(seconds=20))
            self.assertEqual(enqueue.call_count, due)
            # The next minute, whichever comes first enqueues it; a clock behind enqueues nothing.
            second.enqueue_periodic_tasks(ten + timedelta(minutes=1))
            first.enqueue_periodic_tasks(ten + timedelta(minutes=1, seconds=2))
            first.enqueue_periodic_tasks(ten)
            self.assertEqual(
                enqueue.call_count, due + len(HUEY.read_periodic(ten + timedelta(minutes=1)))
            )


class DependencyAuditTests(TestCase):
    """12. The venv kept the setuptools `python -m venv` brings (65.5.0, CVE-2022-40897), and no
    audit looked for known vulnerabilities."""

    MAKEFILE = (ROOT / "Makefile").read_text()
    # A stand-in for pip-audit, answering as it does in each case.
    FAKE = """
import json, os, sys
service = sys.argv[sys.argv.index("--vulnerability-service") + 1]
case = os.environ["FAKE_AUDIT"]
if case == "offline" and service == "osv":
    sys.exit("requests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'")
deps = {
    "offline": [{"name": "django", "skip_reason": "Dependency not found on PyPI and could not be "
                 "audited: django (5.2.19)"}],
    "vulnerable": [{"name": "setuptools", "version": "65.5.0", "vulns": [
        {"id": "PYSEC-2022-43012", "fix_versions": ["65.5.1"], "aliases": ["CVE-2022-40897"]}]},
        {"name": "django", "version": "5.2.19", "vulns": []}],
    "clean": [{"name": "django", "version": "5.2.19", "vulns": []}],
}[case]
print(json.dumps({"dependencies": deps, "fixes": []}))
"""

    def audit(self, case: str, **env: str) -> subprocess.CompletedProcess:
        fake = Path(tempfile.mkdtemp()) / "fake_pip_audit.py"
        self.addCleanup(shutil.rmtree, fake.parent)
        fake.write_text(self.FAKE)
        return subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "dependency_audit.py")],
            env={
                **os.environ,
                "NEWSDESK_PIP_AUDIT": f"{sys.executable} {fake}",
                "FAKE_AUDIT": case,
                **env,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )

    def test_the_venv_has_the_pinned_build_tools(self):
        from importlib.metadata import version

        pins = re.search(r"^BUILD_TOOLS := (.+)$", self.MAKEFILE, re.MULTILINE).group(1).split()
        pinned = dict(pin.split("==") for pin in pins)
        self.assertEqual(set(pinned), {"pip", "setuptools"})
        for name, wanted in pinned.items():
            self.assertEqual(version(name), wanted, f"{name}: run `make install`")
        # The one that builds the package is the same.
        pyproject = (ROOT / "pyproject.toml").read_text()
        self.assertIn(f'requires = ["setuptools=={pinned["setuptools"]}"]', pyproject)

    def test_lint_runs_the_audit(self):
        lint = re.search(r"^lint:.*?(?=^\S)", self.MAKEFILE, re.MULTILINE | re.DOTALL).group(0)
        self.assertIn("scripts/dependency_audit.py", lint)

    def test_a_known_vulnerability_fails_with_its_id_and_fix(self):
        result = self.audit("vulnerable")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("setuptools 65.5.0: PYSEC-2022-43012 (65.5.1)", result.stdout)

    def test_no_known_vulnerability_passes_and_says_how_many_were_checked(self):
        result = self.audit("clean")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("1 packages, no known vulnerabilities", result.stdout)

    def test_without_a_database_to_ask_it_says_nothing_was_checked_and_passes(self):
        result = self.audit("offline")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Dependency audit NOT RUN", result.stdout)
        self.assertIn("no vulnerability data for any of 1 packages", result.stdout)
        self.assertIn("api.osv.dev", result.stdout)
        self.assertNotIn("no known vulnerabilities", result.stdout)

    def test_where_an_audit_is_required_no_database_is_a_failure(self):
        result = self.audit("offline", NEWSDESK_AUDIT_REQUIRED="1")
        self.assertEqual(result.returncode, 2)


# Text an attacker types into every parameter: SQL, markup, paths, numbers past any column,
# encodings that are not UTF-8, control characters; and anything else Hypothesis thinks of.
HOSTILE = [
    "' OR '1'='1",
    "1; DROP TABLE articles_article; --",
    '" UNION SELECT password FROM auth_user --',
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "%00",
    "\x00",
    "9" * 30,
    "-1",
    "1e309",
    "１２３",
    "NEAR(a b)",
    '"unclosed',
    "*",
    "a OR b AND NOT c",
    "%ff%fe",
    "ZmFrZQ",
]
READER_URLS = [
    "/?after={}",
    "/search/?q={}",
    "/search/?q=talks&after={}",
    "/search/?q=talks&section={}&since={}&until={}&sort={}",
    "/section/{}/",
    "/keyword/{}/",
    "/author/{}/",
    "/news/1001/{}/",
    "/news/{}/",
    "/comments/1001/form/?reply_to={}",
    "/comments/1001/write/?reply_to={}&sent={}",
    "/feeds/{}/",
    "/feeds/section/{}/rss/",
    "/sitemap-{}.xml",
    "/sitemap-news.xml?p={}",
    "/captcha/image/{}/",
    "/captcha/audio/{}/",
    "/preview/s/{}/",
    "/api/articles?section={}&cursor={}&since={}",
    "/api/search?q={}",
]


class FuzzEveryReaderEndpointTests(TestCase):
    """The red team's fuzzing class: no reader URL answers 5xx, whatever its parameters hold
    (SQL metacharacters included: the ORM binds them; search's query parser quotes them).
    The API is fuzzed against its OpenAPI description in newsdesk/api/tests."""

    @classmethod
    def setUpTestData(cls):
        Article = apps.get_model("articles", "Article")
        Article.objects.create(
            news_id=1001,
            headline="Harbour talks resume",
            slug="harbour-talks-resume",
            body="<p>Talks resumed at the harbour.</p>",
            status=Article.Status.PUBLISHED,
            published_at=timezone.now() - timedelta(hours=1),
        )

    def test_no_reader_url_answers_5xx(self):
        from hypothesis import HealthCheck, given
        from hypothesis import settings as hypothesis_settings
        from hypothesis import strategies as st

        values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
        client = Client(raise_request_exception=False)

        def fuzzer(template: str):
            slots = template.count("{}")

            @hypothesis_settings(
                max_examples=25,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(st.lists(values, min_size=slots, max_size=slots))
            def fuzz(parts):
                url = template.format(*(quote(part, safe="") for part in parts))
                status = client.get(url).status_code
                assert status < 500, (url, status)

            return fuzz

        for template in READER_URLS:
            with self.subTest(template=template):
                fuzzer(template)()

    def test_the_edges_of_the_calendar_are_no_5xx(self):
        client = Client(raise_request_exception=False)
        for day in ("0001-01-01", "9999-12-31"):
            for url in (
                f"/search/?q=talks&since={day}&until={day}",
                f"/search/?q=talks&until={day}",
                f"/api/search?q=talks&since={day}&until={day}",
                f"/api/articles?since={day}&until={day}",
            ):
                with self.subTest(url=url):
                    self.assertLess(client.get(url).status_code, 500)


# --- 13 (small ones): sanitized wire copy keeps relative <img src> ---------------------------


class ExternalHtmlAddressTests(TestCase):
    """Copy from outside never makes an editor's browser fetch (or link to) our own pages."""

    HOSTILE = (
        '<p><img src="/admin/logout/" srcset="/a.png 1x, b.png 2x" alt="x">'
        '<a href="../admin/">link</a></p><blockquote cite="/c">q</blockquote>'
        '<img src="?next=/admin/"><img src="//cdn.example/p.png">'
    )

    def clean(self, html: str, base_url: str | None) -> str:
        from newsdesk.core.html import sanitize_external_html

        return sanitize_external_html(html, base_url=base_url)

    def test_relative_addresses_are_dropped_without_a_base(self):
        html = self.clean(self.HOSTILE, base_url=None)
        self.assertNotRegex(html, r'(src|srcset|href|cite)="(?!https?://)')
        self.assertIn('alt="x"', html)  # the rest of the markup stays
        self.assertIn(">link</a>", html)

    def test_relative_addresses_are_made_absolute_to_the_items_own_address(self):
        html = self.clean(self.HOSTILE, base_url="https://wire.example/news/item.html")
        self.assertIn('src="https://wire.example/admin/logout/"', html)
        self.assertIn(
            'srcset="https://wire.example/a.png 1x, https://wire.example/news/b.png 2x"', html
        )
        self.assertIn('href="https://wire.example/admin/"', html)
        self.assertIn('cite="https://wire.example/c"', html)
        self.assertIn('src="https://cdn.example/p.png"', html)

    @override_settings(ALLOWED_HOSTS=["news.example"], NEWSDESK_SITE_URL="https://www.example")
    def test_addresses_on_our_own_hosts_are_dropped_and_are_no_base(self):
        for own in ("https://news.example/admin/", "http://www.example/x"):
            html = self.clean(f'<img src="{own}"><a href="{own}">a</a>', base_url=None)
            self.assertNotIn("example", html)
        # An item claiming to live on our site cannot turn its relative paths into ours.
        html = self.clean('<img src="/admin/">', base_url="https://news.example/story")
        self.assertEqual(html, "<img>")

    def test_editors_html_keeps_its_relative_addresses(self):
        from newsdesk.core.html import sanitize_html

        self.assertEqual(sanitize_html('<img src="/media/a.jpg">'), '<img src="/media/a.jpg">')
