from django.apps import AppConfig


class JitConfig(AppConfig):
    name = "messaging.jit"
    label = "jit"
    verbose_name = "Joint investigation team proposals"
