"""/api/v1/jit/: the proposal and its board as JSON, a party's answer."""

import json


def _post(client, path, data):
    return client.post(path, json.dumps(data), content_type="application/json")


def test_the_board_and_an_answer_through_the_api(
    client_for, proposal, member, authorizer_ar, authorizer_ng
):
    body = client_for(member).get(f"/api/v1/jit/{proposal.pk}/").json()
    assert (body["role"], body["version"], body["status"]) == ("participant", 1, "draft")
    assert [p["state"] for p in body["parties"]] == ["AR", "NG"]
    assert body["parties"][0]["routes"][0]["reach"] == "member"
    for user, state in ((authorizer_ar, "AR"), (authorizer_ng, "NG")):
        answer = _post(
            client_for(user),
            f"/api/v1/jit/{proposal.pk}/consent/",
            {"state": state, "version": "1", "decision": "consent"},
        )
        assert answer.status_code == 201
    assert answer.json()["status"] == "agreed"
    assert client_for(authorizer_ng).get("/api/v1/jit/").json()[0]["status"] == "agreed"


def test_unknown_fields_and_superseded_versions_are_refused(client_for, proposal, authorizer_ar):
    client = client_for(authorizer_ar)
    extra = _post(
        client,
        f"/api/v1/jit/{proposal.pk}/consent/",
        {"state": "AR", "version": "1", "decision": "consent", "mood": "good"},
    )
    assert extra.status_code == 400 and extra.json()["error"]["code"] == "unknown_field"
    old = _post(
        client,
        f"/api/v1/jit/{proposal.pk}/consent/",
        {"state": "AR", "version": "0", "decision": "consent"},
    )
    assert old.status_code == 409 and old.json()["error"]["code"] == "superseded_version"


def test_others_get_404(client_for, proposal, outsider, coordinator):
    for user in (outsider, coordinator):
        assert client_for(user).get(f"/api/v1/jit/{proposal.pk}/").status_code == 404
        assert client_for(user).get("/api/v1/jit/").json() == []
