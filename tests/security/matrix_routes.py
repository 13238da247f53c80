"""What the access matrix must cover, enumerated from the project itself: every URL pattern
of the root URLconf, every operation of the OpenAPI schema and every inbound WebSocket frame
type. A row names a route by its pattern, as written in the URLconfs."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def url_patterns(patterns=None, prefix: str = "/") -> list[str]:
    """Every URL pattern of the project, e.g. "/rooms/<uuid:room_id>/"."""
    routes = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            routes.extend(url_patterns(entry.url_patterns, route))
        elif isinstance(entry, URLPattern):
            routes.append(route)
    return routes


def api_operations() -> set[tuple[str, str]]:
    """(method, path) of every operation of the OpenAPI schema, paths as the schema spells
    them ("/api/v1/rooms/{room_id}/")."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


def schema_path(route: str) -> str:
    """The schema's spelling of a route: converters dropped, `pk` named `id`."""
    return CONVERTER.sub(lambda m: "{%s}" % ("id" if m["name"] == "pk" else m["name"]), route)


def inbound_frame_types() -> set[str]:
    """The frame types a client may send (docs/protocol.md): the protocol's declared frames,
    which the consumer must handle one for one."""
    from messaging.realtime.consumer import RoomsConsumer
    from messaging.realtime.protocol import FRAMES

    assert set(FRAMES) == set(RoomsConsumer.HANDLERS), "a declared frame type has no handler"
    return set(FRAMES)


def fill(route: str, values: dict) -> str:
    """The concrete path of `route` with each converter replaced by `values[name]`."""

    def value(match: re.Match) -> str:
        name = match["name"]
        if name not in values:
            raise KeyError(f"no value for <{name}> in {route}")
        return str(values[name])

    return CONVERTER.sub(value, route)


def path_values(route: str, ids: dict) -> dict:
    """The value of each converter of `route` in the matrix's world (`World.ids`)."""
    if "/authorities/" in route:
        pk = ids["authority"]
    elif route.startswith(("/networks/", "/api/v1/networks/")):
        pk = ids["membership"]
    else:
        pk = ids["contact_point"]
    return {
        "pk": pk,
        "slug": "tipp",
        "room_id": ids["room"],
        "message_id": ids["message"],
        "attachment_id": ids["attachment"],
        "user_id": ids["participant_user"],
        "seq": ids["seq"],
        "request_id": ids["request"],
        "permission_id": ids["permission"],
        "thread_id": ids["restricted_thread"],
        "notification_id": ids["notification"],
        "pair_id": ids["pair"],
        "token_id": ids["token"],
        "invitation_id": ids["invitation"],
        "credential_id": ids["credential"],
        "record_id": ids["session_record"],
        "export_id": ids["export"],
        "hold_id": ids["hold"],
        "report_id": ids["report"],
        "guest_id": ids["guest_proposal"],
        # A signature's scan is of the proposal that was signed.
        "proposal_id": ids["signed_proposal" if "/signatures/" in route else "proposal"],
        "signature_id": ids["signature"],
        "number": 2,
        "language": "es",
        "introduction_id": ids["introduction"],
        "token": ids["invitation_token"],
        "uidb64": "MQ",
    }


def row_path(row, ids: dict) -> str:
    """The concrete path (and query) a row of the matrix requests in the world."""
    path = fill(row.route, {**path_values(row.route, ids), **row.params})
    if row.query:
        path += "?" + row.query.format(**ids)
    return path
