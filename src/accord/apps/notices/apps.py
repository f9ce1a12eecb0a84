from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "accord.apps.notices"
    label = "notices"
    verbose_name = "Notices"
