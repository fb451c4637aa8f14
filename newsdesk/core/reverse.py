"""reverse(), kept: an address is the same every time for the same URLconf, script prefix and
arguments, and a reverse costs as much as a dozen template variables. Every page links its
chrome, its sections, keywords, authors and related stories; most of those links recur on the
next page. Bounded: a few thousand short strings."""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def cached_reverse(name: str, *args, **kwargs) -> str:
    return _reversed(
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        name,
        args,
        tuple(sorted(kwargs.items())),
    )


@lru_cache(maxsize=4096)
def _reversed(root_urlconf, urlconf, prefix: str, name: str, args: tuple, kwargs: tuple) -> str:
    return reverse(name, args=args or None, kwargs=dict(kwargs) or None)
