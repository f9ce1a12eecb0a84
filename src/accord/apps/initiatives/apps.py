from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    name = "accord.apps.initiatives"
    label = "initiatives"
    verbose_name = "Initiatives"
