"""/api/: the versioned exchange API, its OpenAPI description and its documentation page.

/api/v1/... and /api/openapi.json come from the NinjaAPI in accord.apps.exchange.api; /api/docs is
our own page generated from that description. Access is decided in each operation (bearer
tokens); the description and the documentation are public, as they hold no one's data.
"""

from django.urls import URLPattern, URLResolver, path
from django.views.generic import RedirectView

from accord.apps.exchange.api import api, docs_page

urlpatterns: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(pattern_name="api-docs", permanent=False)),
    path("docs", docs_page, name="api-docs"),
    path("", api.urls),
]
