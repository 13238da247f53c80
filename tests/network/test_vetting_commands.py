"""Operators' commands: create a network, appoint its first coordinator."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from network.audit.models import AuditEvent
from network.membership import is_coordinator
from network.models import Network


def test_an_operator_creates_a_network_and_appoints_its_first_coordinator(make_user, capsys):
    user = make_user("first@example.org", institution="Fiscalía", position="Fiscal jefe")

    call_command(
        "create_network",
        "redlat",
        "--name=RedLat",
        "--languages=es,pt",
        "--states=AR,BR,UY",
        "--endorsements=3",
    )
    call_command("appoint_coordinator", "First@example.org", "redlat", "--reason=Founding.")

    network = Network.objects.get(slug="redlat")
    assert (network.member_states, network.required_endorsements) == (["AR", "BR", "UY"], 3)
    assert is_coordinator(user, network)
    assert AuditEvent.objects.filter(action="network.created", target_id=str(network.pk)).exists()
    assert AuditEvent.objects.get(action="membership.appointed").reason == "Founding."
    out = capsys.readouterr().out
    assert "created network redlat" in out
    assert "first@example.org is now a coordinator of redlat" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--languages=xx", "--states=AR"], "working_languages: xx is not an ISO 639-1"),
        (["--languages=es", "--states=ZZ"], "member_states: ZZ is not an ISO 3166-1"),
        (["--languages=es", "--states=AR", "--endorsements=-1"], "required_endorsements"),
    ],
)
def test_a_network_with_bad_codes_is_refused(db, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_network", "bad", "--name=Bad", *arguments)

    assert not Network.objects.filter(slug="bad").exists()


def test_a_network_slug_is_taken_once(tipp):
    with pytest.raises(CommandError, match="slug tipp exists"):
        call_command("create_network", "tipp", "--name=Again", "--languages=en", "--states=ES")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nobody@example.org", "tipp", "--reason=x"], "no account with the email"),
        (["outsider@example.org", "nowhere", "--reason=x"], "no network with the slug"),
        (["outsider@example.org", "tipp", "--reason=  "], "A reason is required."),
        (["coordinator@example.org", "tipp", "--reason=x"], "already a coordinator"),
    ],
)
def test_appointing_a_coordinator_refuses_bad_input(
    outsider, coordinator, tipp, arguments, message
):
    with pytest.raises(CommandError, match=message):
        call_command("appoint_coordinator", *arguments)

    assert not is_coordinator(outsider, tipp)
