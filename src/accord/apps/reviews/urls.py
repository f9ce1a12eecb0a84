from django.urls import path

from accord.apps.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("request/", views.review_request, name="request"),
    path("join/", views.party_join, name="join"),
    path("leave/", views.party_leave, name="leave"),
    path("<int:review_id>/record/", views.review_record, name="record"),
]
