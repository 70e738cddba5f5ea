"""Walks the URL map: every route is either deliberately public or guarded by
role_required; anonymous users are sent to log in (web) or get 401 (API); other roles
get 403; and another parish's objects answer 404 — for every route, not a sample."""

from __future__ import annotations

import re
from datetime import date

import pytest

from voucher.auth.models import Role
from voucher.shops import pairing
from voucher.shops.device_auth import COOKIE, DEVICE_API_ENDPOINTS, DEVICE_ENDPOINTS

PUBLIC = {
    "static",
    "auth.login",
    "auth.root",
    "api.openapi",
    "api.docs",
    "public.redeem",
    "public.status",
    "health.healthz",  # a monitor's probe: no login, no data
    "auth.reset_password",  # a one-time link handed over by an admin: its secret is the key
    "auth.new_password",  # the page that link opens (the secret waits in the session)
    "phone.pair",  # the one-time pairing link a phone's camera opens
    "api.complete_pairing",  # the same, for a phone app: the link's token is the credential
    "phone.service_worker",  # the scan page's app shell: nothing personal in them
    "phone.manifest",
    "phone.offline",
}
ROLES = [r.value for r in Role]


def guarded_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        yield rule


def test_every_route_is_public_on_purpose_or_role_guarded(app):
    unguarded = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in guarded_rules(app)
        if not getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
    ]
    assert unguarded == []


@pytest.fixture
def objects(db, world):
    """One object of each kind in parish "a", to aim other parishes' users at."""
    from voucher.dates import local_today
    from voucher.families.services import FamilyInput, create_family
    from voucher.programs.services import ProgramInput, create_program, enrol_family
    from voucher.shops.redemption import Scanner, redeem
    from voucher.treasury.services import FundInput, SettlementInput, record_fund, settle
    from voucher.vouchers.keys import code_keys
    from voucher.vouchers.services import issue_round

    s = db.session
    parish = world.parishes["a"]
    staff, treasurer = world.users[("a", "staff")], world.users[("a", "treasurer")]
    program = create_program(
        s, parish.id, ProgramInput("Canasta", "food", 5000, 30, "monthly", 1), staff
    )
    family = create_family(
        s, parish.id, FamilyInput("Ana Soto", "rut", "12345678-5", consent=True), staff
    )
    enrol_family(s, program, family, staff)
    fund = record_fund(
        s, parish, FundInput(program.id, 50000, date(2026, 1, 2), "Colecta"), treasurer
    )
    issued = issue_round(s, parish=parish, program=program, user=staff, keys=code_keys())
    s.commit()
    from voucher.vouchers.models import Voucher

    voucher = s.get(Voucher, issued.voucher_ids[0])
    code = code_keys().decrypt(voucher.code_encrypted)
    redemption, _ = redeem(
        s,
        Scanner(world.users[("a", "shopkeeper")], world.shops["a"], "1.1.1.1"),
        code,
        1000,
        idempotency_key="matrix",
        keys=code_keys(),
    )
    s.commit()
    settlement, _ = settle(
        s, parish, SettlementInput(world.shops["a"].id, local_today(), "cash"), treasurer
    )
    from voucher.imports.services import preview_import

    imp, _plan = preview_import(
        s, parish.id, staff, file_name="f.csv", data=b"Nombre;RUT\nAna;12345678-5\n"
    )
    from voucher.shops.importing import preview_import as preview_shop_import

    shop_imp, _plan = preview_shop_import(
        s, parish.id, world.users[("a", "admin")], file_name="c.csv", data=b"Nombre;RUT\nA;1-9\n"
    )
    s.commit()
    asked = _third_parish_asks_to_join(s, world.shops["a"])
    made = pairing.start_pairing(s, world.shops["a"], "Caja A", world.users[("a", "admin")])
    device = pairing.complete_pairing(s, made.token, ip="1.1.1.1").device
    s.commit()
    return {
        "import": imp.id,
        "shop_import": shop_imp.id,
        "program": program.id,
        "family": family.id,
        "voucher": voucher.id,
        "fund": fund.id,
        "redemption": redemption.id,
        "settlement": settlement.id,
        "round": issued.round.id,
        "shop": world.shops["a"].id,
        "token": 10**6,
        "user": world.users[("a", "staff")].id,
        "parish": parish.id,
        "request": asked.id,
        "device": device.id,
    }


