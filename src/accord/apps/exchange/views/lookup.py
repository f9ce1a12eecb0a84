"""The shared view: one person looked up by identifier, with a reason, showing agreed fields."""
# TO BE WRITTEN by the files helper: lookup.

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def lookup(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404
