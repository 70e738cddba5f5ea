"""POST /api/v1/shops/imports (preview) and /confirm (api.md): a parish brings in the
shops it already works with from its spreadsheet."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from tests import factories
from tests.api.conftest import Api, assert_problem
from tests.families import helpers
from tests.imports import files, shop_files
from voucher.auth.services import create_token
from voucher.shops.import_models import ShopImport
from voucher.shops.models import Shop, ShopJoinRequest, ShopParish


def upload(api, data: bytes, name: str = "comercios.xlsx"):
    body, content_type = files.multipart(data, name)
    return api.client.post(
        "/api/v1/shops/imports", data=body, headers=api.headers(), content_type=content_type
    )


def confirm(api, import_id: int, **body):
    return api.post(f"/api/v1/shops/imports/{import_id}/confirm", json=body)


def count_shops(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Shop))


def test_preview_lists_each_problem_with_its_line_and_writes_no_shop(as_role, db):
    admin = as_role("admin")
    before = count_shops(db)
    response = upload(admin, files.xlsx(shop_files.mixed_rows()))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "preview" and body["expires_at"]
    assert body["counts"] == {"create": 2, "update": 0, "skip": 0, "reject": 4, "flag": 0}
    reasons = {row["line"]: (row["action"], row["reason_code"]) for row in body["rows"]}
    assert reasons == {
        3: ("reject", "invalid_document"),
        4: ("reject", "missing_name"),
        5: ("reject", "invalid_value"),
        6: ("reject", "duplicate_in_file"),
    }
    messages = {row["line"]: row["message"] for row in body["rows"]}
    assert "debería ser 5" in messages[3]
    assert "ferretería" in messages[5]
    assert "línea 2" in messages[6]
    assert body["unknown_columns"] == ["Horario"]
    assert count_shops(db) == before


def test_confirm_creates_owns_and_enrols_exactly_the_accepted_shops(as_role, db, world):
    admin = as_role("admin")
    preview = upload(admin, files.xlsx(shop_files.mixed_rows())).get_json()
    before = count_shops(db)
    response = confirm(admin, preview["id"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {
        "id": preview["id"],
        "status": "done",
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "enrolled": 2,
    }
    assert count_shops(db) == before + 2
    parish = world.parishes["a"]
    first = db.session.scalar(sa.select(Shop).where(Shop.rut == files.rut_for(7001)))
    assert first.name == "Almacén Ñandú 1" and first.owner_name == "José Peña"
    assert (first.accepts_food, first.accepts_hygiene) == (True, True)
    assert (first.bank_name, first.account_type, first.account_number) == (
        "BancoEstado",
        "corriente",
        "00000001",
    )
    assert first.payment_email == "tienda1@example.cl"
    assert first.owner_parish_id == parish.id
    hygiene = db.session.scalar(sa.select(Shop).where(Shop.rut == files.rut_for(7006)))
    assert (hygiene.accepts_food, hygiene.accepts_hygiene) == (False, True)
    links = db.session.scalars(
        sa.select(ShopParish).where(ShopParish.shop_id.in_([first.id, hygiene.id]))
    ).all()
    assert {(link.parish_id, link.active) for link in links} == {(parish.id, True)}
    (event,) = helpers.audit_actions(db, "shops_imported")
    assert '"created": 2' in event.detail and preview["sha256"] in event.detail
    assert "comercios.xlsx" in event.detail
    assert len(helpers.audit_actions(db, "shop_created")) >= 2
    assert_problem(confirm(admin, preview["id"]), 409, "already_confirmed")


def test_a_windows_csv_with_semicolons_imports_the_same(as_role, db):
    admin = as_role("admin")
    rows = [
        ["Comercio", "R.U.T.", "Propietario", "Categorías", "Tipo cuenta"],
        ["Panadería Ñuñoa", files.rut_for(7101), "Inés Muñoz", "alimentos", "CuentaRUT"],
        ["Farmacia Peñalolén", files.rut_for(7102), "", "HIGIENE", ""],
    ]
    data = files.csv_bytes(rows, encoding="cp1252")
    body = upload(admin, data, "comercios.csv").get_json()
    assert body["counts"]["create"] == 2, body
    confirm(admin, body["id"])
    bakery = db.session.scalar(sa.select(Shop).where(Shop.rut == files.rut_for(7101)))
    assert (bakery.name, bakery.owner_name, bakery.account_type) == (
        "Panadería Ñuñoa",
        "Inés Muñoz",
        "rut",
    )
    assert (bakery.accepts_food, bakery.accepts_hygiene) == (True, False)


def test_the_same_file_twice_creates_nothing_new(as_role, db):
    admin = as_role("admin")
    data = files.xlsx([shop_files.HEADER, *(shop_files.shop_row(n) for n in range(1, 6))])
    first = upload(admin, data).get_json()
    confirm(admin, first["id"])
    before = count_shops(db)
    second = upload(admin, data).get_json()
    assert second["counts"] == {"create": 0, "update": 0, "skip": 5, "reject": 0, "flag": 0}
    assert {row["reason_code"] for row in second["rows"]} == {"already_registered"}
    assert second["same_file_import_id"] == first["id"]
    done = confirm(admin, second["id"]).get_json()
    assert (done["created"], done["updated"], done["skipped"]) == (0, 0, 5)
    assert count_shops(db) == before


def test_a_shop_of_the_parish_is_updated_where_the_file_says_something_new(as_role, db, world):
    shop = factories.shop(db.session, world.parishes["a"], rut=files.rut_for(7201))
    db.session.commit()
    admin = as_role("admin")
    rows = [
        ["Nombre", "RUT", "Teléfono", "Categorías", "Banco", "N° de cuenta"],
        [shop.name, files.rut_for(7201), "+56 2 2222 3333", "ambos", "Banco de Chile", ""],
    ]
    body = upload(admin, files.xlsx(rows)).get_json()
    assert body["counts"]["update"] == 1
    (row,) = body["rows"]
    assert (row["action"], row["reason_code"], row["existing_id"]) == (
        "update",
        "already_registered",
        shop.id,
    )
    assert "teléfono" in row["message"] and "banco" in row["message"]
    db.session.refresh(shop)
    assert shop.phone == ""
    done = confirm(admin, body["id"]).get_json()
    assert (done["created"], done["updated"]) == (0, 1)
    db.session.refresh(shop)
    assert (shop.phone, shop.bank_name) == ("+56 2 2222 3333", "Banco de Chile")
    assert helpers.audit_actions(db, "shop_payment_details_changed", shop.id)


def test_another_parish_rut_is_flagged_without_its_name_and_only_asks_to_join(as_role, db, world):
    theirs = factories.shop(db.session, world.parishes["b"], rut=files.rut_for(7301))
    db.session.commit()
    admin = as_role("admin")
    rows = [shop_files.HEADER, shop_files.shop_row(1, rut=files.rut_for(7301))]
    response = upload(admin, files.xlsx(rows))
    body = response.get_json()
    assert body["counts"] == {"create": 0, "update": 0, "skip": 0, "reject": 0, "flag": 1}
    (row,) = body["rows"]
    assert (row["line"], row["action"], row["reason_code"]) == (
        2,
        "flag",
        "registered_in_other_parish",
    )
    assert "otra parroquia" in row["message"] and "adherirse" in row["message"]
    text = response.get_data(as_text=True)
    assert world.parishes["b"].name not in text and theirs.name not in text
    assert row.get("existing_id") is None
    # Not listed: nothing happens to it.
    skipped = confirm(admin, body["id"]).get_json()
    assert (skipped["created"], skipped["enrolled"], skipped["skipped"]) == (0, 0, 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ShopJoinRequest)) == 0
    # Listed: the parish asks to join; it is not enrolled until the shop accepts.
    again = upload(admin, files.xlsx(rows)).get_json()
    done = confirm(admin, again["id"], accept_lines=[2]).get_json()
    assert (done["created"], done["enrolled"]) == (0, 0)
    (asked,) = db.session.scalars(sa.select(ShopJoinRequest)).all()
    assert (asked.shop_id, asked.parish_id) == (theirs.id, world.parishes["a"].id)
    linked = db.session.scalar(
        sa.select(ShopParish).where(
            ShopParish.shop_id == theirs.id, ShopParish.parish_id == world.parishes["a"].id
        )
    )
    assert linked is None


def test_bad_files_get_a_clear_problem_and_write_nothing(as_role, db):
    admin = as_role("admin")
    before = count_shops(db)
    assert_problem(upload(admin, b"", "vacio.csv"), 422, "unreadable_file")
    families_file = files.xlsx([["Jefe de hogar", "Integrantes"], ["Ana", "3"]])
    missing = assert_problem(upload(admin, families_file), 422, "unreadable_file")
    assert "RUT" in missing["detail"]
    big = upload(admin, b"a;b\n" + b"x" * (5 * 1024 * 1024 + 10), "grande.csv")
    assert_problem(big, 413, "file_too_large")
    assert count_shops(db) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ShopImport)) == 0


def test_only_an_admin_of_the_same_parish_imports_shops(as_role, app, db, world):
    data = files.xlsx([shop_files.HEADER, shop_files.shop_row(1)])
    for role in ("staff", "treasurer", "shopkeeper"):
        assert_problem(upload(as_role(role), data), 403)
    preview = upload(as_role("admin"), data).get_json()
    for role in ("staff", "treasurer"):
        assert_problem(confirm(as_role(role), preview["id"]), 403)
    _row, token = create_token(db.session, world.users[("b", "admin")], "pruebas")
    db.session.commit()
    other = Api(app.test_client(), token)
    assert_problem(confirm(other, preview["id"]), 404)
    assert db.session.get(ShopImport, preview["id"]).status.value == "preview"


def test_templates_carry_the_shop_headers_and_preview_as_one_shop(as_role):
    admin = as_role("admin")
    response = admin.get("/api/v1/shops/imports/template.xlsx")
    assert response.status_code == 200
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(response.data)).active[1]]
    assert header[:3] == ["Nombre de fantasía", "RUT", "Dueño(a)"]
    text = admin.get("/api/v1/shops/imports/template.csv").get_data(as_text=True)
    assert text.lstrip("\ufeff").startswith("Nombre de fantasía;RUT;Dueño(a)")
    assert upload(admin, response.data, "plantilla.xlsx").get_json()["counts"]["create"] == 1


def test_a_shop_registered_between_preview_and_confirm_is_not_duplicated(as_role, db, world):
    admin = as_role("admin")
    rows = [shop_files.HEADER, shop_files.shop_row(1), shop_files.shop_row(2)]
    body = upload(admin, files.xlsx(rows)).get_json()
    assert body["counts"]["create"] == 2
    factories.shop(db.session, world.parishes["a"], rut=files.rut_for(7002))
    db.session.commit()
    before = count_shops(db)
    done = confirm(admin, body["id"]).get_json()
    # The shop registered meanwhile gets what the file says that it did not.
    assert (done["created"], done["updated"], done["enrolled"]) == (1, 1, 1)
    assert count_shops(db) == before + 1


def test_a_preview_past_its_day_cannot_be_confirmed(as_role, db):
    from datetime import UTC, datetime

    admin = as_role("admin")
    body = upload(admin, files.xlsx([shop_files.HEADER, shop_files.shop_row(1)])).get_json()
    imp = db.session.get(ShopImport, body["id"])
    imp.expires_at = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.commit()
    before = count_shops(db)
    assert_problem(confirm(admin, body["id"]), 409, "expired")
    assert count_shops(db) == before
    # The next upload forgets the expired preview's file.
    upload(admin, files.xlsx([shop_files.HEADER, shop_files.shop_row(2)]))
    db.session.expire_all()
    assert db.session.get(ShopImport, body["id"]).content is None


def test_a_shop_the_parish_joined_is_skipped_and_left_to_its_owner(as_role, db, world):
    from voucher.shops.services import link_shop

    theirs = factories.shop(db.session, world.parishes["b"], rut=files.rut_for(7501))
    link_shop(db.session, theirs, world.parishes["a"].id)
    db.session.commit()
    admin = as_role("admin")
    rows = [shop_files.HEADER, shop_files.shop_row(1, rut=files.rut_for(7501))]
    body = upload(admin, files.xlsx(rows)).get_json()
    assert body["counts"] == {"create": 0, "update": 0, "skip": 1, "reject": 0, "flag": 0}
    assert body["rows"][0]["reason_code"] == "already_registered"
    confirm(admin, body["id"])
    db.session.refresh(theirs)
    assert theirs.address == "" and theirs.bank_name == ""
