"""Deletion or return at the end of one agreement, under /agreements/<pk>/disposal/."""

from django.urls import URLPattern, path

from accord.apps.disposal import views

app_name = "disposal"

urlpatterns: list[URLPattern] = [
    path("", views.disposal_state, name="state"),
]
