"""The staff pages: list, detail, issuing one voucher, rounds, cancel and replace."""

from __future__ import annotations

import re

import sqlalchemy as sa

from voucher.oversight.verify import verify_parish
from voucher.programs.models import Program
from voucher.vouchers import services
from voucher.vouchers.models import Round, Voucher, VoucherStatus


def text(response) -> str:
    return response.get_data(as_text=True)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html) or re.search(
        rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html
    )
    assert match, f"no hidden {name}"
    return match.group(1)


def fund_of(db, program) -> int:
    db.session.expire_all()
    return db.session.get(Program, program.id).fund_available


def issue(db, s, keys, family=0, **kw):
    issued = services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[family],
        user=s.staff,
        keys=keys,
        **kw,
    )
    db.session.commit()
    return issued


# --- list and detail -------------------------------------------------------------------


def test_list_filters_by_status_program_and_serial(db, scheme, keys, login_as):
    s = scheme(families=3, fund=100_000)
    vouchers = [issue(db, s, keys, n).voucher for n in range(3)]
    services.cancel_voucher(db.session, vouchers[0], reason="error", user=s.staff)
    db.session.commit()
    staff = login_as("staff")
    page = text(staff.get("/vouchers/"))
    for v in vouchers:
        assert v.serial in page
    assert "María Nuñez 1" in page
    cancelled = text(staff.get("/vouchers/?status=cancelled"))
    assert vouchers[0].serial in cancelled and vouchers[1].serial not in cancelled
    found = text(staff.get(f"/vouchers/?serial={vouchers[2].serial[-6:]}"))
    assert vouchers[2].serial in found and vouchers[1].serial not in found
    other = text(staff.get(f"/vouchers/?program={s.program.id + 1000}"))
    assert "No hay vales con esos filtros." in other


def test_detail_shows_the_voucher_and_its_family(db, scheme, keys, login_as):
    s = scheme(families=1)
    voucher = issue(db, s, keys).voucher
    page = text(login_as("staff").get(f"/vouchers/{voucher.id}"))
    assert voucher.serial in page
    assert "$15.000" in page
    assert f"/families/{s.families[0].id}" in page
    assert "Descargar PDF para imprimir" in page  # never printed yet
    assert "Reemplazar por pérdida" in page and "Anular" in page
    treasurer = text(login_as("treasurer").get(f"/vouchers/{voucher.id}"))
    assert voucher.serial in treasurer and "Anular" not in treasurer


def test_another_parishs_voucher_is_not_found(db, scheme, keys, login_as):
    other = scheme(families=1, parish="b", name="Otro")
    voucher = issue(db, other, keys).voucher
    staff = login_as("staff")
    assert staff.get(f"/vouchers/{voucher.id}").status_code == 404
    assert staff.get(f"/vouchers/{voucher.id}/pdf").status_code == 404
    assert (
        staff.post(f"/vouchers/{voucher.id}/cancel", data={"cancel-reason": "x"}).status_code == 404
    )
    assert voucher.serial not in text(staff.get("/vouchers/"))


# --- issuing one voucher -----------------------------------------------------------------


def test_issue_one_voucher_from_the_family(db, scheme, login_as):
    s = scheme(families=1, fund=20_000)
    staff = login_as("staff")
    family_id = s.families[0].id
    form = text(staff.get(f"/vouchers/issue?family_id={family_id}"))
    assert "María Nuñez 0" in form and "Canasta familiar · $15.000" in form
    done = staff.post(
        f"/vouchers/issue?family_id={family_id}", data={"program_id": str(s.program.id)}
    )
    assert done.status_code == 302
    page = text(staff.get(done.headers["Location"]))
    assert "emitido" in page and "Descargar PDF para imprimir" in page
    assert fund_of(db, s.program) == 5_000

    again = staff.post(
        f"/vouchers/issue?family_id={family_id}", data={"program_id": str(s.program.id)}
    )
    assert again.status_code == 200
    assert "Esta familia ya recibió 1 vale de este programa en el ciclo actual." in text(again)
    assert "vale(s)" not in text(again)


def test_issue_says_when_the_fund_is_short(db, scheme, login_as):
    s = scheme(families=1, fund=10_000)
    response = login_as("staff").post(
        f"/vouchers/issue?family_id={s.families[0].id}", data={"program_id": str(s.program.id)}
    )
    assert "El fondo del programa no alcanza" in text(response)
    assert fund_of(db, s.program) == 10_000


def test_issue_without_a_family_sends_to_the_family_list(login_as):
    response = login_as("staff").get("/vouchers/issue")
    assert response.status_code == 302 and "/families" in response.headers["Location"]


# --- rounds ------------------------------------------------------------------------------


