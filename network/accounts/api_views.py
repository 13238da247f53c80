from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from network.accounts import actions, invitations, session_index, tokens
from network.accounts.api_auth import ApiTokenAuthentication
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


class ProfileChangeSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=120, required=False)
    institution = serializers.CharField(max_length=200, required=False, allow_blank=True)
    position = serializers.CharField(max_length=200, required=False, allow_blank=True)
    state = serializers.CharField(max_length=2, required=False, allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField(max_length=3), required=False)
    preferred_language = serializers.CharField(max_length=8, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    prefix = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True)
    revoked_at = serializers.DateTimeField(read_only=True)


class IssuedTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The whole token; shown only in this response.")


class TokenRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=tokens.MAX_NAME_LENGTH)
    lifetime_days = serializers.IntegerField(
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
        changes = ProfileChangeSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        try:
            actions.update_profile(user=request.user, changes=changes.validated_data)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        request.user.refresh_from_db()
    return Response(_me(request.user))


def _refuse_token_management_by_token(request) -> None:
    # A token must not mint or revoke tokens: that needs a session that passed its second factor.
    if isinstance(request.successful_authenticator, ApiTokenAuthentication):
        raise PermissionDenied("Tokens are managed from a signed-in session, not with a token.")


@extend_schema(methods=["GET"], responses=TokenSerializer(many=True))
@extend_schema(methods=["POST"], request=TokenRequestSerializer, responses=IssuedTokenSerializer)
@api_view(["GET", "POST"])
def token_collection(request):
    if request.method == "GET":
        return Response(TokenSerializer(tokens.tokens_of(request.user), many=True).data)
    _refuse_token_management_by_token(request)
    wanted = TokenRequestSerializer(data=request.data)
    wanted.is_valid(raise_exception=True)
    issued = tokens.create_token(
        user=request.user,
        name=wanted.validated_data["name"],
        lifetime_days=wanted.validated_data["lifetime_days"],
        ip_address=session_index.client_ip(request),
    )
    data = TokenSerializer(issued.token).data
    data["token"] = issued.plaintext
    return Response(data, status=status.HTTP_201_CREATED)


@extend_schema(responses={204: None})
@api_view(["DELETE"])
def token_detail(request, token_id: int):
    _refuse_token_management_by_token(request)
    try:
        tokens.revoke_token(
            user=request.user, token_id=token_id, ip_address=session_index.client_ip(request)
        )
    except tokens.TokenError as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_404_NOT_FOUND)
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
    accepted_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField()


class InvitationRequestSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _invitation_refused(error: invitations.InvitationError) -> Response:
    return Response({"code": error.code, "detail": error.message}, status=error.http_status)


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
    wanted = InvitationRequestSerializer(data=request.data)
    wanted.is_valid(raise_exception=True)
    try:
        issued = invitations.create_invitation(
            network=network,
            email=wanted.validated_data["email"],
            note=wanted.validated_data["note"],
            inviter=request.user,
            ip_address=session_index.client_ip(request),
        )
    except invitations.InvitationError as error:
        return _invitation_refused(error)
    return Response(InvitationSerializer(issued.invitation).data, status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses=InvitationSerializer)
@api_view(["POST"])
def revoke_invitation(request, invitation_id: int):
    """Withdraw a pending invitation (its inviter, or a coordinator of its network)."""
    try:
        invitation = invitations.revoke_invitation(
            invitation=invitations.get_invitation_to_manage(request, invitation_id),
            actor=request.user,
            ip_address=session_index.client_ip(request),
        )
    except invitations.InvitationError as error:
        return _invitation_refused(error)
    return Response(InvitationSerializer(invitation).data)
