"""Rotating the master key: authenticator seeds and room data keys move to the new key, and
the old key can then leave the ring without losing anything."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from messaging import actions as messaging_actions
from messaging import crypto, posting
from messaging.models import RoomKey
from network.accounts import twofactor
from network.accounts.models import TotpDevice
from network.keyring import new_master_keys_value, sealed_key_id
from tests.network.accounts_support import enrol_totp

OLD = new_master_keys_value("k-old")
NEW = new_master_keys_value("k-new")


@pytest.fixture
def enrolled_under_the_old_key(settings, member):
    settings.COUNTERPART_MASTER_KEYS = OLD
    return enrol_totp(member)


def test_seeds_are_resealed_and_the_old_key_can_go(settings, member, enrolled_under_the_old_key):
    settings.COUNTERPART_MASTER_KEYS = f"{NEW},{OLD}"

    call_command("reseal_totp_seeds")

    device = TotpDevice.objects.get(user=member)
    assert sealed_key_id(device.sealed_seed) == "k-new"
    settings.COUNTERPART_MASTER_KEYS = NEW
    assert twofactor.device_seed(device) == enrolled_under_the_old_key


def test_a_second_run_reseals_nothing(settings, member, enrolled_under_the_old_key, capsys):
    settings.COUNTERPART_MASTER_KEYS = f"{NEW},{OLD}"
    call_command("reseal_totp_seeds")
    capsys.readouterr()

    call_command("reseal_totp_seeds")

    assert (
        "0 of 1 authenticator seeds re-sealed under master key 'k-new'" in capsys.readouterr().out
    )


def test_a_missing_old_key_is_named_and_nothing_changes(
    settings, member, enrolled_under_the_old_key
):
    settings.COUNTERPART_MASTER_KEYS = NEW
    before = bytes(TotpDevice.objects.get(user=member).sealed_seed)

    with pytest.raises(CommandError, match="Put master key 'k-old' back"):
        call_command("reseal_totp_seeds")

    assert bytes(TotpDevice.objects.get(user=member).sealed_seed) == before


def test_room_keys_follow_the_same_rotation(settings, member, tipp):
    settings.COUNTERPART_MASTER_KEYS = OLD
    room = messaging_actions.create_room(kind="case", creator=member, title="Lantern", network=tipp)
    thread = messaging_actions.create_thread(room=room, creator=member, title="Topic")
    posted = posting.post_message(
        room=room,
        sender=member,
        thread=thread,
        client_id="6b3f0c1e-0000-4000-8000-000000000001",
        body="kept across rotation",
    ).message
    settings.COUNTERPART_MASTER_KEYS = f"{NEW},{OLD}"

    call_command("rewrap_data_keys", no_progress=True)

    assert set(RoomKey.objects.values_list("master_key_id", flat=True)) == {"k-new"}
    settings.COUNTERPART_MASTER_KEYS = NEW
    crypto.forget_cached_keys()  # as after a restart: the data key must unwrap under k-new

    assert crypto.open_body(posted) == "kept across rotation"
