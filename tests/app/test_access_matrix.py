"""Walks the URL map: every route is either deliberately public or guarded by
role_required; anonymous users are sent to log in (web) or get 401 (API); other roles
get 403; and another parish's objects answer 404 — for every route, not a sample."""

from __future__ import annotations

import re
from datetime import date

import pytest

from voucher.auth.models import Role

PUBLIC = {
    "static",
    "auth.login",
    "auth.root",
    "api.openapi",
    "api.docs",
    "public.redeem",
    "public.status",
    "health.healthz",  # a monitor's probe: no login, no data
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
    s.commit()
    return {
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
    }


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
# Shops are shared between parishes: an admin may enrol any existing shop in their own parish.
SHARED = {"api.enrol_shop"}


def call(client, method, path, api_token=None):
    path += next((q for suffix, q in QUERIES.items() if path.endswith(suffix)), "")
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
