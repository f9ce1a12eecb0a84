"""Incidents under one agreement, under /agreements/<pk>/incidents/."""

from django.urls import URLPattern, path

from accord.apps.incidents import views

app_name = "incidents"

urlpatterns: list[URLPattern] = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("<int:number>/", views.incident_detail, name="detail"),
    path("<int:number>/suspend/", views.incident_suspend_view, name="suspend"),
]
