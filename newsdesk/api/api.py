"""The read-only content API (django-ninja): /api/, its OpenAPI at /api/openapi.json and its
interactive docs at /api/docs, served from our own static files.

Write access later: give NinjaAPI (or a write Router) an `auth=` callable such as a
ninja.security.APIKeyHeader subclass checking a hashed key; reads stay open (docs/api.md)."""

import hashlib

from django.http import Http404, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from ninja import NinjaAPI
from ninja.errors import ValidationError

from newsdesk.core.pagination import BadCursor


class ContentAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            # The ETag is the body's digest: correct for any change, whatever changed it.
            etag = '"' + hashlib.blake2b(response.content, digest_size=16).hexdigest() + '"'
            if etag in parse_etags(request.headers.get("If-None-Match", "")):
                return HttpResponseNotModified(headers={"ETag": etag})
            response["ETag"] = etag
            patch_vary_headers(response, ["Accept-Encoding"])
        return response


api = ContentAPI(
    title="Newsdesk content API",
    version="1",
    description=(
        "Published stories, sections, keywords, authors and search, read-only. Lists are paged "
        "with an opaque `cursor` (pass `next_cursor` back). Every response carries an ETag; send "
        "it back in If-None-Match to get 304 Not Modified. Malformed parameters get 400 with a "
        "message."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        problems.append({"parameter": where, "message": error.get("msg", "is not valid")})
    summary = "; ".join(f"{p['parameter']}: {p['message']}" for p in problems)
    return api.create_response(
        request,
        {
            "message": f"Some parameters are not valid ({summary}). Fix them and try again.",
            "errors": problems,
        },
        status=400,
    )


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    # The documented 404 body (ErrorOut), not ninja's {"detail": ...}.
    return api.create_response(
        request,
        {
            "message": "Nothing published has this id or slug: check it, or find it in a list.",
            "errors": [],
        },
        status=404,
    )


@api.exception_handler(BadCursor)
def bad_cursor(request, exc: BadCursor):
    return api.create_response(
        request,
        {
            "message": "The cursor is not valid: pass a next_cursor from an earlier response.",
            "errors": [],
        },
        status=400,
    )


from . import endpoints  # noqa: E402, F401  - registers the operations
