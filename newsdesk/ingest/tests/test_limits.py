import time

import pytest
from django.test import override_settings

from newsdesk.ingest.limits import ParseTimeout, run_limited
from newsdesk.ingest.parsers.capture import ParseError
from newsdesk.ingest.parsers.feed import parse_feed

from .server import FIXTURES


def test_a_parse_runs_in_the_helper_and_returns_its_result():
    entries = run_limited(parse_feed, (FIXTURES / "wire/afp.atom").read_bytes(), timeout=30)
    assert [e.guid for e in entries] == ["urn:agence-two:item:77031", "urn:agence-two:item:77032"]


def test_a_parse_error_comes_back_as_the_same_error():
    with pytest.raises(ParseError, match="XML bomb"):
        run_limited(parse_feed, (FIXTURES / "wire/bomb.xml").read_bytes(), timeout=30)


def test_a_parse_that_overruns_its_time_is_abandoned_and_the_next_one_works():
    with pytest.raises(ParseTimeout, match="longer than 0.5 seconds"):
        run_limited(time.sleep, 30, timeout=0.5)
    assert run_limited(parse_feed, (FIXTURES / "wire/afp.atom").read_bytes(), timeout=30)


@override_settings(NEWSDESK_INGEST_PARSE_TIMEOUT=0)
def test_a_zero_timeout_parses_in_process():
    assert run_limited(lambda: "here") == "here"  # a lambda could not be sent to a helper
