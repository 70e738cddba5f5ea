"""The admin's shop pages, shop accounts and the parish's user accounts; the shops API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from voucher.auth.models import Role, User
from voucher.shops.models import Shop, ShopParish


def page(response) -> str:
    return response.get_data(as_text=True)


SHOP = {
    "name": "Almacén Rosita",
    "rut": "76.086.428-5",
    "owner_name": "Rosa Muñoz",
    "address": "Pasaje 3 #123",
    "phone": "+56 9 1234 5678",
    "food": "y",
    "payment_details": "BancoEstado, CuentaRUT 76086428",
}


def enrolled(db, shop_id: int, parish_id: int) -> bool | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(ShopParish.active).where(
            ShopParish.shop_id == shop_id, ShopParish.parish_id == parish_id
        )
    )


def test_list_shows_enrolled_shops_and_their_state(login_as, world):
    html = page(login_as("admin").get("/shops/"))
    assert world.shops["a"].name in html and world.shops["b"].name not in html
    assert "Adherido" in html
    assert f"/shops/{world.shops['a'].id}" in html


def test_create_shop_enrols_it_in_the_parish(login_as, db, world):
    response = login_as("admin").post("/shops/new", data=SHOP)
    assert response.status_code == 302
    shop = db.session.scalar(sa.select(Shop).where(Shop.rut == "76086428-5"))
    assert shop.name == "Almacén Rosita" and shop.categories == ["food"]
    assert shop.payment_details.startswith("BancoEstado")
    assert enrolled(db, shop.id, world.parishes["a"].id) is True
    assert response.location.endswith(f"/shops/{shop.id}")


def test_bad_rut_and_no_category_are_shown_next_to_their_fields(login_as, db):
    data = dict(SHOP, rut="76.086.428-6")
    data.pop("food")
    response = login_as("admin").post("/shops/new", data=data)
    html = page(response)
    assert response.status_code == 422
    assert "RUT inválido: el dígito verificador debería ser 5." in html
    assert "Elija al menos una categoría: Alimentos o Higiene." in html
    assert 'value="Almacén Rosita"' in html and 'value="76.086.428-6"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Shop)) == 2


def test_existing_rut_offers_to_enrol_the_shop_instead(login_as, world):
    other = world.shops["b"]
    html = page(login_as("admin").post("/shops/new", data=dict(SHOP, rut=other.rut)))
    assert "Ya existe un comercio con ese RUT." in html
    assert f"Pedir adherir {other.name}" in html


def test_ask_to_join_a_shop_of_another_parish_by_rut(login_as, db, world):
    admin = login_as("admin")
    other = world.shops["b"]
    response = admin.post("/shops/enrol", data={"rut": other.rut.replace("-", "")})
    assert response.status_code == 302
    assert enrolled(db, other.id, world.parishes["a"].id) is None  # waits for the shop
    waiting = page(admin.get("/shops/"))
    assert f"{other.name}: esperando respuesta" in waiting
    keeper = login_as("shopkeeper", "b")
    asks = page(keeper.get("/shops/requests"))
    assert "Parroquia Jesús Maestro pide que" in asks
    request_id = int(asks.split("/shops/requests/")[1].split("/")[0])
    assert keeper.post(f"/shops/requests/{request_id}/accept").status_code == 302
    assert enrolled(db, other.id, world.parishes["a"].id) is True
    assert enrolled(db, other.id, world.parishes["b"].id) is True  # still in its parish too
    again = admin.post("/shops/enrol", data={"rut": other.rut})
    assert again.status_code == 422
    assert "El comercio ya está adherido a esta parroquia." in page(again)
    nobody = admin.post("/shops/enrol", data={"rut": factories.rut_for(99999)})
    assert "No hay ningún comercio registrado con ese RUT." in page(nobody)


def test_edit_shop(login_as, db, world):
    shop = world.shops["a"]
    admin = login_as("admin")
    form = page(admin.get(f"/shops/{shop.id}/edit"))
    assert f'value="{shop.name}"' in form
    data = dict(SHOP, rut=shop.rut, name="Almacén Nuevo", hygiene="y")
    assert admin.post(f"/shops/{shop.id}/edit", data=data).status_code == 302
    db.session.refresh(shop)
    assert shop.name == "Almacén Nuevo" and shop.categories == ["food", "hygiene"]


def test_pause_and_resume_the_enrolment(login_as, db, world):
    shop, parish = world.shops["a"], world.parishes["a"]
    admin = login_as("admin")
    admin.post(f"/shops/{shop.id}/enrolment", data={"active": "0"})
    assert enrolled(db, shop.id, parish.id) is False
    assert "En pausa" in page(admin.get("/shops/"))
    admin.post(f"/shops/{shop.id}/enrolment", data={"active": "1"})
    assert enrolled(db, shop.id, parish.id) is True


def test_shop_accounts_are_created_on_the_shop_page(login_as, app, db, world):
    shop = world.shops["a"]
    admin = login_as("admin")
    short = admin.post(
        f"/shops/{shop.id}/shopkeepers",
        data={"name": "Pedro", "email": "pedro@example.cl", "password": "corta"},
    )
    assert short.status_code == 422
    assert "La contraseña debe tener al menos 10 caracteres." in page(short)
    response = admin.post(
        f"/shops/{shop.id}/shopkeepers",
        data={"name": "Pedro", "email": "Pedro@Example.cl", "password": "una-clave-larga"},
    )
    assert response.status_code == 302
    keeper = db.session.scalar(sa.select(User).where(User.email == "pedro@example.cl"))
    assert keeper.role == Role.SHOPKEEPER and keeper.shop_id == shop.id
    assert "pedro@example.cl" in page(admin.get(f"/shops/{shop.id}"))
    taken = admin.post(
        f"/shops/{shop.id}/shopkeepers",
        data={"name": "Otro", "email": "pedro@example.cl", "password": "una-clave-larga"},
    )
    assert "Ya existe un usuario con ese correo." in page(taken)
    phone = app.test_client()
    phone.post("/login", data={"email": "pedro@example.cl", "password": "una-clave-larga"})
    assert phone.get("/shops/scan").status_code == 200


def test_another_parish_shop_is_not_found(login_as, world):
    admin = login_as("admin")
    other = world.shops["b"].id
    assert admin.get(f"/shops/{other}").status_code == 404
    assert admin.get(f"/shops/{other}/edit").status_code == 404
    response = admin.post(f"/shops/{other}/enrolment", data={"active": "0"})
    assert response.status_code == 404


def test_users_page_lists_and_creates_parish_accounts(login_as, db, world):
    admin = login_as("admin")
    html = page(admin.get("/users"))
    assert world.users[("a", "treasurer")].email in html
    assert world.users[("b", "treasurer")].email not in html
    # who has access includes the accounts of the shops the parish registered, not others'
    assert world.users[("a", "shopkeeper")].email in html
    assert world.users[("b", "shopkeeper")].email not in html
    assert 'value="shopkeeper"' not in html  # shop accounts are made on the shop's page
    response = admin.post(
        "/users",
        data={
            "name": "Ana",
            "email": "ana@example.cl",
            "role": "treasurer",
            "password": "otra-clave-larga",
        },
    )
    assert response.status_code == 302
    ana = db.session.scalar(sa.select(User).where(User.email == "ana@example.cl"))
    assert ana.role == Role.TREASURER and ana.parish_id == world.parishes["a"].id
    refused = admin.post(
        "/users",
        data={
            "name": "X",
            "email": "x@example.cl",
            "role": "shopkeeper",
            "password": "otra-clave-larga",
        },
    )
    assert refused.status_code == 422
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.cl")) is None
    assert login_as("staff").get("/users").status_code == 403


# --- API ---------------------------------------------------------------------------------


API_SHOP = {"name": "Botillería Sur", "rut": "76.086.428-5", "categories": ["hygiene"]}


def test_api_create_shop(api, db, world):
    response = api("admin").post("/api/v1/shops", json=API_SHOP)
    assert response.status_code == 201
    body = response.get_json()
    assert body == {
        "id": body["id"],
        "name": "Botillería Sur",
        "rut": "76086428-5",
        "categories": ["hygiene"],
        "owner_name": "",
        "address": "",
        "phone": "",
        "active": True,
        "owned": True,
    }
    assert enrolled(db, body["id"], world.parishes["a"].id) is True


def test_api_create_shop_refusals(api, world):
    admin = api("admin")
    bad = admin.post("/api/v1/shops", json=dict(API_SHOP, rut="76.086.428-6"))
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "rut"
    none = admin.post("/api/v1/shops", json=dict(API_SHOP, categories=[]))
    assert none.status_code == 422
    wrong = admin.post("/api/v1/shops", json=dict(API_SHOP, categories=["alcohol"]))
    assert wrong.status_code == 422
    taken = admin.post("/api/v1/shops", json=dict(API_SHOP, rut=world.shops["b"].rut))
    assert taken.status_code == 409
    assert taken.get_json()["existing_id"] == world.shops["b"].id
    assert api("staff").post("/api/v1/shops", json=API_SHOP).status_code == 403


@pytest.mark.parametrize("role", ["admin", "treasurer"])
def test_api_list_parish_shops(api, world, role):
    body = api(role).get("/api/v1/shops").get_json()
    assert [s["id"] for s in body["items"]] == [world.shops["a"].id]
    assert body["next"] is None


def test_api_list_refused_to_other_roles(api):
    assert api("staff").get("/api/v1/shops").status_code == 403
    assert api("shopkeeper").get("/api/v1/shops").status_code == 403


def test_api_enrolment(api, db, world):
    admin = api("admin")
    other = world.shops["b"].id
    response = admin.post(f"/api/v1/shops/{other}/enrolment", json={})
    assert response.status_code == 202
    body = response.get_json()
    assert body == {
        "shop_id": other,
        "parish": {"slug": "jesus-maestro", "name": "Parroquia Jesús Maestro"},
        "active": False,
        "status": "pending",
        "request_id": body["request_id"],
    }
    same = admin.post(f"/api/v1/shops/{other}/enrolment", json={})
    assert same.status_code == 202 and same.get_json()["request_id"] == body["request_id"]
    assert enrolled(db, other, world.parishes["a"].id) is None
    keeper = api("shopkeeper", "b")
    waiting = keeper.get("/api/v1/shops/join-requests").get_json()["items"]
    assert [(r["id"], r["parish"]["slug"], r["status"]) for r in waiting] == [
        (body["request_id"], "jesus-maestro", "pending")
    ]
    accepted = keeper.post(f"/api/v1/shops/join-requests/{body['request_id']}/accept", json={})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert enrolled(db, other, world.parishes["a"].id) is True
    again = admin.post(f"/api/v1/shops/{other}/enrolment", json={})
    assert again.status_code == 409 and again.get_json()["reason"] == "already_enrolled"
    assert admin.post("/api/v1/shops/999999/enrolment", json={}).status_code == 404
