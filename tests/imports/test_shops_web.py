"""Comercios → Importar desde una planilla: upload, preview (nothing written), confirm."""

from __future__ import annotations

import io

import sqlalchemy as sa

from tests import factories
from tests.imports import files, shop_files
from voucher.shops.models import Shop


def count_shops(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Shop))


def post_file(client, data: bytes, name: str):
    form = {"file": (io.BytesIO(data), name)}
    return client.post("/shops/import/", data=form, content_type="multipart/form-data")


def test_upload_preview_confirm_on_the_web(login_as, db):
    admin = login_as("admin")
    page = admin.get("/shops/").get_data(as_text=True)
    assert "Importar desde una planilla" in page
    data = files.csv_bytes(shop_files.mixed_rows(), sep=";", encoding="cp1252")
    before = count_shops(db)
    response = post_file(admin, data, "comercios.csv")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Se registrarán: 2" in preview
    assert "Rechazadas: 4" in preview
    assert "el dígito verificador debería ser 5" in preview
    assert "Horario" in preview  # the column not recognised, shown as ignored
    assert count_shops(db) == before
    rejected = admin.get(response.headers["Location"] + "/rejected.csv")
    text = rejected.get_data(as_text=True).lstrip("\ufeff")
    assert text.splitlines()[0].endswith(";motivo")
    assert len(text.splitlines()) == 5
    confirm = admin.post(response.headers["Location"] + "/confirm", data={})
    assert confirm.status_code == 302
    done = admin.get(confirm.headers["Location"]).get_data(as_text=True)
    assert "Importación confirmada" in done
    assert "Comercios registrados y adheridos a la parroquia: 2" in done
    assert count_shops(db) == before + 2
    listed = admin.get("/shops/").get_data(as_text=True)
    assert "Almacén Ñandú 1" in listed


def test_another_parish_shop_offers_to_ask_to_join_without_naming_it(login_as, db, world):
    theirs = factories.shop(db.session, world.parishes["b"], rut=files.rut_for(7401))
    db.session.commit()
    admin = login_as("admin")
    rows = [shop_files.HEADER, shop_files.shop_row(1, rut=files.rut_for(7401))]
    response = post_file(admin, files.xlsx(rows), "c.xlsx")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "ya está registrado por otra parroquia" in page
    assert "Pedir adherirse a este comercio" in page
    assert world.parishes["b"].name not in page and theirs.name not in page


def test_a_bad_file_is_explained_and_staff_cannot_import_shops(login_as):
    admin = login_as("admin")
    response = post_file(admin, b"%PDF-1.4\x00\x00\x00" * 40, "boleta.pdf")
    assert response.status_code == 200
    assert "no es una planilla .xlsx ni un .csv" in response.get_data(as_text=True)
    assert "Nombre de fantasía" in admin.get("/shops/import/template.csv").get_data(as_text=True)
    assert admin.get("/shops/import/template.xlsx").status_code == 200
    staff = login_as("staff")
    assert staff.get("/shops/import/").status_code == 403
