from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    label = "network"
    verbose_name = "Networks and vetting"
