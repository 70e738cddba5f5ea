"""A document registered in another parish of the deployment: registration and import say
so ("también está inscrito en otra parroquia de la diócesis") without that parish, its
family or its data appearing anywhere; the check is audited; a setting turns it off."""

from __future__ import annotations

import io

import pytest

from tests.factories import rut_for
from tests.families import helpers
from tests.imports import files

ELSEWHERE = "también está inscrito en otra parroquia de la diócesis"
RUT = rut_for(777)


@pytest.fixture
def registered_in_b(db, world):
    return helpers.family(
        db, world, "Teresa Quiroga Lagos", parish="b", rut=RUT, address="Los Boldos 99"
    )


def _leaks(text: str, world) -> list[str]:
    other = world.parishes["b"]
    words = [other.name, other.slug, "San Esteban", "Teresa Quiroga", "Los Boldos"]
    return [w for w in words if w.lower() in text.lower()]


def test_web_registration_says_so_without_naming_the_other_parish(
    login_as, db, world, registered_in_b
):
    staff = login_as("staff")
    data = {
        "head_name": "Tere Quiroga",
        "document_type": "rut",
        "document_number": RUT,
        "household_adults": "1",
        "household_children": "0",
        "consent": "y",
    }
    response = staff.post("/families/new", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert ELSEWHERE in page
    assert _leaks(page, world) == []
    (event,) = helpers.audit_actions(db, "document_checked_across_parishes")
    assert '"found": true' in event.detail and "san-esteban" not in event.detail


def test_api_registration_flags_it_and_a_new_document_does_not(as_role, world, registered_in_b):
    staff = as_role("staff")
    body = {"head_name": "T Q", "document_type": "rut", "document_number": RUT, "consent": True}
    response = staff.post("/api/v1/families", json=body)
    assert response.status_code == 201
    assert response.get_json()["registered_in_other_parish"] is True
    assert _leaks(response.get_data(as_text=True), world) == []
    fresh = staff.post("/api/v1/families", json={**body, "document_number": rut_for(778)})
    assert fresh.get_json()["registered_in_other_parish"] is False


def test_import_flags_the_row_without_naming_the_parish(as_role, world, registered_in_b):
    staff = as_role("staff")
    data = files.xlsx([files.HEADER, ["Teresa Q.", RUT, "Calle 1", "", "2", "", "sí"]])
    body, content_type = files.multipart(data, "f.xlsx")
    response = staff.client.post(
        "/api/v1/families/imports",
        data=io.BytesIO(body).read(),
        headers=staff.headers(),
        content_type=content_type,
    )
    (row,) = response.get_json()["rows"]
    assert (row["action"], row["reason_code"]) == ("flag", "registered_in_other_parish")
    assert row["existing_id"] is None
    assert ELSEWHERE in row["message"]
    assert _leaks(response.get_data(as_text=True), world) == []


class TestTurnedOff:
    @pytest.fixture
    def app_config(self, app_config):
        return dict(app_config, CROSS_PARISH_CHECK=False)

    def test_nothing_is_said_when_the_deployment_turns_it_off(self, as_role, registered_in_b):
        staff = as_role("staff")
        body = {"head_name": "T", "document_type": "rut", "document_number": RUT, "consent": True}
        response = staff.post("/api/v1/families", json=body)
        assert response.status_code == 201
        assert response.get_json()["registered_in_other_parish"] is False
        assert registered_in_b.document_digest is None


def test_families_from_before_the_check_are_indexed_by_the_command(app, db, world):
    import sqlalchemy as sa

    from voucher.families.models import Family

    family = helpers.family(db, world, "Ana Antigua", parish="b", rut=rut_for(779))
    db.session.execute(sa.update(Family).values(document_digest=None))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["families", "index-documents"])
    assert result.exit_code == 0, result.output
    db.session.refresh(family)
    assert family.document_digest is not None and len(family.document_digest) == 64