def _third_parish_asks_to_join(s, shop):
    """A request to join parish "a"'s shop, waiting, from a parish nobody else is in."""
    from tests import factories
    from voucher.parishes.services import create_parish
    from voucher.shops.sharing import request_to_join

    third = create_parish(s, slug="santa-ana", name="Parroquia Santa Ana")
    admin = factories.user(s, Role.ADMIN, third)
    asked = request_to_join(s, shop, third.id, admin)
    s.commit()
    return asked


KIND_WORDS = {
    "programs": "program",
    "families": "family",
    "vouchers": "voucher",
    "funds": "fund",
    "redemptions": "redemption",
    "receipts": "redemption",
    "settlements": "settlement",
    "rounds": "round",
    "shops": "shop",
    "tokens": "token",
    "users": "user",
    "devices": "device",
}


def fill(rule, objects) -> str | None:
    """The rule's URL with parish "a" objects in its int parameters (None if unknown)."""
    path = rule.rule
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        if converter != "IntegerConverter":
            path = path.replace(f"<{name}>", "ABCD-EFGH-JKMN-P")
            continue
        kind = name.strip("_").removesuffix("_id")
        if kind == "import" and "/shops/" in path:
            kind = "shop_import"
        if kind not in objects:
            before = re.search(rf"/([a-z_-]+)/<int:{name}>", path)
            kind = KIND_WORDS.get(before.group(1) if before else "", None)
        if kind not in objects:
            return None
        path = path.replace(f"<int:{name}>", str(objects[kind]))
    return path


# Query strings some GET routes need before they look anything up.
QUERIES = {
    "statement.pdf": "?from=2026-01-01&to=2026-12-31",
    "statement.csv": "?from=2026-01-01&to=2026-12-31",
    "reports/impact": "?from=2026-01-01&to=2026-12-31",
    "reports/impact.pdf": "?from=2026-01-01&to=2026-12-31",
    "reports/impact.csv": "?from=2026-01-01&to=2026-12-31",
    "bank-file": "?date=2026-01-02",
}
# Shops are shared between parishes: an admin may ask to join any registered shop (202).
SHARED = {"api.enrol_shop"}


def call(client, method, path, api_token=None):
    query = next((q for suffix, q in QUERIES.items() if path.endswith(suffix)), "")
    if query and not path.startswith("/api/"):  # the web pages name the days date_from, date_to
        query = query.replace("from=", "date_from=").replace("to=", "date_to=")
    path += query
    headers = {"Authorization": f"Bearer {api_token}"} if api_token else {}
    if method == "GET":
        return client.get(path, headers=headers)
    if path.startswith("/api/"):
        return client.post(path, json={}, headers=headers)
    return client.post(path, data={}, headers=headers)


def test_anonymous_users_must_log_in(app, client, objects):
    problems = []
    for rule in guarded_rules(app):
        path = fill(rule, objects)
        if path is None:
            problems.append(f"no object for {rule.rule}")
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = call(client, method, path)
            expected = 401 if path.startswith("/api/") else 302
            if response.status_code != expected or (
                expected == 302 and "/login" not in response.headers.get("Location", "")
            ):
                problems.append(f"{method} {path}: {response.status_code}")
    assert problems == [], "\n".join(problems)


@pytest.fixture
def tokens(app, db, world):
    from voucher.auth.services import create_token

    result = {}
    for (parish, role), user in world.users.items():
        result[(parish, role)] = create_token(db.session, user, "matrix")[1]
    db.session.commit()
    return result


def web_client(app, world, role, parish):
    from tests.factories import PASSWORD

    client = app.test_client()
    user = world.users[(parish, role)]
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    return client


def test_other_roles_are_refused(app, world, objects, tokens):
    problems = []
    clients = {role: web_client(app, world, role, "a") for role in ROLES}
    for rule in guarded_rules(app):
        allowed = {r.value for r in app.view_functions[rule.endpoint].allowed_roles}
        path = fill(rule, objects)
        assert path is not None, rule.rule
        for role in set(ROLES) - allowed:
            for method in sorted(rule.methods & {"GET", "POST"}):
                if path.startswith("/api/"):
                    response = call(app.test_client(), method, path, tokens[("a", role)])
                else:
                    response = call(clients[role], method, path)
                if response.status_code != 403:
                    problems.append(f"{role} {method} {path}: {response.status_code}")
    assert problems == [], "\n".join(problems)


