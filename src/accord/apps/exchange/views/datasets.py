"""Datasets: a providing party registers records and maps their columns to agreed data items."""
# TO BE WRITTEN by the datasets helper: dataset_new, dataset_detail, dataset_columns.

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def dataset_new(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404


def dataset_detail(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404


def dataset_columns(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # placeholder
    raise Http404
