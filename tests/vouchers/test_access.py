"""Who may reach each voucher page and endpoint; another parish's objects are 404."""

from __future__ import annotations

import pytest

from voucher.vouchers import services

ROLES = ("admin", "staff", "treasurer", "shopkeeper")


@pytest.fixture
def made(db, scheme, keys):
    """One voucher and one round in parish a, one of each in parish b."""
    ids = {}
    for parish in ("a", "b"):
        s = scheme(families=2, fund=100_000, parish=parish, name=f"Canasta {parish}")
        issued = services.issue_voucher(
            db.session,
            parish=s.parish,
            program=s.program,
            family=s.families[0],
            user=s.staff,
            keys=keys,
        )
        result = services.issue_round(
            db.session, parish=s.parish, program=s.program, user=s.staff, keys=keys
        )
        db.session.commit()
        ids[parish] = {
            "voucher": issued.voucher.id,
            "round": result.round.id,
            "program": s.program.id,
            "family": s.families[1].id,
        }
    return ids


def web_routes(i):
    """(method, path, form data, roles allowed)."""
    read = {"admin", "staff", "treasurer"}
    write = {"admin", "staff"}
    return [
        ("GET", "/vouchers/", None, read),
        ("GET", f"/vouchers/{i['voucher']}", None, read),
        ("GET", f"/vouchers/{i['voucher']}/pdf", None, write),
        ("POST", "/vouchers/print", {"ids": str(i["voucher"])}, write),
        ("POST", f"/vouchers/{i['voucher']}/cancel", {"cancel-reason": ""}, write),
        ("POST", f"/vouchers/{i['voucher']}/replace", {"replace-reason": ""}, write),
        ("GET", f"/vouchers/issue?family_id={i['family']}", None, write),
        ("GET", "/vouchers/rounds", None, write),
        ("GET", f"/vouchers/rounds/new?program_id={i['program']}", None, write),
        ("GET", f"/vouchers/rounds/{i['round']}", None, write),
        ("GET", f"/vouchers/rounds/{i['round']}/pdf", None, write),
    ]


def api_routes(i):
    read = {"admin", "staff", "treasurer"}
    write = {"admin", "staff"}
    return [
        ("GET", "/api/v1/vouchers", None, read),
        ("GET", f"/api/v1/vouchers/{i['voucher']}", None, read),
        ("POST", "/api/v1/vouchers", {"family_id": i["family"], "program_id": i["program"]}, write),
        ("POST", f"/api/v1/vouchers/{i['voucher']}/cancel", {"reason": "x"}, write),
        ("POST", f"/api/v1/vouchers/{i['voucher']}/replace", {"reason": "x"}, write),
        ("GET", f"/api/v1/vouchers/{i['voucher']}/pdf", None, write),
        ("POST", "/api/v1/vouchers/print", {"ids": [i["voucher"]]}, write),
        ("POST", f"/api/v1/programs/{i['program']}/rounds", {}, write),
        ("GET", f"/api/v1/rounds/{i['round']}/pdf", None, write),
    ]


def web_call(client, method, path, data):
    return client.get(path) if method == "GET" else client.post(path, data=data)


@pytest.mark.parametrize("role", ROLES)
def test_web_roles(made, login_as, role):
    client = login_as(role)
    for method, path, data, allowed in web_routes(made["a"]):
        status = web_call(client, method, path, data).status_code
        if role in allowed:
            assert status not in (401, 403, 404), (method, path, status)
        else:
            assert status == 403, (method, path, status)


def test_web_needs_a_login(made, client):
    for method, path, data, _allowed in web_routes(made["a"]):
        response = web_call(client, method, path, data)
        assert response.status_code == 302, (method, path)
        assert "/login" in response.headers["Location"]


def test_web_other_parish_is_not_found(made, login_as):
    client = login_as("staff")
    for method, path, data, _allowed in web_routes(made["b"]):
        if path in ("/vouchers/", "/vouchers/rounds"):
            continue  # lists: the other parish's rows never show (tested with the list)
        if method == "POST" and path == "/vouchers/print":
            # Printing answers on the list page, never with another parish's voucher.
            response = client.post(path, data=data, follow_redirects=True)
            assert "No encontramos" in response.get_data(as_text=True)
            continue
        assert web_call(client, method, path, data).status_code == 404, (method, path)


@pytest.mark.parametrize("role", ROLES)
def test_api_roles(made, api, role):
    client = api(role)
    for method, path, body, allowed in api_routes(made["a"]):
        response = client.get(path) if method == "GET" else client.post(path, json=body)
        if role in allowed:
            assert response.status_code not in (401, 403, 404), (method, path, response.status_code)
        else:
            assert response.status_code == 403, (method, path, response.status_code)


def test_api_needs_a_token_and_other_parish_is_not_found(made, api, client):
    for method, path, body, _allowed in api_routes(made["a"]):
        response = client.get(path) if method == "GET" else client.post(path, json=body)
        assert response.status_code == 401, (method, path)
    staff = api("staff")
    for method, path, body, _allowed in api_routes(made["b"])[1:]:
        response = staff.get(path) if method == "GET" else staff.post(path, json=body)
        assert response.status_code == 404, (method, path, response.status_code)
