from django.core.management.base import BaseCommand

from network.vetting.actions import expire_overdue_memberships


class Command(BaseCommand):
    help = "Expire active memberships whose re-vetting date has passed (run daily from cron)."

    def handle(self, *args, **options):
        expired = expire_overdue_memberships()
        for membership in expired:
            self.stdout.write(
                f"expired: {membership.user.email} in {membership.network.slug} "
                f"(re-vetting was due by {membership.renew_by})"
            )
        self.stdout.write(f"{len(expired)} membership(s) expired")
