from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from directory.actions import import_directory
from directory.csv_format import decode_upload


class Command(BaseCommand):
    help = (
        "Import authorities and contact points from a CSV file (columns in docs/directory.md). "
        "Any bad row means nothing is imported, unless --only-valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--only-valid",
            action="store_true",
            help="Import the good rows even when some rows are bad.",
        )

    def handle(self, *args, file: Path, only_valid: bool, **options):
        try:
            text = decode_upload(file.read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        report = import_directory(text=text, only_valid=only_valid)
        for error in report.errors:
            self.stderr.write(f"{file.name}: line {error.line}: {error.reason}")
        if report.errors and not report.imported:
            raise CommandError(
                f"{len(report.errors)} bad row(s); nothing imported"
                + ("" if only_valid else " (use --only-valid to import the good rows)")
            )
        self.stdout.write(
            f"Imported {report.contact_points_created} contact point(s) and "
            f"{report.authorities_created} authority(ies) from {report.rows} row(s)"
            + (f"; skipped {len(report.errors)} bad row(s)." if report.errors else ".")
        )
