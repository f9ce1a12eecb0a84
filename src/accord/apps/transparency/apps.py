from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "accord.apps.transparency"
    label = "transparency"
    verbose_name = "Transparency"
