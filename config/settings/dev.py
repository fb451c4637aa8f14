"""Development: debug pages and the development server's conveniences."""

from .base import *  # noqa: F403

DEBUG = True
