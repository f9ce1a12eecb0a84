"""/api/: the versioned exchange API, its OpenAPI description and its documentation page."""

# TO BE WRITTEN by the API helper.
urlpatterns: list[object] = []
