import io

import pytest

from messaging import demo
from messaging.models import Message, Room

pytestmark = pytest.mark.django_db


def test_demo_rooms_are_seeded_once(member, counterpart, coordinator):
    demo.seed(stdout=io.StringIO())
    rooms, messages = Room.objects.count(), Message.objects.count()
    assert rooms == 2 and messages == 7
    demo.seed(stdout=io.StringIO())
    assert (Room.objects.count(), Message.objects.count()) == (rooms, messages)


def test_demo_seeding_skips_quietly_without_members(tipp):
    out = io.StringIO()
    demo.seed(stdout=out)
    assert not Room.objects.exists() and "no demo rooms" in out.getvalue()
