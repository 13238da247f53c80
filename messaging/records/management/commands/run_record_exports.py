"""Build the bundles of pending case-record exports, outside any web request."""

import time

from django.core.management.base import BaseCommand

from messaging.records import workflow


class Command(BaseCommand):
    help = "Build pending case-record exports (with --once: those waiting now, then stop)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is pending and stop")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between looks")

    def handle(self, *args, once=False, interval=2.0, **options):
        while True:
            ran = workflow.run_pending()
            if ran:
                self.stdout.write(f"{ran} export(s) built")
            if once:
                return
            time.sleep(interval)
