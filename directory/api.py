"""The directory under /api/v1/directory/: the same search, visibility and actions as the
pages. Errors: 400 with `detail` and field `errors`, 403 when not allowed, 404 when absent."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from directory import actions, views
from directory.csv_format import decode_upload
from directory.forms import CorrectionForm
from directory.models import Authority
from directory.presenting import authority_summary, present_contact_point
from directory.search import (
    SearchParams,
    direct_answer,
    parse_search_params,
    search_contact_points,
)
from directory.visibility import (
    get_authority,
    get_contact_point,
    get_contact_point_for_maintenance,
    viewer_for,
)
from network.vetting.access import coordinated_networks, get_network_for_coordinator


class AuthoritySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=Authority.Kind.choices)
    type_label = serializers.CharField()
    state = serializers.CharField()
    state_name = serializers.CharField()
    parent = serializers.DictField(allow_null=True)
    address = serializers.CharField()
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


SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Free text, accent- and case-insensitive."),
    OpenApiParameter("state", str, description="ISO 3166-1 alpha-2 code."),
    OpenApiParameter("competence", str, description="A competence code, e.g. jit.authorize."),
    OpenApiParameter("language", str, description="ISO 639-1 code of a spoken language."),
    OpenApiParameter("network", str, description="Network slug."),
    OpenApiParameter("authority_type", str, description="Authority type code."),
]


def _invalid(exc: ValidationError) -> Response:
    if hasattr(exc, "error_dict"):
        errors = exc.message_dict
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
    else:
        errors, detail = {}, " ".join(exc.messages)
    return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


class DirectoryPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


@extend_schema(parameters=SEARCH_PARAMETERS, responses=ContactPointSerializer(many=True))
@api_view(["GET"])
def contact_point_list(request):
    try:
        params = parse_search_params(request.query_params)
    except ValidationError as exc:
        return _invalid(exc)
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
def contact_point_detail(request, pk: int):
    viewer = viewer_for(request.user)
    return Response(
        ContactPointSerializer(present_contact_point(get_contact_point(pk), viewer)).data
    )


@extend_schema(
    parameters=[
        OpenApiParameter("state", str, required=True),
        OpenApiParameter("competence", str, required=True),
    ],
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
@api_view(["GET"])
def answer(request):
    """Who holds competence C in state S: verified holders, or stale ones and alternatives."""
    try:
        params = parse_search_params(request.query_params)
    except ValidationError as exc:
        return _invalid(exc)
    if not (params.state and params.competence):
        return _invalid(ValidationError("Give both state and competence."))
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


@extend_schema(parameters=SEARCH_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.STR})
@api_view(["GET"])
def export(request):
    try:
        params = parse_search_params(request.query_params)
    except ValidationError as exc:
        return _invalid(exc)
    return views._csv_response(request, params)


@extend_schema(responses={(200, "text/vcard"): OpenApiTypes.STR})
@api_view(["GET"])
def vcard(request, pk: int) -> HttpResponse:
    return views.vcard_response(request, pk)


@extend_schema(request=None, responses=ContactPointSerializer)
@api_view(["POST"])
def confirm(request, pk: int):
    entry = get_contact_point_for_maintenance(request, pk)
    actions.confirm_contact_point(contact_point=entry, actor=request.user)
    return contact_point_detail_response(request, pk)


def contact_point_detail_response(request, pk: int) -> Response:
    viewer = viewer_for(request.user)
    return Response(
        ContactPointSerializer(present_contact_point(get_contact_point(pk), viewer)).data
    )


def _form_data(data) -> dict:
    """Accept JSON lists where the form takes ';'-separated text."""
    values = dict(data.items()) if hasattr(data, "items") else {}
    for name in ("request_languages", "languages"):
        if isinstance(values.get(name), list):
            values[name] = ";".join(values[name])
    return values


@extend_schema(
    request=inline_serializer(
        "Correction",
        {
            "name": serializers.CharField(),
            "position": serializers.CharField(required=False),
            "phone": serializers.CharField(required=False),
            "email": serializers.EmailField(required=False),
            "availability": serializers.CharField(),
            "office_hours": serializers.CharField(required=False),
            "time_zone": serializers.CharField(),
            "how_to_reach": serializers.CharField(required=False),
            "request_languages": serializers.ListField(child=serializers.CharField()),
            "formal_requirements": serializers.CharField(required=False),
            "required_channel": serializers.CharField(required=False),
            "competences": serializers.ListField(child=serializers.CharField()),
            "languages": serializers.ListField(
                child=serializers.CharField(), help_text="code:level, e.g. es:native"
            ),
        },
    ),
    responses=ContactPointSerializer,
)
@api_view(["POST"])
@parser_classes([JSONParser])
def correct(request, pk: int):
    """Correct and confirm in one step; fields not sent keep their current values."""
    entry = get_contact_point_for_maintenance(request, pk)
    form = CorrectionForm({**CorrectionForm.initial_for(entry), **_form_data(request.data)})
    if not form.is_valid():
        errors = {field: [str(e) for e in messages] for field, messages in form.errors.items()}
        return _invalid(ValidationError(errors))
    fields, competences, languages = form.correction()
    try:
        actions.correct_contact_point(
            contact_point=entry,
            actor=request.user,
            fields=fields,
            competences=competences,
            languages=languages,
        )
    except ValidationError as exc:
        return _invalid(exc)
    return contact_point_detail_response(request, pk)


@extend_schema(
    request=inline_serializer("WrongEntryReport", {"reason": serializers.CharField()}),
    responses={201: inline_serializer("ReportCreated", {"id": serializers.IntegerField()})},
)
@api_view(["POST"])
def report(request, pk: int):
    entry = get_contact_point(pk)
    try:
        created = actions.report_wrong_entry(
            contact_point=entry, reporter=request.user, reason=request.data.get("reason", "")
        )
    except ValidationError as exc:
        return _invalid(exc)
    return Response({"id": created.pk}, status=status.HTTP_201_CREATED)


@extend_schema(
    request=None,
    responses=inline_serializer(
        "ReconfirmationRequested",
        {"recipients": serializers.ListField(child=serializers.CharField())},
    ),
)
@api_view(["POST"])
def reconfirm(request, slug: str, pk: int):
    network = get_network_for_coordinator(request, slug)
    entry = get_contact_point(pk)
    try:
        recipients = actions.request_reconfirmation(
            contact_point=entry, network=network, coordinator=request.user
        )
    except ValidationError as exc:
        return _invalid(exc)
    return Response({"recipients": recipients})


@extend_schema(responses=ContactPointSerializer(many=True))
@api_view(["GET"])
def stale(request, slug: str):
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
            {"file": serializers.FileField(), "only_valid": serializers.BooleanField()},
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
def import_csv(request):
    upload = request.FILES.get("file")
    if upload is None:
        return _invalid(ValidationError({"file": "Attach the CSV file as `file`."}))
    only_valid = str(request.data.get("only_valid", "")).lower() in ("1", "true", "yes", "on")
    try:
        text = decode_upload(upload.read())
        result = actions.import_directory(
            text=text,
            actor=request.user,
            coordinated=coordinated_networks(request),
            only_valid=only_valid,
        )
    except ValidationError as exc:
        return _invalid(exc)
    body = {
        "imported": result.imported,
        "rows": result.rows,
        "authorities_created": result.authorities_created,
        "contact_points_created": result.contact_points_created,
        "errors": [{"line": e.line, "reason": e.reason} for e in result.errors],
    }
    failed = result.errors and not result.imported
    return Response(body, status=status.HTTP_400_BAD_REQUEST if failed else status.HTTP_200_OK)


@extend_schema(
    parameters=[OpenApiParameter("state", str), OpenApiParameter("type", str)],
    responses=AuthoritySerializer(many=True),
)
@api_view(["GET"])
def authority_list(request):
    authorities = Authority.objects.select_related("parent").order_by("state", "name", "pk")
    if request.query_params.get("state"):
        authorities = authorities.filter(state=request.query_params["state"].upper())
    if request.query_params.get("type"):
        authorities = authorities.filter(kind=request.query_params["type"])
    paginator = DirectoryPagination()
    page = paginator.paginate_queryset(authorities, request, view=None)
    return paginator.get_paginated_response([authority_summary(a) for a in page])


@extend_schema(responses=AuthoritySerializer)
@api_view(["GET"])
def authority_detail(request, pk: int):
    return Response(authority_summary(get_authority(pk)))
