from __future__ import annotations


def test_me_with_token(api, world):
    response = api("staff").get("/api/v1/me")
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == "staff"
    assert body["parish"] == {"slug": "jesus-maestro", "name": "Parroquia Jesús Maestro"}
    assert body["shop_id"] is None


def test_me_refuses_missing_or_wrong_token(client, world):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 401


def test_openapi_document_is_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/me" in document["paths"]


def test_docs_page_renders(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "/api/v1/me" in response.get_data(as_text=True)


def test_unknown_api_route_is_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code in (401, 404)
    assert response.mimetype == "application/problem+json"
