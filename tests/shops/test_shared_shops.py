"""Shared shops: one owning parish (the one that registered the shop) edits it and makes
its accounts; another parish joins only when the shop or its owning parish accepts, and
then sees the shop's name, address and categories and its own dealings with it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdf
import sqlalchemy as sa

from voucher.audit.models import AuditEvent
from voucher.auth.models import User
from voucher.dates import format_datetime
from voucher.shops.models import Shop, ShopParish

STOLEN = "Banco Falso, cuenta 999-999"


def page(response) -> str:
    return response.get_data(as_text=True)


def enrolled(db, shop_id: int, parish_id: int) -> bool | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(ShopParish.active).where(
            ShopParish.shop_id == shop_id, ShopParish.parish_id == parish_id
        )
    )


def shop_data(shop: Shop, **changes) -> dict:
    data = {
        "name": shop.name,
        "rut": shop.rut,
        "owner_name": shop.owner_name,
        "address": shop.address,
        "phone": shop.phone,
        "food": "y",
        "hygiene": "y",
        "payment_details": shop.payment_details,
    }
    data.update(changes)
    return data


def dress_up(db, shop: Shop) -> None:
    """Give the shop the details another parish must not see."""
    shop.address = "Pasaje Los Aromos 123"
    shop.phone = "+56 9 8765 4321"
    shop.payment_details = "BancoEstado, CuentaRUT 76086428"
    db.session.commit()


def test_another_parish_cannot_take_over_a_shop_by_its_id(
    api, login_as, app, db, world, issue, redeem_now
):
    """Finding 1: parish B's admin, with the shop's id alone, enrolled parish A's shop,
    read its owner data, changed its bank details and made a shopkeeper who then read
    and voided parish A's redemptions."""
    shop, parish_b = world.shops["a"], world.parishes["b"]
    dress_up(db, shop)
    keeper_email = world.users[("a", "shopkeeper")].email
    done = redeem_now(issue(15000), 4000)

    answer = api("admin", "b").post(f"/api/v1/shops/{shop.id}/enrolment", json={})
    assert answer.status_code == 202
    assert answer.get_json()["status"] == "pending"
    assert enrolled(db, shop.id, parish_b.id) is None  # takes no vouchers of parish B yet

    admin_b = login_as("admin", "b")
    seen = admin_b.get(f"/shops/{shop.id}")
    assert seen.status_code == 404
    for secret in (shop.owner_name, shop.phone, shop.payment_details, keeper_email):
        assert secret not in page(seen)

    edit = admin_b.post(f"/shops/{shop.id}/edit", data=shop_data(shop, payment_details=STOLEN))
    assert edit.status_code == 404
    made = admin_b.post(
        f"/shops/{shop.id}/shopkeepers",
        data={"name": "Intruso", "email": "intruso@example.cl", "password": "una-clave-larga"},
    )
    assert made.status_code == 404
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).payment_details != STOLEN
    assert db.session.scalar(sa.select(User).where(User.email == "intruso@example.cl")) is None

    # The intruder account could not be made, so nobody outside parish A reads its day.
    intruder = app.test_client()
    intruder.post("/login", data={"email": "intruso@example.cl", "password": "una-clave-larga"})
    assert intruder.get("/shops/today").status_code == 302  # to the login page
    assert f"{done.id:06d}" not in page(intruder.get("/shops/today"))


def test_even_once_joined_another_parish_cannot_edit_the_shop_or_make_its_accounts(
    login_as, db, world
):
    shop = world.shops["a"]
    dress_up(db, shop)
    join(login_as, db, world)
    admin_b = login_as("admin", "b")
    html = page(admin_b.get(f"/shops/{shop.id}"))
    assert shop.name in html and "Pasaje Los Aromos 123" in html
    for secret in (
        shop.owner_name,
        shop.phone,
        shop.payment_details,
        world.users[("a", "shopkeeper")].email,
    ):
        assert secret not in html
    assert admin_b.get(f"/shops/{shop.id}/edit").status_code == 403
    edit = admin_b.post(f"/shops/{shop.id}/edit", data=shop_data(shop, payment_details=STOLEN))
    assert edit.status_code == 403
    made = admin_b.post(
        f"/shops/{shop.id}/shopkeepers",
        data={"name": "Intruso", "email": "intruso@example.cl", "password": "una-clave-larga"},
    )
    assert made.status_code == 403
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).payment_details != STOLEN
    assert db.session.scalar(sa.select(User).where(User.email == "intruso@example.cl")) is None


