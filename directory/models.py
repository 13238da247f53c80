"""Authorities, contact points and the records that keep them fresh.

Search columns (`*_text`) hold accent-folded lowercase text (directory/text.py `fold`), written
by `ContactPoint.refresh_search_text()`; on PostgreSQL they carry trigram and full-text GIN
indexes (migration 0002), on SQLite plain LIKE over them gives the same results.
"""

import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.competences import Competence
from directory.phones import validate_phone_for_state
from directory.text import fold
from network.accounts.models import validate_time_zone
from network.iso import validate_language, validate_languages, validate_state
from network.models import Network
from network.records import AppendOnlyModel

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
DEFAULT_VERIFICATION_DAYS = 180


def validate_e164(value: str) -> None:
    if value and not E164.match(value):
        raise ValidationError(
            _("%(phone)s is not a phone number in E.164 form (+ and 7 to 15 digits)."),
            params={"phone": value},
        )


def validate_plain_text(value: str) -> None:
    """No control or invisible formatting characters (RTL override, zero-width...) in names:
    they let one entry impersonate another."""
    bad = [ch for ch in value if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\t"]
    if bad:
        raise ValidationError(
            _("Remove the invisible or control characters (%(codes)s)."),
            params={"codes": ", ".join(f"U+{ord(ch):04X}" for ch in bad)},
        )


def _choices_check(field: str, choices) -> Q:
    return Q(**{f"{field}__in": [str(value) for value in choices.values]})


class AuthorityKind(models.TextChoices):
    PROSECUTION_SERVICE = "prosecution_service", _("prosecution service")
    MLA_CENTRAL_AUTHORITY = "mla_central_authority", _("central authority for MLA")
    MINISTRY = "ministry", _("ministry")
    POLICE_UNIT = "police_unit", _("police unit")
    JUDICIARY = "judiciary", _("judiciary")
    FIU = "fiu", _("financial intelligence unit")
    LABOUR_INSPECTORATE = "labour_inspectorate", _("labour inspectorate")
    ANTI_TRAFFICKING_AGENCY = "anti_trafficking_agency", _("anti-trafficking agency")
    VICTIM_SUPPORT_NGO = "victim_support_ngo", _("victim-support NGO")
    OTHER = "other", _("other")


class Authority(models.Model):
    """An institution in a state: a prosecution service, a central authority, a police unit..."""

    Kind = AuthorityKind
    name = models.CharField(_("institution"), max_length=200, validators=[validate_plain_text])
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=2, validators=[validate_state])
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent authority"),
    )
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["state", "name"]
        verbose_name_plural = _("authorities")
        constraints = [
            models.UniqueConstraint(fields=["state", "name"], name="authority_unique_per_state"),
            models.CheckConstraint(
                condition=_choices_check("kind", AuthorityKind), name="authority_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("directory:authority", args=[self.pk])

    def clean(self):
        if self.parent_id and self.parent.state != self.state:
            raise ValidationError({"parent": _("The parent authority must be in the same state.")})


class ContactPointQuerySet(models.QuerySet):
    def with_freshness(self, now=None):
        """Annotate `is_stale`: not verified within the shortest period of its networks."""
        now = now or timezone.now()
        return self.annotate(
            is_stale=Case(
                When(
                    Q(verification_due_at__isnull=True) | Q(verification_due_at__lt=now),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def stale(self, now=None):
        now = now or timezone.now()
        return self.filter(Q(verification_due_at__isnull=True) | Q(verification_due_at__lt=now))

    def serving(self, network):
        return self.filter(networks=network)


class ContactPointKind(models.TextChoices):
    PERSON = "person", _("person")
    DESK = "desk", _("desk")


class ContactPointAvailability(models.TextChoices):
    OFFICE_HOURS = "office_hours", _("office hours")
    ALWAYS = "24_7", _("24/7")


class ContactPoint(models.Model):
    """A person or a desk of an authority, with competences, languages and channels."""

    Kind = ContactPointKind
    Availability = ContactPointAvailability
    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="contact_points"
    )
    # Denormalised from the authority: the most common filter, indexed with freshness.
    state = models.CharField(_("state"), max_length=2, validators=[validate_state])
    kind = models.CharField(_("person or desk"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, validators=[validate_plain_text])
    position = models.CharField(
        _("position"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True, validators=[validate_e164])
    email = models.EmailField(_("email"), blank=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_points",
        verbose_name=_("member account"),
    )
    availability = models.CharField(
        _("availability"),
        max_length=16,
        choices=Availability.choices,
        default=Availability.OFFICE_HOURS,
    )
    office_hours = models.CharField(_("office hours"), max_length=120, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    networks = models.ManyToManyField(Network, related_name="contact_points")
    how_to_reach = models.TextField(_("how to reach"), blank=True)
    request_languages = models.JSONField(
        _("languages in which requests are accepted"),
        default=list,
        blank=True,
        validators=[validate_languages],
    )
    formal_requirements = models.TextField(_("formal requirements"), blank=True)
    required_channel = models.CharField(
        _("required channel or encryption"), max_length=200, blank=True
    )
    # Confidential: the authority's address is shown only to members of the networks served
    # (always so for victim-support NGOs), directory/visibility.py.
    confidential = models.BooleanField(_("confidential address"), default=False)
    # Opted in: any active member of any network here sees the person-level part.
    reachable_by_any_network = models.BooleanField(
        _("reachable by vetted members of any network"), default=False
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
    )
    # verified_at + the shortest verification period of the networks served; past it: stale.
    verification_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    reconfirmation_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    authority_text = models.TextField(default="", editable=False)
    person_text = models.TextField(default="", editable=False)
    search_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ContactPointQuerySet.as_manager()

    class Meta:
        ordering = ["state", "name"]
        indexes = [
            models.Index(fields=["state", "-verified_at"], name="cp_state_fresh"),
            models.Index(fields=["verification_due_at"], name="cp_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["authority", "name"], name="contact_point_unique"),
            models.CheckConstraint(
                condition=_choices_check("kind", ContactPointKind), name="cp_kind_valid"
            ),
            models.CheckConstraint(
                condition=_choices_check("availability", ContactPointAvailability),
                name="cp_availability_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.authority.name}"

    def get_absolute_url(self) -> str:
        return reverse("directory:contact_point", args=[self.pk])

    def clean(self):
        if self.authority_id and self.state and self.state != self.authority.state:
            raise ValidationError({"state": _("A contact point is in its authority's state.")})
        if self.phone and self.state and E164.match(self.phone):
            try:
                validate_phone_for_state(self.phone, self.state)
            except ValidationError as exc:
                raise ValidationError({"phone": exc.messages}) from exc
        if not self.phone and not self.email and not self.member_id:
            raise ValidationError(_("Give at least one channel: a phone, an email or a member."))

    @property
    def competence_codes(self) -> list[str]:
        return sorted(c.competence for c in self.competences.all())

    def refresh_search_text(self) -> None:
        authority = self.authority
        parent = authority.parent.name if authority.parent_id else ""
        self.authority_text = fold(f"{authority.name} {parent}")
        self.person_text = fold(f"{self.name} {self.position}")
        notes = fold(f"{self.how_to_reach} {self.formal_requirements} {self.required_channel}")
        self.search_text = f"{self.person_text} {self.authority_text} {notes}".strip()

    def refresh_verification_due(self) -> None:
        """Needs a saved row (its networks); call again when the networks change."""
        periods = [n.directory_verification_days for n in self.networks.all()]
        period = min(periods) if periods else DEFAULT_VERIFICATION_DAYS
        self.verification_due_at = (
            self.verified_at + timedelta(days=period) if self.verified_at else None
        )

    @property
    def stale(self) -> bool:
        annotated = getattr(self, "is_stale", None)
        if annotated is not None:
            return annotated
        return self.verification_due_at is None or self.verification_due_at < timezone.now()


class ContactPointCompetence(models.Model):
    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="competences"
    )
    competence = models.CharField(max_length=40, choices=Competence.choices)
    # Denormalised from the contact point: "competence C in state S" is the key question,
    # answered from this one index.
    state = models.CharField(max_length=2)

    class Meta:
        indexes = [
            models.Index(fields=["competence", "state", "contact_point"], name="cp_competence")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_point", "competence"], name="cp_competence_once"
            ),
            models.CheckConstraint(
                condition=_choices_check("competence", Competence), name="cp_competence_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.competence


class ContactPointLanguageLevel(models.TextChoices):
    NATIVE = "native", _("native")
    FLUENT = "fluent", _("fluent")
    WORKING = "working", _("working knowledge")
    BASIC = "basic", _("basic")


class ContactPointLanguage(models.Model):
    Level = ContactPointLanguageLevel
    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="languages"
    )
    language = models.CharField(max_length=3, validators=[validate_language])
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.WORKING)

    class Meta:
        indexes = [models.Index(fields=["language", "contact_point"], name="cp_language")]
        constraints = [
            models.UniqueConstraint(fields=["contact_point", "language"], name="cp_language_once"),
            models.CheckConstraint(
                condition=_choices_check("level", ContactPointLanguageLevel),
                name="cp_language_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.language} ({self.level})"


class DirectoryCorrespondent(models.Model):
    """Per network and state, the member who keeps that state's entries current."""

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="directory_correspondents"
    )
    state = models.CharField(max_length=2, validators=[validate_state])
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appointed_at = models.DateTimeField(default=timezone.now)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["network", "state"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "state"], name="one_correspondent_per_network_state"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} for {self.state} in {self.network}"


class ContactPointChangeKind(models.TextChoices):
    CREATED = "created", _("created")
    IMPORTED = "imported", _("imported")
    CONFIRMED = "confirmed", _("confirmed")
    CORRECTED = "corrected", _("corrected")
    RECONFIRMATION_REQUESTED = "reconfirmation_requested", _("re-confirmation requested")
    REPORTED_WRONG = "reported_wrong", _("reported wrong")
    REPORT_RESOLVED = "report_resolved", _("report resolved")


class ContactPointChange(AppendOnlyModel):
    """The history of an entry: who did what, when, and the fields before and after."""

    Kind = ContactPointChangeKind
    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_choices_check("kind", ContactPointChangeKind), name="cp_change_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.contact_point_id} by {self.actor_id}"


class WrongEntryReport(models.Model):
    """A member's report that an entry is wrong; open until a coordinator resolves it."""

    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"report on {self.contact_point_id} by {self.reporter_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
