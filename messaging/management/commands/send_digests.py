"""Mail each member the rooms where mentions or H2/H3 messages have waited unread for the
quiet period (COUNTERPART_DIGEST_QUIET_MINUTES). Run it on a schedule, e.g. every 15 minutes;
a message is in at most one digest."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from messaging.notifications.digest import send_digests


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        sent = send_digests(now=timezone.now())
        self.stdout.write(f"{sent} digest(s) sent")
