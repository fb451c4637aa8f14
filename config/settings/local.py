"""The default: one machine, SQLite, no other service. Safe defaults, debug off."""

from .base import *  # noqa: F403
