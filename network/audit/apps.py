from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "network.audit"
    label = "audit"
    verbose_name = "Audit log"
