from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "accord.apps.audit"
    label = "audit"
    verbose_name = "Audit log"
