from django.urls import path

from accord.apps.register import views

app_name = "register"

urlpatterns = [
    path("", views.register_list, name="list"),
    path("export.csv", views.register_export, name="export"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("flows/", views.flow_map, name="flows"),
]
