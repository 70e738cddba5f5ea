"""POST /api/v1/families/imports (preview) and /confirm, the templates (api.md)."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from tests.api.conftest import assert_problem
from tests.families import helpers
from tests.imports import files
from voucher.families.models import Family
from voucher.imports.models import FamilyImport
from voucher.programs.models import Enrolment


def upload(api, data: bytes, name: str = "familias.xlsx", **fields):
    body, content_type = files.multipart(data, name, **fields)
    return api.client.post(
        "/api/v1/families/imports", data=body, headers=api.headers(), content_type=content_type
    )


def count_families(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Family))


def test_preview_lists_each_problem_with_its_line_and_writes_no_family(as_role, db):
    staff = as_role("staff")
    before = count_families(db)
    response = upload(staff, files.xlsx(files.mixed_rows()))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "preview"
    assert body["counts"] == {"create": 2, "update": 0, "skip": 0, "reject": 5, "flag": 0}
    reasons = {row["line"]: (row["action"], row["reason_code"]) for row in body["rows"]}
    assert reasons == {
        3: ("reject", "invalid_document"),
        4: ("reject", "missing_name"),
        5: ("reject", "invalid_household_size"),
        6: ("reject", "missing_consent"),
        7: ("reject", "duplicate_in_file"),
    }
    messages = {row["line"]: row["message"] for row in body["rows"]}
    assert "debería ser 5" in messages[3]
    assert "tres" in messages[5]
    assert "línea 2" in messages[7]
    assert count_families(db) == before


def test_confirm_writes_exactly_the_accepted_rows_and_enrols_them(as_role, db, world):
    program = helpers.program(db, world)
    staff = as_role("staff")
    preview = upload(staff, files.xlsx(files.mixed_rows()), program_id=program.id).get_json()
    before = count_families(db)
    response = staff.post(f"/api/v1/families/imports/{preview['id']}/confirm", json={})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {
        "id": preview["id"],
        "status": "done",
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "enrolled": 2,
    }
    names = set(db.session.scalars(sa.select(Family.head_name)))
    assert {"María Núñez Soto", "Rosa Díaz"} <= names
    assert count_families(db) == before + 2
    enrolled = db.session.scalar(
        sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.program_id == program.id)
    )
    assert enrolled == 2
    (event,) = helpers.audit_actions(db, "families_imported")
    assert '"created": 2' in event.detail and preview["sha256"] in event.detail
    again = staff.post(f"/api/v1/families/imports/{preview['id']}/confirm", json={})
    assert_problem(again, 409, "already_confirmed")


def test_the_same_file_twice_creates_nothing_new(as_role, db):
    staff = as_role("staff")
    data = files.xlsx([files.HEADER, *files.family_rows(5)])
    first = upload(staff, data).get_json()
    staff.post(f"/api/v1/families/imports/{first['id']}/confirm", json={})
    before = count_families(db)
    second = upload(staff, data).get_json()
    assert second["counts"] == {"create": 0, "update": 0, "skip": 5, "reject": 0, "flag": 0}
    assert {row["reason_code"] for row in second["rows"]} == {"already_registered"}
    assert second["same_file_import_id"] == first["id"]
    done = staff.post(f"/api/v1/families/imports/{second['id']}/confirm", json={}).get_json()
    assert done["created"] == 0 and done["skipped"] == 5
    assert count_families(db) == before


def test_a_possible_duplicate_is_flagged_and_imported_only_when_accepted(as_role, db, world):
    helpers.family(db, world, "María Núñez Soto", address="Pasaje Los Aromos 12")
    staff = as_role("staff")
    rows = [
        files.HEADER,
        ["Maria Nunez Soto", files.rut_for(91), "pasaje los aromos 12", "", "2", "", "sí"],
        ["Pedro Rojas Díaz", files.rut_for(92), "Pasaje Los Aromos 12", "", "2", "", "sí"],
    ]
    body = upload(staff, files.xlsx(rows)).get_json()
    assert body["counts"]["flag"] == 1 and body["counts"]["create"] == 1
    (flagged,) = body["rows"]
    assert (flagged["line"], flagged["action"], flagged["reason_code"]) == (
        2,
        "flag",
        "possible_duplicate",
    )
    before = count_families(db)
    done = staff.post(
        f"/api/v1/families/imports/{body['id']}/confirm", json={"accept_lines": [2]}
    ).get_json()
    assert done["created"] == 2
    assert count_families(db) == before + 2


def test_consent_attested_for_the_whole_file_accepts_rows_without_the_column(as_role, db):
    staff = as_role("staff")
    rows = [["Nombre", "RUT"], ["Ana Soto", files.rut_for(41)], ["Luis Soto", files.rut_for(42)]]
    refused = upload(staff, files.xlsx(rows)).get_json()
    assert refused["counts"]["reject"] == 2
    assert {r["reason_code"] for r in refused["rows"]} == {"missing_consent"}
    body = upload(staff, files.xlsx(rows), consent_attested=True).get_json()
    assert body["counts"]["create"] == 2
    staff.post(f"/api/v1/families/imports/{body['id']}/confirm", json={})
    imp = db.session.get(FamilyImport, body["id"])
    assert imp.consent_attested and imp.consent_attested_on is not None


def test_bad_files_get_a_clear_problem(as_role, db):
    staff = as_role("staff")
    before = count_families(db)
    empty = assert_problem(upload(staff, b"", "vacio.csv"), 422, "unreadable_file")
    assert "vacío" in empty["detail"]
    pdf = assert_problem(upload(staff, b"%PDF-1.4\x00\x01\x02" * 50, "a.pdf"), 422)
    assert pdf["reason"] == "unreadable_file"
    broken = assert_problem(upload(staff, b"PK\x03\x04garbage" * 10, "a.xlsx"), 422)
    assert broken["reason"] == "unreadable_file"
    big = upload(staff, b"a;b\n" + b"x" * (5 * 1024 * 1024 + 10), "grande.csv")
    assert_problem(big, 413, "file_too_large")
    assert count_families(db) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FamilyImport)) == 0


def test_another_parish_cannot_confirm(as_role, db):
    preview = upload(as_role("staff"), files.xlsx([files.HEADER, *files.family_rows(1)])).get_json()
    other = as_role("other_staff")
    assert_problem(other.post(f"/api/v1/families/imports/{preview['id']}/confirm", json={}), 404)


def test_templates_carry_the_expected_headers(as_role):
    staff = as_role("staff")
    response = staff.get("/api/v1/families/imports/template.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    header = [c.value for c in book.active[1]]
    assert header[:2] == ["Nombre jefa o jefe de hogar", "RUT o documento"]
    text = staff.get("/api/v1/families/imports/template.csv").get_data(as_text=True)
    assert text.lstrip("\ufeff").startswith("Nombre jefa o jefe de hogar;RUT o documento")
    # The template, filled in as it comes, previews as one family to create.
    assert upload(staff, response.data, "plantilla.xlsx").get_json()["counts"]["create"] == 1


def test_an_already_registered_family_is_updated_only_on_confirm(as_role, db, world):
    family = helpers.family(
        db, world, "Ana Soto", rut=files.rut_for(61), address="Calle Vieja 1", phone=""
    )
    staff = as_role("staff")
    rows = [files.HEADER, ["Ana Soto", files.rut_for(61), "Calle Nueva 2", "", "4", "", "sí"]]
    body = upload(staff, files.xlsx(rows)).get_json()
    assert body["counts"]["update"] == 1
    (row,) = body["rows"]
    assert (row["action"], row["reason_code"], row["existing_id"]) == (
        "update",
        "already_registered",
        family.id,
    )
    db.session.refresh(family)
    assert family.address == "Calle Vieja 1" and family.household_size == 1
    done = staff.post(f"/api/v1/families/imports/{body['id']}/confirm", json={}).get_json()
    assert (done["created"], done["updated"]) == (0, 1)
    db.session.refresh(family)
    assert family.address == "Calle Nueva 2" and family.household_size == 4


def test_a_preview_past_its_day_cannot_be_confirmed(as_role, db):
    from datetime import UTC, datetime

    staff = as_role("staff")
    body = upload(staff, files.xlsx([files.HEADER, *files.family_rows(2)])).get_json()
    imp = db.session.get(FamilyImport, body["id"])
    imp.expires_at = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.commit()
    before = count_families(db)
    response = staff.post(f"/api/v1/families/imports/{body['id']}/confirm", json={})
    assert_problem(response, 409, "expired")
    assert count_families(db) == before


def test_a_total_equal_to_the_known_household_is_not_an_update(as_role, db, world):
    helpers.family(
        db, world, "Ana Soto", rut=files.rut_for(62), household_adults=2, household_children=3
    )
    rows = [files.HEADER, ["Ana Soto", files.rut_for(62), "", "", "5", "", "sí"]]
    body = upload(as_role("staff"), files.xlsx(rows)).get_json()
    assert body["counts"]["skip"] == 1 and body["counts"]["update"] == 0
