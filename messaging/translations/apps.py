from django.apps import AppConfig


class TranslationsConfig(AppConfig):
    name = "messaging.translations"
    label = "translations"
    verbose_name = "Translation requests"
