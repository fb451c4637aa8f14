"""Settings shared by every environment.

Everything an operator changes comes from NEWSDESK_* variables.
"""

import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

from newsdesk.core.env import env_bool, env_int, env_list, env_str
from newsdesk.core.memory import cores

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("NEWSDESK_DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    # A single machine without configuration still needs a stable key: keep one in the data folder.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("NEWSDESK_SECRET_KEY") or _local_secret_key()
DEBUG = env_bool("NEWSDESK_DEBUG", False)
ALLOWED_HOSTS = env_list("NEWSDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("NEWSDESK_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_prose_editor",
    "newsdesk.core",
    "newsdesk.articles",
    "newsdesk.comments",
    "newsdesk.captcha",
    "newsdesk.ingest",
    "django.contrib.sitemaps",
    "ninja",
    "newsdesk.search",
    "newsdesk.feeds",
    "newsdesk.api",
    "newsdesk.site",
    "newsdesk.webhooks",
]

MIDDLEWARE = [
    # Outermost: the ETag is taken of the finished page (with its footer's time), and a reader
    # whose copy matches gets a 304.
    "django.middleware.http.ConditionalGetMiddleware",
    # Counts and times every request by view, for /metrics (newsdesk/core/metrics.py).
    "newsdesk.core.metrics.MiddlewareTimer",
    # Anonymous safe requests may read from a replica (newsdesk/core/dbrouter.py).
    "newsdesk.core.dbrouter.ReplicaMiddleware",
    "newsdesk.core.middleware.ServerTimingMiddleware",
    "newsdesk.core.middleware.NulRefusedMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The admin in each editor's language; public pages in the site's (no LocaleMiddleware).
    "newsdesk.core.middleware.EditorLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
# Django's form renderer, the plainest widget templates built in Python (newsdesk/core/forms.py).
FORM_RENDERER = "newsdesk.core.forms.FormRenderer"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsdesk.site.context_processors.site",
            ],
        },
    }
]

# Database: SQLite in the data folder unless NEWSDESK_DATABASE_URL (or DATABASE_URL) says otherwise.
_database_url = env_str("NEWSDESK_DATABASE_URL") or env_str("DATABASE_URL")
_pool = env_bool("NEWSDESK_DATABASE_POOL", False)


def _postgres(url: str) -> dict:
    if not _pool:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    # psycopg's connection pool in each process (docs/operations.md, "PostgreSQL"): Django takes
    # a connection from it for each request and gives it back after, instead of keeping one per
    # thread open (CONN_MAX_AGE must then be 0).
    database = dj_database_url.parse(url, conn_max_age=0)
    database.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("NEWSDESK_DATABASE_POOL_MIN", 2),
        "max_size": env_int("NEWSDESK_DATABASE_POOL_MAX", 10),
        "timeout": env_int("NEWSDESK_DATABASE_POOL_TIMEOUT", 10),
    }
    return database


if _database_url:
    DATABASES = {"default": _postgres(_database_url)}
    if _replica_url := env_str("NEWSDESK_DATABASE_REPLICA_URL"):
        # Anonymous readers' pages read from it (newsdesk/core/dbrouter.py); in tests it is the
        # test database itself.
        DATABASES["replica"] = {**_postgres(_replica_url), "TEST": {"MIRROR": "default"}}
