from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "messaging.records"
    label = "records"
    verbose_name = "Case records"
