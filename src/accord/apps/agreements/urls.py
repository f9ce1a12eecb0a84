from django.urls import path

from accord.apps.agreements import views

app_name = "agreements"

urlpatterns = [
    path("initiative/<int:initiative_pk>/", views.agreement_start, name="start"),
    path("initiative/<int:initiative_pk>/invite/", views.invite, name="invite"),
    path("join/<str:token>/", views.join, name="join"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/refresh/", views.agreement_refresh, name="refresh"),
    path("<int:pk>/sections/<slug:key>/", views.section_detail, name="section"),
    path("<int:pk>/sections/<slug:key>/propose/", views.proposal_new, name="propose"),
    path("<int:pk>/proposals/<int:proposal_pk>/", views.proposal_decide, name="decide"),
    path("<int:pk>/versions/", views.version_list, name="versions"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version"),
    path("<int:pk>/versions/<int:number>/document.<slug:fmt>", views.document, name="document"),
    path("<int:pk>/compare/", views.version_compare, name="compare"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/waiting/", views.waiting, name="waiting"),
]
