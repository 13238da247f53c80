"""What the OpenAPI schema says beyond what drf-spectacular infers from the views.

- `add_error_responses` (a postprocessing hook): the one `Error` component
  (network/errors.py's shape) under every operation's error statuses, `Retry-After` on 429,
  and request bodies as JSON objects with `additionalProperties: false`, since unknown
  fields are refused.
- `paginated`: the page object that the function views paginating by hand serve.
"""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one shape of every error the API answers (docs/api.md).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable code; docs/api.md lists all."},
                "message": {"type": "string", "description": "For people, localised."},
                "field": {"type": "string", "description": "The one input to blame."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "Bad input: every refused field with its message.",
                },
                "details": {"type": "object", "description": "More, for a few codes."},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

# Every operation may answer these...
COMMON_ERRORS = {
    "400": "Bad input: a field is missing, of the wrong type or value, or unknown.",
    "401": "Not authenticated: no valid API token or verified session.",
    "403": "Not allowed.",
    "404": "Not found, or not visible to you.",
    "405": "Method not allowed.",
    "406": "The Accept header asks for a format this operation does not serve.",
    "429": "Too many requests: wait Retry-After seconds.",
    "500": "Unexpected server error; nothing was stored.",
}
# ...and those that take a body these too.
WRITE_ERRORS = {
    "409": "Not possible in the current state.",
    "410": "No longer possible.",
    "413": "The body (or a message or file in it) is too large.",
    "415": "The body is in a content type this operation does not read.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _error_response(status: str, description: str) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status == "429":
        response["headers"] = {
            "Retry-After": {
                "schema": {"type": "integer"},
                "required": True,
                "description": "Seconds to wait before trying again.",
            }
        }
    return response


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    shared = components.setdefault("responses", {})
    for status, description in {**COMMON_ERRORS, **WRITE_ERRORS}.items():
        shared[f"Error{status}"] = _error_response(status, description)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in WRITE_METHODS | {"get", "head", "options"}:
                continue
            statuses = dict(COMMON_ERRORS)
            if method in WRITE_METHODS:
                statuses.update(WRITE_ERRORS)
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(status, {"$ref": f"#/components/responses/Error{status}"})
            _close_request_body(operation, components["schemas"])
    return result


def _close_request_body(operation: dict, schemas: dict) -> None:
    """Request objects take only the fields they list (network/api_input.py). A body the
    operation reads as JSON is documented as JSON only: the form encodings DRF also parses
    carry every value as text, so an integer or a boolean field cannot be sent that way. An
    operation that declares a form encoding with a body of its own (applying with a
    designation letter as a file) keeps it."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        json_schema = content["application/json"].get("schema")
        for media_type in list(content):
            if media_type != "application/json" and content[media_type].get("schema") == (
                json_schema
            ):
                del content[media_type]
    for media in content.values():
        schema = media.get("schema", {})
        if "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        if schema.get("type") == "object" and "properties" in schema:
            schema["additionalProperties"] = False


def paginated(child: serializers.Serializer, name: str, **extra) -> serializers.Serializer:
    """The page object of a paginated list of `child` (DRF's PageNumberPagination)."""
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": child,
            **extra,
        },
    )
