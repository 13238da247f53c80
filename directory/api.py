"""The directory under /api/v1/directory/: the same search, visibility and actions as the
pages. Input is validated by the serializers below; refusals (a Django ValidationError keyed
by field, PermissionDenied, Http404) are answered by network/api_errors.py."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from directory import actions, views
from directory.csv_format import decode_upload
from directory.forms import CorrectionForm
from directory.models import Authority
from directory.presenting import authority_summary, present_contact_point
from directory.search import (
    MAX_QUERY_LENGTH,
    SearchParams,
    direct_answer,
    parse_search_params,
    search_contact_points,
)
from directory.visibility import (
    get_authority,
    get_contact_point,
    get_contact_point_for_maintenance,
    members_only,
    viewer_for,
)
from network.api_input import (
    InputSerializer,
    QueryInteger,
    QuerySerializer,
    Text,
    validated,
    validated_query,
)
from network.api_schema import paginated
from network.api_throttles import scoped
from network.errors import DomainError
from network.vetting.access import coordinated_networks, get_network_for_coordinator


class AuthoritySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=Authority.Kind.choices)
    type_label = serializers.CharField()
    state = serializers.CharField()
    state_name = serializers.CharField()
    parent = serializers.DictField(allow_null=True)
    address = serializers.CharField(
        help_text="Empty when withheld: victim-support NGOs and confidential entries show it "
        "only to members of the networks served."
    )
    address_withheld = serializers.BooleanField()
    website = serializers.CharField()


class ContactPointSerializer(serializers.Serializer):
    """Person-level fields (kind, name, position, phone, email, how_to_reach, member_id,
    verified_by, message_url) are null unless `details_visible`."""

    id = serializers.IntegerField()
    url = serializers.CharField()
    state = serializers.CharField()
    state_name = serializers.CharField()
    authority = AuthoritySerializer()
    competences = serializers.ListField(child=serializers.DictField())
    languages = serializers.ListField(child=serializers.DictField())
    availability = serializers.CharField()
    office_hours = serializers.CharField()
    time_zone = serializers.CharField()
    request_languages = serializers.ListField(child=serializers.CharField())
    formal_requirements = serializers.CharField()
    required_channel = serializers.CharField()
    networks = serializers.ListField(child=serializers.CharField())
    confidential = serializers.BooleanField()
    reachable_by_any_network = serializers.BooleanField()
    verified_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()
    details_visible = serializers.BooleanField()
    details_visible_to = serializers.ListField(child=serializers.CharField())
    kind = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    position = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    how_to_reach = serializers.CharField(allow_null=True)
    member_id = serializers.IntegerField(allow_null=True)
    verified_by = serializers.CharField(allow_null=True)
    message_url = serializers.CharField(allow_null=True)


def _code(**kwargs):
    return Text(required=False, allow_blank=True, max_length=100, **kwargs)


class PageQuerySerializer(QuerySerializer):
    page = QueryInteger(required=False, min_value=1)
    page_size = QueryInteger(required=False, min_value=1, max_value=100)


class SearchQuerySerializer(PageQuerySerializer):
    q = Text(
        required=False,
        allow_blank=True,
        max_length=MAX_QUERY_LENGTH,
        help_text="Free text, accent- and case-insensitive.",
    )
    state = _code(help_text="ISO 3166-1 alpha-2 code.")
    competence = _code(help_text="A competence code, e.g. jit.authorize.")
    language = _code(help_text="ISO 639-1 code of a spoken language.")
    network = _code(help_text="Network slug.")
    authority_type = _code(help_text="Authority type code.")


class ExportQuerySerializer(SearchQuerySerializer):
    page = None
    page_size = None


class AnswerQuerySerializer(QuerySerializer):
    state = _code(help_text="ISO 3166-1 alpha-2 code (required).")
    competence = _code(help_text="A competence code, e.g. jit.authorize (required).")


class AuthorityQuerySerializer(PageQuerySerializer):
    state = _code(help_text="ISO 3166-1 alpha-2 code.")
    type = _code(help_text="Authority type code.")


def _search_params(serializer_class, request) -> SearchParams:
    return parse_search_params(validated_query(serializer_class, request))


class CorrectionSerializer(InputSerializer):
    """The fields to correct; those not sent keep their current values."""

    name = Text(max_length=200, required=False)
    position = Text(max_length=200, required=False, allow_blank=True)
    phone = Text(max_length=16, required=False, allow_blank=True)
    email = Text(max_length=254, required=False, allow_blank=True)
    availability = Text(max_length=40, required=False)
    office_hours = Text(max_length=120, required=False, allow_blank=True)
    time_zone = Text(max_length=64, required=False)
    how_to_reach = Text(required=False, allow_blank=True)
    request_languages = serializers.ListField(
        child=Text(max_length=8), max_length=50, required=False
    )
    formal_requirements = Text(required=False, allow_blank=True)
    required_channel = Text(max_length=200, required=False, allow_blank=True)
    competences = serializers.ListField(child=Text(max_length=60), max_length=50, required=False)
    languages = serializers.ListField(
        child=Text(max_length=40),
        max_length=50,
        required=False,
        help_text="code:level, e.g. es:native",
    )

    def as_form_data(self) -> dict:
        """The validated fields as CorrectionForm takes them (';'-separated lists)."""
        values = dict(self.validated_data)
        for name in ("request_languages", "languages"):
            if name in values:
                values[name] = ";".join(values[name])
        return values


class ReportSerializer(InputSerializer):
    reason = Text(allow_blank=True, help_text="What is wrong with the entry.")


class DirectoryPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


@extend_schema(
    operation_id="v1_directory_contact_points_list",
    parameters=[SearchQuerySerializer],
    responses=paginated(
        ContactPointSerializer(many=True),
        "ContactPointSearchPage",
        similar_spellings=serializers.BooleanField(
            help_text="PostgreSQL only: nothing contained the words; these are similar spellings."
        ),
    ),
)
@scoped("search", "GET")
@api_view(["GET"])
@members_only
def contact_point_list(request):
    params = _search_params(SearchQuerySerializer, request)
    viewer = viewer_for(request.user)
    paginator = DirectoryPagination()
    page = paginator.paginate_queryset(
        search_contact_points(params, viewer=viewer), request, view=None
    )
    response = paginator.get_paginated_response(
        ContactPointSerializer([present_contact_point(cp, viewer) for cp in page], many=True).data
    )
    # PostgreSQL only: nothing contained the words, these are similar spellings.
    response.data["similar_spellings"] = bool(page) and getattr(page[0], "fuzzy", False)
    return response


@extend_schema(responses=ContactPointSerializer)
@api_view(["GET"])
@members_only
def contact_point_detail(request, pk: int):
    viewer = viewer_for(request.user)
    return Response(
        ContactPointSerializer(present_contact_point(get_contact_point(pk), viewer)).data
    )


@extend_schema(
    parameters=[AnswerQuerySerializer],
    responses=inline_serializer(
        "DirectAnswer",
        {
            "state": serializers.CharField(),
            "competence": serializers.CharField(),
            "answered": serializers.BooleanField(),
            "summary": serializers.CharField(),
            "verified": ContactPointSerializer(many=True),
            "stale": ContactPointSerializer(many=True),
            "alternatives": serializers.ListField(child=serializers.DictField()),
        },
    ),
)
@scoped("search", "GET")
@api_view(["GET"])
@members_only
def answer(request):
    """Who holds competence C in state S: verified holders, or stale ones and alternatives."""
    params = _search_params(AnswerQuerySerializer, request)
    if not (params.state and params.competence):
        missing = "competence" if params.state else "state"
        raise DomainError("missing_field", "Give both state and competence.", field=missing)
    viewer = viewer_for(request.user)
    result = direct_answer(competence=params.competence, state=params.state)

    def present(items):
        return ContactPointSerializer(
            [present_contact_point(cp, viewer) for cp in items], many=True
        ).data

    return Response(
        {
            "state": result.state,
            "competence": result.competence,
            "answered": result.answered,
            "summary": result.summary,
            "verified": present(result.verified),
            "stale": present(result.stale),
            "alternatives": [
                {"competence": alt.competence, "contact_points": present(alt.contact_points)}
                for alt in result.alternatives
            ],
        }
    )


@extend_schema(parameters=[ExportQuerySerializer], responses={(200, "text/csv"): OpenApiTypes.STR})
@scoped("search", "GET")
@api_view(["GET"])
@members_only
def export(request):
    params = _search_params(ExportQuerySerializer, request)
    return views._csv_response(request, params)


@extend_schema(responses={(200, "text/vcard"): OpenApiTypes.STR})
@api_view(["GET"])
@members_only
def vcard(request, pk: int) -> HttpResponse:
    return views.vcard_response(request, pk)


@extend_schema(request=None, responses=ContactPointSerializer)
@api_view(["POST"])
@members_only
def confirm(request, pk: int):
    entry = get_contact_point_for_maintenance(request, pk)
    validated(InputSerializer, request.data)
    actions.confirm_contact_point(contact_point=entry, actor=request.user)
    return contact_point_detail_response(request, pk)


def contact_point_detail_response(request, pk: int) -> Response:
    viewer = viewer_for(request.user)
    return Response(
        ContactPointSerializer(present_contact_point(get_contact_point(pk), viewer)).data
    )


@extend_schema(request=CorrectionSerializer, responses=ContactPointSerializer)
@api_view(["POST"])
@members_only
def correct(request, pk: int):
    """Correct and confirm in one step; fields not sent keep their current values."""
    entry = get_contact_point_for_maintenance(request, pk)
    correction = CorrectionSerializer(data=request.data)
    correction.is_valid(raise_exception=True)
    form = CorrectionForm({**CorrectionForm.initial_for(entry), **correction.as_form_data()})
    if not form.is_valid():
        raise ValidationError(
            {field: [str(e) for e in messages] for field, messages in form.errors.items()}
        )
    fields, competences, languages = form.correction()
    actions.correct_contact_point(
        contact_point=entry,
        actor=request.user,
        fields=fields,
        competences=competences,
        languages=languages,
    )
    return contact_point_detail_response(request, pk)


@extend_schema(
    request=ReportSerializer,
    responses={201: inline_serializer("ReportCreated", {"id": serializers.IntegerField()})},
)
@api_view(["POST"])
@members_only
def report(request, pk: int):
    entry = get_contact_point(pk)
    reason = validated(ReportSerializer, request.data)["reason"]
    created = actions.report_wrong_entry(contact_point=entry, reporter=request.user, reason=reason)
    return Response({"id": created.pk}, status=status.HTTP_201_CREATED)


@extend_schema(
    request=None,
    responses=inline_serializer(
        "ReconfirmationRequested",
        {"recipients": serializers.ListField(child=serializers.CharField())},
    ),
)
@api_view(["POST"])
@members_only
def reconfirm(request, slug: str, pk: int):
    network = get_network_for_coordinator(request, slug)
    entry = get_contact_point(pk)
    validated(InputSerializer, request.data)
    recipients = actions.request_reconfirmation(
        contact_point=entry, network=network, coordinator=request.user
    )
    return Response({"recipients": recipients})


@extend_schema(
    parameters=[PageQuerySerializer],
    responses=paginated(ContactPointSerializer(many=True), "StaleContactPointPage"),
)
@api_view(["GET"])
@members_only
def stale(request, slug: str):
    validated_query(PageQuerySerializer, request)
    network = get_network_for_coordinator(request, slug)
    viewer = viewer_for(request.user)
    paginator = DirectoryPagination()
    entries = (
        search_contact_points(SearchParams(network=network), viewer=viewer)
        .stale()
        .order_by("state", "verified_at", "pk")
    )
    page = paginator.paginate_queryset(entries, request, view=None)
    return paginator.get_paginated_response(
        ContactPointSerializer([present_contact_point(cp, viewer) for cp in page], many=True).data
    )


@extend_schema(
    request={
        "multipart/form-data": inline_serializer(
            "DirectoryImport",
            {
                "file": serializers.FileField(),
                "only_valid": serializers.BooleanField(required=False),
            },
        )
    },
    responses=inline_serializer(
        "DirectoryImportReport",
        {
            "imported": serializers.BooleanField(),
            "rows": serializers.IntegerField(),
            "authorities_created": serializers.IntegerField(),
            "contact_points_created": serializers.IntegerField(),
            "errors": serializers.ListField(child=serializers.DictField()),
        },
    ),
)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
@members_only
def import_csv(request):
    """Nothing is imported while a row is refused, unless `only_valid`; refused rows are
    answered as a 400 `invalid_rows` whose `details.rows` lists them."""
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError("missing_field", "Attach the CSV file as `file`.", field="file")
    only_valid = str(request.data.get("only_valid", "")).lower() in ("1", "true", "yes", "on")
    text = decode_upload(upload.read())
    result = actions.import_directory(
        text=text,
        actor=request.user,
        coordinated=coordinated_networks(request),
        only_valid=only_valid,
    )
    errors = [{"line": e.line, "reason": e.reason} for e in result.errors]
    if errors and not result.imported:
        raise DomainError(
            "invalid_rows",
            "Some rows are refused; nothing was imported.",
            field="file",
            details={"rows": errors},
        )
    return Response(
        {
            "imported": result.imported,
            "rows": result.rows,
            "authorities_created": result.authorities_created,
            "contact_points_created": result.contact_points_created,
            "errors": errors,
        }
    )


@extend_schema(
    operation_id="v1_directory_authorities_list",
    parameters=[AuthorityQuerySerializer],
    responses=paginated(AuthoritySerializer(many=True), "AuthorityPage"),
)
@api_view(["GET"])
@members_only
def authority_list(request):
    wanted = validated_query(AuthorityQuerySerializer, request)
    viewer = viewer_for(request.user)
    authorities = Authority.objects.select_related("parent").order_by("state", "name", "pk")
    if wanted.get("state"):
        authorities = authorities.filter(state=wanted["state"].upper())
    if wanted.get("type"):
        authorities = authorities.filter(kind=wanted["type"])
    paginator = DirectoryPagination()
    page = paginator.paginate_queryset(authorities, request, view=None)
    return paginator.get_paginated_response(
        [authority_summary(a, show_address=viewer.sees_authority_address(a)) for a in page]
    )


@extend_schema(responses=AuthoritySerializer)
@api_view(["GET"])
@members_only
def authority_detail(request, pk: int):
    institution = get_authority(pk)
    viewer = viewer_for(request.user)
    return Response(
        authority_summary(institution, show_address=viewer.sees_authority_address(institution))
    )
