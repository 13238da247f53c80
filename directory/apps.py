from django.apps import AppConfig
from django.db.models.signals import post_save


def _network_saved(sender, instance, created, **kwargs):
    if not created:
        from directory.actions import refresh_due_dates

        refresh_due_dates(instance)


def _seat_replaced(sender, network, outgoing, successor, actor, **kwargs):
    from directory.handover import hand_over

    hand_over(network=network, outgoing=outgoing, successor=successor, actor=actor)


class DirectoryConfig(AppConfig):
    name = "directory"

    def ready(self):
        from network.models import Network
        from network.signals import seat_replaced

        post_save.connect(_network_saved, sender=Network, dispatch_uid="directory_due_dates")
        seat_replaced.connect(_seat_replaced, dispatch_uid="directory_handover")