def test_other_parishes_objects_answer_404(app, world, objects, tokens):
    problems = []
    clients = {role: web_client(app, world, role, "b") for role in ROLES}
    for rule in guarded_rules(app):
        if rule.endpoint in SHARED:
            continue
        if not any(
            rule._converters[a].__class__.__name__ == "IntegerConverter" for a in rule.arguments
        ):
            continue
        path = fill(rule, objects)
        assert path is not None, rule.rule
        allowed = {r.value for r in app.view_functions[rule.endpoint].allowed_roles}
        for role in allowed:
            for method in sorted(rule.methods & {"GET", "POST"}):
                if path.startswith("/api/"):
                    response = call(app.test_client(), method, path, tokens[("b", role)])
                else:
                    response = call(clients[role], method, path)
                ok = {404} if method == "GET" else {404, 422}
                if response.status_code not in ok:
                    problems.append(f"{role}@b {method} {path}: {response.status_code}")
    assert problems == [], "\n".join(problems)


# --- a second parish that joined parish "a"'s shop ---------------------------------------
#
# The owner-only rule: the owning parish edits the shop and makes its accounts; a parish
# that joined sees the shop's name, address and categories, pauses its own enrolment, and
# reads its own statement and balance with the shop (403 where it may see the shop but
# not act on it). Everything else of parish "a" (its redemptions, settlements, vouchers,
# join requests) stays 404.
JOINED = {
    ("shops.detail", "GET"): 200,
    ("shops.edit", "GET"): 403,
    ("shops.edit", "POST"): 403,
    ("shops.add_shopkeeper", "POST"): 403,
    ("shops.enrolment", "POST"): 302,  # its own enrolment (nothing posted: back to the page)
    ("api.enrol_shop", "POST"): 409,  # already_enrolled
    ("treasury.shop_statement", "GET"): 200,
    ("treasury.shop_statement_pdf", "GET"): 200,
    ("treasury.shop_statement_csv", "GET"): 200,
    ("api.shop_balance", "GET"): 200,
    ("api.statement_pdf", "GET"): 200,
    ("api.statement_csv_file", "GET"): 200,
    # the shop's phones are the owner's too
    ("phone.devices", "GET"): 403,
    ("phone.start_pairing", "POST"): 403,
    ("phone.unlink", "POST"): 403,
    ("api.list_devices", "GET"): 403,
    ("api.create_pairing", "POST"): 422,  # its body is checked first (empty here)
}


@pytest.fixture
def joined(db, world, objects):
    """Parish "b" asked to join parish "a"'s shop and the shop's shopkeeper accepted."""
    from voucher.shops.sharing import decide, request_to_join

    s = db.session
    shop = world.shops["a"]
    asked = request_to_join(s, shop, world.parishes["b"].id, world.users[("b", "admin")])
    decide(s, asked, True, world.users[("a", "shopkeeper")])
    s.commit()
    return shop


def test_a_parish_that_joined_a_shared_shop_gets_the_owner_only_answers(
    app, world, objects, tokens, joined
):
    problems = []
    clients = {role: web_client(app, world, role, "b") for role in ROLES}
    for rule in guarded_rules(app):
        if not any(
            rule._converters[a].__class__.__name__ == "IntegerConverter" for a in rule.arguments
        ):
            continue
        path = fill(rule, objects)
        allowed = {r.value for r in app.view_functions[rule.endpoint].allowed_roles}
        for role in allowed:
            for method in sorted(rule.methods & {"GET", "POST"}):
                if path.startswith("/api/"):
                    response = call(app.test_client(), method, path, tokens[("b", role)])
                else:
                    response = call(clients[role], method, path)
                shop_route = "shop_id" in rule.arguments and role != "shopkeeper"
                expected = JOINED.get((rule.endpoint, method)) if shop_route else None
                ok = (
                    {expected}
                    if expected is not None
                    else ({404} if method == "GET" else {404, 422})
                )
                if response.status_code not in ok:
                    problems.append(f"{role}@b {method} {path}: {response.status_code}")
    assert problems == [], "\n".join(problems)


