from django.apps import AppConfig
from django.db.models.signals import post_save


def _network_saved(sender, instance, created, **kwargs):
    if not created:
        from directory.actions import refresh_due_dates

        refresh_due_dates(instance)


class DirectoryConfig(AppConfig):
    name = "directory"

    def ready(self):
        from network.models import Network

        post_save.connect(_network_saved, sender=Network, dispatch_uid="directory_due_dates")