def join(login_as, db, world, accept_as: str = "admin") -> None:
    """Parish B asks to join parish A's shop by its RUT; parish A's admin (or the shop's
    shopkeeper) accepts."""
    shop = world.shops["a"]
    asked = login_as("admin", "b").post("/shops/enrol", data={"rut": shop.rut})
    assert asked.status_code == 302
    request_id = pending_request_id(db, shop.id, world.parishes["b"].id)
    who = login_as(accept_as, "a")
    accepted = who.post(f"/shops/requests/{request_id}/accept")
    assert accepted.status_code == 302
    assert enrolled(db, shop.id, world.parishes["b"].id) is True


def pending_request_id(db, shop_id: int, parish_id: int) -> int:
    from voucher.shops.models import ShopJoinRequest

    db.session.expire_all()
    return db.session.scalar(
        sa.select(ShopJoinRequest.id).where(
            ShopJoinRequest.shop_id == shop_id,
            ShopJoinRequest.parish_id == parish_id,
            ShopJoinRequest.status == "pending",
        )
    )


def test_the_shop_takes_a_joining_parishs_vouchers_only_once_accepted(login_as, db, world, issue):
    shop, keeper = world.shops["a"], world.users[("a", "shopkeeper")]
    theirs = issue(15000, parish="b")
    login_as("admin", "b").post("/shops/enrol", data={"rut": shop.rut})
    phone = login_as("shopkeeper", "a")
    refused = page(phone.get(f"/shops/voucher?code={theirs.code}"))
    assert "COMERCIO NO ADHERIDO" in refused and "COBRAR" not in refused
    asks = page(phone.get("/shops/scan"))
    assert "Parroquia San Esteban pide adherir su comercio" in asks
    request_id = pending_request_id(db, shop.id, world.parishes["b"].id)
    assert phone.post(f"/shops/requests/{request_id}/accept").status_code == 302
    assert "COBRAR" in page(phone.get(f"/shops/voucher?code={theirs.code}"))
    assert keeper.shop_id == shop.id


def test_each_parish_sees_only_its_own_part_of_a_shared_shop(
    login_as, db, world, issue, redeem_now
):
    """The shop's own day, statement and voids are shop-wide; each parish's treasurer
    sees and voids only what its own vouchers paid."""
    shop = world.shops["a"]
    join(login_as, db, world, accept_as="shopkeeper")
    ours = redeem_now(issue(15000), 4000)
    theirs = redeem_now(issue(12000, parish="b"), 3000)  # at shop "a", with parish b's voucher
    ours_no, theirs_no = f"N° {ours.id:06d}", f"N° {theirs.id:06d}"

    phone = login_as("shopkeeper", "a")
    day = page(phone.get("/shops/today"))
    assert ours_no in day and theirs_no in day
    mine = page(phone.get("/treasury/my-statement"))
    assert "Parroquia Jesús Maestro" in mine and "Parroquia San Esteban" in mine

    period = "?date_from=2026-01-01&date_to=2026-12-31"
    treasurer_b = login_as("treasurer", "b")
    seen_b = page(treasurer_b.get(f"/treasury/shops/{shop.id}/statement{period}"))
    assert theirs_no in seen_b and ours_no not in seen_b
    treasurer_a = login_as("treasurer", "a")
    seen_a = page(treasurer_a.get(f"/treasury/shops/{shop.id}/statement{period}"))
    assert ours_no in seen_a and theirs_no not in seen_a

    voided = {"reason": "Error de monto"}
    assert treasurer_b.post(f"/treasury/redemptions/{ours.id}/void", data=voided).status_code == 404
    assert treasurer_a.post(f"/treasury/redemptions/{theirs.id}/void", data=voided).status_code == (
        404
    )
    assert treasurer_b.post(f"/treasury/redemptions/{theirs.id}/void", data=voided).status_code == (
        302
    )
    assert phone.post(f"/shops/redemptions/{ours.id}/void", data=voided).status_code == 302
    db.session.expire_all()
    assert {r.status.value for r in (ours, theirs)} == {"voided"}


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)


