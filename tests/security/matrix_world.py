"""The world of the access matrix: one TIPP case room and everything around it, built once.

Every route of the matrix points at one of these objects. The actors (ACTORS) are the kinds
of people the rules tell apart; each has a session of its own, made once:

- anonymous: no session; half: the participant, signed in with the password only;
- applicant, suspended, revoked, expired: TIPP memberships that are not active, and no
  other membership;
- other_network: an active member of REDTRAM only;
- not_in_room: an active TIPP member who is not a participant of the case room;
- participant and owner: the case room's participant and its owner (both active in TIPP);
- coordinator: TIPP's coordinator, not a participant of the room;
- translator: an active TIPP member (es→en, declared certified, with PDF evidence not yet
  verified) who has claimed the one translation request
  (of the message's attachment), not a participant of the room;
- support: an active TIPP member, a participant of the case room in the `support` capacity,
  named reader of no thread (so it reads the room, but none of its threads or items);
- observer: the same in the `observer` capacity;
- guest: a room guest (messaging/guests): no membership of any network, admitted to the case
  room in the support capacity by the owner's proposal and the coordinator's approval, named
  reader of no thread (its reader of the thread it was admitted to was removed).

The objects a route names belong to someone: the API token, the session record, the
security key belong to the participant; the language pair and the translation
notification to the translator; the invitation was sent by the coordinator; the
membership decided on is the applicant's, endorsed by the owner (as many endorsements as
TIPP requires, so a coordinator may decide); the wrong-entry report was filed by the
participant; the permission request was asked by the participant of the owner, who
provided its H2 item; the restricted thread was opened by the owner for the participant.
The JIT proposal (Spain and Nigeria) is a draft in its second version; a second proposal
of the room, between the same states, was agreed by both and signed by Nigeria through the
translator (its routed contact) with a scanned PNG. Spain's routed contact is an active TIPP
member who is none of the actors.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.test import Client
from django.utils import timezone

ACTORS = (
    "anonymous",
    "half",
    "applicant",
    "suspended",
    "revoked",
    "expired",
    "other_network",
    "not_in_room",
    "participant",
    "owner",
    "coordinator",
    "translator",
    "support",
    "observer",
    "guest",
)

SPANISH = "La víctima fue trasladada desde el puerto hasta la capital por una red organizada."
PDF = b"%PDF-1.4\n% certificate of a sworn translator\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)

    def client(self, actor: str) -> Client:
        """A new client carrying the actor's session (CSRF checks off, as for any test
        client): rows that end a session or rotate its cookie never touch another row."""
        client = Client()
        key = self.sessions.get(actor)
        if key is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = key
        return client


def _user(email, **fields):
    from network.accounts.models import User

    fields.setdefault("display_name", email.split("@")[0].replace(".", " ").title())
    fields.setdefault("state", "ES")
    fields.setdefault("languages", ["en", "es"])
    return User.objects.create_user(email, password=None, **fields)


def _membership(user, network, *, status="active", role="member"):
    from network.models import Membership

    fields = {"institution": "Fiscalía General", "position": "Prosecutor", "statement": "TIP."}
    if status in ("active", "suspended", "revoked", "expired"):
        fields["activated_at"] = timezone.now() - timedelta(days=400)
        fields["renew_by"] = timezone.localdate() + timedelta(
            days=-35 if status == "expired" else 365
        )
    return Membership.objects.create(user=user, network=network, status=status, role=role, **fields)


def _session(user, *, verified: bool = True) -> str:
    from network.accounts.sessions import mark_two_factor_verified

    client = Client()
    client.force_login(user)
    if verified:
        session = client.session
        mark_two_factor_verified(session, method="totp")
        session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def build_world() -> World:
    """Everything the routes name, written through the project's actions."""
    from directory import actions as directory_actions
    from messaging import actions as room_actions
    from messaging import posting
    from messaging.disclosure import actions as disclosure_actions
    from messaging.translations import actions as translation_actions
    from messaging.translations.models import Notification
    from network.accounts import invitations, tokens
    from network.accounts.models import SessionRecord, WebAuthnCredential
    from network.languages.actions import declare_pair, upload_evidence
    from network.models import Network
    from network.vetting import actions as vetting
    from tests.network.accounts_support import enrol_totp

    world = World()
    networks = {
        "tipp": Network.objects.create(
            slug="tipp",
            name="TIPP network",
            working_languages=["en", "es"],
            member_states=["ES", "NG", "BR", "PH"],
            required_endorsements=1,
            allowed_capacities=["official", "support", "observer", "adviser"],
            guests_allowed=True,
        ),
        "redtram": Network.objects.create(
            slug="redtram",
            name="REDTRAM",
            working_languages=["en", "es"],
            member_states=["ES", "AR", "MX", "BR"],
            required_endorsements=1,
        ),
    }
    tipp = networks["tipp"]
    memberships = {}
    for actor, network, status, role in (
        ("applicant", "tipp", "applicant", "member"),
        ("suspended", "tipp", "suspended", "member"),
        ("revoked", "tipp", "revoked", "member"),
        ("expired", "tipp", "expired", "member"),
        ("other_network", "redtram", "active", "member"),
        ("not_in_room", "tipp", "active", "member"),
        ("participant", "tipp", "active", "member"),
        ("owner", "tipp", "active", "member"),
        ("coordinator", "tipp", "active", "coordinator"),
        ("translator", "tipp", "active", "member"),
        ("support", "tipp", "active", "member"),
        ("observer", "tipp", "active", "member"),
    ):
        user = _user(f"{actor.replace('_', '.')}@example.org")
        world.users[actor] = user
        memberships[actor] = _membership(user, networks[network], status=status, role=role)

    owner, participant = world.users["owner"], world.users["participant"]
    vetting.endorse(
        membership=memberships["applicant"], endorser=owner, statement="We worked together."
    )
    translator, coordinator = world.users["translator"], world.users["coordinator"]
    room = room_actions.create_room(
        kind="case",
        creator=owner,
        title="Operation Lantern",
        network=tipp,
        participants=[participant],
    )
    room_actions.add_participant(
        room=room, user=world.users["support"], added_by=owner, capacity="support"
    )
    room_actions.add_participant(
        room=room, user=world.users["observer"], added_by=owner, capacity="observer"
    )
    thread = room_actions.create_thread(room=room, creator=owner, title="Recruitment agency")
    world.users["guest"], guest_proposal = _guests(room, owner, coordinator, thread)
    message = posting.post_message(
        room=room, sender=owner, thread=thread, body=SPANISH, client_id=uuid.uuid4()
    ).message
    attachment = room_actions.add_attachment(
        message=message, uploader=owner, filename="map.png", content=PNG
    )
    pair = declare_pair(user=translator, source="es", target="en", certified=True)
    upload_evidence(user=translator, pair_id=pair.pk, content=PDF)
    request = translation_actions.request_translation(
        requester=owner,
        target_language="en",
        purpose="information",
        due_date=timezone.localdate() + timedelta(days=7),
        attachment=attachment,
        source_language="es",
    )
    translation_actions.claim_request(request=request, translator=translator)
    restricted_thread = room_actions.create_thread(
        room=room,
        creator=owner,
        title="Witness statements",
        restricted=True,
        readers=[participant.pk],
    )
    # An H2 item the owner provided, and the participant's request to pass it on.
    provided = posting.post_message(
        room=room,
        sender=owner,
        thread=thread,
        body="El testigo vive en la calle del puerto.",
        client_id=uuid.uuid4(),
        handling_code="H2",
    ).message
    permission = disclosure_actions.ask_permission(
        requester=participant, message=provided, purpose="forward", outside=True
    )
    notification = Notification.objects.filter(recipient=translator).earliest("pk")

    authority = directory_actions.create_authority(
        name="Fiscalía General del Estado", kind="prosecution_service", state="ES"
    )
    contact_point = directory_actions.create_contact_point(
        authority=authority,
        kind="person",
        name="Juana Pérez",
        competences=["tip.specialized_prosecution"],
        networks=[tipp],
        languages=[("es", "native")],
        email="juana.perez@example.org",
    )
    from directory.introductions.actions import request_introduction

    introduction = request_introduction(
        requester=world.users["other_network"],
        contact_point=contact_point,
        purpose="The channel for a request for mutual legal assistance.",
        competence="tip.specialized_prosecution",
    )
    report = directory_actions.report_wrong_entry(
        contact_point=contact_point, reporter=participant, reason="The phone number changed."
    )
    invitation = invitations.create_invitation(
        network=tipp, email="invitee@example.org", note="A colleague", inviter=coordinator
    )
    token = tokens.create_token(user=participant, name="laptop", lifetime_days=30)
    key = WebAuthnCredential.objects.create(
        user=participant, name="key", credential_id=b"matrix-key", public_key=b"-"
    )

    from messaging.records import workflow as records

    export = records.request_export(room=room, requester=owner, legal_basis="Order 4/2026")
    records.run_pending()
    proposal, signature = _jit_proposal(room, owner, translator, tipp)
    from messaging.records import closure

    hold = closure.place_hold(room_id=room.pk, user=owner, reason="Trial pending")

    for actor in ACTORS[2:]:
        world.sessions[actor] = _session(world.users[actor])
    enrol_totp(participant)
    world.sessions["half"] = _session(participant, verified=False)
    record = SessionRecord.objects.create(user=participant, session_key="matrix-other-session")

    world.ids.update(
        room=room.pk,
        thread=thread.pk,
        message=message.pk,
        attachment=attachment.pk,
        seq=message.seq,
        request=request.pk,
        provided=provided.pk,
        restricted_thread=restricted_thread.pk,
        permission=permission.pk,
        notification=notification.pk,
        pair=translator.language_pairs.get().pk,
        contact_point=contact_point.pk,
        authority=authority.pk,
        report=report.pk,
        introduction=introduction.pk,
        invitation=invitation.invitation.pk,
        invitation_token=invitation.token,
        token=token.token.pk,
        credential=key.pk,
        session_record=record.pk,
        export=export.pk,
        hold=hold.pk,
        membership=memberships["applicant"].pk,
        participant_user=participant.pk,
        not_in_room_user=world.users["not_in_room"].pk,
        proposal=proposal.pk,
        guest_proposal=guest_proposal.pk,
        signed_proposal=signature.party.proposal_id,
        signature=signature.pk,
    )
    return world


