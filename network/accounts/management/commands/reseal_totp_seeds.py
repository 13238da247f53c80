from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from network.accounts.models import TotpDevice
from network.accounts.twofactor import device_seed, reseal_seed
from network.keyring import DecryptionError, current_master_key, sealed_key_id


class Command(BaseCommand):
    help = (
        "Re-seal every authenticator-app seed that is not under the current (first) master "
        "key. Each batch commits on its own: an interrupted run resumes where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        current = current_master_key().key_id
        resealed = checked = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    TotpDevice.objects.select_for_update()
                    .filter(pk__gt=last_pk)
                    .exclude(sealed_seed=b"")
                    .order_by("pk")[:batch_size]
                )
                if not batch:
                    break
                for device in batch:
                    if sealed_key_id(device.sealed_seed) != current:
                        self._reseal(device)
                        resealed += 1
                last_pk = batch[-1].pk
                checked += len(batch)
        self.stdout.write(
            f"{resealed} of {checked} authenticator seeds re-sealed under master key {current!r}"
        )

    @staticmethod
    def _reseal(device: TotpDevice) -> None:
        try:
            seed = device_seed(device)
        except DecryptionError as exc:
            raise CommandError(
                f"the authenticator seed of {device.user} cannot be opened: {exc}. Put master "
                f"key {sealed_key_id(device.sealed_seed)!r} back in COUNTERPART_MASTER_KEYS."
            ) from exc
        reseal_seed(device, seed)
