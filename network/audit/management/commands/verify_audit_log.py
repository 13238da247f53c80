from django.core.management.base import BaseCommand, CommandError

from network.audit.log import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log and name the first broken entry."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.intact:
            event = report.first_broken
            raise CommandError(
                f"audit log broken at entry #{event.pk} ({event.action}, "
                f"{event.occurred_at.isoformat()}): {report.problem}; "
                f"{report.checked} entries before it verified"
            )
        self.stdout.write(f"audit log intact: {report.checked} entries verified")