def _guests(room, owner, coordinator, thread):
    """The guest actor, admitted and then named reader of no thread; and another guest's
    proposal, pending."""
    from messaging import actions as room_actions
    from messaging.guests import actions as guests

    def propose(email):
        return guests.propose(
            room=room,
            sponsor=owner,
            email=email,
            name="Grace Guest",
            organisation="Shelter Network",
            purpose="Victim support.",
            ends_on=timezone.localdate() + timedelta(days=30),
            threads=[thread],
        )

    guest = _user("guest@example.org")
    guests.decide(guest=propose(guest.email), coordinator=coordinator, approve=True)
    room_actions.remove_thread_reader(thread=thread, user=guest, removed_by=owner)
    return guest, propose("pending.guest@example.org")


def _jit_proposal(room, owner, translator, tipp):
    """A JIT proposal of the case room between Spain and Nigeria, in its second version;
    Nigeria's verified authorizing contact point is the translator's, so the translator is
    also the routed authorizing contact who sees the proposal without reading the room.
    With it, a second proposal that both parties agreed to and Nigeria signed (a PNG scan):
    the signature whose scan the matrix downloads."""
    from directory import actions as directory_actions
    from messaging.jit import actions as jit_actions

    spain = _user("fiscal.jit@example.org", display_name="Elena Autoriza")
    _membership(spain, tipp)
    for state, name, email, member in (
        ("NG", "Ngozi Okafor", "ngozi.okafor@example.org", translator),
        ("ES", "Elena Autoriza", "fiscal.jit@example.org", spain),
    ):
        authority = directory_actions.create_authority(
            name="National Agency for the Prohibition of Trafficking in Persons"
            if state == "NG"
            else "Fiscalía de Sala de Extranjería",
            kind="prosecution_service",
            state=state,
        )
        directory_actions.create_contact_point(
            authority=authority,
            kind="person",
            name=name,
            competences=["jit.authorize"],
            networks=[tipp],
            email=email,
            member=member,
        )
    proposal = jit_actions.start_proposal(
        room=room,
        proposer=owner,
        title="JIT Lantern",
        states=["ES", "NG"],
        period_start="2027-01-01",
        period_end="2027-12-31",
        team_type="integrated_active",
        sections={"purpose": "Dismantle the recruitment network."},
    )
    jit_actions.revise_proposal(
        proposal=proposal, author=owner, note="Places", sections={"places": "Madrid, Lagos."}
    )
    signed = jit_actions.start_proposal(
        room=room,
        proposer=owner,
        title="JIT Harbour",
        states=["ES", "NG"],
        period_start="2027-01-01",
        period_end="2027-12-31",
        team_type="parallel_active",
        sections={"purpose": "Trace the proceeds."},
    )
    for user, state in ((spain, "ES"), (translator, "NG")):
        jit_actions.record_consent(
            proposal=signed, user=user, state=state, version_number=1, decision="consent"
        )
    signature = jit_actions.sign(
        proposal=signed,
        user=translator,
        state="NG",
        version_number=1,
        signatory="Ngozi Okafor",
        signed_on="2026-12-01",
        scan=PNG,
        content_type="image/png",
    )
    return proposal, signature
