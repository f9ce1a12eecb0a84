from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "accord.apps.incidents"
    label = "incidents"
    verbose_name = "Incidents"
