from django.apps import AppConfig


class DisposalConfig(AppConfig):
    name = "accord.apps.disposal"
    label = "disposal"
    verbose_name = "Deletion or return at the end"
