"""/transparency/checkpoints/: the signed checkpoints of Accord's logs and the key that signs them.

Access: public, no sign-in, like the rest of the register: a checkpoint holds only a log's size
and hashes, never what the entries say (ADR 9). The JSON is /api/v1/transparency/checkpoints
(accord.apps.transparency.checkpoints_api).
"""

from __future__ import annotations

from typing import Final

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from accord.apps.audit import keys
from accord.apps.audit.selectors import checkpoints_recent
from accord.core.checkpoint import key_id

SHOWN: Final = 25


@require_GET
@cache_control(no_cache=True)
def checkpoints(request: HttpRequest) -> HttpResponse:
    public_key = keys.verifying_key()
    return render(
        request,
        "transparency/checkpoints.html",
        {
            "checkpoints": checkpoints_recent(limit=SHOWN),
            "shown": SHOWN,
            "public_key": keys.public_pem(public_key) if public_key else "",
            "key_id": key_id(public_key) if public_key else "",
        },
    )


@require_GET
@cache_control(no_cache=True)
def public_key_pem(request: HttpRequest) -> HttpResponse:
    public_key = keys.verifying_key()
    if public_key is None:
        raise Http404("No checkpoint has been signed yet, so there is no key to publish.")
    response = HttpResponse(keys.public_pem(public_key), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="accord-checkpoint-key.pem"'
    return response
