"""A plain Django site showing the same article page as Newsdesk, for bench/article_page.py.

What a developer would write with `django-admin startproject` and one app: Django's default
settings and middleware, unmanaged models over Newsdesk's own tables (the same database file,
opened the same way), one view reading the article with its section, keywords, authors and
comment settings, the approved comments, the stored related stories, the story's translations
and the sections for the navigation, and one template printing the same document as Newsdesk's
article page (bench/article_instructions.py compares the two byte for byte). No cache, no
surrogate keys, no page cache in front: every view renders.
"""

from __future__ import annotations

import os

# Django 5.2's startproject MIDDLEWARE, unchanged.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def configure(database: dict) -> None:
    """Settings as startproject writes them (DEBUG off), with Newsdesk's database."""
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="plain-django-bench-only",  # noqa: S106 - never served
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "_plainsite",
        ],
        MIDDLEWARE=MIDDLEWARE,
        ROOT_URLCONF="_plainsite.views",
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [],
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        DATABASES={"default": database},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        LANGUAGE_CODE="en-us",
        TIME_ZONE="UTC",
        USE_I18N=True,
        USE_TZ=True,
        STATIC_URL="/static/",
        # Newsdesk's collected files (bench/article_page.py runs collectstatic on the archive),
        # with their hashed names, as a deployed Django site serves them.
        STATIC_ROOT=os.path.join(os.environ["NEWSDESK_DATA_DIR"], "static"),
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
            },
        },
    )
