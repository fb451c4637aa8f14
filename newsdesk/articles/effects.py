"""Follow-ups of an article's side effects, for the apps above articles.

Articles imports none of the apps that keep something derived from the stories readers see
(search keeps the related stories). Such an app registers a follow-up from its
AppConfig.ready():

    from newsdesk.articles.effects import effects_follow_up

    effects_follow_up(lambda article_id: related_refresh_task.enqueue(article_id=article_id))

and article_effects_run (tasks.py) calls each with the article's id once its own work is done:
after a publish, an embargo's lift or a scheduled time reached, an edit, a correction, an
unpublish, never before readers may see the change. A follow-up must be quick and safe to run
twice: enqueue a task of your own rather than do the work. One that raises fails the effects
task, which the task runner retries (so nothing is lost; the purges run again, harmlessly).
"""

from __future__ import annotations

from collections.abc import Callable

FollowUp = Callable[[int], None]

_follow_ups: list[FollowUp] = []


def effects_follow_up(func: FollowUp) -> FollowUp:
    """Register `func(article_id)`, called after each article's side effects (once, however
    often it is registered); usable as a decorator."""
    if func not in _follow_ups:
        _follow_ups.append(func)
    return func


def effects_follow_ups_run(*, article_id: int) -> None:
    """Call every registered follow-up, in the order they were registered."""
    for func in list(_follow_ups):
        func(article_id)
