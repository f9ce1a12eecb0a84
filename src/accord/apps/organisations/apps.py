from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "accord.apps.organisations"
    label = "organisations"
    verbose_name = "Organisations"