def test_a_parish_that_joined_sees_none_of_the_owners_data(app, world, objects, tokens, joined):
    """What the joined parish does see carries only its own part: no shopkeeper e-mail,
    no owner, no bank details, none of parish "a"'s redemptions or payments."""
    from voucher.shops.models import Shop
    from voucher.vouchers.models import Redemption

    shop = joined
    shop_row = app.extensions["sqlalchemy"].session.get(Shop, shop.id)
    redemption = app.extensions["sqlalchemy"].session.get(Redemption, objects["redemption"])
    number = f"{redemption.id:06d}"
    admin = web_client(app, world, "admin", "b")
    treasurer = web_client(app, world, "treasurer", "b")
    detail = admin.get(f"/shops/{shop.id}").get_data(as_text=True)
    assert shop_row.name in detail
    for secret in (world.users[("a", "shopkeeper")].email, shop_row.owner_name):
        assert secret not in detail
    period = "?date_from=2026-01-01&date_to=2026-12-31"
    statement = treasurer.get(f"/treasury/shops/{shop.id}/statement{period}")
    assert statement.status_code == 200 and number not in statement.get_data(as_text=True)
    csv = treasurer.get(f"/treasury/shops/{shop.id}/statement.csv{period}")
    assert csv.status_code == 200 and number not in csv.get_data(as_text=True)
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {tokens[('b', 'treasurer')]}"}
    balance = api.get(f"/api/v1/shops/{shop.id}/balance", headers=bearer).get_json()
    assert balance["owed"] == 0 and balance["unsettled_count"] == 0
    listed = api.get("/api/v1/shops", headers=bearer).get_json()["items"]
    mine = next(item for item in listed if item["id"] == shop.id)
    assert mine["owned"] is False and mine["owner_name"] == "" and mine["phone"] == ""


@pytest.fixture
def phone_of_b(app, db, world):
    """A phone paired to parish "b"'s shop: its cookie (web) and its token (API)."""
    s = db.session
    made = pairing.start_pairing(s, world.shops["b"], "Caja B", world.users[("b", "admin")])
    paired = pairing.complete_pairing(s, made.token, ip="2.2.2.2")
    token = pairing.device_api_token(s, paired.device)
    s.commit()
    client = app.test_client()
    client.set_cookie(COOKIE, paired.credential)
    return client, token


def test_a_phone_reaches_only_its_own_shops_till(app, objects, phone_of_b):
    """A paired phone (cookie or token) of shop B: 403 on every page and endpoint that is
    not the till's; 404 for shop A's objects on the till's own."""
    client, token = phone_of_b
    problems = []
    for rule in guarded_rules(app):
        path = fill(rule, objects)
        assert path is not None, rule.rule
        api = path.startswith("/api/")
        till = rule.endpoint in (DEVICE_API_ENDPOINTS if api else DEVICE_ENDPOINTS)
        has_id = any(
            rule._converters[a].__class__.__name__ == "IntegerConverter" for a in rule.arguments
        )
        for method in sorted(rule.methods & {"GET", "POST"}):
            if api:
                response = call(app.test_client(), method, path, token)
            else:
                response = call(client, method, path)
            if not till:
                expected = {403}
            elif has_id:
                expected = {404} if method == "GET" else {404, 422}
            else:
                continue  # the till's own pages: tested by the journeys
            if response.status_code not in expected:
                problems.append(f"phone {method} {path}: {response.status_code}")


# What the diocese may open beyond what every account may (its own profile, logging out):
# the impact figures of every parish, on screen, on paper and through the API.
DIOCESE_READS = {
    "diocese.index",
    "diocese.impact_pdf",
    "diocese.impact_csv_file",
    "api.impact",
    "api.impact_pdf",
    "api.impact_csv_file",
}


def test_the_diocese_reads_only_the_impact_figures(app):
    every_role = set(Role)
    endpoints = {
        rule.endpoint
        for rule in guarded_rules(app)
        if Role.DIOCESE in app.view_functions[rule.endpoint].allowed_roles
        and app.view_functions[rule.endpoint].allowed_roles != every_role
    }
    assert endpoints == DIOCESE_READS


def test_the_diocese_is_refused_every_parish_screen_and_record(app, world, objects, tokens):
    """403 on every route of a parish role, 404 or 403 on every record (none is its own)."""
    client = web_client(app, world, "diocese", "a")
    problems = []
    for rule in guarded_rules(app):
        allowed = app.view_functions[rule.endpoint].allowed_roles
        if Role.DIOCESE in allowed and rule.endpoint not in DIOCESE_READS:
            continue  # its own account
        path = fill(rule, objects)
        for method in sorted(rule.methods & {"GET", "POST"}):
            if path.startswith("/api/"):
                response = call(app.test_client(), method, path, tokens[("a", "diocese")])
            else:
                response = call(client, method, path)
            expected = {200} if rule.endpoint in DIOCESE_READS else {403, 404}
            if response.status_code not in expected:
                problems.append(f"diocese {method} {path}: {response.status_code}")
    assert problems == [], "\n".join(problems)
