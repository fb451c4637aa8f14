"""Sign-in throttling for the admin: by account and by address, with back-off (issue 12, #4).

Every sign-in attempt is counted before the password is checked, in the shared rate-limit
counters (ratelimit.py: the database, or Redis), so that guesses sent in parallel or to several
app servers are counted together. Each of NEWSDESK_LOGIN_RATE_ACCOUNT (per account name as
typed) and NEWSDESK_LOGIN_RATE_ADDRESS (per client address) is a list of tiers, short windows
first: going over a tier makes the next attempt wait until that tier's window ends, so a burst
costs minutes and a sustained attack an hour at a time. Nothing is locked for good: every
window ends by itself, and a correct password works again once it has.

While throttled, the form says so and for how long (429 with Retry-After), the password is not
checked at all, and the first refusal of each window leaves an audit record (SecurityEvent)."""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext

from .models import SecurityEvent
from .ratelimit import Limited, client_ip, rate_limits_hit

logger = logging.getLogger("newsdesk.security")

ACCOUNT_SCOPE = "login-account"
ADDRESS_SCOPE = "login-address"


def _wait_text(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    if minutes <= 1:
        return gettext("a minute")
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def login_attempt_count(*, request, username: str) -> Limited | None:
    """Count one sign-in attempt for `username` from the request's address. A Limited answer
    (the longest wait among the tiers gone over) when the attempt must be refused."""
    account = username.strip().casefold()
    address = client_ip(request)
    tiers = [(ACCOUNT_SCOPE, account, rate) for rate in settings.NEWSDESK_LOGIN_RATE_ACCOUNT]
    tiers += [(ADDRESS_SCOPE, address, rate) for rate in settings.NEWSDESK_LOGIN_RATE_ADDRESS]
    answers = rate_limits_hit(*tiers)
    over = [(tier, answer) for tier, answer in zip(tiers, answers, strict=True) if answer]
    if not over:
        return None
    firsts = [tier for tier, answer in over if answer.first]
    if firsts:
        _record(username=username, address=address, tiers=firsts)
    return max((answer for _, answer in over), key=lambda a: a.retry_after)


def _record(*, username: str, address: str, tiers) -> None:
    User = get_user_model()
    known = User.objects.filter(**{User.USERNAME_FIELD: username}).exists()
    detail = ", ".join(f"{scope} over {rate}" for scope, _, rate in tiers)
    event = SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.LOGIN_THROTTLED,
        username=username if known else "",
        address=address or None,
        detail=(detail if known else f"{detail} (no such account)")[:300],
    )
    # No name and no address in the log: they are in the admin's record, which is purged.
    logger.warning("Admin sign-in throttled (%s); security event %s.", detail, event.pk)


class ThrottledAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, counting each attempt before checking the password."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.cleaned_data.get("password"):
            limited = login_attempt_count(request=self.request, username=username)
            if limited:
                self.request.login_retry_after = limited.retry_after
                raise ValidationError(
                    gettext(
                        "Too many sign-in attempts for this account or from this address. Nothing "
                        "was checked: wait %(wait)s, then try again. If you have forgotten your "
                        "password, ask an administrator to set a new one."
                    )
                    % {"wait": _wait_text(limited.retry_after)},
                    code="throttled",
                )
        return super().clean()


def throttled_login_view(login_view):
    """AdminSite.login answering 429 with Retry-After when the form refused a throttled attempt."""

    def login(request, extra_context=None):
        response = login_view(request, extra_context)
        retry_after = getattr(request, "login_retry_after", None)
        if retry_after:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
        return response

    return login
