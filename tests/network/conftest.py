"""Fixtures shared by the network tests."""

import pytest
import time_machine
from django.utils import timezone


@pytest.fixture
def today():
    """Today's date, on a clock stopped for the test: dates a test computes from today and
    dates the code computes later are the same day, even when the run straddles midnight."""
    with time_machine.travel(timezone.now(), tick=False):
        yield timezone.localdate()