def test_round_preview_confirm_and_result(db, scheme, keys, login_as):
    s = scheme(families=4, fund=100_000)
    issue(db, s, keys, 0)
    staff = login_as("staff")
    assert "Nueva ronda" in text(staff.get("/vouchers/rounds"))
    choose = text(staff.get("/vouchers/rounds/new"))
    assert "Canasta familiar" in choose
    preview = text(staff.get(f"/vouchers/rounds/new?program_id={s.program.id}"))
    assert "Emitir 3 vales" in preview
    assert "$45.000" in preview  # total
    assert "$85.000" in preview and "$40.000" in preview  # fund now and after
    assert "ya recibió vale este ciclo" in preview
    data = {
        "program_id": hidden(preview, "program_id"),
        "expected": hidden(preview, "expected"),
        "after_round": hidden(preview, "after_round"),
    }
    done = staff.post("/vouchers/rounds/new", data=data)
    assert done.status_code == 302
    issue_round = db.session.scalars(sa.select(Round)).one()
    assert done.headers["Location"].endswith(f"/vouchers/rounds/{issue_round.id}")
    result = text(staff.get(done.headers["Location"]))
    assert "3 vales emitidos" in result
    assert "María Nuñez 0" in result and "ya recibió vale este ciclo" in result
    assert f"/vouchers/rounds/{issue_round.id}/pdf" in result
    assert fund_of(db, s.program) == 40_000

    # The same confirmation sent again (double tap, reload) issues nothing more.
    twice = staff.post("/vouchers/rounds/new", data=data)
    assert twice.headers["Location"].endswith(f"/vouchers/rounds/{issue_round.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voucher)) == 4
    listing = text(staff.get("/vouchers/rounds"))
    assert f"/vouchers/rounds/{issue_round.id}" in listing


def test_round_preview_refuses_a_short_fund(db, scheme, login_as):
    s = scheme(families=3, fund=40_000)
    preview = text(login_as("staff").get(f"/vouchers/rounds/new?program_id={s.program.id}"))
    assert "El fondo no alcanza" in preview
    assert "Faltan $5.000" in preview
    assert "Emitir 3 vales" not in preview


def test_round_confirmed_after_the_list_changed_shows_the_preview_again(db, scheme, login_as):
    s = scheme(families=2, fund=100_000)
    staff = login_as("staff")
    preview = text(staff.get(f"/vouchers/rounds/new?program_id={s.program.id}"))
    data = {
        "program_id": hidden(preview, "program_id"),
        "expected": "5",
        "after_round": hidden(preview, "after_round"),
    }
    response = staff.post("/vouchers/rounds/new", data=data, follow_redirects=True)
    assert "La lista de familias cambió" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voucher)) == 0


def test_a_round_skips_deactivated_families_in_spanish(db, scheme, keys, login_as):
    from voucher.families.services import set_active

    s = scheme(families=2, fund=100_000)
    set_active(db.session, s.families[1], False, s.staff)
    db.session.commit()
    result = services.issue_round(
        db.session, parish=s.parish, program=s.program, user=s.staff, keys=keys
    )
    db.session.commit()
    page = text(login_as("staff").get(f"/vouchers/rounds/{result.round.id}"))
    assert "1 vale emitido" in page and "familia desactivada" in page


# --- cancel and replace ----------------------------------------------------------------------


def test_cancel_needs_a_reason_and_returns_the_value(db, scheme, keys, login_as):
    s = scheme(families=1, fund=15_000)
    voucher = issue(db, s, keys).voucher
    staff = login_as("staff")
    refused = staff.post(f"/vouchers/{voucher.id}/cancel", data={"cancel-reason": " "})
    assert refused.status_code == 422
    assert "Escriba el motivo de la anulación." in text(refused)
    done = staff.post(
        f"/vouchers/{voucher.id}/cancel", data={"cancel-reason": "Duplicado"}, follow_redirects=True
    )
    page = text(done)
    assert "Vale anulado" in page and "Duplicado" in page
    assert fund_of(db, s.program) == 15_000
    assert verify_parish(db.session, s.parish).ok
    again = staff.post(f"/vouchers/{voucher.id}/cancel", data={"cancel-reason": "otra"})
    assert again.status_code == 409 and "no está vigente" in text(again)


def test_replace_gives_a_new_code_and_the_old_paper_says_replaced(
    db, scheme, keys, login_as, client
):
    s = scheme(families=1)
    issued = issue(db, s, keys)
    staff = login_as("staff")
    staff.get(f"/vouchers/{issued.voucher.id}/pdf")
    done = staff.post(
        f"/vouchers/{issued.voucher.id}/replace",
        data={"replace-reason": "Se perdió en la feria"},
        follow_redirects=True,
    )
    page = text(done)
    assert "el papel anterior ya no sirve" in page
    assert "Descargar PDF para imprimir" in page  # the new code is not printed yet
    old = text(client.get(f"/r/{issued.code}"))
    assert "VALE REEMPLAZADO" in old and "pida el vale nuevo en la parroquia" in old
    db.session.expire_all()
    voucher = db.session.get(Voucher, issued.voucher.id)
    new_code = keys.decrypt(voucher.code_encrypted)
    assert new_code != issued.code
    assert "Vale válido" in text(client.get(f"/r/{new_code}"))
    assert voucher.status == VoucherStatus.ACTIVE


def test_pages_work_for_a_parish_with_no_vouchers(login_as):
    staff = login_as("staff")
    assert "Aún no se han emitido vales." in text(staff.get("/vouchers/"))
    assert "Todavía no hay rondas." in text(staff.get("/vouchers/rounds"))
    assert "No hay programas activos" in text(staff.get("/vouchers/rounds/new"))
