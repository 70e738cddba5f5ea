"""Familias → Importar on the web: upload, preview (nothing written), confirm; the CLI."""

from __future__ import annotations

import io

import sqlalchemy as sa

from tests.families import helpers
from tests.imports import files
from voucher.families.models import Family


def count_families(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Family))


def post_file(client, data: bytes, name: str, **fields):
    form = {"file": (io.BytesIO(data), name), **fields}
    return client.post("/families/import/", data=form, content_type="multipart/form-data")


def test_upload_preview_confirm_on_the_web(login_as, db, world):
    program = helpers.program(db, world)
    staff = login_as("staff")
    page = staff.get("/families/").get_data(as_text=True)
    assert "Importar desde una planilla" in page
    data = files.csv_bytes(files.mixed_rows(), sep=";", encoding="cp1252")
    before = count_families(db)
    response = post_file(staff, data, "familias.csv", program_id=str(program.id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "Se registrarán: 2" in preview
    assert "Rechazadas: 5" in preview
    assert "el dígito verificador debería ser 5" in preview
    assert count_families(db) == before
    rejected = staff.get(response.headers["Location"].rstrip("/") + "/rejected.csv")
    text = rejected.get_data(as_text=True).lstrip("\ufeff")
    assert text.splitlines()[0].endswith(";motivo")
    assert len(text.splitlines()) == 6
    confirm = staff.post(response.headers["Location"] + "/confirm", data={})
    assert confirm.status_code == 302
    done = staff.get(confirm.headers["Location"]).get_data(as_text=True)
    assert "Importación confirmada" in done
    assert "Familias registradas: 2" in done
    assert count_families(db) == before + 2


def test_a_bad_file_is_explained_next_to_the_field(login_as, db):
    staff = login_as("staff")
    response = post_file(staff, b"%PDF-1.4\x00\x00\x00" * 40, "boleta.pdf")
    assert response.status_code == 200
    assert "no es una planilla .xlsx ni un .csv" in response.get_data(as_text=True)
    empty = post_file(staff, b"", "vacio.csv")
    assert "Elija el archivo" in empty.get_data(as_text=True) or "vacío" in empty.get_data(
        as_text=True
    )


def test_templates_download_on_the_web(login_as):
    staff = login_as("staff")
    assert staff.get("/families/import/template.xlsx").status_code == 200
    assert "RUT o documento" in staff.get("/families/import/template.csv").get_data(as_text=True)


def test_cli_import_previews_confirms_and_fails_when_nothing_is_imported(app, db, world, tmp_path):
    path = tmp_path / "familias.xlsx"
    path.write_bytes(files.xlsx([files.HEADER, *files.family_rows(3)]))
    runner = app.test_cli_runner()
    slug = world.parishes["a"].slug
    dry = runner.invoke(args=["families", "import", str(path), "--parish", slug, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "create 3" in dry.output
    before = count_families(db)
    done = runner.invoke(args=["families", "import", str(path), "--parish", slug])
    assert done.exit_code == 0, done.output
    assert "created 3" in done.output
    assert count_families(db) == before + 3
    again = runner.invoke(args=["families", "import", str(path), "--parish", slug])
    assert again.exit_code != 0
    assert "skip 3" in again.output
    assert count_families(db) == before + 3


def test_a_possible_duplicate_links_to_the_family_already_registered(login_as, db, world):
    first = helpers.family(db, world, "María Núñez Soto", address="Pasaje Los Aromos 12")
    staff = login_as("staff")
    rows = [
        files.HEADER,
        ["Maria Nunez Soto", files.rut_for(95), "Pasaje Los Aromos 12", "", "2", "", "sí"],
    ]
    response = post_file(staff, files.xlsx(rows), "f.xlsx")
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/families/{first.id}"' in page
    assert "Es otra familia: importarla igual" in page
