from django.urls import path

from accord.apps.organisations import views

app_name = "organisations"

urlpatterns = [
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/people/add/", views.person_add, name="person-add"),
]
