"""What the API accepts: bounded JSON bodies and strict, declarative input serializers.

Every body and query string an API view reads goes through an `InputSerializer` before any
action runs. Its fields take exactly the JSON types they name (no text for numbers, no
numbers for text, no `1e309`), text is valid Unicode without NUL and bounded, and a field the
operation does not know is refused as `unknown_field` (docs/api.md): a typo in a field name
must not silently fall back to a default such as a handling code.
"""

import json
import math
from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers, serializers

# Text fields that the models do not bound more tightly.
DEFAULT_TEXT_MAX = 4000


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"
    default_detail = gettext_lazy("The request body is too large.")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


class BoundedJSONParser(parsers.JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE bytes, as strict JSON (no NaN or
    Infinity), refusing nesting deeper than the interpreter can follow as bad JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(_("The body is not valid JSON.")) from exc


# --- Fields that take exactly their JSON type ----------------------------------------------


class Text(serializers.CharField):
    """A JSON string: no numbers or booleans turned into text, no NUL, no lone surrogate."""

    default_error_messages = {"invalid": gettext_lazy("Must be text.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", DEFAULT_TEXT_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Integer(serializers.IntegerField):
    """A JSON integer (not a string, a boolean or a float)."""

    default_error_messages = {"invalid": gettext_lazy("Must be an integer.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryInteger(serializers.IntegerField):
    """An integer in a query string (written as decimal digits)."""

    default_error_messages = {"invalid": gettext_lazy("Must be an integer.")}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip().lstrip("-").isdigit():
            self.fail("invalid")
        if len(data) > 18:
            self.fail("max_string_length")
        return super().to_internal_value(data)


class UUID(serializers.UUIDField):
    """A UUID written as a JSON string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value="")
        return super().to_internal_value(data)


class Boolean(serializers.BooleanField):
    """A JSON true or false."""

    default_error_messages = {"invalid": gettext_lazy("Must be true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class Number(serializers.FloatField):
    """A finite JSON number."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        if not math.isfinite(float(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- Serializers ---------------------------------------------------------------------------


class InputSerializer(serializers.Serializer):
    """Input of one operation: refuses a body that is not an object and unknown fields."""

    default_error_messages = {
        "unknown_field": gettext_lazy("Unknown field; this operation does not take it."),
    }

    def run_validation(self, data=serializers.empty):
        if data is not serializers.empty and not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        serializers.ErrorDetail(_("Must be a JSON object."), "bad_json")
                    ]
                }
            )
        return super().run_validation(data)

    def to_internal_value(self, data):
        unknown = [name for name in data if name not in self.fields]
        if unknown:
            raise serializers.ValidationError(
                {
                    str(name)[:100]: [
                        serializers.ErrorDetail(
                            self.error_messages["unknown_field"], code="unknown_field"
                        )
                    ]
                    for name in unknown
                }
            )
        return super().to_internal_value(data)


class QuerySerializer(InputSerializer):
    """Input read from the query string: every parameter once, known ones only."""

    ignored_parameters = ("page", "page_size", "format")

    def to_internal_value(self, data):
        values = {}
        for name in data:
            if name in self.ignored_parameters and name not in self.fields:
                continue
            listed = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
            values[name] = listed[-1]
        return super().to_internal_value(values)


def validated(serializer_class: type[serializers.Serializer], data, **context) -> dict:
    """The validated input, or a 400 naming the first field at fault."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def validated_query(serializer_class: type[QuerySerializer], request) -> dict:
    return validated(serializer_class, request.query_params)
