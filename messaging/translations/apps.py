import importlib

from django.apps import AppConfig


class TranslationsConfig(AppConfig):
    name = "messaging.translations"
    label = "translations"
    verbose_name = "Translation requests"

    def ready(self):
        importlib.import_module("messaging.translations.signals")  # connects the receivers
