"""Webhooks (issue 17): signed deliveries of story and comment events to a real receiver on
loopback, retried with backoff, logged, alarmed when an endpoint dies, and kept off private
networks unless an administrator allows it."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import time_machine
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from newsdesk.articles.services import (
    article_correct,
    article_publish,
    article_save,
    article_unpublish,
)
from newsdesk.articles.tasks import article_effects_run
from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.captcha.challenges import challenge_issue
from newsdesk.comments.models import Comment
from newsdesk.comments.services import Submission, comment_submit, comments_moderate
from newsdesk.webhooks.admin import WebhookEndpointForm
from newsdesk.webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from newsdesk.webhooks.services import BACKOFF
from newsdesk.webhooks.tasks import webhook_deliver


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers the next status."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers.items()), body))
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def events(self, endpoint: WebhookEndpoint) -> list[dict]:
        """Every body received, each checked against its signature as a receiver would."""
        verifier = Webhook(endpoint.secret)
        return [
            verifier.verify(body, {k.lower(): v for k, v in headers.items()})
            for headers, body in self.received
        ]


class WebhookTestCase(TestCase):
    statuses = (200,)

    def setUp(self):
        self.receiver = Receiver(self.statuses)
        self.addCleanup(self.receiver.close)

    def endpoint(self, *events, **fields) -> WebhookEndpoint:
        fields = {"url": self.receiver.url, "allow_private_network": True, **fields}
        return WebhookEndpoint.objects.create(events=[str(e) for e in events], **fields)


class StoryEventTests(WebhookTestCase):
    def test_a_published_story_is_delivered_signed_with_its_headers(self):
        endpoint = self.endpoint(Event.STORY_PUBLISHED)
        article = ArticleFactory(draft=True)
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=article, by=None)
        [event] = self.receiver.events(endpoint)  # raises if a signature does not verify
        self.assertEqual(event["type"], "story.published")
        self.assertEqual(event["data"]["news_id"], article.news_id)
        self.assertTrue(event["data"]["url"].endswith(article.get_absolute_url()))
        [(headers, _)] = self.receiver.received
        delivery = WebhookDelivery.objects.get()
        self.assertEqual(headers["webhook-id"], delivery.message_id)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(delivery.status, WebhookDelivery.Status.DELIVERED)
        self.assertEqual(delivery.last_status_code, 200)

    def test_a_tampered_body_does_not_verify(self):
        endpoint = self.endpoint(Event.STORY_PUBLISHED)
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=ArticleFactory(draft=True), by=None)
        [(headers, body)] = self.receiver.received
        with self.assertRaises(Exception):  # noqa: B017 - the library's own verification error
            Webhook(endpoint.secret).verify(
                body.replace(b"published", b"unpublished"),
                {k.lower(): v for k, v in headers.items()},
            )

    def test_each_change_readers_see_is_announced_once_as_what_it_was(self):
        endpoint = self.endpoint(*[e for e in Event if e.startswith("story.")])
        article = ArticleFactory(draft=True)
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=article, by=None)
        with self.captureOnCommitCallbacks(execute=True):
            article.headline = "A new headline"
            article_save(article=article, by=None)
        with self.captureOnCommitCallbacks(execute=True):
            article_correct(article=article, by=None, text="The date was wrong.")
        with self.captureOnCommitCallbacks(execute=True):
            article_unpublish(article=article, by=None)
        with self.captureOnCommitCallbacks(execute=True):
            article_effects_run.call(article_id=article.pk)  # run again: nothing new to say
        types = [event["type"] for event in self.receiver.events(endpoint)]
        self.assertEqual(
            types, ["story.published", "story.updated", "story.corrected", "story.unpublished"]
        )

    def test_a_scheduled_story_is_announced_when_it_goes_live_not_before(self):
        endpoint = self.endpoint(Event.STORY_PUBLISHED)
        article = ArticleFactory(draft=True)
        at = timezone.now() + timedelta(hours=2)
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=article, by=None, at=at)
        self.assertEqual(self.receiver.received, [])
        with time_machine.travel(at + timedelta(seconds=1), tick=False):
            with self.captureOnCommitCallbacks(execute=True):  # noqa: SIM117 - runs on exit
                article_effects_run.call(article_id=article.pk)  # what the queue runs at `at`
            [event] = self.receiver.events(endpoint)  # signed then: checked then
        self.assertEqual(event["data"]["news_id"], article.news_id)

    def test_an_endpoint_hears_only_the_events_it_asked_for(self):
        self.endpoint(Event.COMMENT_APPROVED)
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=ArticleFactory(draft=True), by=None)
        self.assertEqual(self.receiver.received, [])
        self.assertFalse(WebhookDelivery.objects.exists())


class CommentEventTests(WebhookTestCase):
    def test_a_comment_posted_then_approved_is_announced_twice(self):
        endpoint = self.endpoint(Event.COMMENT_POSTED, Event.COMMENT_APPROVED)
        article = ArticleFactory()
        with self.captureOnCommitCallbacks(execute=True):
            comment = comment_submit(
                article=article,
                submission=Submission(name="Ada", email="ada@example.org", body="Fair report."),
                challenge=challenge_issue(),
                ip_address="192.0.2.1",
            )
        self.assertEqual(comment.status, Comment.Status.PENDING)
        with self.captureOnCommitCallbacks(execute=True):
            comments_moderate(
                comments=Comment.objects.filter(pk=comment.pk), status="approved", by=None
            )
        posted, approved = self.receiver.events(endpoint)
        self.assertEqual(posted["type"], "comment.posted")
        self.assertEqual(approved["type"], "comment.approved")
        self.assertEqual(approved["data"]["body"], "Fair report.")
        self.assertEqual(approved["data"]["story"]["news_id"], article.news_id)
        self.assertNotIn("email", json.dumps(approved))  # nor the address


class RetryTests(WebhookTestCase):
    statuses = (500, 200)

    def test_a_failed_delivery_is_tried_again_later_with_the_same_id(self):
        endpoint = self.endpoint(Event.STORY_PUBLISHED)
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=ArticleFactory(draft=True), by=None)
        delivery = WebhookDelivery.objects.get()
        self.assertEqual(delivery.status, WebhookDelivery.Status.PENDING)
        self.assertEqual(delivery.attempts, 1)
        self.assertEqual(delivery.last_status_code, 500)
        self.assertEqual(
            delivery.next_attempt_at, delivery.last_attempt_at + timedelta(seconds=BACKOFF[0])
        )
        with self.captureOnCommitCallbacks(execute=True):
            webhook_deliver.call(delivery_id=delivery.pk)  # what the queue runs at that time
        delivery.refresh_from_db()
        self.assertEqual(delivery.status, WebhookDelivery.Status.DELIVERED)
        first, second = (headers["webhook-id"] for headers, _ in self.receiver.received)
        self.assertEqual(first, second)
        self.assertEqual(len(self.receiver.events(endpoint)), 2)  # both signed


class DeadEndpointTests(WebhookTestCase):
    statuses = (503,)

    def test_after_the_last_retry_the_delivery_fails_and_the_admin_shows_an_alarm(self):
        endpoint = self.endpoint(Event.STORY_PUBLISHED)
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=ArticleFactory(draft=True), by=None)
        delivery = WebhookDelivery.objects.get()
        for _ in BACKOFF:
            with self.captureOnCommitCallbacks(execute=True):
                webhook_deliver.call(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        self.assertEqual(delivery.attempts, len(BACKOFF) + 1)
        self.assertEqual(delivery.status, WebhookDelivery.Status.FAILED)
        self.assertEqual(len(self.receiver.received), len(BACKOFF) + 1)
        endpoint.refresh_from_db()
        self.assertIsNotNone(endpoint.failing_since)

        admin = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw")
        self.client.force_login(admin)
        page = self.client.get(reverse("admin:index")).content.decode()
        self.assertIn("1 webhook endpoint stopped taking deliveries", page)
        log = self.client.get(reverse("admin:webhooks_webhookdelivery_changelist"))
        self.assertContains(log, "Failed (gave up)")

        # "Deliver again" once the receiver is back: the alarm clears.
        self.receiver.statuses = [200]
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("admin:webhooks_webhookdelivery_changelist"),
                {"action": "deliver_again", "_selected_action": [delivery.pk]},
            )
        delivery.refresh_from_db()
        endpoint.refresh_from_db()
        self.assertEqual(delivery.status, WebhookDelivery.Status.DELIVERED)
        self.assertIsNone(endpoint.failing_since)
        page = self.client.get(reverse("admin:index")).content.decode()
        self.assertNotIn("stopped taking deliveries", page)


class PrivateNetworkTests(WebhookTestCase):
    def test_a_loopback_receiver_is_refused_unless_an_administrator_allowed_it(self):
        self.endpoint(Event.STORY_PUBLISHED, allow_private_network=False)
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=ArticleFactory(draft=True), by=None)
        self.assertEqual(self.receiver.received, [])
        delivery = WebhookDelivery.objects.get()
        self.assertIn("loopback", delivery.last_error)
        self.assertEqual(delivery.status, WebhookDelivery.Status.PENDING)  # tried again later

    def test_the_form_refuses_a_private_address_without_the_box(self):
        data = {"url": "http://10.1.2.3/hook", "events": ["story.published"], "active": "on"}
        form = WebhookEndpointForm(data=data)
        self.assertFalse(form.is_valid())
        self.assertIn("private network", str(form.errors["url"]))
        self.assertTrue(
            WebhookEndpointForm(data={**data, "allow_private_network": "on"}).is_valid()
        )

    def test_the_form_refuses_other_schemes_and_passwords_in_the_address(self):
        for url in ("ftp://example.org/hook", "https://user:pw@example.org/hook"):
            form = WebhookEndpointForm(data={"url": url, "events": ["story.published"]})
            self.assertFalse(form.is_valid(), url)
