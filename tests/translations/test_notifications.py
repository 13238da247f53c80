"""Notifications: a stored row per recipient, an email, and a channel-layer notice to the
member's group after commit, for each event of the workflow."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from messaging.translations import actions
from messaging.translations.models import Notification, TranslationRequest

from .conftest import CANARY

pytestmark = pytest.mark.django_db

API = "/api/v1/translations/"


def kinds_for(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True)
    )


def test_a_new_request_notifies_the_eligible_translators(
    django_capture_on_commit_callbacks,
    make_request,
    translator,
    certified_translator,
    redtram_translator,
    counterpart,
    member,
):
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request()
    assert kinds_for(translator) == ["new_request"]
    assert kinds_for(certified_translator) == ["new_request"]
    for user in (redtram_translator, counterpart, member):
        assert kinds_for(user) == []
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [translator.email, certified_translator.email]
    )
    email = mail.outbox[0]
    assert "Spanish → English" in email.subject
    assert f"http://127.0.0.1:8000/translations/{request.pk}/" in email.body
    assert CANARY not in email.body + email.subject and "Lantern" not in email.body


def test_a_request_for_court_notifies_only_certified_translators(
    django_capture_on_commit_callbacks, make_request, translator, certified_translator
):
    with django_capture_on_commit_callbacks(execute=True):
        make_request(purpose="for_court")
    assert kinds_for(translator) == []
    assert kinds_for(certified_translator) == ["new_request"]


def test_each_step_notifies_the_other_party(
    django_capture_on_commit_callbacks, open_request, translator, member
):
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        actions.claim_request(request=open_request, translator=translator)
        actions.submit_translation(request=open_request, translator=translator, text="one")
        actions.request_revision(request=open_request, requester=member, note="again")
        actions.submit_translation(request=open_request, translator=translator, text="two")
        actions.accept_translation(request=open_request, requester=member)
    assert kinds_for(member) == ["claimed", "submitted", "submitted"]
    assert kinds_for(translator) == ["revision_requested", "accepted"]
    assert [message.to[0] for message in mail.outbox] == [
        member.email,
        member.email,
        translator.email,
        member.email,
        translator.email,
    ]


def test_overdue_notifies_requester_and_translator_once(
    django_capture_on_commit_callbacks, claimed_request, translator, member
):
    Notification.objects.all().delete()
    TranslationRequest.objects.filter(pk=claimed_request.pk).update(
        due_date=timezone.localdate() - timedelta(days=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("flag_overdue_translations")
        call_command("flag_overdue_translations")
    assert kinds_for(member) == ["overdue"] and kinds_for(translator) == ["overdue"]
    assert len(mail.outbox) == 2


def test_nothing_is_sent_for_a_refused_action(
    django_capture_on_commit_callbacks, claimed_request, certified_translator
):
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(actions.TranslationError):
        actions.claim_request(request=claimed_request, translator=certified_translator)
    assert Notification.objects.count() == before and mail.outbox == []


def test_the_member_group_gets_only_the_id_and_kind(
    django_capture_on_commit_callbacks, open_request, translator, member
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"member.{member.pk}", channel)
    with django_capture_on_commit_callbacks(execute=True):
        actions.claim_request(request=open_request, translator=translator)
    received = async_to_sync(layer.receive)(channel)
    row = Notification.objects.get(recipient=member)
    assert received == {"type": "member.notification", "notification": row.pk, "kind": "claimed"}
    async_to_sync(layer.group_discard)(f"member.{member.pk}", channel)


def test_notifications_are_listed_and_marked_read(client_for, claimed_request, member, translator):
    client = client_for(member)
    listed = client.get(f"{API}notifications/").json()
    assert [(row["kind"], row["read"]) for row in listed] == [("claimed", False)]
    assert listed[0]["request"] == str(claimed_request.pk)
    read = client.post(f"{API}notifications/{listed[0]['id']}/read/")
    assert read.status_code == 200 and read.json()["read"] is True
    assert client.get(f"{API}notifications/?unread=1").json() == []
    # Someone else's notification is not found.
    theirs = Notification.objects.create(
        recipient=translator, kind="accepted", request=claimed_request
    )
    assert client.post(f"{API}notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_notifications_page_marks_all_read(client_for, claimed_request, member):
    client = client_for(member)
    page = client.get("/translations/notifications/")
    assert page.status_code == 200 and "was claimed" in page.content.decode()
    client.post("/translations/notifications/")
    assert Notification.objects.filter(recipient=member).unread().count() == 0


def test_the_notification_email_speaks_the_recipients_language(
    django_capture_on_commit_callbacks, make_request, translator
):
    """Subject and body in the translator's interface language, the pair by name."""
    translator.preferred_language = "fr"
    translator.save(update_fields=["preferred_language"])

    with django_capture_on_commit_callbacks(execute=True):
        request = make_request()

    email = next(message for message in mail.outbox if message.to == [translator.email])
    assert email.subject == "[Counterpart] Nouvelle demande de traduction espagnol → anglais"
    assert f"Ouvrez-la dans Counterpart : http://127.0.0.1:8000/translations/{request.pk}/" in (
        email.body
    )
