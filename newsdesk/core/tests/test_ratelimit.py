import uuid

import pytest
from django.core.cache import caches
from django.test import TestCase, override_settings

from newsdesk.core.models import RateCounter
from newsdesk.core.ratelimit import (
    Rate,
    client_ip,
    rate_counters_purge,
    rate_limit_hit,
    rate_limits_hit,
)


class DatabaseRateLimitTests(TestCase):
    def test_counts_to_the_limit_then_refuses_until_the_window_ends(self):
        rate = Rate(2, 60)
        now = 1_800_000_000.0
        self.assertIsNone(rate_limit_hit("t", "192.0.2.1", rate, now=now))
        self.assertIsNone(rate_limit_hit("t", "192.0.2.1", rate, now=now + 1))
        limited = rate_limit_hit("t", "192.0.2.1", rate, now=now + 2)
        self.assertEqual(limited.retry_after, 58)
        self.assertIsNone(rate_limit_hit("t", "192.0.2.2", rate, now=now + 2))
        self.assertIsNone(rate_limit_hit("t", "192.0.2.1", rate, now=now + 61))

    def test_counters_hold_no_address(self):
        rate_limit_hit("t", "192.0.2.77", Rate(5, 60))
        self.assertNotIn("192.0.2.77", RateCounter.objects.get().bucket)

    def test_zero_limit_means_unlimited(self):
        self.assertIsNone(rate_limit_hit("t", "x", "0/60"))
        self.assertFalse(RateCounter.objects.exists())

    def test_several_counters_are_counted_in_one_statement_and_answered_each(self):
        now = 1_800_000_000.0
        rate_limit_hit("ip", "192.0.2.1", Rate(1, 60), now=now)
        with self.assertNumQueries(1):
            by_ip, by_email, unlimited = rate_limits_hit(
                ("ip", "192.0.2.1", Rate(1, 60)),
                ("email", "digest", Rate(1, 60)),
                ("other", "x", "0/60"),
                now=now,
            )
        self.assertEqual(by_ip.retry_after, 60)
        self.assertIsNone(by_email)
        self.assertIsNone(unlimited)
        self.assertEqual(sorted(RateCounter.objects.values_list("hits", flat=True)), [1, 2])

    def test_the_same_counter_twice_in_one_call_counts_twice(self):
        first, second = rate_limits_hit(("t", "x", Rate(1, 60)), ("t", "x", Rate(1, 60)))
        self.assertEqual(RateCounter.objects.get().hits, 2)
        self.assertIsNotNone(first)  # both see the total: the call as a whole went over
        self.assertIsNotNone(second)

    def test_purge_drops_finished_windows(self):
        rate_limit_hit("t", "x", Rate(5, 60), now=1_000.0)
        rate_limit_hit("t", "x", Rate(5, 60), now=1_000_000.0)
        self.assertEqual(rate_counters_purge(now=2_000.0), 1)


class ClientIpTests(TestCase):
    def request(self, **meta):
        from django.test import RequestFactory

        return RequestFactory().get("/", **meta)

    def test_remote_addr_by_default_even_with_a_forwarded_header(self):
        request = self.request(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
        self.assertEqual(client_ip(request), "192.0.2.1")

    @override_settings(NEWSDESK_TRUSTED_PROXIES=1)
    def test_behind_one_proxy_the_last_forwarded_address(self):
        request = self.request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
        self.assertEqual(client_ip(request), "203.0.113.9")


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/5", socket_connect_timeout=0.5).ping()
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _redis_available(), reason="Redis does not answer on 127.0.0.1:6379")
@override_settings(
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/5",
        },
    },
    NEWSDESK_RATELIMIT_BACKEND="cache",
    NEWSDESK_RATELIMIT_CACHE="ratelimit",
)
class RedisRateLimitTests(TestCase):
    def test_counts_in_redis_shared_by_every_process(self):
        scope = f"test-{uuid.uuid4().hex}"
        rate = Rate(2, 60)
        self.assertIsNone(rate_limit_hit(scope, "192.0.2.1", rate))
        self.assertIsNone(rate_limit_hit(scope, "192.0.2.1", rate))
        self.assertIsNotNone(rate_limit_hit(scope, "192.0.2.1", rate))
        self.assertFalse(RateCounter.objects.exists())
        caches["ratelimit"].close()
