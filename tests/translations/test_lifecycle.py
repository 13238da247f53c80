"""The request lifecycle through the API: every transition, its event, its audit entry, and
every out-of-order transition refused with no state change."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from messaging import actions as messaging_actions
from messaging.translations.models import TranslationEvent, TranslationRequest
from network.audit.log import verify_chain
from network.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

API = "/api/v1/translations/"


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def status_of(request_id) -> str:
    return TranslationRequest.objects.get(pk=request_id).status


def test_it_runs_the_whole_lifecycle(client_for, member, translator, message, due):
    """open → claimed → submitted → revision_requested → submitted → accepted, on record."""
    requester, worker = client_for(member), client_for(translator)
    created = post(
        requester,
        API,
        {
            "message": str(message.pk),
            "target_language": "en",
            "purpose": "information",
            "urgency": "urgent",
            "due_date": due.isoformat(),
            "note": "Keep the names",
        },
    )
    assert created.status_code == 201, created.json()
    request_id = created.json()["id"]
    assert created.json()["status"] == "open"
    assert created.json()["source_language"] == "es" and created.json()["source_detected"]

    assert post(worker, f"{API}{request_id}/claim/").json()["status"] == "claimed"
    draft = post(worker, f"{API}{request_id}/draft/", {"text": "The victim was"})
    assert draft.json()["translation"] == "The victim was"
    submitted = post(worker, f"{API}{request_id}/submit/", {"text": "The victim was moved."})
    assert submitted.json()["status"] == "submitted"
    revision = post(requester, f"{API}{request_id}/revision/", {"note": "Translate the port."})
    assert revision.json()["status"] == "revision_requested"
    again = post(worker, f"{API}{request_id}/submit/", {"text": "The victim was moved from port."})
    assert again.json()["status"] == "submitted"
    accepted = post(requester, f"{API}{request_id}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["translation"] == "The victim was moved from port."

    events = list(
        TranslationEvent.objects.filter(request_id=request_id).values_list(
            "action", "from_status", "to_status", "actor__email"
        )
    )
    assert events == [
        ("requested", "", "open", member.email),
        ("claimed", "open", "claimed", translator.email),
        ("submitted", "claimed", "submitted", translator.email),
        ("revision_requested", "submitted", "revision_requested", member.email),
        ("submitted", "revision_requested", "submitted", translator.email),
        ("accepted", "submitted", "accepted", member.email),
    ]
    history = requester.get(f"{API}{request_id}/").json()["events"]
    assert history[3]["note"] == "Translate the port."
    audited = AuditEvent.objects.filter(target_id=request_id).values_list("action", flat=True)
    assert list(audited) == [
        "translations.requested",
        "translations.claimed",
        "translations.submitted",
        "translations.revision_requested",
        "translations.submitted",
        "translations.accepted",
    ]
    assert verify_chain().intact


@pytest.mark.parametrize(
    ("fixture", "who", "action", "data"),
    [
        ("open_request", "member", "accept", {}),
        ("open_request", "member", "revision", {"note": "x"}),
        ("open_request", "translator", "submit", {"text": "x"}),
        ("open_request", "translator", "release", {}),
        ("claimed_request", "member", "accept", {}),
        ("claimed_request", "member", "revision", {"note": "x"}),
        ("claimed_request", "certified_translator", "claim", {}),
        ("submitted_request", "member", "cancel", {}),
        ("submitted_request", "translator", "submit", {"text": "again"}),
        ("submitted_request", "translator", "release", {}),
        ("submitted_request", "translator", "claim", {}),
    ],
)
def test_it_refuses_transitions_out_of_order(request, client_for, fixture, who, action, data):
    """Each refused transition answers 409 with its code, and nothing changes."""
    target = request.getfixturevalue(fixture)
    user = request.getfixturevalue(who)
    before = (status_of(target.pk), TranslationEvent.objects.count(), AuditEvent.objects.count())
    response = post(client_for(user), f"{API}{target.pk}/{action}/", data)
    assert response.status_code in (403, 409), response.json()
    assert response.json()["error"]["code"] in (
        "invalid_transition",
        "already_claimed",
        "not_translator",
    )
    after = (status_of(target.pk), TranslationEvent.objects.count(), AuditEvent.objects.count())
    assert after == before


def test_it_refuses_to_act_on_an_accepted_request(client_for, submitted_request, member):
    requester = client_for(member)
    post(requester, f"{API}{submitted_request.pk}/accept/")
    for action in ("accept", "cancel", "revision"):
        response = post(requester, f"{API}{submitted_request.pk}/{action}/", {"note": "x"})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "invalid_transition"
    assert status_of(submitted_request.pk) == "accepted"


def test_it_refuses_a_submission_from_someone_who_did_not_claim(
    client_for, claimed_request, certified_translator, counterpart, outsider
):
    """Another eligible translator or a room participant: 403 not_translator; a stranger: 404."""
    for user in (counterpart, certified_translator):
        response = post(client_for(user), f"{API}{claimed_request.pk}/submit/", {"text": "x"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_translator"
    response = post(client_for(outsider), f"{API}{claimed_request.pk}/submit/", {"text": "x"})
    assert response.status_code == 404
    assert status_of(claimed_request.pk) == "claimed"
    assert TranslationRequest.objects.get(pk=claimed_request.pk).translation_ciphertext is None


def test_only_the_requester_accepts_or_asks_for_a_revision(
    client_for, submitted_request, counterpart, translator
):
    for user in (counterpart, translator):
        response = post(client_for(user), f"{API}{submitted_request.pk}/accept/")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert status_of(submitted_request.pk) == "submitted"


def test_a_revision_needs_a_note(client_for, submitted_request, member):
    response = post(client_for(member), f"{API}{submitted_request.pk}/revision/", {"note": " "})
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "missing_field", "message": "note is required", "field": "note"}
    }
    assert status_of(submitted_request.pk) == "submitted"


def test_a_submission_needs_text(client_for, claimed_request, translator):
    response = post(client_for(translator), f"{API}{claimed_request.pk}/submit/", {"text": ""})
    assert response.status_code == 400 and response.json()["error"]["code"] == "missing_field"
    assert status_of(claimed_request.pk) == "claimed"


@pytest.mark.parametrize("fixture", ["open_request", "claimed_request"])
def test_the_requester_cancels(request, client_for, member, fixture):
    target = request.getfixturevalue(fixture)
    response = post(client_for(member), f"{API}{target.pk}/cancel/", {"note": "no longer needed"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    event = TranslationEvent.objects.filter(request=target).last()
    assert (event.action, event.from_status, event.to_status) == (
        "cancelled",
        fixture.split("_")[0],
        "cancelled",
    )


def test_the_requester_cancels_during_a_revision(client_for, submitted_request, member):
    requester = client_for(member)
    post(requester, f"{API}{submitted_request.pk}/revision/", {"note": "fix"})
    assert post(requester, f"{API}{submitted_request.pk}/cancel/").json()["status"] == "cancelled"


def test_the_translator_releases_back_to_the_queue(client_for, claimed_request, translator):
    response = post(client_for(translator), f"{API}{claimed_request.pk}/release/")
    assert response.status_code == 200
    assert response.json() == {"role": "candidate", **response.json()}
    refreshed = TranslationRequest.objects.get(pk=claimed_request.pk)
    assert (refreshed.status, refreshed.translator_id) == ("open", None)
    assert TranslationEvent.objects.filter(request=refreshed, action="released").count() == 1


def test_the_room_owner_reassigns(client_for, claimed_request, member, certified_translator):
    response = post(
        client_for(member),
        f"{API}{claimed_request.pk}/reassign/",
        {"translator": certified_translator.pk, "note": "needs a sworn translator"},
    )
    assert response.status_code == 200, response.json()
    refreshed = TranslationRequest.objects.get(pk=claimed_request.pk)
    assert (refreshed.status, refreshed.translator, refreshed.translator_certified) == (
        "claimed",
        certified_translator,
        True,
    )
    event = TranslationEvent.objects.filter(request=refreshed).last()
    assert (event.action, event.actor, event.translator) == (
        "reassigned",
        member,
        certified_translator,
    )


def test_only_the_room_owner_reassigns(
    client_for, claimed_request, counterpart, certified_translator
):
    response = post(
        client_for(counterpart),
        f"{API}{claimed_request.pk}/reassign/",
        {"translator": certified_translator.pk},
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert TranslationRequest.objects.get(pk=claimed_request.pk).translator_id != (
        certified_translator.pk
    )


def test_it_refuses_to_reassign_to_someone_without_the_pair(
    client_for, claimed_request, member, counterpart, redtram_translator
):
    owner = client_for(member)
    no_pair = post(owner, f"{API}{claimed_request.pk}/reassign/", {"translator": counterpart.pk})
    assert no_pair.status_code == 403 and no_pair.json()["error"]["code"] == "no_language_pair"
    elsewhere = post(
        owner, f"{API}{claimed_request.pk}/reassign/", {"translator": redtram_translator.pk}
    )
    assert elsewhere.status_code == 403 and elsewhere.json()["error"]["code"] == "not_eligible"
    unknown = post(owner, f"{API}{claimed_request.pk}/reassign/", {"translator": "nobody"})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "translator"
    assert (
        TranslationEvent.objects.filter(request=claimed_request, action="reassigned").count() == 0
    )


def test_an_unknown_action_is_404(client_for, open_request, member):
    response = post(client_for(member), f"{API}{open_request.pk}/approve/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_action"


def test_overdue_requests_are_flagged_once(
    client_for, claimed_request, member, translator, make_request
):
    """The command flags live requests past due, notifies once, and ignores ended ones."""
    cancelled = make_request()
    post(client_for(member), f"{API}{cancelled.pk}/cancel/")
    past = timezone.localdate() - timedelta(days=1)
    TranslationRequest.objects.filter(pk__in=[claimed_request.pk, cancelled.pk]).update(
        due_date=past
    )
    call_command("flag_overdue_translations")
    call_command("flag_overdue_translations")
    overdue = TranslationEvent.objects.filter(action="overdue")
    assert list(overdue.values_list("request_id", flat=True)) == [claimed_request.pk]
    assert TranslationRequest.objects.get(pk=claimed_request.pk).overdue_flagged_at is not None
    assert TranslationRequest.objects.get(pk=claimed_request.pk).status == "claimed"
    assert client_for(member).get(f"{API}{claimed_request.pk}/").json()["overdue"] is True


def test_translation_events_are_append_only(open_request):
    event = TranslationEvent.objects.get(request=open_request)
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_a_request_survives_the_original_being_edited(open_request, message, member):
    """The request keeps its handling code even if the original changes later."""
    messaging_actions.edit_message(message=message, editor=member, body="Nuevo texto del mensaje")
    assert TranslationRequest.objects.get(pk=open_request.pk).handling_code == "H2"


def test_a_translation_that_is_not_valid_unicode_is_refused(
    client_for, claimed_request, translator
):
    """A lone surrogate (valid JSON, not encodable text) gets a field error, not a crash."""
    response = client_for(translator).post(
        f"{API}{claimed_request.pk}/submit/",
        data='{"text": "The victim \\ud800 was moved."}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_field"
    assert response.json()["error"]["field"] == "text"
    assert status_of(claimed_request.pk) == "claimed"


def test_deleting_the_original_withdraws_its_live_requests(
    django_capture_on_commit_callbacks,
    make_request,
    claimed_request,
    submitted_request,
    member,
    message,
    translator,
):
    """Nobody can read a deleted original through a request any more: its open, claimed and
    revision-requested requests (of the message and of its files) are cancelled in the
    deleting transaction, on record, and a translator who held one is told."""
    from messaging.translations import actions
    from messaging.translations.models import Notification

    attachment = messaging_actions.add_attachment(
        message=message, uploader=member, filename="contrato.txt", content=b"Contrato de trabajo."
    )
    of_file = make_request(attachment=attachment)
    still_open = make_request()
    claimed = actions.claim_request(request=make_request(), translator=translator)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        messaging_actions.delete_message(message=message, actor=member)

    statuses = {r.pk: r.status for r in TranslationRequest.objects.all()}
    assert statuses[still_open.pk] == statuses[claimed.pk] == statuses[of_file.pk] == "cancelled"
    assert statuses[submitted_request.pk] == "submitted"  # the requester still decides on it
    withdrawn = TranslationEvent.objects.filter(request=claimed, action="cancelled").get()
    assert withdrawn.actor == member and withdrawn.from_status == "claimed"
    assert list(
        Notification.objects.filter(recipient=translator).values_list("kind", "request")
    ) == [("cancelled", claimed.pk)]


def test_a_deletion_whose_withdrawals_fail_deletes_nothing(
    open_request, member, message, monkeypatch
):
    from messaging.translations import signals

    def fail(**kwargs):
        raise RuntimeError("the withdrawal failed")

    monkeypatch.setattr(signals, "withdraw_requests_of_deleted", fail)
    with pytest.raises(RuntimeError):
        messaging_actions.delete_message(message=message, actor=member)
    message.refresh_from_db()
    open_request.refresh_from_db()
    assert message.deleted_at is None and open_request.status == "open"
