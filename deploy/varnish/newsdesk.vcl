vcl 4.1;
# Varnish in front of Newsdesk (docs/operations.md, "Caching and purges").
#
# Anonymous readers share one copy of every public page. The origin says how long in
# Cache-Control (s-maxage, stale-while-revalidate, stale-if-error) and names what each page
# shows in Surrogate-Key; a change purges exactly those keys with
#
#     PURGE / HTTP/1.1
#     xkey-purge: article-302156 list-home
#
# from an address in the `purgers` ACL (newsdesk/core/edge.py sends it, NEWSDESK_PURGE_URLS).
# Purges are hard: a purged copy is never served again, not even while the origin is down,
# so an unpublished story cannot linger.
#
# Tested against a real varnishd: newsdesk/core/tests/test_varnish.py.

import std;
import xkey;

# The origin: `newsdesk serve` (gunicorn). The tests fill in their own host and port.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

# Who may purge: the app servers and task workers. Add their addresses.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    # Our own marks between restarts; never taken from a client.
    if (req.restarts == 0) {
        unset req.http.X-Newsdesk-Grace;
        unset req.http.X-Newsdesk-Pass;
        unset req.http.xkey-purged;
    }

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            # No key, no purge: this edge never empties itself by address or all at once.
            return (synth(400, "Send the keys to purge in an xkey-purge header"));
        }
        set req.http.xkey-purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged"));
    }

    # Writes, and anything else that is not a plain read, go to the origin as they came.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Editors, comment forms, Security Keys and previews are never shared.
    if (req.url ~ "^/(admin|comments|captcha|preview)(/|\?|$)") {
        return (pass);
    }
    # A reader with a session (an editor signed in) may see what others may not.
    if (req.http.Cookie ~ "(^|;)\s*sessionid=") {
        return (pass);
    }
    # Every other cookie (csrftoken, analytics) is the reader's own: public pages do not read
    # them, and they must not split the cache into one copy per reader.
    unset req.http.Cookie;

    # Past its stale-while-revalidate a copy is only served when the origin fails (vcl_hit).
    if (req.http.X-Newsdesk-Grace == "none") {
        set req.grace = 0s;
    } elsif (req.http.X-Newsdesk-Grace == "error") {
        set req.grace = 3650d;  # each copy's own grace, its stale-if-error, decides
    }
    # The built-in vcl_recv follows: host normalised, Authorization passed, the rest looked up.
}

sub vcl_pass {
    set req.http.X-Newsdesk-Pass = "1";
}

sub vcl_hit {
    # A stale copy is served at once (and refreshed behind the reader's back) for its
    # stale-while-revalidate; after that the reader waits for a fresh one (a look-up without
    # grace), and gets the stale copy only if the origin fails (vcl_synth), for its
    # stale-if-error.
    if (obj.ttl <= 0s && req.http.X-Newsdesk-Grace != "error" &&
        obj.ttl + std.duration(regsub(obj.http.Cache-Control,
            "^.*stale-while-revalidate=([0-9]+).*$", "\1s"), 0s) <= 0s) {
        set req.http.X-Newsdesk-Grace = "none";
        return (restart);
    }
}

sub vcl_backend_fetch {
    # (X-Newsdesk-Grace stays: vcl_backend_response needs it, and the origin ignores it.)
    unset bereq.http.X-Newsdesk-Pass;
}

sub vcl_backend_response {
    if (beresp.status >= 500) {
        # An error never replaces a good copy: a refresh (behind a reader's back, or past
        # stale-while-revalidate) is dropped, so the stale copy stays; an error is not kept.
        if (bereq.is_bgfetch || bereq.http.X-Newsdesk-Grace == "none") {
            return (abandon);
        }
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # Only what the origin declares shareable is kept: no cookie set, a lifetime given, and
    # nothing private. Everything else goes to the origin for every reader (hit-for-miss, so a
    # later shareable answer is kept again).
    if (beresp.http.Set-Cookie ||
        beresp.ttl <= 0s ||
        beresp.http.Cache-Control !~ "(?i)(s-maxage|max-age)=[0-9]" ||
        beresp.http.Cache-Control ~ "(?i)(private|no-cache|no-store)" ||
        beresp.http.Vary == "*") {
        set beresp.ttl = 120s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The TTL is the s-maxage (Varnish reads it before max-age), the grace the
    # stale-while-revalidate; keep the copy for its stale-if-error if that is longer.
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+" &&
        std.duration(regsub(beresp.http.Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1s"),
            0s) > beresp.grace) {
        set beresp.grace = std.duration(regsub(beresp.http.Cache-Control,
            "^.*stale-if-error=([0-9]+).*$", "\1s"), 0s);
    }
    # The keys the copy is purged by (xkey reads the `xkey` header of the stored copy).
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    return (deliver);
}

sub vcl_backend_error {
    # The origin did not answer: as for an error answer, keep the stale copy.
    if (bereq.is_bgfetch || bereq.http.X-Newsdesk-Grace == "none") {
        return (abandon);
    }
}

sub vcl_deliver {
    # The keys are for purging here, not for readers (nor for a cache in front of this one).
    unset resp.http.Surrogate-Key;
    unset resp.http.xkey;
    if (req.http.X-Newsdesk-Pass) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_synth {
    # A refresh past stale-while-revalidate failed (abandoned above): serve the stale copy if
    # it is still within its stale-if-error (a second look-up, vcl_hit lets it through), else
    # this error.
    if (resp.status == 503 && req.http.X-Newsdesk-Grace == "none") {
        set req.http.X-Newsdesk-Grace = "error";
        return (restart);
    }
    if (req.method == "PURGE") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        if (resp.status == 200) {
            set resp.http.xkey-purged = req.http.xkey-purged;
            set resp.body = "Purged " + req.http.xkey-purged + " objects" + {"
"};
        } else {
            set resp.body = resp.reason + {"
"};
        }
        return (deliver);
    }
}