def test_a_change_of_bank_details_is_audited_for_the_owner_and_told_on_statements(
    login_as, db, world, issue, redeem_now
):
    shop, parish_a = world.shops["a"], world.parishes["a"]
    join(login_as, db, world)
    redeem_now(issue(15000), 4000)
    admin = login_as("admin")
    unchanged = admin.post(f"/shops/{shop.id}/edit", data=shop_data(shop, name="Almacén Uno"))
    assert unchanged.status_code == 302
    assert "se modificaron" not in page(login_as("shopkeeper").get("/treasury/my-statement"))

    new = "BancoEstado, cuenta vista 555"
    edit = admin.post(f"/shops/{shop.id}/edit", data=shop_data(shop, payment_details=new))
    assert edit.status_code == 302
    db.session.expire_all()
    changed_at = db.session.get(Shop, shop.id).payment_details_changed_at
    assert changed_at is not None
    when = format_datetime(changed_at, parish_a.timezone)

    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "shop_payment_details_changed")
    ).all()
    assert [(e.parish_id, e.shop_id) for e in events] == [(parish_a.id, shop.id)]
    trail = page(admin.get("/audit/?action=shop_payment_details_changed"))
    assert "Datos para pagarle al comercio modificados" in trail and new in trail
    assert new not in page(login_as("admin", "b").get("/audit/"))  # another parish's trail

    phone = login_as("shopkeeper")
    mine = page(phone.get("/treasury/my-statement"))
    assert mine.count(f"se modificaron el {when}") == 2  # on each parish's statement
    period = "?date_from=2026-01-01&date_to=2026-12-31"
    text = pdf_text(phone.get(f"/treasury/my-statement/{parish_a.id}.pdf{period}"))
    assert "Datos para pagarle modificados el" in text and when in text
    treasurer_b = login_as("treasurer", "b")
    theirs = page(treasurer_b.get(f"/treasury/shops/{shop.id}/statement{period}"))
    # A parish that pays the shop needs to know where to: it reads the details, and when
    # they changed, but cannot edit them.
    assert f"se modificaron el {when}" in theirs and new in theirs


def test_the_migration_gives_each_shop_the_parish_of_its_earliest_enrolment(db, world):
    """Shops registered before ownership existed: the parish that enrolled them first owns
    them; parishes enrolled later stay enrolled, as parishes that joined."""
    from flask_migrate import downgrade, upgrade

    s = db.session
    a, b = world.parishes["a"], world.parishes["b"]
    early, late = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    shared = Shop(name="Almacén Compartido", rut="76086428-5", owner_name="", address="")
    s.add(shared)
    s.flush()
    s.add_all(
        [
            ShopParish(shop_id=shared.id, parish_id=a.id, active=True, created_at=late),
            ShopParish(shop_id=shared.id, parish_id=b.id, active=True, created_at=early),
        ]
    )
    orphan = Shop(name="Sin parroquia", rut="12345678-5", owner_name="", address="")
    s.add(orphan)
    s.commit()
    ids = {"a": world.shops["a"].id, "b": world.shops["b"].id, "shared": shared.id}
    orphan_id, a_id, b_id = orphan.id, a.id, b.id
    s.close()
    downgrade(revision="0006")
    assert "shop_join_request" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    owners = dict(s.execute(sa.select(Shop.id, Shop.owner_parish_id)).tuples().all())
    assert owners[ids["a"]] == a_id and owners[ids["b"]] == b_id
    assert owners[ids["shared"]] == b_id  # enrolled in b first
    assert owners[orphan_id] is None
    assert enrolled(db, ids["shared"], a_id) is True


def test_join_requests_on_the_api(api, db, world):
    shop, parish_b = world.shops["a"], world.parishes["b"]
    asker = api("admin", "b")
    wrong = asker.post(f"/api/v1/shops/{shop.id}/enrolment", json={"rut": "11.111.111-1"})
    assert wrong.status_code == 404
    asked = asker.post(f"/api/v1/shops/{shop.id}/enrolment", json={"rut": shop.rut})
    assert asked.status_code == 202
    request_id = asked.get_json()["request_id"]
    sent = asker.get("/api/v1/shops/join-requests").get_json()["items"]
    assert [(r["id"], r["shop_id"], r["status"]) for r in sent] == [
        (request_id, shop.id, "pending")
    ]

    # Neither the asking parish nor another shop answers it; the owner's staff cannot.
    assert asker.post(f"/api/v1/shops/join-requests/{request_id}/accept").status_code == 404
    other_keeper = api("shopkeeper", "b")
    assert other_keeper.post(f"/api/v1/shops/join-requests/{request_id}/accept").status_code == (
        404
    )
    assert api("staff").post(f"/api/v1/shops/join-requests/{request_id}/accept").status_code == (
        403
    )
    assert enrolled(db, shop.id, parish_b.id) is None

    owner = api("admin")
    waiting = owner.get("/api/v1/shops/join-requests").get_json()["items"]
    assert [(r["id"], r["parish"]["slug"]) for r in waiting] == [(request_id, "san-esteban")]
    declined = owner.post(f"/api/v1/shops/join-requests/{request_id}/decline")
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    again = owner.post(f"/api/v1/shops/join-requests/{request_id}/accept")
    assert again.status_code == 409 and again.get_json()["reason"] == "not_pending"
    assert enrolled(db, shop.id, parish_b.id) is None

    second = asker.post(f"/api/v1/shops/{shop.id}/enrolment", json={}).get_json()["request_id"]
    assert second != request_id
    accepted = owner.post(f"/api/v1/shops/join-requests/{second}/accept")
    assert accepted.status_code == 200
    assert enrolled(db, shop.id, parish_b.id) is True
    assert asker.post(f"/api/v1/shops/{shop.id}/enrolment", json={}).status_code == 409
    events = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.parish_id == world.parishes["a"].id, AuditEvent.action.like("shop_join%")
        )
    ).all()
    assert sorted(events) == sorted(
        ["shop_join_requested", "shop_join_declined", "shop_join_requested", "shop_join_accepted"]
    )


