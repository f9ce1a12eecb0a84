from django.urls import path

from accord.apps.evidence import views

app_name = "evidence"

urlpatterns = [
    path("organisations/<int:org_pk>/", views.library, name="library"),
    path("organisations/<int:org_pk>/add/", views.evidence_add, name="add"),
    path("<int:pk>/download/", views.evidence_download, name="download"),
    path("<int:pk>/withdraw/", views.evidence_withdraw, name="withdraw"),
]
