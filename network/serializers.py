from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from network.api_input import InputSerializer, QuerySerializer, Text
from network.models import Endorsement, Membership, MembershipDecision, Network
from network.vetting.access import current_round_endorsements


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable error code (docs/api.md lists them all).")
    message = serializers.CharField(help_text="What went wrong, for people, localised.")
    field = serializers.CharField(
        required=False, help_text="The input to blame, when one field is to blame."
    )
    fields = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="Every field refused, with its message (bad input only).",
    )


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error the API answers."""

    error = ErrorDetailSerializer()


class NetworkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Network
        fields = [
            "slug",
            "name",
            "region",
            "description",
            "working_languages",
            "member_states",
            "required_endorsements",
            "revetting_period_days",
            "coordinators_require_webauthn",
            "admission",
            "seats_per_state",
        ]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    email = serializers.EmailField()
    state = serializers.CharField()


class MembershipSerializer(serializers.ModelSerializer):
    network = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "network",
            "role",
            "status",
            "institution",
            "position",
            "statement",
            "nominating_authority",
            "applied_at",
            "activated_at",
            "renew_by",
            "application_round",
            "readmission_allowed",
            "declaration",
            "seat_state",
            "seat_role",
            "letter_checked_at",
        ]


class MemberSerializer(MembershipSerializer):
    member = PersonSerializer(source="user")

    class Meta(MembershipSerializer.Meta):
        fields = ["member", *MembershipSerializer.Meta.fields]


class EndorsementSerializer(serializers.ModelSerializer):
    endorser = PersonSerializer()

    class Meta:
        model = Endorsement
        fields = ["id", "endorser", "statement", "application_round", "created_at"]


class ApplicationSerializer(MemberSerializer):
    """A pending application with the endorsements of its current round."""

    endorsements = serializers.SerializerMethodField()
    required_endorsements = serializers.IntegerField(source="network.required_endorsements")
    ready_for_decision = serializers.SerializerMethodField()

    class Meta(MemberSerializer.Meta):
        fields = [
            *MemberSerializer.Meta.fields,
            "endorsements",
            "required_endorsements",
            "ready_for_decision",
        ]

    @extend_schema_field(EndorsementSerializer(many=True))
    def get_endorsements(self, membership) -> list[dict]:
        return EndorsementSerializer(current_round_endorsements(membership), many=True).data

    def get_ready_for_decision(self, membership) -> bool:
        return membership.status == Membership.Status.ENDORSED


class DecisionSerializer(serializers.ModelSerializer):
    member = PersonSerializer(source="membership.user")
    actor = serializers.SerializerMethodField()

    class Meta:
        model = MembershipDecision
        fields = [
            "id",
            "membership",
            "member",
            "kind",
            "actor",
            "from_status",
            "to_status",
            "from_role",
            "to_role",
            "reason",
            "decided_at",
        ]

    def get_actor(self, decision) -> str | None:
        return decision.actor.display_name if decision.actor else None


class ApplyInputSerializer(InputSerializer):
    institution = Text(allow_blank=True, trim_whitespace=False)
    position = Text(allow_blank=True, trim_whitespace=False)
    statement = Text(allow_blank=True, trim_whitespace=False)
    nominating_authority = Text(allow_blank=True, trim_whitespace=False, required=False, default="")
    declaration = Text(
        allow_blank=True,
        trim_whitespace=False,
        required=False,
        default="",
        help_text="Networks admitting by declaration: your trafficking expertise.",
    )
    seat_state = Text(
        allow_blank=True,
        required=False,
        default="",
        help_text="Networks admitting by designation: the seat's state (ISO 3166-1 alpha-2).",
    )
    seat_role = Text(
        allow_blank=True,
        required=False,
        default="",
        help_text="Networks admitting by designation: central_authority, judge_prosecutor "
        "or law_enforcement.",
    )
    designation_letter = Text(
        allow_blank=True,
        required=False,
        max_length=2_500_000,
        default="",
        help_text="Networks admitting by designation: the letter, base64 (PDF, PNG or JPEG).",
    )
    designation_letter_type = Text(
        allow_blank=True,
        required=False,
        default="",
        help_text="application/pdf, image/png or image/jpeg.",
    )


class ApplyUploadSerializer(ApplyInputSerializer):
    """The same application as multipart/form-data, the designation letter as a file part
    whose own Content-Type is its declared type."""

    designation_letter = serializers.FileField(
        required=False,
        allow_empty_file=True,
        help_text="Networks admitting by designation: the letter (PDF, PNG or JPEG, at most "
        "5 MB), as a file part with its content type.",
    )
    designation_letter_type = None


class EndorseInputSerializer(InputSerializer):
    statement = Text(allow_blank=True, trim_whitespace=False)


class DecisionInputSerializer(InputSerializer):
    reason = Text(allow_blank=True, trim_whitespace=False, help_text="Required; why you decide so.")


class RoleInputSerializer(DecisionInputSerializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MembersQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=Membership.Status.choices, required=False)
