from django.apps import AppConfig


class IntroductionsConfig(AppConfig):
    name = "directory.introductions"
    label = "introductions"
    verbose_name = "Introductions across networks"
