"""/transparency/: the public register (no sign-in) and each party's consent (signed in)."""

from django.urls import URLPattern, path

from accord.apps.transparency import checkpoint_views, views

app_name = "transparency"

urlpatterns: list[URLPattern] = [
    path("", views.register, name="register"),
    path("register.csv", views.register_csv, name="register-csv"),
    path("agreements/<int:pk>/consent/", views.consent, name="consent"),
    # Before the summaries: "checkpoints" is not an agreement's reference.
    path("checkpoints/", checkpoint_views.checkpoints, name="checkpoints"),
    path("checkpoints/public-key.pem", checkpoint_views.public_key_pem, name="checkpoint-key"),
    path("<str:reference>/", views.summary, name="summary"),
]