def test_unknown_codes_tried_at_a_shared_shop_are_in_its_owners_scan_log_only(login_as, db, world):
    from tests.shops.conftest import unknown_code

    join(login_as, db, world)
    login_as("shopkeeper").get("/shops/voucher", query_string={"code": unknown_code()})
    keeper_name = world.users[("a", "shopkeeper")].name
    owner = page(login_as("admin").get("/audit/scans"))
    assert "código no encontrado o mal escrito" in owner.lower() and keeper_name in owner
    joined = page(login_as("admin", "b").get("/audit/scans"))
    assert "código no encontrado" not in joined.lower() and keeper_name not in joined


def test_the_shopkeeper_keeps_the_bank_details_and_the_owner_sees_every_change(login_as, db, world):
    shop, parish_a = world.shops["a"], world.parishes["a"]
    join(login_as, db, world)
    phone = login_as("shopkeeper")
    assert "Teléfono y datos para pagarle" in page(phone.get("/treasury/my-statement"))
    form = page(phone.get("/shops/my-shop"))
    assert shop.name in form
    too_long = phone.post("/shops/my-shop", data={"phone": "9" * 31, "payment_details": "x"})
    assert too_long.status_code == 422
    new = "Banco de Chile, cuenta corriente 0001"
    saved = phone.post("/shops/my-shop", data={"phone": "+56 2 2222 3333", "payment_details": new})
    assert saved.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Shop, shop.id)
    assert changed.payment_details == new and changed.phone == "+56 2 2222 3333"
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "shop_payment_details_changed")
    ).one()
    assert (event.parish_id, event.shop_id) == (parish_a.id, shop.id)
    assert event.user_id == world.users[("a", "shopkeeper")].id
    assert new in page(login_as("admin").get("/audit/?action=shop_payment_details_changed"))
    assert new not in page(login_as("admin", "b").get("/audit/"))
    when = format_datetime(changed.payment_details_changed_at, parish_a.timezone)
    period = "?date_from=2026-01-01&date_to=2026-12-31"
    theirs = page(login_as("treasurer", "b").get(f"/treasury/shops/{shop.id}/statement{period}"))
    assert f"se modificaron el {when}" in theirs
    assert login_as("shopkeeper", "b").get("/shops/my-shop").status_code == 200  # its own shop
    assert login_as("admin").get("/shops/my-shop").status_code == 403


def test_of_two_answers_sent_at_once_only_one_counts(db, world):
    """The answer is a conditional UPDATE: an answer given meanwhile (here, behind the
    back of the request already read) makes this one 409, and nothing is enrolled."""
    import pytest

    from voucher.shops.models import ShopJoinRequest
    from voucher.shops.sharing import RequestNotPending, decide, request_to_join

    s = db.session
    asked = request_to_join(
        s, world.shops["a"], world.parishes["b"].id, world.users[("b", "admin")]
    )
    s.commit()
    assert asked.status == "pending"  # read, then answered elsewhere:
    s.execute(
        sa.update(ShopJoinRequest)
        .where(ShopJoinRequest.id == asked.id)
        .values(status="declined")
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(RequestNotPending):
        decide(s, asked, True, world.users[("a", "shopkeeper")])
    s.rollback()
    assert enrolled(db, world.shops["a"].id, world.parishes["b"].id) is None


def test_enrolling_another_parishs_shop_directly_is_refused(db, world):
    """The service every registering path calls: it enrols a shop in the parish that owns
    it (or owns nothing yet), never in another parish without an accepted request."""
    import pytest

    from voucher.shops.services import JoinNeedsConsent, enrol_shop

    with pytest.raises(JoinNeedsConsent):
        enrol_shop(db.session, world.shops["a"], world.parishes["b"].id)
    db.session.rollback()
    assert enrolled(db, world.shops["a"].id, world.parishes["b"].id) is None
