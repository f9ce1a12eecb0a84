"""Request-wide middleware that belongs to no single app."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from accord.apps.audit.correlation import correlation_id
from accord.web.uploads import SentNameMultiPartParser


class CorrelationIdMiddleware:
    """Give each request an id that every audit entry written during it carries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        token = correlation_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            correlation_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ApiHttpsOnlyMiddleware:
    """With HTTPS on, the API refuses plain HTTP instead of redirecting it.

    A browser follows a redirect to the secure page; a partner's system that sent a bearer
    credential over plain HTTP has already given it away, and following the redirect would
    hide that. The refusal says so, so the sender fixes its address (and rotates the credential).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.HTTPS and request.path.startswith("/api/") and not request.is_secure():
            return JsonResponse(
                {
                    "error": "https-required",
                    "detail": "Accord's API answers only over HTTPS. Use an https:// address; "
                    "if this request carried a credential, revoke it and issue a new one.",
                },
                status=403,
            )
        return self.get_response(request)


class SentFileNamesMiddleware:
    """Parse uploads with SentNameMultiPartParser, so that a hostile file name is refused rather
    than quietly tidied (accord.web.uploads). Before anything reads the form (CSRF does)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The stubs type this as a parser, not a parser class, as Django documents it.
        request.multipart_parser_class = SentNameMultiPartParser  # type: ignore[assignment]
        return self.get_response(request)
