"""/transparency/: the public register (no sign-in) and each party's consent (signed in)."""

from django.urls import URLPattern, path

from accord.apps.transparency import views

app_name = "transparency"

urlpatterns: list[URLPattern] = [
    path("", views.register, name="register"),
    path("register.csv", views.register_csv, name="register-csv"),
    path("agreements/<int:pk>/consent/", views.consent, name="consent"),
    path("<str:reference>/", views.summary, name="summary"),
]
