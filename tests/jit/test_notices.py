"""Notices at each step: a row per recipient, a content-free e-mail and a notice to the
member's group after commit; signatures through the page."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.jit.models import Notice, Signature
from tests.jit.conftest import PNG, consent_all, start


def test_routing_tells_the_routed_members_without_content(
    django_capture_on_commit_callbacks, case_room, member, authorizer_ar, authorizer_ng
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"member.{authorizer_ng.pk}", channel)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = start(case_room, member)
    notice = Notice.objects.get(recipient=authorizer_ng)
    assert notice.kind == "routed"
    received = async_to_sync(layer.receive)(channel)
    assert received == {
        "type": "member.notification",
        "notification": notice.pk,
        "kind": "jit.routed",
    }
    async_to_sync(layer.group_discard)(f"member.{authorizer_ng.pk}", channel)
    (email,) = [m for m in mail.outbox if authorizer_ng.email in m.to]
    assert f"/jit/{proposal.pk}/" in email.body
    for secret in ("JIT Lantern", "recruitment", "Nigeria", "Lagos"):
        assert secret not in email.subject + email.body


def test_a_signature_through_the_page(client_for, proposal, member, authorizer_ar, authorizer_ng):
    consent_all(proposal, (authorizer_ar, "AR"), (authorizer_ng, "NG"))
    client = client_for(authorizer_ng)
    response = client.post(
        f"/jit/{proposal.pk}/sign",
        {
            "state": "NG",
            "version": "1",
            "signatory": "Ngozi Authorizer",
            "signed_on": "2026-12-01",
            "scan": SimpleUploadedFile("signed.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    assert Signature.objects.get().party.state == "NG"
    # A routed contact signs for its own party only.
    refused = client.post(
        f"/jit/{proposal.pk}/sign",
        {
            "state": "AR",
            "version": "1",
            "signatory": "N",
            "signed_on": "2026-12-01",
            "scan": SimpleUploadedFile("signed.png", PNG, content_type="image/png"),
        },
    )
    assert refused.status_code == 403
    assert Signature.objects.count() == 1
