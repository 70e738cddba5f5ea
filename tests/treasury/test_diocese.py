"""The diocese: an account of the whole deployment, made with the CLI, that reads every
parish's impact figures side by side and combined, and nothing else."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.factories import PASSWORD
from tests.treasury.impact_seed import seed_season
from tests.treasury.test_impact import parse_csv
from voucher.auth.models import Role, User
from voucher.treasury.impact import impact_report


def test_cli_creates_the_diocese_without_a_parish(app, db, world):
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=["users", "create", "caritas@example.cl", "--role", "diocese"],
        input=PASSWORD + "\n",
    )
    assert made.exit_code == 0, made.output
    user = db.session.scalar(sa.select(User).where(User.email == "caritas@example.cl"))
    assert user.role == Role.DIOCESE and user.parish_id is None and user.shop_id is None
    refused = runner.invoke(
        args=[
            "users",
            "create",
            "otra@example.cl",
            "--role",
            "diocese",
            "--parish",
            "jesus-maestro",
        ],
        input=PASSWORD + "\n",
    )
    assert refused.exit_code != 0 and "no pertenece a una parroquia" in refused.output


def test_the_database_keeps_the_diocese_out_of_parishes(db, world):
    parish = world.parishes["a"]
    insert = sa.text(
        'INSERT INTO "user" (email, name, password_hash, role, parish_id, active, created_at)'
        " VALUES (:email, 'x', 'x', :role, :parish, true, CURRENT_TIMESTAMP)"
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            insert, {"email": "d@example.cl", "role": "diocese", "parish": parish.id}
        )
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(insert, {"email": "s@example.cl", "role": "staff", "parish": None})
    db.session.rollback()
    db.session.execute(insert, {"email": "d@example.cl", "role": "diocese", "parish": None})
    db.session.commit()


@pytest.fixture
def two_seasons(db, world):
    return seed_season(db.session, world, "a"), seed_season(db.session, world, "b", families=4)


def test_the_diocese_sees_every_parish_side_by_side_and_combined(
    db, world, two_seasons, login_as, api
):
    season = two_seasons[0]
    start, end = (d.isoformat() for d in season.period)
    each = {
        key: impact_report(db.session, [world.parishes[key]], *season.period).totals
        for key in ("a", "b")
    }
    body = api("diocese").get(f"/api/v1/reports/impact?from={start}&to={end}").get_json()
    by_slug = {p["slug"]: p for p in body["parishes"]}
    assert set(by_slug) == {"jesus-maestro", "san-esteban"}
    for key, slug in (("a", "jesus-maestro"), ("b", "san-esteban")):
        assert by_slug[slug]["households"] == each[key].households
        assert by_slug[slug]["people"] == each[key].people
        assert by_slug[slug]["pesos_redeemed"] == each[key].pesos_redeemed
    assert body["households"] == each["a"].households + each["b"].households
    assert body["pesos"]["redeemed"] == each["a"].pesos_redeemed + each["b"].pesos_redeemed
    assert sum(s["share"] for s in body["shops"]) == pytest.approx(1.0)
    # nothing personal: no family, head or document anywhere
    text = str(body)
    assert "Familia" not in text and "family" not in text and "rut" not in text.lower()

    # the parish's own treasurer gets no `parishes`
    own = api("treasurer").get(f"/api/v1/reports/impact?from={start}&to={end}").get_json()
    assert "parishes" not in own and own["households"] == each["a"].households

    page = login_as("diocese").get(f"/diocese/?date_from={start}&date_to={end}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Parroquia Jesús Maestro" in html and "Parroquia San Esteban" in html
    assert 'id="chart-parishes-1"' in html
    pdf = login_as("diocese").get(f"/diocese/impact.pdf?date_from={start}&date_to={end}")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Parroquia San Esteban" in text and "Todas las parroquias" in text
    rows = parse_csv(
        api("diocese")
        .get(f"/api/v1/reports/impact.csv?from={start}&to={end}")
        .get_data(as_text=True)
    )
    at = rows.index(["Parroquias"])
    assert {r[0]: int(r[1]) for r in rows[at + 2 : at + 4]} == {
        "Parroquia Jesús Maestro": each["a"].households,
        "Parroquia San Esteban": each["b"].households,
    }


def test_diocese_login_lands_on_its_page(app, world):
    client = app.test_client()
    user = world.users[("a", "diocese")]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/diocese/")
    assert client.get("/treasury/").status_code == 403
    assert client.get("/families/").status_code == 403
    home = client.get("/diocese/")
    assert home.status_code == 200 and "Impacto de las parroquias" in home.get_data(as_text=True)
    assert client.get("/profile").status_code == 200


def test_the_diocese_api_me_says_no_parish(world, api):
    body = api("diocese").get("/api/v1/me").get_json()
    assert body["role"] == "diocese" and body["parish"] is None and body["shop_id"] is None
