"""JIT proposals: the proposal, its party states, its versions, the routes to each party's
authorizing contact points, consents tied to one version, signatures, comments, the
evaluation, and in-app notices.

Every text written by people (sections, comments, conditions, reasons, the evaluation, the
signed scan) is sealed under the room's data key (messaging/jit/crypto.py); rows hold no
plaintext of the case. Periods, states, statuses and hashes are plain: the status board and
the reminders need them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    AGREED = "agreed", _("agreed")
    IN_FORCE = "in_force", _("in force")
    CLOSED = "closed", _("closed")


class ProposalQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=ProposalStatus.CLOSED)


class Proposal(models.Model):
    """A draft agreement to set up a joint investigation team, started from a case room.

    `agreed_version`: the version every party consented to (none while a later version is
    open for consent). `in_force_version`: the version every party signed; it stays in force
    while an amendment or extension goes through the consent loop."""

    Status = ProposalStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    room = models.ForeignKey("messaging.Room", on_delete=models.PROTECT, related_name="jits")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    agreed_version = models.ForeignKey(
        "ProposalVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    in_force_version = models.ForeignKey(
        "ProposalVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    in_force_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The period end an expiry reminder was sent for (one reminder per end date).
    reminded_for_end = models.DateField(null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="jit_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"JIT proposal {self.title} ({self.status})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("jit:proposal", args=[self.pk])

    def latest_version(self) -> "ProposalVersion":
        return self.versions.order_by("-number").first()


class PartyRouting(models.TextChoices):
    VERIFIED = "authorizing", _("verified authorizing contact points")
    CENTRAL_AUTHORITY = "central_authority", _("central authority, no verified authorizing contact")
    MISSING = "missing", _("no contact point in the directory")


class Party(models.Model):
    """A party state of a proposal, with the language its fixed texts are rendered in, and
    how its proposal was routed (messaging/jit/routing.py)."""

    Routing = PartyRouting

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="parties")
    state = models.CharField(max_length=2)
    language = models.CharField(max_length=2, default="en")
    routing = models.CharField(max_length=24, choices=Routing.choices)

    class Meta:
        ordering = ["state"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "state"], name="jit_party_once"),
        ]

    def __str__(self) -> str:
        return self.state


class ProposalVersion(models.Model):
    """One state of the draft; never changed. Sections, legal bases and the change note are
    sealed in `content_ciphertext`; the period is plain (reminders, constraints)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    period_start = models.DateField()
    period_end = models.DateField()
    team_type = models.CharField(max_length=24)
    key_epoch = models.PositiveIntegerField()
    content_ciphertext = models.BinaryField()

    class Meta:
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="jit_version_number"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="jit_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"version {self.number}"


class RouteKind(models.TextChoices):
    AUTHORIZING = "authorizing", _("verified authorizing contact point")
    CENTRAL_AUTHORITY = (
        "central_authority",
        _("central authority (no verified authorizing contact)"),
    )


class Route(models.Model):
    """A party's proposal offered to one contact point of the directory."""

    Kind = RouteKind

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="routes")
    contact_point = models.ForeignKey(
        "directory.ContactPoint", on_delete=models.PROTECT, related_name="jit_routes"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # The member account linked to the contact point when routed: who sees and answers.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    routed_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)
    # How the contact is reached: in the app (a member), or not yet ("introduction",
    # "invitation"): see messaging/jit/routing.py.
    reach = models.CharField(max_length=16, default="member")

    class Meta:
        ordering = ["party", "routed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["party", "contact_point"], name="jit_route_once"),
            models.CheckConstraint(condition=Q(kind__in=RouteKind.values), name="jit_route_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.party} → {self.contact_point_id}"


class ConsentDecision(models.TextChoices):
    CONSENT = "consent", _("consent")
    CONDITIONS = "conditions", _("consent with conditions")
    REFUSAL = "refusal", _("refusal")


class Consent(models.Model):
    """A party's answer to one version. Reopened (never deleted) when a later version comes:
    `reopened_at` and `reopened_because` say when and why."""

    Decision = ConsentDecision

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="consents")
    version = models.ForeignKey(ProposalVersion, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    note_ciphertext = models.BinaryField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_because = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["party", "decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["party", "version"], name="jit_consent_once"),
            models.CheckConstraint(
                condition=Q(decision__in=ConsentDecision.values), name="jit_consent_decision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} of {self.party} to {self.version}"


class Signature(models.Model):
    """A party's signed scan of the agreed version: sealed, its SHA-256 on the room's log."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="signatures")
    version = models.ForeignKey(ProposalVersion, on_delete=models.PROTECT, related_name="+")
    signatory = models.CharField(max_length=200)
    signed_on = models.DateField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    key_epoch = models.PositiveIntegerField()
    scan_ciphertext = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "version"], name="jit_signature_once"),
        ]

    def __str__(self) -> str:
        return f"signature of {self.party} on {self.version}"


class SectionComment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="comments")
    version = models.ForeignKey(ProposalVersion, on_delete=models.PROTECT, related_name="+")
    section = models.CharField(max_length=32)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    key_epoch = models.PositiveIntegerField()
    body_ciphertext = models.BinaryField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment on {self.section}"


class Evaluation(models.Model):
    """The evaluation form at the end: what worked, obstacles, results (sealed)."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="evaluation")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    key_epoch = models.PositiveIntegerField()
    content_ciphertext = models.BinaryField()

    def __str__(self) -> str:
        return f"evaluation of {self.proposal_id}"


class NoticeKind(models.TextChoices):
    ROUTED = "routed", _("a JIT proposal was routed to you")
    NEW_VERSION = "new_version", _("a JIT proposal has a new version")
    CONSENT = "consent", _("a party answered a JIT proposal")
    AGREED = "agreed", _("a JIT proposal was agreed by every party")
    SIGNED = "signed", _("a party signed a JIT agreement")
    IN_FORCE = "in_force", _("a JIT agreement is in force")
    EXPIRING = "expiring", _("a JIT agreement is about to expire")
    CLOSED = "closed", _("a JIT was closed")


class Notice(models.Model):
    """An in-app notice for one member. It names the proposal, never its content."""

    Kind = NoticeKind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jit_notices"
    )
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NoticeKind.values), name="jit_notice_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"
