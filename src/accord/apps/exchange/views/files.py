"""Secure file exchange, and sharing outside Accord recorded with the guard-rails."""
# TO BE WRITTEN by the files helper: file_new, file_download, external_new.

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def file_new(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404


def file_download(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404


def external_new(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404
