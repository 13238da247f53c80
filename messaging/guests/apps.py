from django.apps import AppConfig


class GuestsConfig(AppConfig):
    name = "messaging.guests"
    label = "guests"
    verbose_name = "Room guests"

    def ready(self):
        from messaging.guests import signals  # noqa: F401
