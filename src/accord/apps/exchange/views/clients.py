"""API clients: a receiving party's administrator creates, rotates and revokes credentials."""
# TO BE WRITTEN by the API helper: client_new, client_detail, client_rotate, client_revoke.

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def client_new(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404


def client_detail(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404


def client_rotate(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404


def client_revoke(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404
