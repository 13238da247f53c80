"""The API's rates: per member, per address, per operation, and for failed credentials; past
a rate, 429 `throttled` with `Retry-After`. Each test starts with no request history
(tests/conftest.py) and sets the rates it needs."""

import uuid

import pytest

from messaging.models import Message
from network.accounts import tokens

RATES = {
    "user": "1000/min",
    "anon": "1000/min",
    "address": "1000/min",
    "search": "1000/min",
    "message_post": "1000/min",
    "token_create": "1000/min",
    "translation_request": "1000/min",
    "introduction_request": "1000/min",
}


@pytest.fixture
def rates(settings):
    def set_rates(**changed):
        settings.COUNTERPART_THROTTLE_RATES = {**RATES, **changed}

    return set_rates


def throttled(response) -> None:
    assert response.status_code == 429, (response.status_code, response.content[:200])
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60


def test_a_member_past_their_rate_gets_429_with_retry_after(rates, client_for, member):
    rates(user="3/min")
    client = client_for(member)

    answers = [client.get("/api/v1/me/").status_code for _ in range(3)]
    throttled(client.get("/api/v1/me/"))

    assert answers == [200, 200, 200]


def test_one_members_rate_does_not_hold_up_another(rates, client_for, member, counterpart):
    rates(user="2/min")
    client = client_for(member)
    for _ in range(2):
        client.get("/api/v1/me/")
    throttled(client.get("/api/v1/me/"))

    assert client_for(counterpart).get("/api/v1/me/").status_code == 200


def test_searching_has_its_own_stricter_rate(rates, client_for, member):
    rates(search="2/min")
    client = client_for(member)

    searches = [client.get("/api/v1/directory/contact-points/").status_code for _ in range(2)]
    throttled(client.get("/api/v1/directory/answer/", {"state": "CO", "competence": "extradition"}))

    assert searches == [200, 200]
    assert client.get("/api/v1/me/").status_code == 200, "other operations go on"


def test_token_creation_is_limited_and_listing_is_not(rates, client_for, member):
    rates(token_create="2/min")
    client = client_for(member)

    created = [
        client.post("/api/v1/tokens/", {"name": f"t{n}"}, content_type="application/json")
        for n in range(2)
    ]
    throttled(client.post("/api/v1/tokens/", {"name": "t3"}, content_type="application/json"))

    assert [response.status_code for response in created] == [201, 201]
    assert client.get("/api/v1/tokens/").status_code == 200
    assert len(tokens.tokens_of(member)) == 2


def test_message_posts_are_limited(rates, client_for, member, case_room):
    from messaging.actions import create_thread

    rates(message_post="1/min")
    thread = create_thread(room=case_room, creator=member, title="Lantern")
    client = client_for(member)

    def post(body):
        return client.post(
            f"/api/v1/rooms/{case_room.pk}/messages/",
            {"client_id": str(uuid.uuid4()), "thread": str(thread.pk), "body": body},
            content_type="application/json",
        )

    assert post("first").status_code == 201
    throttled(post("second"))
    assert list(Message.objects.values_list("room_id", flat=True)) == [case_room.pk]


def test_translation_requests_are_limited(rates, client_for, member):
    rates(translation_request="1/min")
    client = client_for(member)

    first = client.post("/api/v1/translations/", {}, content_type="application/json")
    throttled(client.post("/api/v1/translations/", {}, content_type="application/json"))

    assert first.status_code == 400, "refused input counts towards the rate too"


def test_introduction_requests_are_limited(rates, client_for, member):
    rates(introduction_request="1/min")
    client = client_for(member)

    first = client.post("/api/v1/directory/introductions/", {}, content_type="application/json")
    throttled(client.post("/api/v1/directory/introductions/", {}, content_type="application/json"))

    assert first.status_code == 400, "refused input counts towards the rate too"


def test_one_address_is_limited_whoever_signs_in_from_it(rates, client_for, member, counterpart):
    rates(address="3/min")
    one, other = client_for(member), client_for(counterpart)

    assert one.get("/api/v1/me/", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert other.get("/api/v1/me/", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert one.get("/api/v1/me/", REMOTE_ADDR="192.0.2.7").status_code == 200
    throttled(other.get("/api/v1/me/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.9"))

    assert other.get("/api/v1/me/", REMOTE_ADDR="192.0.2.8").status_code == 200


def test_guessed_tokens_count_against_the_address(rates, client, db):
    """Failed credentials are refused with 401 and, past the signed-out rate, with 429."""
    rates(anon="2/min")

    guesses = [
        client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer cp_guess_{n}").status_code
        for n in range(2)
    ]
    throttled(client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer cp_guess_3"))

    assert guesses == [401, 401]
    other_address = client.get(
        "/api/v1/me/", HTTP_AUTHORIZATION="Bearer cp_guess_4", REMOTE_ADDR="192.0.2.99"
    )
    assert other_address.status_code == 401


def test_the_rates_come_from_settings_the_environment_fills():
    from django.conf import settings

    assert set(settings.COUNTERPART_THROTTLE_RATES) == set(RATES)
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]


def test_the_api_answers_while_the_rates_store_is_unreachable(settings, client_for, member, caplog):
    """Redis down: requests are served, not refused with a 500; the lapse is logged."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        },
    }
    response = client_for(member).get("/api/v1/me/")

    assert response.status_code == 200
    assert "request rates not counted: ConnectionError" in caplog.text
