"""Each party's disclosure log, with volumes set against what was agreed."""
# TO BE WRITTEN by the files helper: disclosure_log.

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def disclosure_log(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404
