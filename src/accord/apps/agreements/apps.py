from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "accord.apps.agreements"
    label = "agreements"
    verbose_name = "Agreements"
