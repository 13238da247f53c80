from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.iso import validate_languages, validate_states
from network.records import AppendOnlyModel


class AdmissionPath(models.TextChoices):
    DESIGNATION = "designation", _("designation by the state")
    DECLARATION = "declaration", _("declared expertise")
    SPONSORSHIP = "sponsorship", _("sponsorship by members")


class SeatRole(models.TextChoices):
    CENTRAL_AUTHORITY = "central_authority", _("central authority")
    JUDGE_PROSECUTOR = "judge_prosecutor", _("judge or prosecutor")
    LAW_ENFORCEMENT = "law_enforcement", _("law enforcement")


def default_capacities() -> list[str]:
    return ["official", "adviser"]


class Network(models.Model):
    """A practitioner network such as REDTRAM, WACAP or the IAP's TIPP network."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=120, blank=True)
    description = models.TextField(blank=True)
    working_languages = models.JSONField(default=list, validators=[validate_languages])
    member_states = models.JSONField(default=list, validators=[validate_states])
    required_endorsements = models.PositiveSmallIntegerField(default=2)
    revetting_period_days = models.PositiveSmallIntegerField(default=365)
    directory_verification_days = models.PositiveSmallIntegerField(default=180)
    coordinators_require_webauthn = models.BooleanField(default=False)
    # How an applicant is admitted (network.vetting.admission holds the rule).
    admission = models.CharField(
        max_length=16, choices=AdmissionPath.choices, default="sponsorship"
    )
    # designation: seats per member state and seat role.
    seats_per_state = models.PositiveSmallIntegerField(default=2)
    # The room policy: the participant capacities its case rooms may use
    # (messaging.models.ParticipantCapacity), and whether support people may join them as
    # room guests.
    allowed_capacities = models.JSONField(default=default_capacities, blank=True)
    guests_allowed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self):
        """Active memberships whose yearly re-vetting is not overdue."""
        return self.filter(
            status=Membership.Status.ACTIVE,
            user__is_active=True,
        ).filter(Q(renew_by__isnull=True) | Q(renew_by__gte=timezone.localdate()))


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("member")
    COORDINATOR = "coordinator", _("coordinator")


class MembershipStatus(models.TextChoices):
    APPLICANT = "applicant", _("applicant")
    ENDORSED = "endorsed", _("endorsed")
    ACTIVE = "active", _("active")
    REJECTED = "rejected", _("rejected")
    SUSPENDED = "suspended", _("suspended")
    REVOKED = "revoked", _("revoked")
    EXPIRED = "expired", _("expired")


class Membership(models.Model):
    """A member × network, with a role and a status. Status changes are decisions on record."""

    Role = MembershipRole
    Status = MembershipStatus

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPLICANT)
    institution = models.CharField(max_length=200)
    position = models.CharField(max_length=200)
    statement = models.TextField()
    nominating_authority = models.CharField(max_length=200, blank=True)
    applied_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    renew_by = models.DateField(null=True, blank=True)
    readmission_allowed = models.BooleanField(
        default=False, help_text=_("A coordinator allowed a revoked member to apply again.")
    )
    # Re-applying reuses the row (one per user and network); the round tells which
    # endorsements belong to the current application.
    application_round = models.PositiveSmallIntegerField(default=1)
    # Admission by designation: the seat (state, role) and the designation letter, sealed
    # with the key ring (purpose "designation-letter", bound to the membership).
    seat_state = models.CharField(max_length=2, blank=True)
    seat_role = models.CharField(max_length=24, choices=SeatRole.choices, blank=True)
    letter_sealed = models.BinaryField(blank=True, default=b"")
    letter_content_type = models.CharField(max_length=40, blank=True)
    letter_checked_at = models.DateTimeField(null=True, blank=True)
    letter_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Admission by declaration: the declared trafficking expertise.
    declaration = models.TextField(blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "network"], name="one_membership_per_network"),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MembershipStatus.values),
                name="membership_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.network} ({self.status})"

    @property
    def is_active(self) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.user.is_active
            and (self.renew_by is None or self.renew_by >= timezone.localdate())
        )


class Endorsement(models.Model):
    """An active member vouches for an applicant to the same network."""

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="endorsements"
    )
    endorser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="endorsements_given"
    )
    statement = models.TextField()
    application_round = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "endorser", "application_round"], name="endorse_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endorser} endorses {self.membership.user}"


class MembershipDecision(AppendOnlyModel):
    """Every change of a membership's status or role: who, what, when, why. Never updated."""

    class Kind(models.TextChoices):
        APPLIED = "applied", _("applied")
        ENDORSED = "endorsed", _("endorsement threshold reached")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        RENEWED = "renewed", _("renewed")
        EXPIRED = "expired", _("expired")
        SUSPENDED = "suspended", _("suspended")
        REINSTATED = "reinstated", _("reinstated")
        REVOKED = "revoked", _("revoked")
        READMISSION_ALLOWED = "readmission_allowed", _("allowed to apply again")
        ROLE_CHANGED = "role_changed", _("role changed")
        APPOINTED = "appointed", _("appointed by an operator")
        REPLACED = "replaced", _("replaced in the seat by a new designation")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    from_role = models.CharField(max_length=16, blank=True)
    to_role = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.membership} by {self.actor}"
