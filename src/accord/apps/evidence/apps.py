from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "accord.apps.evidence"
    label = "evidence"
    verbose_name = "Evidence"
