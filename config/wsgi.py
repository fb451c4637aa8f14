import os

from django.core.wsgi import get_wsgi_application

from newsdesk.core.pagecache import PageCache

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Public pages kept whole are answered before Django runs (newsdesk/core/pagecache.py).
application = PageCache(get_wsgi_application())
