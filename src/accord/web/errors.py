"""Error pages in the Design System's wording: never a traceback.

A 500 or a 503 is often caused by the database, so those two pages are rendered without the
request: no session, no signed-in user, no navigation, nothing that would query it again.
"""

from __future__ import annotations

import json
import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# What Django raises when PostgreSQL is stopped, unreachable or drops the connection.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500, called while the exception is being handled: it can look at it."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        return database_unavailable(request, error)
    return HttpResponse(render_to_string("500.html"), status=500)


def database_unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    """503 with Retry-After: a page for people, the API's JSON error body under /api/.

    Each request opens its connection again, so the first request after the database is back
    succeeds: nothing needs restarting.
    """
    logger.error(
        "Database unavailable, answered 503 to %s %s: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip(),
    )
    if request.path.startswith("/api/"):
        body = {
            "error": "unavailable",
            "detail": "Accord's database cannot be reached just now. Try again later "
            "(Retry-After). A request that would change something was either recorded in full "
            "or not at all.",
        }
        response = HttpResponse(json.dumps(body), status=503, content_type="application/json")
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
