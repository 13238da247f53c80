"""The demo data: real member states, fictional people, decisions made through the actions."""

import io
import stat
from datetime import timedelta

import pytest

from network import demo
from network.accounts.models import User
from network.audit.log import verify_chain
from network.audit.models import AuditEvent
from network.membership import active_network_ids, is_coordinator
from network.models import Membership, MembershipDecision, Network


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def run_seed() -> str:
    out = io.StringIO()
    demo.seed(stdout=out)
    return out.getvalue()


def test_the_demo_networks_have_their_real_member_states(db, var_dir):
    run_seed()

    networks = {n.slug: n for n in Network.objects.all()}
    assert set(networks) == {"redtram", "wacap", "tipp"}
    assert len(networks["redtram"].member_states) == 22
    assert {"AD", "PT", "ES", "CU", "VE"} <= set(networks["redtram"].member_states)
    assert sorted(networks["wacap"].member_states) == sorted(
        [
            "BJ",
            "BF",
            "CV",
            "CI",
            "GM",
            "GH",
            "GN",
            "GW",
            "LR",
            "ML",
            "NE",
            "NG",
            "SN",
            "SL",
            "TG",
            "MR",
        ]
    )
    assert len(networks["tipp"].member_states) >= 50
    assert networks["redtram"].working_languages == ["es", "pt"]
    assert networks["tipp"].required_endorsements == 3
    assert {slug: n.admission for slug, n in networks.items()} == {
        "wacap": "designation",
        "tipp": "declaration",
        "redtram": "sponsorship",
    }
    assert networks["wacap"].seats_per_state == 2


def test_the_demo_members_are_in_every_state_of_the_workflow_on_record(db, var_dir, today):
    run_seed()

    statuses = set(Membership.objects.values_list("status", flat=True))
    assert statuses == {"active", "applicant", "endorsed", "suspended", "revoked", "rejected"}
    assert User.objects.count() >= 36
    assert all(
        email.endswith(("@example.org", "@example.net"))
        for email in User.objects.values_list("email", flat=True)
    )
    lucia = User.objects.get(email="lucia.fernandez@example.org")
    redtram, tipp = Network.objects.get(slug="redtram"), Network.objects.get(slug="tipp")
    assert is_coordinator(lucia, redtram)
    assert active_network_ids(lucia) == {redtram.pk, tipp.pk}
    due_soon = Membership.objects.get(user__email="rosa.mamani@example.org")
    assert due_soon.renew_by == today + timedelta(days=14)
    pending = Membership.objects.get(user__email="hector.ramirez@example.org")
    assert (pending.status, pending.endorsements.count()) == ("applicant", 1)
    declared = Membership.objects.get(user__email="nguyen.lan@example.org")
    assert (declared.status, declared.endorsements.count()) == ("endorsed", 0)
    assert declared.declaration
    # Every membership came through recorded decisions.
    for membership in Membership.objects.all():
        decisions = list(membership.decisions.all())
        assert decisions, membership
        assert decisions[-1].to_status == membership.status
    assert AuditEvent.objects.filter(action="membership.approved").count() == (
        MembershipDecision.objects.filter(kind="approved").count()
    )
    assert verify_chain().intact


def test_the_password_is_generated_private_and_kept_and_seeding_again_changes_nothing(db, var_dir):
    first = run_seed()
    counts = (Membership.objects.count(), MembershipDecision.objects.count(), User.objects.count())

    second = run_seed()

    assert (
        Membership.objects.count(),
        MembershipDecision.objects.count(),
        User.objects.count(),
    ) == counts
    password = (var_dir / "demo_password").read_text().strip()
    assert password in first and password in second
    assert "already seeded" in second
    assert stat.S_IMODE((var_dir / "demo_password").stat().st_mode) == 0o600
    assert len(password) >= 16
    assert User.objects.get(email="kwame.asante@example.net").check_password(password)
    assert "/accounts/sign-in/" in first
    assert "lucia.fernandez@example.org" in first
    assert "manage.py demo_code EMAIL" in first


def test_a_lost_password_file_gets_a_new_password_for_every_demo_account(db, var_dir):
    run_seed()
    old = (var_dir / "demo_password").read_text().strip()
    (var_dir / "demo_password").unlink()

    run_seed()

    new = (var_dir / "demo_password").read_text().strip()
    assert new != old
    member = User.objects.get(email="claire.dubois@example.org")
    assert member.check_password(new)
    assert not member.check_password(old)


def test_a_wacap_seat_replacement_hands_over_end_to_end(
    db, var_dir, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    """The demo's pending Ghanaian designation, admitted on the coordinators' page, replaces
    the seat's first holder: her membership ends on record, her directory entry and case
    rooms go to the successor, and she is told."""
    from directory.models import ContactPoint
    from messaging.actions import create_room
    from messaging.models import RoomParticipant

    run_seed()
    wacap = Network.objects.get(slug="wacap")
    efua = User.objects.get(email="efua.boateng@example.net")
    kofi = User.objects.get(email="kofi.owusu@example.net")
    coordinator = User.objects.get(email="adaeze.okonkwo@example.net")
    pending = Membership.objects.get(user=kofi, network=wacap)
    assert (pending.status, pending.seat_state, pending.seat_role) == (
        "endorsed",
        "GH",
        "judge_prosecutor",
    )
    from directory import actions as directory_actions

    authority = directory_actions.create_authority(
        name="Office of the Attorney-General", kind="prosecution_service", state="GH"
    )
    entry = directory_actions.create_contact_point(
        authority=authority,
        name="Efua Boateng",
        competences=("tip.specialized_prosecution",),
        networks=[wacap],
        languages=(("en", "native"),),
        kind=ContactPoint.Kind.PERSON,
        email="efua.boateng@example.net",
        member=efua,
    )
    room = create_room(kind="case", creator=efua, title="Accra–Lomé referral", network=wacap)
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/networks/wacap/memberships/{pending.pk}/decide/",
            {"decision": "approve", "reason": "Letter checked with the Attorney-General."},
        )
    assert response.status_code == 302
    assert Membership.objects.get(pk=pending.pk).status == "active"
    ended = Membership.objects.get(user=efua, network=wacap)
    assert (ended.status, ended.decisions.latest("decided_at").kind) == ("revoked", "replaced")
    kwame = Membership.objects.get(user__email="kwame.asante@example.net", network=wacap)
    assert kwame.status == "active"
    assert ContactPoint.objects.get(pk=entry.pk).member == kofi
    owners = RoomParticipant.objects.current().filter(room=room, role="owner")
    assert [p.user for p in owners] == [kofi]
    assert efua.email in [address for m in mailoutbox for address in m.to]
