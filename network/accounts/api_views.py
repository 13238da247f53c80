from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from network.accounts import actions, invitations, session_index, tokens
from network.accounts.api_auth import ApiTokenAuthentication
from network.api_input import InputSerializer, Integer, Text, validated
from network.api_throttles import scoped
from network.models import Membership, Network

INVITATIONS_LISTED = 200


class MembershipSummarySerializer(serializers.Serializer):
    network = serializers.CharField(source="network.slug")
    status = serializers.CharField()
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    """The member's profile and (in responses) their memberships."""

    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    institution = serializers.CharField()
    position = serializers.CharField()
    state = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    preferred_language = serializers.CharField()
    time_zone = serializers.CharField()
    memberships = MembershipSummarySerializer(
        source="prefetched_memberships", many=True, read_only=True
    )


class ProfileChangeSerializer(InputSerializer):
    display_name = Text(max_length=120, required=False)
    institution = Text(max_length=200, required=False, allow_blank=True)
    position = Text(max_length=200, required=False, allow_blank=True)
    state = Text(max_length=2, required=False, allow_blank=True)
    languages = serializers.ListField(child=Text(max_length=3), required=False, max_length=50)
    preferred_language = Text(max_length=8, required=False)
    time_zone = Text(max_length=64, required=False)


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    prefix = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)


class IssuedTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The whole token; shown only in this response.")


class TokenRequestSerializer(InputSerializer):
    name = Text(max_length=tokens.MAX_NAME_LENGTH)
    lifetime_days = Integer(
        min_value=1, max_value=tokens.MAX_LIFETIME_DAYS, default=tokens.DEFAULT_LIFETIME_DAYS
    )


def _me(user) -> dict:
    user.prefetched_memberships = Membership.objects.filter(user=user).select_related("network")
    return MeSerializer(user).data


@extend_schema(methods=["GET"], responses=MeSerializer)
@extend_schema(methods=["PATCH"], request=ProfileChangeSerializer, responses=MeSerializer)
@api_view(["GET", "PATCH"])
def me(request):
    """The signed-in member's profile and the networks they belong to."""
    if request.method == "PATCH":
        changes = validated(ProfileChangeSerializer, request.data)
        actions.update_profile(user=request.user, changes=changes)
        request.user.refresh_from_db()
    return Response(_me(request.user))


def _refuse_token_management_by_token(request) -> None:
    # A token must not mint or revoke tokens: that needs a session that passed its second factor.
    if isinstance(request.successful_authenticator, ApiTokenAuthentication):
        raise PermissionDenied("Tokens are managed from a signed-in session, not with a token.")


@extend_schema(methods=["GET"], responses=TokenSerializer(many=True))
@extend_schema(
    methods=["POST"], request=TokenRequestSerializer, responses={201: IssuedTokenSerializer}
)
@scoped("token_create", "POST")
@api_view(["GET", "POST"])
def token_collection(request):
    if request.method == "GET":
        return Response(TokenSerializer(tokens.tokens_of(request.user), many=True).data)
    _refuse_token_management_by_token(request)
    wanted = validated(TokenRequestSerializer, request.data)
    issued = tokens.create_token(
        user=request.user,
        name=wanted["name"],
        lifetime_days=wanted["lifetime_days"],
        ip_address=session_index.client_ip(request),
    )
    data = TokenSerializer(issued.token).data
    data["token"] = issued.plaintext
    return Response(data, status=status.HTTP_201_CREATED)


@extend_schema(responses={204: None})
@api_view(["DELETE"])
def token_detail(request, token_id: int):
    _refuse_token_management_by_token(request)
    tokens.revoke_token(
        user=request.user, token_id=token_id, ip_address=session_index.client_ip(request)
    )
    return Response(status=status.HTTP_204_NO_CONTENT)


# --- Invitations ---------------------------------------------------------------------------


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    network = serializers.CharField(source="network.slug")
    email = serializers.EmailField()
    note = serializers.CharField()
    inviter_name = serializers.CharField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class InvitationRequestSerializer(InputSerializer):
    email = Text(max_length=254)
    note = Text(required=False, allow_blank=True, default="")


@extend_schema(responses=InvitationSerializer(many=True))
@api_view(["GET"])
def invitation_list(request):
    """The invitations I sent and those to the networks I coordinate, newest first (200)."""
    rows = invitations.invitations_visible_to(request)[:INVITATIONS_LISTED]
    return Response(InvitationSerializer(rows, many=True).data)


@extend_schema(request=InvitationRequestSerializer, responses={201: InvitationSerializer})
@api_view(["POST"])
def invite(request, slug: str):
    """Invite a colleague by email to apply to the network: the link goes by email only."""
    network = get_object_or_404(Network, slug=slug)
    wanted = validated(InvitationRequestSerializer, request.data)
    issued = invitations.create_invitation(
        network=network,
        email=wanted["email"],
        note=wanted["note"],
        inviter=request.user,
        ip_address=session_index.client_ip(request),
    )
    return Response(InvitationSerializer(issued.invitation).data, status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses=InvitationSerializer)
@api_view(["POST"])
def revoke_invitation(request, invitation_id: int):
    """Withdraw a pending invitation (its inviter, or a coordinator of its network)."""
    invitation = invitations.revoke_invitation(
        invitation=invitations.get_invitation_to_manage(request, invitation_id),
        actor=request.user,
        ip_address=session_index.client_ip(request),
    )
    return Response(InvitationSerializer(invitation).data)
