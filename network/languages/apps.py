from django.apps import AppConfig


class LanguagesConfig(AppConfig):
    name = "network.languages"
    label = "languages"
    verbose_name = "Translation language pairs"
