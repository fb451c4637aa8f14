import os

from django.core.wsgi import get_wsgi_application

from newsdesk.core.metrics import PageCacheCounter
from newsdesk.core.pagecache import PageCache

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Public pages kept whole are answered before Django runs (newsdesk/core/pagecache.py); the
# counter outside it tells /metrics how many were (newsdesk/core/metrics.py).
application = PageCacheCounter(PageCache(get_wsgi_application()))