else:
    DATABASES = {
        "default": {
            # Memory per connection (docs/operations.md, "Memory"): its own page cache of at
            # most NEWSDESK_SQLITE_CACHE_KIB, and the file mapped up to NEWSDESK_SQLITE_MMAP_BYTES.
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "newsdesk.sqlite3",
            # Keep each worker thread's connection: opening one and running the PRAGMAs below
            # costs about as much as a query, on every request (bench/article_page.py).
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # Writers queue on the lock instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    f"PRAGMA cache_size=-{env_int('NEWSDESK_SQLITE_CACHE_KIB', 2_000)};"
                    f"PRAGMA mmap_size={env_int('NEWSDESK_SQLITE_MMAP_BYTES', 0)};"
                    "PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }
if env_str("NEWSDESK_TEST_DB_NAME"):
    # Several test runs against one PostgreSQL server each need their own test database.
    DATABASES["default"]["TEST"] = {"NAME": env_str("NEWSDESK_TEST_DB_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASE_ROUTERS = ["newsdesk.core.dbrouter.ReplicaRouter"]
# Reads of anonymous pages go to the `replica` alias when there is one (NEWSDESK_READ_REPLICA=0
# keeps every read on the primary, to take a lagging replica out of use without a new URL).
NEWSDESK_READ_REPLICA = env_bool("NEWSDESK_READ_REPLICA", True)

_redis_url = env_str("NEWSDESK_REDIS_URL")
# Whole public pages kept by the origin (newsdesk/core/pagecache.py), purged by surrogate key.
_page_entries = env_int("NEWSDESK_PAGE_CACHE_ENTRIES", 5_000)
# ... and the bytes they hold in each web worker on the embedded default (docs/operations.md).
_page_bytes = env_int("NEWSDESK_PAGE_CACHE_BYTES", 64 * 1024 * 1024)
if _redis_url:
    # Django's RedisCache, carrying on while Redis does not answer (newsdesk/core/cache.py); a
    # call waits at most these seconds for it.
    _redis_options = {"socket_connect_timeout": 1, "socket_timeout": 2}
    CACHES = {
        "default": {
            "BACKEND": "newsdesk.core.cache.RedisCache",
            "LOCATION": _redis_url,
            "OPTIONS": _redis_options,
        },
        "pages": {
            "BACKEND": "newsdesk.core.cache.RedisCache",
            "LOCATION": _redis_url,
            "KEY_PREFIX": "pages",
            "OPTIONS": _redis_options,
        },
    }
    NEWSDESK_PURGE_LOG = None  # purge marks live in Redis, seen by every server
else:
    # Each process has its own local cache; purges reach every process through a log in the
    # data folder that each reads (newsdesk/core/pagecache.py).
    NEWSDESK_PURGE_LOG = DATA_DIR / "purges.log"
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsdesk",
            # Security Key pictures and small values, a few KB each (docs/operations.md, "Memory").
            "OPTIONS": {"MAX_ENTRIES": env_int("NEWSDESK_LOCAL_CACHE_ENTRIES", 2_000)},
        },
        "pages": {
            # Kept as live objects, not pickled: a hit costs a dict lookup (core/pagecache.py).
            "BACKEND": "newsdesk.core.pagecache.LiveCache",
            "LOCATION": "newsdesk-pages",
            "OPTIONS": {"MAX_ENTRIES": _page_entries, "MAX_BYTES": _page_bytes},
        },
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The site's language sets the interface, numbers and dates of every public page: one copy of a
# page for every reader, so a reader's Accept-Language never changes it (no LocaleMiddleware).
# Editors get their own language in the admin (newsdesk/core/middleware.py, EditorLanguage).
LANGUAGE_CODE = env_str("NEWSDESK_LANGUAGE", "en")
# The languages of the interface and of stories (Article.language); names as readers of each write
# them, for the links between translations.
LANGUAGES = [("en", "English"), ("fa", "فارسی"), ("ar", "العربية")]
# Our own catalogues, one folder for every app and template (`make messages` updates them).
LOCALE_PATHS = [BASE_DIR / "locale"]
# Digits (latin, persian, arabic) and calendar (gregorian; solar-hijri for fa) of the site
# language; empty digits: the language's own (core/l10n.py).
NEWSDESK_DIGITS = env_str("NEWSDESK_DIGITS", "")
NEWSDESK_CALENDAR = env_str("NEWSDESK_CALENDAR", "gregorian")
TIME_ZONE = env_str("NEWSDESK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["newsdesk.core.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("NEWSDESK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

EMAIL_BACKEND = env_str("NEWSDESK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("NEWSDESK_FROM_EMAIL", "newsdesk@localhost")

# Content Security Policy: no inline script, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # NONCE: only pages that ask for one (the article editor's import map) get it in the header.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'self'"],
        # Players of the embeds articles may show (newsdesk/articles/embeds.py).
        "frame-src": ["'self'", "https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "form-action": ["'self'"],
    }
}

X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Background tasks: the django-tasks API on huey. huey keeps its queue in its own SQLite file in the
# data folder, or in Redis when NEWSDESK_REDIS_URL is set. `newsdesk serve` runs the worker itself;
# `newsdesk worker` runs more of them. See docs/operations.md, "Tasks". Delivery is at least once
# (newsdesk/core/queue.py): a worker silent for NEWSDESK_TASK_ALIVE_SECONDS is taken for dead and
# the tasks it was running run again on another.
TASKS = {
    "default": {
        "BACKEND": "newsdesk.core.tasks_backend.HueyBackend",
        "OPTIONS": {
            "retries": env_int("NEWSDESK_TASK_RETRIES", 3),
            "retry_delay": env_int("NEWSDESK_TASK_RETRY_DELAY", 30),
        },
    }
}
HUEY = {
    "name": "newsdesk",
    "immediate": False,
    "utc": True,
    "alive_seconds": env_int("NEWSDESK_TASK_ALIVE_SECONDS", 30),
    **(
        {"huey_class": "newsdesk.core.queue.ReliablePriorityRedisHuey", "url": _redis_url}
        if _redis_url
        else {
            "huey_class": "newsdesk.core.queue.ReliableSqliteHuey",
            "filename": str(DATA_DIR / "tasks.sqlite3"),
        }
    ),
    "consumer": {"workers": env_int("NEWSDESK_TASK_WORKERS", 2), "worker_type": "thread"},
}
NEWSDESK_TASK_ALARM_MINUTES = env_int("NEWSDESK_TASK_ALARM_MINUTES", 5)

# `newsdesk serve` (docs/operations.md, "Memory"): web worker processes (one per core: each keeps
# its own page cache, and one process uses one core at a time), request threads in each, and
# glibc malloc arenas in every server process (0: glibc's default, 8 per core).
NEWSDESK_WEB_WORKERS = env_int("NEWSDESK_WEB_WORKERS", cores())
NEWSDESK_WEB_THREADS = env_int("NEWSDESK_WEB_THREADS", 4)
NEWSDESK_MALLOC_ARENA_MAX = env_int("NEWSDESK_MALLOC_ARENA_MAX", 2)

# Health and metrics (docs/operations.md, "Health, metrics and alerts"): /metrics is served to
# these addresses (not through a proxy), or to anyone with this bearer token.
NEWSDESK_METRICS_ADDRESSES = env_list("NEWSDESK_METRICS_ADDRESSES", ["127.0.0.1", "::1"])
NEWSDESK_METRICS_TOKEN = env_str("NEWSDESK_METRICS_TOKEN", "")

# Newsroom workflow (docs/editors-guide.md, docs/operations.md "Newsroom").
NEWSDESK_IMAGE_MAX_BYTES = env_int("NEWSDESK_IMAGE_MAX_BYTES", 15 * 1024 * 1024)
NEWSDESK_IMAGE_MAX_PIXELS = env_int("NEWSDESK_IMAGE_MAX_PIXELS", 50_000_000)
NEWSDESK_PREVIEW_LINK_HOURS = env_int("NEWSDESK_PREVIEW_LINK_HOURS", 72)
NEWSDESK_HEADLINE_TARGET = env_int("NEWSDESK_HEADLINE_TARGET", 70)

# The site itself.
NEWSDESK_SITE_NAME = env_str("NEWSDESK_SITE_NAME", "Newsdesk")
NEWSDESK_SITE_URL = env_str("NEWSDESK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
NEWSDESK_PAGE_SIZE = env_int("NEWSDESK_PAGE_SIZE", 20)
NEWSDESK_CAPTCHA_TTL = env_int("NEWSDESK_CAPTCHA_TTL", 600)
# Edge caches purged by surrogate key on every change (docs/operations.md, "Caching and purges"):
# base URLs such as http://varnish:6081 (deploy/varnish/newsdesk.vcl) or fastly://SERVICE_ID.
NEWSDESK_PURGE_URLS = env_list("NEWSDESK_PURGE_URLS")
# Each edge purge sent again this many seconds later (0, the default: only when a copy straddled
# it, which the page cache sees): see newsdesk/core/purge.py.
NEWSDESK_PURGE_REPEAT_SECONDS = env_int("NEWSDESK_PURGE_REPEAT_SECONDS", 0)
NEWSDESK_FASTLY_TOKEN = env_str("NEWSDESK_FASTLY_TOKEN", "")  # for fastly:// entries
# A static mirror of the public site (docs/operations.md, "Static mirror"): with a folder, the
# task workers keep the mirror exported there (`newsdesk mirror DIR`) current on every purge.
NEWSDESK_MIRROR_DIR = env_str("NEWSDESK_MIRROR_DIR", "")
NEWSDESK_MIRROR_BASE_URL = env_str("NEWSDESK_MIRROR_BASE_URL", "")  # default: NEWSDESK_SITE_URL
NEWSDESK_MIRROR_COMMENTS = env_str("NEWSDESK_MIRROR_COMMENTS", "link")  # or "origin"

# Search, feeds, sitemaps, page metadata and the content API (docs/operations.md, "Discovery").
NEWSDESK_FEED_FULL_TEXT = env_bool("NEWSDESK_FEED_FULL_TEXT", True)  # False: summaries only
NEWSDESK_FEED_ITEMS = env_int("NEWSDESK_FEED_ITEMS", 30)
NEWSDESK_SITE_LOGO_URL = env_str("NEWSDESK_SITE_LOGO_URL", "")  # default: our static logo
NEWSDESK_API_MAX_PAGE_SIZE = env_int("NEWSDESK_API_MAX_PAGE_SIZE", 100)

# Wire ingest (docs/operations.md, "Wire ingest"): limits on every download and every parse.
NEWSDESK_INGEST_MAX_BYTES = env_int("NEWSDESK_INGEST_MAX_BYTES", 10 * 1024 * 1024)
NEWSDESK_INGEST_CONNECT_TIMEOUT = env_int("NEWSDESK_INGEST_CONNECT_TIMEOUT", 5)
NEWSDESK_INGEST_READ_TIMEOUT = env_int("NEWSDESK_INGEST_READ_TIMEOUT", 10)
NEWSDESK_INGEST_DEADLINE = env_int("NEWSDESK_INGEST_DEADLINE", 30)
NEWSDESK_INGEST_PARSE_TIMEOUT = env_int("NEWSDESK_INGEST_PARSE_TIMEOUT", 20)
NEWSDESK_INGEST_PARSE_WORKERS = env_int("NEWSDESK_INGEST_PARSE_WORKERS", 1)
NEWSDESK_INGEST_MAX_BACKOFF = env_int("NEWSDESK_INGEST_MAX_BACKOFF", 24 * 3600)
NEWSDESK_INGEST_ARCHIVE_DAYS = env_int("NEWSDESK_INGEST_ARCHIVE_DAYS", 30)
# Drop folders must be inside one of these (links resolved); only a superuser may allow another.
NEWSDESK_INGEST_FOLDER_ROOTS = env_list("NEWSDESK_INGEST_FOLDER_ROOTS", [str(DATA_DIR / "drop")])

# Comments, captcha, spam defence and moderation (docs/comments-operations.md).
CSRF_FAILURE_VIEW = "newsdesk.comments.views.csrf_failure"
# Per IP address: 30 new Security Keys per 10 minutes.
NEWSDESK_CAPTCHA_REFRESH_RATE = env_str("NEWSDESK_CAPTCHA_REFRESH_RATE", "30/600")
NEWSDESK_COMMENTS_RATE_IP = env_str("NEWSDESK_COMMENTS_RATE_IP", "10/600")
NEWSDESK_COMMENTS_RATE_EMAIL = env_str("NEWSDESK_COMMENTS_RATE_EMAIL", "5/600")
# Proof of work (docs/comments-operations.md, "Proof of work"): PBKDF2 iterations per attempt,
# and how many attempts at most a challenge takes normally and under a flood (from one address
# posting more than FLOOD_RATE_IP, or from all together more than FLOOD_RATE_SITE).
NEWSDESK_POW_COST = env_int("NEWSDESK_POW_COST", 250)
NEWSDESK_POW_DIFFICULTY = env_int("NEWSDESK_POW_DIFFICULTY", 1_000)
NEWSDESK_POW_FLOOD_DIFFICULTY = env_int("NEWSDESK_POW_FLOOD_DIFFICULTY", 150_000)
NEWSDESK_POW_FLOOD_RATE_IP = env_str("NEWSDESK_POW_FLOOD_RATE_IP", "3/600")
NEWSDESK_POW_FLOOD_RATE_SITE = env_str("NEWSDESK_POW_FLOOD_RATE_SITE", "120/600")
# Without JavaScript (no proof of work) the Security Key alone is accepted, under these limits.
NEWSDESK_COMMENTS_RATE_NOJS_IP = env_str("NEWSDESK_COMMENTS_RATE_NOJS_IP", "3/3600")
NEWSDESK_COMMENTS_RATE_NOJS_SITE = env_str("NEWSDESK_COMMENTS_RATE_NOJS_SITE", "30/600")
# Rate-limit counters must be shared by every worker: the database, or Redis when configured.
NEWSDESK_RATELIMIT_BACKEND = env_str("NEWSDESK_RATELIMIT_BACKEND", "cache" if _redis_url else "db")
NEWSDESK_RATELIMIT_CACHE = "default"
NEWSDESK_TRUSTED_PROXIES = env_int("NEWSDESK_TRUSTED_PROXIES", 0)
# Admin sign-in attempts per account and per address: tiers of "limit/seconds" (docs/security.md)
NEWSDESK_LOGIN_RATE_ACCOUNT = env_list("NEWSDESK_LOGIN_RATE_ACCOUNT", ["5/300", "20/3600"])
NEWSDESK_LOGIN_RATE_ADDRESS = env_list("NEWSDESK_LOGIN_RATE_ADDRESS", ["20/300", "100/3600"])
NEWSDESK_SECURITY_EVENT_DAYS = env_int("NEWSDESK_SECURITY_EVENT_DAYS", 30)
NEWSDESK_EMAIL_KEY = env_str("NEWSDESK_EMAIL_KEY", "")
NEWSDESK_COMMENTS_MIN_SECONDS = env_int("NEWSDESK_COMMENTS_MIN_SECONDS", 3)
NEWSDESK_COMMENTS_FORM_MAX_AGE = env_int("NEWSDESK_COMMENTS_FORM_MAX_AGE", 86_400)
NEWSDESK_COMMENTS_MAX_LINKS = env_int("NEWSDESK_COMMENTS_MAX_LINKS", 3)
NEWSDESK_COMMENTS_BLOCKLIST = env_list("NEWSDESK_COMMENTS_BLOCKLIST")
NEWSDESK_SPAM_THRESHOLD = float(env_str("NEWSDESK_SPAM_THRESHOLD", "1.0"))
NEWSDESK_SPAM_MIN_TRAINING = env_int("NEWSDESK_SPAM_MIN_TRAINING", 5)
# Moderation (docs/moderation.md): "pre" (comments wait) or "post" (they appear at once unless
# the filter holds them); articles may choose otherwise. With trust on, on pre-moderated
# articles a commenter with TRUST_MIN_APPROVED approved comments and none rejected or spam is
# published at once.
NEWSDESK_COMMENTS_MODERATION = env_str("NEWSDESK_COMMENTS_MODERATION", "pre")
NEWSDESK_COMMENTS_TRUST = env_bool("NEWSDESK_COMMENTS_TRUST", True)
NEWSDESK_COMMENTS_TRUST_MIN_APPROVED = env_int("NEWSDESK_COMMENTS_TRUST_MIN_APPROVED", 3)
# A comment whose score reaches this waits for a moderator even where it could appear at once.
NEWSDESK_SPAM_HOLD = float(env_str("NEWSDESK_SPAM_HOLD", "0.5"))
NEWSDESK_COMMENTS_CLOSE_AFTER_DAYS = env_int("NEWSDESK_COMMENTS_CLOSE_AFTER_DAYS", 0)
NEWSDESK_COMMENTS_IP_RETENTION_DAYS = env_int("NEWSDESK_COMMENTS_IP_RETENTION_DAYS", 30)
NEWSDESK_MODERATION_NOTIFY_INTERVAL = env_int("NEWSDESK_MODERATION_NOTIFY_INTERVAL", 900)
